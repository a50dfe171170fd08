/*
 * smtpd_trans - the mail transaction: MAIL, RCPT, DATA, BDAT
 *
 * The message goes to cleanup(8) over the cleanup protocol
 * (cleanup_client.h). The connection is opened at the first accepted
 * RCPT (smtpd_delay_open_until_valid_rcpt = yes, the default) or at
 * MAIL, and "QUEUEID: client=host[addr]" is logged then. Records sent:
 *
 *	envelope  SENDER, ATTR (log_client_name, log_client_address,
 *		  log_client_port, log_helo_name, log_protocol, client_name,
 *		  client_address, client_port, helo_name, protocol_name,
 *		  rewrite_context, sasl_username, encoding, smtputf8),
 *		  DSN_ENVID, DSN_RET; per accepted recipient ORCPT,
 *		  DSN_ORCPT, DSN_NOTIFY, RCPT; MESSAGE.
 *	content   the Received: header this server adds (with "ESMTPS" and,
 *		  with smtpd_tls_received_header, the TLS comment lines
 *		  of smtpd_tls.c after TLS), then the message
 *		  lines as smtpd_data cuts them (NORMAL/FRAGMENT).
 *	end       XTRA, END.
 *
 * "250 2.0.0 Ok: queued as ID" is sent only after cleanup answered
 * status 0, i.e. after the queue file is on disk. Any other status gives
 * the reply cleanup_stat_reply() makes. RSET, HELO, EHLO, XCLIENT, QUIT
 * and a lost connection abort the transaction and cleanup removes its
 * file.
 *
 * The end of DATA is only CR LF . CR LF (smtpd_data.c). A bare LF or a
 * bare CR in the content makes the message fail with
 * smtpd_forbid_bare_newline_reject_code (5.5.2) once its real end has
 * been read, unless smtpd_forbid_bare_newline is off or the client is
 * in smtpd_forbid_bare_newline_exclusions: then a bare LF ends a line.
 *
 * BDAT (RFC 3030): chunks are read exactly, "250 2.0.0 Ok: N bytes" each,
 * the reply to the LAST chunk is the queue reply. After an error the
 * remaining chunks of the transaction are read and discarded (551) up
 * to LAST; DATA, MAIL and RCPT are refused while chunks are expected.
 *
 *	smtpd_trans_init() per-process set-up.
 *	smtpd_mail_cmd(), smtpd_rcpt_cmd(), smtpd_data_cmd(),
 *	smtpd_bdat_cmd() the commands: 0 for success, -1 otherwise.
 *	smtpd_trans_reset() aborts and forgets the transaction.
 *	smtpd_ext_mask() the ESMTP extensions in effect for the client.
 */
#include "config.h"

#include <string.h>
#include <strings.h>
#include <time.h>

#include "msg.h"
#include "mymalloc.h"
#include "vstring.h"
#include "vstream.h"
#include "mail_conf.h"
#include "rec_type.h"
#include "qfile.h"
#include "smtp_path.h"
#include "addr_quote.h"
#include "cleanup_client.h"
#include "smtpd_check.h"
#include "smtpd.h"
#include "smtpd_tls.h"

#define STR(x)	vstring_str(x)

static size_t content_piece;		/* record size for content */

void
smtpd_trans_init(void)
{
	content_piece = var_line_limit > QFILE_REC_LEN_DEFAULT ?
	    QFILE_REC_LEN_DEFAULT : (size_t) var_line_limit;
}

int
smtpd_ext_mask(SMTPD_STATE *state)
{
	int	ext = SMTPD_EXT_ALL;

	if (state->discard_mask & SMTPD_EHLO_SIZE)
		ext &= ~SMTPD_EXT_SIZE;
	if (state->discard_mask & SMTPD_EHLO_8BITMIME)
		ext &= ~SMTPD_EXT_8BITMIME;
	if (state->discard_mask & SMTPD_EHLO_DSN)
		ext &= ~SMTPD_EXT_DSN;
	if ((state->discard_mask & SMTPD_EHLO_SMTPUTF8) || !var_smtputf8_enable)
		ext &= ~SMTPD_EXT_SMTPUTF8;
	return (ext);
}

/* proto_name - the RFC 3848/6531 protocol name of this transaction */

static const char *
proto_name(SMTPD_STATE *state)
{
	const char *proto = state->xclient_proto ? state->xclient_proto :
	    state->protocol;

	if (state->sender && state->mail_args->smtputf8
	    && strcasecmp(proto, "ESMTP") == 0)
		return ("UTF8SMTP");
	return (proto);
}

/*
 * received_proto - the protocol in "with ..." of the Received: header:
 * RFC 3848 adds "S" for a TLS session (ESMTPS, UTF8SMTPS). As in
 * Postfix, the queue file's protocol attributes keep the plain name.
 */
static const char *
received_proto(SMTPD_STATE *state)
{
	const char *proto = proto_name(state);

	if (state->tls == NULL)
		return (proto);
	if (strcasecmp(proto, "ESMTP") == 0)
		return ("ESMTPS");
	if (strcasecmp(proto, "UTF8SMTP") == 0)
		return ("UTF8SMTPS");
	return (proto);
}

/* rewrite_context - "local" for our own machine, as permit_inet_interfaces */

static const char *
rewrite_context(SMTPD_STATE *state)
{
	const char *addr = state->peer.addr;

	if (state->xf.source)
		return (strcasecmp(state->xf.source, "LOCAL") == 0 ?
			"local" : "remote");
	if (strncmp(addr, "127.", 4) == 0 || strcmp(addr, "::1") == 0
	    || strcmp(addr, state->peer.server_addr) == 0)
		return ("local");
	return ("remote");
}

void
smtpd_trans_reset(SMTPD_STATE *state)
{
	if (state->cleanup) {
		cleanup_client_abort(state->cleanup);
		state->cleanup = NULL;
	}
	if (state->data) {
		smtpd_data_free(state->data);
		state->data = NULL;
	}
	if (state->sender) {
		myfree(state->sender);
		state->sender = NULL;
	}
	if (state->queue_id) {
		myfree(state->queue_id);
		state->queue_id = NULL;
	}
	if (state->first_rcpt) {
		myfree(state->first_rcpt);
		state->first_rcpt = NULL;
	}
	state->rcpt_count = 0;
	state->bdat_state = SMTPD_BDAT_NONE;
	state->content_started = 0;
}

/* attr - one ATTR record */

static void
attr(SMTPD_STATE *state, const char *name, const char *value)
{
	if (value != NULL)
		cleanup_client_fmt(state->cleanup, REC_TYPE_ATTR, "%s=%s",
				   name, value);
}

/* open_cleanup - connect to cleanup and send the envelope head */

static int
open_cleanup(SMTPD_STATE *state)
{
	SMTPD_MAIL_ARGS *ma = state->mail_args;
	SMTPD_XFORWARD *xf = &state->xf;
	int	flags = var_cleanup_flags;

	if (ma->smtputf8)
		flags |= CLEANUP_FLAG_SMTPUTF8;
	state->cleanup = cleanup_client_open("public", CLEANUP_SERVICE, flags,
					     var_ipc_timeout, state->why);
	if (state->cleanup == NULL) {
		msg_warn("%s", STR(state->why));
		smtpd_reply(state, "451 4.3.0 Error: queue file write error");
		return (-1);
	}
	state->queue_id = mystrdup(cleanup_client_id(state->cleanup));

	/* The log line that ties the queue ID to the client. */
	vstring_sprintf(state->buffer, "%s: client=%s", state->queue_id,
			state->peer.namaddr);
	if (xf->ident)
		vstring_sprintf_append(state->buffer, ", orig_queue_id=%s",
				       xf->ident);
	if (xf->name || xf->addr)
		vstring_sprintf_append(state->buffer, ", orig_client=%s[%s]",
				       xf->name ? xf->name : "unknown",
				       xf->addr ? xf->addr : "unknown");
	msg_info("%s", STR(state->buffer));

	cleanup_client_rec(state->cleanup, REC_TYPE_SENDER, state->sender,
			   strlen(state->sender));
	attr(state, "log_client_name", xf->name ? xf->name : state->peer.name);
	attr(state, "log_client_address", xf->addr ? xf->addr : state->peer.addr);
	attr(state, "log_client_port", xf->port ? xf->port : state->peer.port);
	attr(state, "log_helo_name", xf->helo ? xf->helo : state->helo_name);
	attr(state, "log_protocol", xf->proto ? xf->proto : proto_name(state));
	attr(state, "client_name", state->peer.name);
	attr(state, "client_address", state->peer.addr);
	attr(state, "client_port", state->peer.port);
	attr(state, "helo_name", state->helo_name);
	attr(state, "protocol_name", proto_name(state));
	attr(state, "rewrite_context", rewrite_context(state));
	attr(state, "sasl_username", state->sasl_username);
	if (ma->body != SMTPD_BODY_NONE)
		attr(state, "encoding",
		     ma->body == SMTPD_BODY_8BITMIME ? "8bit" : "7bit");
	if (ma->smtputf8)
		attr(state, "smtputf8", "yes");
	if (vstring_len(ma->envid))
		cleanup_client_rec(state->cleanup, REC_TYPE_DSN_ENVID,
				   STR(ma->envid), vstring_len(ma->envid));
	if (ma->ret != SMTPD_RET_NONE)
		cleanup_client_fmt(state->cleanup, REC_TYPE_DSN_RET, "%s",
				   ma->ret == SMTPD_RET_FULL ? "FULL" : "HDRS");
	return (0);
}

/* bad_path - log and answer an unusable MAIL/RCPT path; -1 */

static int
bad_path(SMTPD_STATE *state, const char *cmd, const char *arg,
	 const char *bad_reply)
{
	msg_warn("Illegal address syntax from %s in %s command: %s",
		 state->peer.namaddr, cmd,
		 smtpd_printable(state->buffer, arg, 200));
	smtpd_reply(state, "%s", bad_reply);
	return (-1);
}

/* parse_path - a MAIL/RCPT path; 0, or -1 after the syntax reply */

static int
parse_path(SMTPD_STATE *state, const char *cmd, const char *arg,
	   SMTP_PATH *path, const char *bad_reply)
{
	int	flags = SMTP_PATH_FLAG_UTF8;

	if (var_strict_rfc821)
		flags |= SMTP_PATH_FLAG_STRICT;
	if (smtp_path_parse(path, arg, flags, state->why) < 0)
		return (bad_path(state, cmd, arg, bad_reply));
	return (0);
}

/* utf8_path_check - a UTF-8 path needs SMTPUTF8; 0, or -1 after the reply */

static int
utf8_path_check(SMTPD_STATE *state, const SMTP_PATH *path)
{
	if ((path->info & SMTP_PATH_INFO_8BIT) && !state->mail_args->smtputf8) {
		smtpd_reply(state, "553 5.6.7 Must declare SMTPUTF8 to send "
			    "unicode address");
		return (-1);
	}
	return (0);
}

/* refused - answer with state->reply when a parser or check refused; -1 */

static int
refused(SMTPD_STATE *state, int refusal)
{
	if (!refusal)
		return (0);
	smtpd_reply(state, "%s", STR(state->reply));
	return (-1);
}

int
smtpd_mail_cmd(SMTPD_STATE *state, const char *arg)
{
	SMTP_PATH *path;
	SMTPD_CHECK_ARGS args;
	const char *rest;
	int	ret = -1;

	if (var_helo_required && state->helo_name == NULL) {
		smtpd_reply(state, "503 5.5.1 Error: send HELO/EHLO first");
		return (-1);
	}
	if (state->bdat_state != SMTPD_BDAT_NONE) {
		smtpd_reply(state, "503 5.5.1 Error: MAIL after BDAT");
		return (-1);
	}
	if (state->sender != NULL) {
		smtpd_reply(state, "503 5.5.1 Error: nested MAIL command");
		return (-1);
	}
	if ((rest = smtpd_cmd_keyword(arg, "FROM:")) == NULL || *rest == 0) {
		smtpd_reply(state, "501 5.5.4 Syntax: MAIL FROM:<address>");
		return (-1);
	}
	path = smtp_path_alloc();
	if (parse_path(state, "MAIL", rest, path,
		       "501 5.1.7 Bad sender address syntax") < 0)
		goto done;
	if (refused(state, smtpd_cmd_mail_params(STR(path->params),
						 smtpd_ext_mask(state),
						 state->mail_args,
						 state->reply) != 0) < 0
	    || utf8_path_check(state, path) < 0)
		goto done;
	if (var_message_limit > 0 && state->mail_args->size > var_message_limit) {
		smtpd_reply(state, "552 5.3.4 Message size exceeds fixed limit");
		goto done;
	}
	smtpd_check_args(state, &args);
	args.sender = STR(path->addr);
	if (refused(state, smtpd_check_mail(&args, state->reply)
		    != SMTPD_CHECK_OK) < 0)
		goto done;
	state->sender = mystrdup(STR(path->addr));
	if (!var_delay_open && open_cleanup(state) < 0) {
		smtpd_trans_reset(state);
		goto done;
	}
	smtpd_reply(state, "250 2.1.0 Ok");
	ret = 0;
done:
	smtp_path_free(path);
	return (ret);
}

int
smtpd_rcpt_cmd(SMTPD_STATE *state, const char *arg)
{
	SMTPD_RCPT_ARGS *ra = state->rcpt_args;
	SMTP_PATH *path;
	SMTPD_CHECK_ARGS args;
	const char *rest;
	const char *addr;
	int	ret = -1;

	if (state->sender == NULL) {
		smtpd_reply(state, "503 5.5.1 Error: need MAIL command");
		return (-1);
	}
	if (state->bdat_state != SMTPD_BDAT_NONE) {
		smtpd_reply(state, "503 5.5.1 Error: RCPT after BDAT");
		return (-1);
	}
	if ((rest = smtpd_cmd_keyword(arg, "TO:")) == NULL || *rest == 0) {
		smtpd_reply(state, "501 5.5.4 Syntax: RCPT TO:<address>");
		return (-1);
	}
	path = smtp_path_alloc();
	if (parse_path(state, "RCPT", rest, path,
		       "501 5.1.3 Bad recipient address syntax") < 0)
		goto done;
	addr = STR(path->addr);
	if (*addr == 0) {
		(void) bad_path(state, "RCPT", rest,
				"501 5.1.3 Bad recipient address syntax");
		goto done;
	}
	if (refused(state, smtpd_cmd_rcpt_params(STR(path->params),
						 smtpd_ext_mask(state), ra,
						 state->reply) != 0) < 0
	    || utf8_path_check(state, path) < 0)
		goto done;
	if (state->rcpt_count >= var_smtpd_rcpt_limit) {
		smtpd_reply(state, "452 4.5.3 Error: too many recipients");
		goto done;
	}
	smtpd_check_args(state, &args);
	args.recipient = addr;
	if (refused(state, smtpd_check_rcpt(&args, state->reply)
		    != SMTPD_CHECK_OK) < 0)
		goto done;
	if (state->cleanup == NULL && open_cleanup(state) < 0)
		goto done;
	cleanup_client_rec(state->cleanup, REC_TYPE_ORCPT, addr, strlen(addr));
	if (vstring_len(ra->orcpt_type))
		cleanup_client_fmt(state->cleanup, REC_TYPE_DSN_ORCPT, "%s;%s",
				   STR(ra->orcpt_type), STR(ra->orcpt_addr));
	if (ra->notify)
		cleanup_client_fmt(state->cleanup, REC_TYPE_DSN_NOTIFY, "%s",
				   smtpd_notify_text(ra->notify, state->buffer));
	cleanup_client_rec(state->cleanup, REC_TYPE_RCPT, addr, strlen(addr));
	if (state->rcpt_count++ == 0)
		state->first_rcpt = mystrdup(addr);
	smtpd_reply(state, "250 2.1.5 Ok");
	ret = 0;
done:
	smtp_path_free(path);
	return (ret);
}

/* mail_date - an RFC 5322 date as Postfix writes it */

static const char *
mail_date(VSTRING *buf, time_t when)
{
	struct tm *lt = localtime(&when);
	char	text[100];
	long	off;

	strftime(text, sizeof(text), "%a, %e %b %Y %H:%M:%S ", lt);
	vstring_strcpy(buf, text);
	off = lt->tm_gmtoff / 60;
	vstring_sprintf_append(buf, "%c%02ld%02ld", off < 0 ? '-' : '+',
			       (off < 0 ? -off : off) / 60,
			       (off < 0 ? -off : off) % 60);
	strftime(text, sizeof(text), " (%Z)", lt);
	vstring_strcat(buf, text);
	return (STR(buf));
}

/* start_content - MESSAGE and the Received: header */

static void
start_content(SMTPD_STATE *state)
{
	CLEANUP_CLIENT *cc = state->cleanup;
	VSTRING *date = vstring_alloc(64);
	VSTRING *rcpt = vstring_alloc(64);

	cleanup_client_rec(cc, REC_TYPE_MESSAGE, "", 0);
	cleanup_client_fmt(cc, REC_TYPE_NORMAL, "Received: from %s (%s [%s])",
			   state->helo_name ? state->helo_name : state->peer.name,
			   state->peer.name, state->peer.rfc_addr);
	smtpd_tls_received(state);
	mail_date(date, time((time_t *) 0));
	if (state->rcpt_count == 1) {
		addr_quote_local(rcpt, state->first_rcpt);
		cleanup_client_fmt(cc, REC_TYPE_NORMAL,
				   "\tby %s (%s) with %s id %s", var_myhostname,
				   var_mail_name, received_proto(state),
				   state->queue_id);
		cleanup_client_fmt(cc, REC_TYPE_NORMAL, "\tfor <%s>; %s",
				   STR(rcpt), STR(date));
	} else {
		cleanup_client_fmt(cc, REC_TYPE_NORMAL,
				   "\tby %s (%s) with %s id %s;", var_myhostname,
				   var_mail_name, received_proto(state),
				   state->queue_id);
		cleanup_client_fmt(cc, REC_TYPE_NORMAL, "\t%s", STR(date));
	}
	state->content_started = 1;
	vstring_free(date);
	vstring_free(rcpt);
}

static void
content_out(int type, const char *data, size_t len, void *context)
{
	SMTPD_STATE *state = context;

	cleanup_client_rec(state->cleanup, type, data, len);
}

static SMTPD_DATA *
data_create(SMTPD_STATE *state, int flags)
{
	if (!var_forbid_bare_nl || state->bare_nl_excluded)
		flags |= SMTPD_DATA_FLAG_NORMALIZE;
	return (smtpd_data_create(flags, content_piece, var_message_limit,
				  content_out, state));
}

/* no_rcpt_reply - DATA or BDAT without a recipient (as Postfix) */

static void
no_rcpt_reply(SMTPD_STATE *state)
{
	if (state->sender)
		smtpd_reply(state, "554 5.5.1 Error: no valid recipients");
	else
		smtpd_reply(state, "503 5.5.1 Error: need RCPT command");
}

/*
 * content_check - smtpd_data_restrictions or smtpd_end_of_data_restrictions
 * (check is smtpd_check_data or smtpd_check_eod); 0 or -1 after the reply
 */
static int
content_check(SMTPD_STATE *state,
	      int (*check) (const SMTPD_CHECK_ARGS *, VSTRING *))
{
	SMTPD_CHECK_ARGS args;

	smtpd_check_args(state, &args);
	if (state->rcpt_count == 1)
		args.recipient = state->first_rcpt;
	return (refused(state, check(&args, state->reply) != SMTPD_CHECK_OK));
}

/*
 * finish_message - decide about a complete message. "how" is "DATA" or
 * "BDAT" (for the reply). Returns 0 when the message was queued.
 */
static int
finish_message(SMTPD_STATE *state, SMTPD_DATA *dp, int bdat)
{
	int	status = smtpd_data_status(dp);
	off_t	size = smtpd_data_size(dp);
	int	bare = status & (SMTPD_DATA_BARE_LF | SMTPD_DATA_BARE_CR);
	int	ret = -1;

	state->where = "END-OF-MESSAGE";
	if (status & SMTPD_DATA_TOO_BIG) {
		smtpd_reply(state, "552 5.3.4 Error: message file too big");
	} else if (bare && var_forbid_bare_nl && !state->bare_nl_excluded) {
		const char *what = (bare & SMTPD_DATA_BARE_LF) ? "<LF>" : "<CR>";

		vstring_sprintf(state->buffer, "%s: reject: END-OF-MESSAGE from "
				"%s: bare %s received; from=<%s>",
				state->queue_id, state->peer.namaddr, what,
				state->sender);
		if (state->rcpt_count == 1)
			vstring_sprintf_append(state->buffer, " to=<%s>",
					       state->first_rcpt);
		vstring_sprintf_append(state->buffer, " proto=%s helo=<%s>",
				       proto_name(state), state->helo_name ?
				       state->helo_name : "");
		msg_info("%s", STR(state->buffer));
		smtpd_reply(state, "%d 5.5.2 %s Error: bare %s received",
			    var_forbid_bare_nl_code, var_myhostname, what);
		if (var_forbid_bare_nl_code == 521)
			state->quit = 1;
	} else if (content_check(state, smtpd_check_eod) == 0) {
		cleanup_client_rec(state->cleanup, REC_TYPE_XTRA, "", 0);
		cleanup_client_rec(state->cleanup, REC_TYPE_END, "", 0);
		status = cleanup_client_finish(state->cleanup, state->why);
		state->cleanup = NULL;
		if (status == CLEANUP_STAT_OK) {
			if (bdat)
				smtpd_reply(state, "250 2.0.0 Ok: %ld bytes "
					    "queued as %s", (long) size,
					    state->queue_id);
			else
				smtpd_reply(state, "250 2.0.0 Ok: queued as %s",
					    state->queue_id);
			/* Errors and junk count "without delivering mail". */
			state->error_count = 0;
			state->junk_count = 0;
			ret = 0;
		} else {
			smtpd_reply(state, "%s",
				    cleanup_stat_reply(status, STR(state->why),
						       state->reply));
		}
	}
	smtpd_trans_reset(state);
	smtpd_xforward_reset(state);
	smtpd_reply_flush(state);
	return (ret);
}

int
smtpd_data_cmd(SMTPD_STATE *state, const char *arg)
{
	SMTPD_DATA *dp;
	size_t	used;
	int	rc;

	if (*arg) {
		smtpd_reply(state, "501 5.5.4 Syntax: DATA");
		return (-1);
	}
	if (state->bdat_state != SMTPD_BDAT_NONE) {
		smtpd_reply(state, "503 5.5.1 Error: DATA after BDAT");
		return (-1);
	}
	if (state->sender == NULL || state->rcpt_count == 0) {
		no_rcpt_reply(state);
		return (-1);
	}
	if (content_check(state, smtpd_check_data) < 0)
		return (-1);
	start_content(state);
	smtpd_reply_raw(state, "354 End data with <CR><LF>.<CR><LF>");
	smtpd_reply_flush(state);

	dp = data_create(state, 0);
	while (!smtpd_data_done(dp)) {
		rc = vstream_fgets_bound(state->client, state->buffer, 65536);
		if (rc == VSTREAM_GETS_EOF || rc == VSTREAM_GETS_PARTIAL) {
			vstring_sprintf(state->reply, "DATA (%ld bytes)",
					(long) smtpd_data_size(dp));
			smtpd_lost(state, STR(state->reply));
			smtpd_data_free(dp);
			smtpd_trans_reset(state);
			return (-1);
		}
		used = smtpd_data_feed(dp, STR(state->buffer),
				       vstring_len(state->buffer));
		/* Chunks end at LF, and so does the end of data. */
		if (used != vstring_len(state->buffer))
			msg_panic("smtpd_data_cmd: %zu of %zu bytes used",
				  used, vstring_len(state->buffer));
	}
	rc = finish_message(state, dp, 0);
	smtpd_data_free(dp);
	return (rc);
}

/* read_chunk - read count bytes, feeding dp if not NULL; 0 or -1 (lost) */

static int
read_chunk(SMTPD_STATE *state, off_t count, SMTPD_DATA *dp)
{
	char	buf[65536];
	size_t	want;
	size_t	got;

	while (count > 0) {
		want = count > (off_t) sizeof(buf) ? sizeof(buf) : (size_t) count;
		got = vstream_fread(state->client, buf, want);
		if (dp && got > 0)
			(void) smtpd_data_feed(dp, buf, got);
		count -= got;
		if (got < want) {
			vstring_sprintf(state->reply, "BDAT (%ld bytes)",
					dp ? (long) smtpd_data_size(dp) : 0L);
			smtpd_lost(state, STR(state->reply));
			return (-1);
		}
	}
	return (0);
}

int
smtpd_bdat_cmd(SMTPD_STATE *state, const char *arg)
{
	off_t	count;
	int	last;
	int	status;

	if (smtpd_cmd_bdat_args(arg, &count, &last) < 0) {
		msg_warn("%s: malformed BDAT command syntax from %s: BDAT %s",
			 state->queue_id ? state->queue_id : "NOQUEUE",
			 state->peer.namaddr,
			 smtpd_printable(state->buffer, arg, 100));
		smtpd_reply_nocount(state, "521 5.5.4 Syntax: BDAT count [LAST]");
		state->quit = 1;
		return (-1);
	}
	/* After an error, chunks are read and dropped up to LAST. */
	if (state->bdat_state == SMTPD_BDAT_FAILED) {
		if (read_chunk(state, count, NULL) < 0)
			return (-1);
		smtpd_reply(state, "551 5.0.0 Discarded %ld bytes after earlier "
			    "error", (long) count);
		if (last)
			state->bdat_state = SMTPD_BDAT_NONE;
		return (-1);
	}
	if (state->bdat_state == SMTPD_BDAT_NONE) {
		if (state->sender == NULL || state->rcpt_count == 0
		    || content_check(state, smtpd_check_data) < 0) {
			if (read_chunk(state, count, NULL) < 0)
				return (-1);
			if (state->sender == NULL || state->rcpt_count == 0)
				no_rcpt_reply(state);
			smtpd_trans_reset(state);
			if (!last)
				state->bdat_state = SMTPD_BDAT_FAILED;
			return (-1);
		}
		start_content(state);
		state->data = data_create(state, SMTPD_DATA_FLAG_BDAT);
		state->bdat_state = SMTPD_BDAT_ACTIVE;
	}
	if (read_chunk(state, count, state->data) < 0) {
		smtpd_trans_reset(state);
		return (-1);
	}
	status = smtpd_data_status(state->data);
	if (!last && ((status & SMTPD_DATA_TOO_BIG)
		      || ((status & (SMTPD_DATA_BARE_LF | SMTPD_DATA_BARE_CR))
			  && var_forbid_bare_nl && !state->bare_nl_excluded))) {
		/* Fail now; the rest of the chunks are dropped. */
		(void) finish_message(state, state->data, 1);
		if (!state->quit)
			state->bdat_state = SMTPD_BDAT_FAILED;
		return (-1);
	}
	if (!last) {
		smtpd_reply(state, "250 2.0.0 Ok: %ld bytes", (long) count);
		return (0);
	}
	smtpd_data_finish(state->data);
	return (finish_message(state, state->data, 1));
}
