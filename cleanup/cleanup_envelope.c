/*
 * cleanup_envelope - envelope and extracted records from the client
 *
 *	cleanup_envelope() one record of the envelope section.
 *	cleanup_extracted() one record of the extracted section (END is
 *		handled by the caller).
 *	cleanup_envelope_pending() 1 when per-recipient records wait for
 *		their recipient.
 *
 * Records are copied to the queue file in the client's order, with these
 * checks (each failure is CLEANUP_STAT_BAD): one SENDER before MESSAGE;
 * ATTR records are "name=value" with a non-empty name, at most
 * queue_file_attribute_count_limit of them; no NUL byte in an address or
 * attribute. The sender is rewritten to canonical form (cleanup_addr.c).
 * A recipient's ORCPT, DSN_ORCPT and DSN_NOTIFY records (each at most
 * once) are held until its RCPT record arrives; cleanup_addr_rcpt() then
 * rewrites and expands the recipient and writes each resulting group
 * (ORCPT, DSN_ORCPT, DSN_NOTIFY, RCPT) unless an identical group was
 * written before, as Postfix's duplicate filter does, remembering at most
 * duplicate_filter_limit of them.
 *
 * The "rewrite_context" attribute (local or remote) decides whether
 * missing headers are added (cleanup_message.c).
 */
#include <string.h>

#include "msg.h"
#include "mymalloc.h"
#include "argv.h"
#include "htable.h"
#include "vstring.h"
#include "rec_type.h"
#include "cleanup.h"

#define RCPT_FIELD_ORCPT	(1 << 0)
#define RCPT_FIELD_DSN_ORCPT	(1 << 1)
#define RCPT_FIELD_DSN_NOTIFY	(1 << 2)

static int
cleanup_rcpt_field_bit(int type)
{
	switch (type) {
	case REC_TYPE_ORCPT:
		return (RCPT_FIELD_ORCPT);
	case REC_TYPE_DSN_ORCPT:
		return (RCPT_FIELD_DSN_ORCPT);
	case REC_TYPE_DSN_NOTIFY:
		return (RCPT_FIELD_DSN_NOTIFY);
	default:
		return (0);
	}
}

int
cleanup_envelope_pending(CLEANUP_STATE *state)
{
	return (state->rcpt_pending != 0);
}

/* 1 when data holds a NUL byte (refused in addresses and attributes). */
static int
has_nul(const char *data, size_t len)
{
	return (memchr(data, 0, len) != NULL);
}

/* Hold one per-recipient record until its recipient arrives. */
static void
cleanup_rcpt_field(CLEANUP_STATE *state, int type, const char *data,
		   size_t len)
{
	int     bit = cleanup_rcpt_field_bit(type);

	if (state->rcpt_pending & bit) {
		cleanup_bad(state, "duplicate %s record for one recipient",
			    rec_type_name(type));
		return;
	}
	if (has_nul(data, len)) {
		cleanup_bad(state, "NUL byte in %s record", rec_type_name(type));
		return;
	}
	state->rcpt_pending |= bit;
	vstring_sprintf(state->buf, "%c", type);
	vstring_memcat(state->buf, data, len);
	argv_add(state->rcpt_fields, vstring_str(state->buf));
}

/* A recipient: rewritten and expanded with its held records. */
static void
cleanup_rcpt(CLEANUP_STATE *state, const char *data, size_t len)
{
	const char *orcpt = NULL;
	const char *dsn_orcpt = NULL;
	const char *dsn_notify = NULL;
	char   *rcpt;
	size_t	i;

	if (has_nul(data, len)) {
		cleanup_bad(state, "NUL byte in recipient record");
	} else {
		for (i = 0; i < state->rcpt_fields->len; i++) {
			const char *field = state->rcpt_fields->argv[i];

			switch (field[0]) {
			case REC_TYPE_ORCPT:
				orcpt = field + 1;
				break;
			case REC_TYPE_DSN_ORCPT:
				dsn_orcpt = field + 1;
				break;
			case REC_TYPE_DSN_NOTIFY:
				dsn_notify = field + 1;
				break;
			}
		}
		rcpt = mystrndup(data, len);
		cleanup_addr_rcpt(state, orcpt, dsn_orcpt, dsn_notify, rcpt);
		myfree(rcpt);
	}
	argv_truncate(state->rcpt_fields, 0);
	state->rcpt_pending = 0;
}

static void
cleanup_attr(CLEANUP_STATE *state, const char *data, size_t len)
{
	const char *eq = memchr(data, '=', len);
	const char *value;

	if (eq == NULL || eq == data || has_nul(data, len)) {
		cleanup_bad(state, "malformed attribute record");
		return;
	}
	if (++state->attr_count > var_qattr_count_limit) {
		cleanup_bad(state, "attribute count exceeds limit %ld",
			    var_qattr_count_limit);
		return;
	}
	value = eq + 1;
	if ((size_t) (eq - data) == strlen("rewrite_context")
	    && strncmp(data, "rewrite_context", (size_t) (eq - data)) == 0) {
		size_t  vlen = len - (size_t) (value - data);

		if (vlen == 5 && strncmp(value, "local", 5) == 0) {
			state->add_headers = 1;
		} else if (vlen == 6 && strncmp(value, "remote", 6) == 0) {
			/* Postfix: remote mail is left alone unless this is set. */
			state->add_headers = *var_remote_rwr_domain != 0;
		} else {
			cleanup_bad(state, "bad rewrite_context attribute");
			return;
		}
		state->rewrite_context_seen = 1;
	}
	cleanup_out_rec(state, REC_TYPE_ATTR, data, len);
}

/* Records both sections take (ATTR and recipients); 0 for any other. */
static int
cleanup_rcpt_or_attr(CLEANUP_STATE *state, int type, const char *data,
		     size_t len)
{
	switch (type) {
	case REC_TYPE_ATTR:
		cleanup_attr(state, data, len);
		return (1);
	case REC_TYPE_ORCPT:
	case REC_TYPE_DSN_ORCPT:
	case REC_TYPE_DSN_NOTIFY:
		cleanup_rcpt_field(state, type, data, len);
		return (1);
	case REC_TYPE_RCPT:
		cleanup_rcpt(state, data, len);
		return (1);
	default:
		return (0);
	}
}

void
cleanup_envelope(CLEANUP_STATE *state, int type, const char *data,
		 size_t len)
{
	switch (type) {
	case REC_TYPE_SENDER:
		if (state->sender_seen) {
			cleanup_bad(state, "duplicate sender record");
		} else if (has_nul(data, len)) {
			cleanup_bad(state, "NUL byte in sender record");
		} else {
			char   *raw = mystrndup(data, len);

			state->sender_seen = 1;
			if (cleanup_addr_rewrite(state, raw, state->sender) == 0)
				cleanup_out_str(state, type,
						vstring_str(state->sender));
			myfree(raw);
		}
		break;
	case REC_TYPE_DSN_ENVID:
	case REC_TYPE_DSN_RET:
		cleanup_out_rec(state, type, data, len);
		break;
	case REC_TYPE_MESSAGE:
		if (state->rcpt_pending)
			cleanup_bad(state, "recipient details without recipient");
		else if (!state->sender_seen)
			cleanup_bad(state, "no sender record");
		cleanup_out_rec(state, type, "", 0);
		state->data_offset = qfile_tell(state->qf);
		break;
	default:
		if (!cleanup_rcpt_or_attr(state, type, data, len))
			cleanup_bad(state, "unexpected %s record in envelope",
				    rec_type_name(type));
		break;
	}
}

void
cleanup_extracted(CLEANUP_STATE *state, int type, const char *data,
		  size_t len)
{
	if (!cleanup_rcpt_or_attr(state, type, data, len))
		cleanup_bad(state, "unexpected %s record after message content",
			    rec_type_name(type));
}
