/*
 * cleanup_addr - envelope addresses: rewriting and virtual alias expansion
 *
 *	cleanup_addr_init() reads the parameters and opens
 *		virtual_alias_maps and the mydestination list (before any
 *		client is served).
 *	cleanup_addr_rewrite() puts an address into canonical form through
 *		trivial-rewrite(8) ("rewrite" request, rule "local"), as
 *		Postfix's cleanup does for every envelope address whatever
 *		the client: local_header_rewrite_clients concerns headers
 *		only. The null address stays empty. 0, or -1 when the
 *		service cannot answer: the message then gets
 *		CLEANUP_STAT_DEFER ("451 4.3.0"), where Postfix's cleanup
 *		would wait and retry.
 *	cleanup_addr_rcpt() takes one recipient with its DSN fields:
 *		rewrites it (an empty one becomes empty_address_recipient),
 *		expands it through virtual_alias_maps and writes one
 *		recipient group per resulting address, each with the
 *		ORCPT of the original (the client's ORCPT record, else the
 *		address as the client gave it when that differs from the
 *		result) and the same DSN_ORCPT and DSN_NOTIFY; identical
 *		groups are written once (duplicate_filter_limit).
 *
 * Virtual alias expansion follows virtual(5): keys in mail_addr_find.h's
 * order (user@domain, user for this machine's domains, @domain); a value
 * lists addresses separated by commas (RFC 5322 syntax, quotes allowed),
 * each rewritten and expanded again, up to virtual_alias_recursion_limit
 * levels and virtual_alias_expansion_limit addresses per original
 * recipient; an address that appears in its own expansion, or that
 * expansion reaches again (a loop, or two paths to one address), is kept
 * as a final recipient without further expansion, and the duplicate
 * filter then writes it once, as Postfix does.
 * With "virtual" in propagate_unmatched_extensions, an extension that
 * the matching key lacked is appended to the local part of each result.
 * An address with no entry is kept (for a virtual_alias_domains domain
 * trivial-rewrite later resolves it to "User unknown in virtual alias
 * table"). A lookup error, or a limit exceeded, gives CLEANUP_STAT_DEFER
 * with a warning, as Postfix's "message not accepted, try again later".
 */
#include <string.h>
#include <strings.h>

#include "msg.h"
#include "mymalloc.h"
#include "argv.h"
#include "htable.h"
#include "stringops.h"
#include "vstring.h"
#include "dict.h"
#include "mail_conf.h"
#include "match_list.h"
#include "maps.h"
#include "mail_addr_find.h"
#include "addr_list.h"
#include "rec_type.h"
#include "resolve_client.h"
#include "cleanup_client.h"
#include "cleanup.h"

static MAPS *virt_alias_maps;
static MATCH_LIST *mydest_list;
static const char *var_myorigin;
static const char *var_rcpt_delim;
static const char *var_empty_addr;
static long var_virt_recur_limit;
static long var_virt_expan_limit;
static int propagate_virtual;

void
cleanup_addr_init(void)
{
	VSTRING *why = vstring_alloc(100);
	ARGV   *prop;
	size_t	i;

	var_myorigin = mail_conf_str("myorigin");
	var_rcpt_delim = mail_conf_str("recipient_delimiter");
	var_empty_addr = mail_conf_str("empty_address_recipient");
	var_virt_recur_limit = mail_conf_int("virtual_alias_recursion_limit");
	var_virt_expan_limit = mail_conf_int("virtual_alias_expansion_limit");
	prop = argv_split(mail_conf_str("propagate_unmatched_extensions"),
			  CHARS_COMMA_SP);
	for (i = 0; i < prop->len; i++)
		if (strcasecmp(prop->argv[i], "virtual") == 0)
			propagate_virtual = 1;
	argv_free(prop);
	virt_alias_maps = maps_create("virtual_alias_maps",
				      mail_conf_str("virtual_alias_maps"));
	mydest_list = match_list_create("mydestination", MATCH_LIST_DOMAIN,
					mail_conf_str("mydestination"),
					match_list_parent_flag("mydestination",
				mail_conf_str("parent_domain_matches_subdomains")),
					why);
	if (mydest_list == NULL)
		msg_fatal("%s", vstring_str(why));
	vstring_free(why);
}

/* Mark the message deferred once, with a warning and a reason. */
static void
cleanup_addr_defer(CLEANUP_STATE *state, const char *reason)
{
	if (state->errs == 0)
		vstring_strcpy(state->reason, reason);
	state->errs |= CLEANUP_STAT_DEFER;
}

int
cleanup_addr_rewrite(CLEANUP_STATE *state, const char *addr, VSTRING *out)
{
	if (*addr == 0) {
		VSTRING_RESET(out);
		return (0);
	}
	if (state->errs & CLEANUP_STAT_DEFER)
		return (-1);
	if (rewrite_client("local", addr, out) < 0) {
		msg_warn("%s: cannot rewrite <%s>: address rewriting service "
			 "unavailable -- message not accepted, try again later",
			 cleanup_id(state), addr);
		cleanup_addr_defer(state, "4.3.0 Error: address rewriting "
				   "service unavailable");
		return (-1);
	}
	return (0);
}

/* Is the domain of addr this machine's (mydestination or myorigin)? */
static int
cleanup_addr_local(CLEANUP_STATE *state, const char *addr, int *error)
{
	const char *at = strrchr(addr, '@');
	int	m;

	*error = 0;
	if (at == NULL)
		return (1);
	if (strcasecmp(at + 1, var_myorigin) == 0)
		return (1);
	m = match_list_match(mydest_list, at + 1, NULL);
	if (m == MATCH_ERROR) {
		msg_warn("%s: %s", cleanup_id(state), match_list_error(mydest_list));
		*error = 1;
		return (0);
	}
	return (m == MATCH_YES);
}

/* Split a table value into addresses (RFC 5322 list, else by commas). */
static ARGV *
cleanup_addr_values(const char *value)
{
	ADDR_LIST *list = addr_list_alloc();
	VSTRING *why = vstring_alloc(100);
	ARGV   *out;
	size_t	i;

	if (addr_list_parse(list, value, ADDR_LIST_FLAG_UTF8, why) == 0) {
		out = argv_alloc(list->len + 1);
		for (i = 0; i < list->len; i++)
			argv_add(out, list->items[i].addr);
	} else {
		out = argv_split(value, CHARS_COMMA_SP);
	}
	addr_list_free(list);
	vstring_free(why);
	return (out);
}

/* Insert ext before the '@' of addr. */
static void
cleanup_addr_add_ext(VSTRING *out, const char *addr, const char *ext)
{
	const char *at = strrchr(addr, '@');

	if (at == NULL) {
		vstring_sprintf(out, "%s%s", addr, ext);
	} else {
		vstring_strncpy(out, addr, (size_t) (at - addr));
		vstring_sprintf_append(out, "%s%s", ext, at);
	}
}

typedef struct {
	CLEANUP_STATE *state;
	const char *original;
	HTABLE *been_here;		/* lower-cased addresses seen */
	ARGV   *result;
	int	failed;
} CLEANUP_EXPAND;

static void
cleanup_addr_final(CLEANUP_EXPAND *ex, const char *addr)
{
	if (ex->failed)
		return;
	if ((long) ex->result->len >= var_virt_expan_limit) {
		msg_warn("%s: unreasonable virtual_alias_maps map expansion size "
			 "for %s -- message not accepted, try again later",
			 cleanup_id(ex->state), ex->original);
		cleanup_addr_defer(ex->state, "4.6.0 Alias expansion error");
		ex->failed = 1;
		return;
	}
	argv_add(ex->result, addr);
}

static void
cleanup_addr_expand(CLEANUP_EXPAND *ex, const char *addr, long depth)
{
	const char *value;
	VSTRING *ext;
	VSTRING *buf;
	ARGV   *values;
	int	status;
	int	error;
	int	local;
	size_t	i;

	if (ex->failed)
		return;
	if (depth > var_virt_recur_limit) {
		msg_warn("%s: unreasonable virtual_alias_maps map nesting for %s "
			 "-- message not accepted, try again later",
			 cleanup_id(ex->state), ex->original);
		cleanup_addr_defer(ex->state, "4.6.0 Alias expansion error");
		ex->failed = 1;
		return;
	}
	local = cleanup_addr_local(ex->state, addr, &error);
	if (error) {
		cleanup_addr_defer(ex->state, "4.3.0 Error: virtual_alias_maps "
				   "lookup failure");
		ex->failed = 1;
		return;
	}
	ext = vstring_alloc(16);
	status = mail_addr_find(virt_alias_maps, addr, local ?
				MAIL_ADDR_FIND_LOCAL : MAIL_ADDR_FIND_NONE,
				var_rcpt_delim, &value, ext);
	if (status == DICT_STAT_ERROR) {
		msg_warn("%s: virtual_alias_maps map lookup problem for %s -- "
			 "message not accepted, try again later",
			 cleanup_id(ex->state), addr);
		cleanup_addr_defer(ex->state, "4.3.0 Error: virtual_alias_maps "
				   "lookup failure");
		ex->failed = 1;
		vstring_free(ext);
		return;
	}
	if (status == DICT_STAT_FAIL) {
		cleanup_addr_final(ex, addr);
		vstring_free(ext);
		return;
	}
	values = cleanup_addr_values(value);
	buf = vstring_alloc(100);
	for (i = 0; i < values->len && !ex->failed; i++) {
		VSTRING *canon = vstring_alloc(100);

		if (propagate_virtual && vstring_len(ext) > 0) {
			cleanup_addr_add_ext(buf, values->argv[i], vstring_str(ext));
		} else {
			vstring_strcpy(buf, values->argv[i]);
		}
		if (cleanup_addr_rewrite(ex->state, vstring_str(buf), canon) < 0) {
			ex->failed = 1;
		} else if (strcasecmp(vstring_str(canon), addr) == 0) {
			/* An address in its own expansion is delivered as is. */
			cleanup_addr_final(ex, addr);
		} else {
			/* Seen before (a loop, or two paths): delivered as is. */
			vstring_lower(vstring_strcpy(buf, vstring_str(canon)));
			if (htable_find(ex->been_here, vstring_str(buf)) != NULL) {
				cleanup_addr_final(ex, vstring_str(canon));
			} else {
				htable_enter(ex->been_here, vstring_str(buf), ex);
				cleanup_addr_expand(ex, vstring_str(canon), depth + 1);
			}
		}
		vstring_free(canon);
	}
	argv_free(values);
	vstring_free(buf);
	vstring_free(ext);
}

/* Write one recipient group unless an identical one was written. */
static void
cleanup_addr_write(CLEANUP_STATE *state, const char *orcpt,
		   const char *dsn_orcpt, const char *dsn_notify,
		   const char *rcpt)
{
	VSTRING *key = state->buf;

	VSTRING_RESET(key);
	if (orcpt)
		vstring_sprintf_append(key, "%c%s\n", REC_TYPE_ORCPT, orcpt);
	if (dsn_orcpt)
		vstring_sprintf_append(key, "%c%s\n", REC_TYPE_DSN_ORCPT, dsn_orcpt);
	if (dsn_notify)
		vstring_sprintf_append(key, "%c%s\n", REC_TYPE_DSN_NOTIFY,
				       dsn_notify);
	vstring_sprintf_append(key, "%c%s", REC_TYPE_RCPT, rcpt);
	if (htable_find(state->dups, vstring_str(key)) != NULL)
		return;
	if (state->dup_count < var_dup_filter_limit) {
		htable_enter(state->dups, vstring_str(key), state);
		state->dup_count++;
	}
	if (orcpt)
		cleanup_out_str(state, REC_TYPE_ORCPT, orcpt);
	if (dsn_orcpt)
		cleanup_out_str(state, REC_TYPE_DSN_ORCPT, dsn_orcpt);
	if (dsn_notify)
		cleanup_out_str(state, REC_TYPE_DSN_NOTIFY, dsn_notify);
	cleanup_out_str(state, REC_TYPE_RCPT, rcpt);
	state->rcpt_count++;
}

void
cleanup_addr_rcpt(CLEANUP_STATE *state, const char *orcpt,
		  const char *dsn_orcpt, const char *dsn_notify,
		  const char *rcpt)
{
	VSTRING *canon = vstring_alloc(100);
	VSTRING *lower;
	CLEANUP_EXPAND ex;
	size_t	i;

	if (state->errs != 0) {
		vstring_free(canon);
		return;
	}
	if (cleanup_addr_rewrite(state, *rcpt ? rcpt : var_empty_addr,
				 canon) < 0) {
		vstring_free(canon);
		return;
	}
	ex.state = state;
	ex.original = rcpt;
	ex.been_here = htable_create(10);
	ex.result = argv_alloc(2);
	ex.failed = 0;
	if (maps_empty(virt_alias_maps)) {
		argv_add(ex.result, vstring_str(canon));
	} else {
		lower = vstring_alloc(100);
		vstring_lower(vstring_strcpy(lower, vstring_str(canon)));
		htable_enter(ex.been_here, vstring_str(lower), &ex);
		vstring_free(lower);
		cleanup_addr_expand(&ex, vstring_str(canon), 0);
	}
	if (!ex.failed) {
		/* Keep what the client said, else what it was before rewriting. */
		if (orcpt == NULL && (ex.result->len != 1
			     || strcmp(ex.result->argv[0], rcpt) != 0))
			orcpt = rcpt;
		for (i = 0; i < ex.result->len; i++)
			cleanup_addr_write(state, orcpt, dsn_orcpt, dsn_notify,
					   ex.result->argv[i]);
	}
	htable_free(ex.been_here, NULL);
	argv_free(ex.result);
	vstring_free(canon);
}
