/*
 * cleanup - put one message into the queue, durably
 *
 * cleanup(8) serves private/cleanup, one client connection per message
 * (smtpd now, pickup later; cleanup_client.c is the client). Its man page
 * says what it does to a message; this file runs the protocol.
 *
 * Requests and replies (attr0 encoding, DESIGN.md section 4), in order:
 *
 *   cleanup -> client	queue_id (str): the queue file exists, named so.
 *   client -> cleanup	flags (int): CLEANUP_FLAG_* (cleanup_client.h).
 *   client -> cleanup	the message as queue-file records (qfile.h byte
 *			format, rec_type.h types, rec_stream.h), data at
 *			most CLEANUP_REC_MAX (65536) bytes each:
 *			  envelope  SENDER (exactly one), ATTR, DSN_ENVID,
 *			    DSN_RET, recipient groups [ORCPT] [DSN_ORCPT]
 *			    [DSN_NOTIFY] RCPT; MESSAGE
 *			  content   NORMAL / FRAGMENT lines; XTRA
 *			  extracted ATTR, recipient groups; END
 *   cleanup -> client	status (int): 0 or CLEANUP_STAT_* bits;
 *			reason (str): detail for logs and replies.
 *
 * Envelope addresses are rewritten through trivial-rewrite (private/
 * rewrite), recipients expanded through virtual_alias_maps, and with
 * CLEANUP_FLAG_EXTRACT recipients are taken from To:, Cc: and Bcc: (or
 * their Resent- versions) and written to the extracted section
 * (cleanup_addr.c, cleanup_message.c).
 *
 * TIME, SIZE and DONE records are cleanup's own; a client sending them,
 * an unknown type, a record out of section order or a malformed one
 * makes the status CLEANUP_STAT_BAD, but cleanup keeps reading up to END
 * so that the client gets its answer. Only a broken length (the framing
 * is lost) ends the reading early, with that answer. A client that goes
 * away, or is silent for ipc_timeout seconds within one record, gets no
 * answer; its file is removed.
 *
 * Status 0 is sent only after the END record is written, the SIZE record
 * rewritten in place, the file fsync()ed, made mode 0700, renamed from
 * incoming/cleanup.PID.SEQ to incoming/[hash/]QUEUEID (hold/... with
 * CLEANUP_FLAG_HOLD) and the directories fsync()ed. With any other
 * status no file remains. After status 0 qmgr is woken through
 * public/qmgr ("I"); failure to reach it is ignored.
 *
 * A watchdog (daemon_timeout) ends a session that takes too long in
 * total, removing its temporary file.
 */
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "msg.h"
#include "mymalloc.h"
#include "argv.h"
#include "attr.h"
#include "htable.h"
#include "stringops.h"
#include "vstream.h"
#include "vstring.h"
#include "mail_conf.h"
#include "mail_connect.h"
#include "mail_server.h"
#include "qfile.h"
#include "queue_id.h"
#include "rec_type.h"
#include "rec_stream.h"
#include "cleanup_client.h"
#include "cleanup.h"

long    var_hopcount_limit;
long    var_header_size_limit;
long    var_message_size_limit;
long    var_dup_filter_limit;
long    var_qattr_count_limit;
long    var_ipc_timeout;
long    var_daemon_timeout;
int     var_always_add_hdrs;
int     var_long_queue_ids;
int     var_hash_queue_depth;
const char *var_hash_queue_names;
const char *var_myhostname;
const char *var_rcpt_witheld;
const char *var_remote_rwr_domain;
ARGV   *var_drop_hdrs;

const char *
cleanup_id(CLEANUP_STATE *state)
{
	return (vstring_len(state->queue_id) ? vstring_str(state->queue_id)
		: "NOQUEUE");
}

void
cleanup_bad(CLEANUP_STATE *state, const char *fmt, ...)
{
	VSTRING *text;
	va_list ap;

	if (state->errs & CLEANUP_STAT_BAD)
		return;
	text = vstring_alloc(100);
	va_start(ap, fmt);
	vstring_vsprintf_append(text, fmt, ap);
	va_end(ap);
	msg_warn("%s: message rejected: %s", cleanup_id(state), vstring_str(text));
	if (state->errs == 0)
		vstring_strcpy(state->reason, vstring_str(text));
	state->errs |= CLEANUP_STAT_BAD;
	vstring_free(text);
}

static CLEANUP_STATE *
cleanup_state_alloc(VSTREAM *src)
{
	CLEANUP_STATE *state = mycalloc(1, sizeof(*state));

	state->src = src;
	state->reason = vstring_alloc(100);
	state->buf = vstring_alloc(100);
	state->temp_path = vstring_alloc(100);
	state->final_path = vstring_alloc(100);
	state->queue_id = vstring_alloc(32);
	state->fd = -1;
	state->sender = vstring_alloc(100);
	state->rcpt_fields = argv_alloc(4);
	state->dups = htable_create(100);
	state->hdr = vstring_alloc(100);
	state->extract_rcpts = argv_alloc(2);
	state->extract_resent = argv_alloc(2);
	return (state);
}

static void
cleanup_state_free(CLEANUP_STATE *state)
{
	vstring_free(state->reason);
	vstring_free(state->buf);
	vstring_free(state->temp_path);
	vstring_free(state->final_path);
	vstring_free(state->queue_id);
	vstring_free(state->sender);
	argv_free(state->rcpt_fields);
	htable_free(state->dups, NULL);
	vstring_free(state->hdr);
	argv_free(state->extract_rcpts);
	argv_free(state->extract_resent);
	if (state->hdr_ends)
		myfree(state->hdr_ends);
	myfree(state);
}

/* One client record, checked for order, to its section's handler. */
static void
cleanup_dispatch(CLEANUP_STATE *state, int section, int type,
		 const char *data, size_t len)
{
	switch (section) {
	case REC_SEC_ENVELOPE:
		cleanup_envelope(state, type, data, len);
		break;
	case REC_SEC_CONTENT:
		if (type == REC_TYPE_XTRA)
			cleanup_message_end(state);
		else
			cleanup_message(state, type, data, len);
		break;
	case REC_SEC_EXTRACTED:
		if (type == REC_TYPE_END) {
			if (cleanup_envelope_pending(state))
				cleanup_bad(state, "recipient details without recipient");
		} else {
			cleanup_extracted(state, type, data, len);
		}
		break;
	default:
		msg_panic("cleanup_dispatch: section %d", section);
	}
}

/*
 * Read records until END. Returns 1 when the client is still there to
 * hear the answer, 0 when it went away.
 */
static int
cleanup_read_message(CLEANUP_STATE *state)
{
	VSTRING *data = vstring_alloc(1000);
	int     section = REC_SEC_ENVELOPE;
	int     in_fragment = 0;
	int     type;
	int     present = 1;

	for (;;) {
		type = rec_stream_get(state->src, data, CLEANUP_REC_MAX);
		if (type == QFILE_ERR_TYPE) {
			cleanup_bad(state, "unknown record type");
			continue;
		}
		if (type == QFILE_ERR_BAD_LEN || type == QFILE_ERR_LEN_LIMIT) {
			cleanup_bad(state, "%s", rec_stream_strerror(type));
			break;
		}
		if (type < 0) {
			if (vstream_ftimeout(state->src))
				msg_warn("%s: timeout reading from client",
					 cleanup_id(state));
			else if (msg_verbose)
				msg_info("%s: client went away: %s",
					 cleanup_id(state), rec_stream_strerror(type));
			present = 0;
			break;
		}
		if (type == REC_TYPE_TIME || type == REC_TYPE_SIZE
		    || type == REC_TYPE_DONE) {
			cleanup_bad(state, "client sent a %s record",
				    rec_type_name(type));
			continue;
		}
		if (in_fragment && type != REC_TYPE_NORMAL
		    && type != REC_TYPE_FRAGMENT) {
			cleanup_bad(state, "line fragment without its continuation");
			in_fragment = 0;
			if (type == REC_TYPE_END)
				break;
			continue;
		}
		if (!rec_type_allowed(section, type)) {
			cleanup_bad(state, "%s record in %s section",
				    rec_type_name(type),
				    rec_type_section_name(section));
			if (type == REC_TYPE_END)
				break;
			continue;
		}
		cleanup_dispatch(state, section, type, vstring_str(data),
				 vstring_len(data));
		if (type == REC_TYPE_END)
			break;
		in_fragment = (type == REC_TYPE_FRAGMENT);
		section = rec_type_next_section(section, type);
	}
	vstring_free(data);
	return (present);
}

static void
cleanup_service(VSTREAM *src, const char *service, char **argv)
{
	CLEANUP_STATE *state;
	int     flags;
	int     status;

	(void) service;
	(void) argv;
	vstream_set_timeout(src, (int) var_ipc_timeout);
	vstream_set_deadline(src, 1);
	alarm((unsigned) var_daemon_timeout);
	state = cleanup_state_alloc(src);
	if (cleanup_out_open(state) < 0) {
		/* No queue ID: the client answers 4xx. */
		cleanup_state_free(state);
		alarm(0);
		return;
	}
	if (attr_print(src, ATTR_FLAG_FLUSH,
		       SEND_ATTR_STR("queue_id", vstring_str(state->queue_id)),
		       ATTR_TYPE_END) != 0
	    || attr_scan(src, ATTR_FLAG_STRICT, RECV_ATTR_INT("flags", &flags),
			 ATTR_TYPE_END) != 1) {
		cleanup_out_remove(state);
		cleanup_state_free(state);
		alarm(0);
		return;
	}
	state->flags = flags;
	/* Local submission unless the client says otherwise (rewrite_context). */
	state->add_headers = (flags & CLEANUP_FLAG_FROM_SMTP) == 0;
	if (!cleanup_read_message(state)) {
		cleanup_out_remove(state);
		cleanup_state_free(state);
		alarm(0);
		return;
	}
	if (state->errs == 0 && state->rcpt_count == 0) {
		vstring_strcpy(state->reason, cleanup_stat_text(CLEANUP_STAT_RCPT));
		state->errs |= CLEANUP_STAT_RCPT;
	}
	cleanup_out_rec(state, REC_TYPE_END, "", 0);
	if ((status = cleanup_out_finish(state)) != 0)
		cleanup_out_remove(state);
	alarm(0);
	if (attr_print(src, ATTR_FLAG_FLUSH, SEND_ATTR_INT("status", status),
		       SEND_ATTR_STR("reason", status ?
				     vstring_str(state->reason) : ""),
		       ATTR_TYPE_END) != 0 && status == 0)
		msg_warn("%s: lost connection with client after queuing",
			 cleanup_id(state));
	if (status == 0 && (state->flags & CLEANUP_FLAG_HOLD) == 0)
		(void) mail_trigger("public", "qmgr", "I", 1);
	cleanup_state_free(state);
}

static void
cleanup_pre_init(const char *service, char **argv)
{
	(void) service;
	(void) argv;
	/* Load the time zone while /etc is still reachable (chroot). */
	tzset();
	/* Tables are opened while still privileged, as Postfix does. */
	cleanup_addr_init();
}

static void
cleanup_post_init(const char *service, char **argv)
{
	(void) service;
	(void) argv;
	var_hopcount_limit = mail_conf_int("hopcount_limit");
	var_header_size_limit = mail_conf_size("header_size_limit");
	var_message_size_limit = mail_conf_size("message_size_limit");
	var_dup_filter_limit = mail_conf_int("duplicate_filter_limit");
	var_qattr_count_limit = mail_conf_int("queue_file_attribute_count_limit");
	var_ipc_timeout = mail_conf_time("ipc_timeout");
	var_daemon_timeout = mail_conf_time("daemon_timeout");
	var_always_add_hdrs = mail_conf_bool("always_add_missing_headers");
	var_long_queue_ids = mail_conf_bool("enable_long_queue_ids");
	var_hash_queue_depth = (int) mail_conf_int("hash_queue_depth");
	var_hash_queue_names = mail_conf_str("hash_queue_names");
	var_myhostname = mail_conf_str("myhostname");
	var_rcpt_witheld = mail_conf_str("undisclosed_recipients_header");
	var_remote_rwr_domain = mail_conf_str("remote_header_rewrite_domain");
	var_drop_hdrs = argv_split(mail_conf_str("message_drop_headers"),
				   CHARS_COMMA_SP);
	if (var_hash_queue_depth < 0
	    || var_hash_queue_depth > QUEUE_ID_HASH_DEPTH_MAX)
		msg_fatal("hash_queue_depth = %d: must be between 0 and %d",
			  var_hash_queue_depth, QUEUE_ID_HASH_DEPTH_MAX);
	if (var_header_size_limit <= 0)
		msg_fatal("header_size_limit must be positive");
}

int
main(int argc, char **argv)
{
	single_server_main(argc, argv, cleanup_service,
			   MAIL_SERVER_PRE_INIT, cleanup_pre_init,
			   MAIL_SERVER_POST_INIT, cleanup_post_init,
			   MAIL_SERVER_END);
	return (0);
}
