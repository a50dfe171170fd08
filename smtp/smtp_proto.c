/*
 * smtp_proto - the SMTP/LMTP conversation with one server
 *
 *	(Replies and EHLO keywords are parsed in smtp_reply.c.)
 *	smtp_helo() reads the greeting (when greet) and sends EHLO (HELO
 *	when EHLO is refused with 5xx or smtp_never_send_ehlo; LHLO for
 *	LMTP) and records the server's extensions.
 *	smtp_xfer() runs one mail transaction for the request's unreported
 *	recipients: MAIL FROM (SIZE, BODY, SMTPUTF8, RET, ENVID), RCPT TO
 *	(NOTIFY, ORCPT), DATA, the content, the end of data; with
 *	PIPELINING the commands up to DATA go out in one write and the
 *	replies are read in order. Each recipient is reported exactly once.
 *	smtp_rset() and smtp_quit() end a transaction or the session.
 *	smtp_quote_addr() quotes an address's local part when RFC 5321
 *	needs it (smtp_quote_rfc821_envelope).
 *	smtp_io_fail() and smtp_reply_fail() phrase a failure as Postfix
 *	logs it ("lost connection with host[addr] while sending RCPT TO",
 *	"host host[addr] said: 450 ... (in reply to RCPT TO command)").
 *
 * Return values of smtp_helo() and smtp_xfer(): SMTP_OK; SMTP_RETRY when
 * this server failed before it accepted MAIL FROM (state->why says why,
 * nothing was reported: the caller tries the next server); SMTP_FAIL
 * when recipients were reported and the session cannot continue.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "msg.h"
#include "mymalloc.h"
#include "stringops.h"
#include "smtp.h"

#define STR(x)	vstring_str(x)

/* Send one command line (buffered). */
void
smtp_cmd(SMTP_SESSION *session, int timeout, const char *fmt, ...)
{
	va_list	ap;

	vstream_set_timeout(session->stream, timeout);
	va_start(ap, fmt);
	(void) vstream_vfprintf(session->stream, fmt, ap);
	va_end(ap);
	(void) vstream_fputs(session->stream, "\r\n");
}

/* Flush and read one reply under a timeout: 0 or -1. */
int
smtp_chat(SMTP_SESSION *session, int timeout, SMTP_REPLY *reply)
{
	vstream_set_timeout(session->stream, timeout);
	if (vstream_fflush(session->stream) != 0)
		return (-1);
	return (smtp_get_reply(session, reply));
}

void
smtp_io_fail(SMTP_WHY *why, SMTP_SESSION *session, const char *phase)
{
	smtp_why_set(why, "4.4.2", session->relay, "%s with %s %s %s",
		     vstream_ftimeout(session->stream) ? "conversation" :
		     "lost connection", session->namaddr,
		     vstream_ftimeout(session->stream) ? "timed out while" :
		     "while", phase);
	vstring_strcpy(why->mname, session->host);
	session->broken = 1;
}

void
smtp_reply_fail(SMTP_WHY *why, SMTP_SESSION *session,
		const SMTP_REPLY *reply, const char *command)
{
	smtp_why_set(why, reply->dsn, session->relay,
		     "host %s said: %s (in reply to %s command)",
		     session->namaddr, STR(reply->text), command);
	vstring_strcpy(why->dtext, STR(reply->text));
	why->dtype_smtp = 1;
	vstring_strcpy(why->mname, session->host);
}

/* Make a 5xx reply temporary (skip_5xx_greeting, SASL soft bounce). */
static void
smtp_soften(SMTP_WHY *why)
{
	if (STR(why->status)[0] == '5')
		STR(why->status)[0] = '4';
}

int
smtp_helo(SMTP_STATE *state, SMTP_SESSION *session, int greet)
{
	SMTP_REPLY *reply = smtp_reply_alloc();
	const char *verb = smtp_lmtp ? "LHLO" : "EHLO";
	int	ret = SMTP_OK;

	if (greet) {
		vstream_set_timeout(session->stream, smtp_var.helo_timeout);
		if (smtp_get_reply(session, reply) < 0) {
			smtp_io_fail(&state->why, session,
				     "receiving the initial server greeting");
			ret = SMTP_RETRY;
			goto done;
		}
		if (reply->code / 100 != 2) {
			smtp_why_set(&state->why, reply->dsn, session->relay,
				     "host %s refused to talk to me: %s",
				     session->namaddr, STR(reply->text));
			vstring_strcpy(state->why.dtext, STR(reply->text));
			state->why.dtype_smtp = 1;
			vstring_strcpy(state->why.mname, session->host);
			if (reply->code / 100 == 5 && smtp_var.skip_5xx_greeting)
				smtp_soften(&state->why);
			session->broken = 1;
			ret = SMTP_RETRY;
			goto done;
		}
	}
	if (smtp_var.never_send_ehlo)
		verb = "HELO";
	smtp_cmd(session, smtp_var.helo_timeout, "%s %s", verb,
		 smtp_var.helo_name);
	if (smtp_chat(session, smtp_var.helo_timeout, reply) < 0) {
		smtp_io_fail(&state->why, session, smtp_lmtp ?
			     "performing the LHLO handshake" :
			     "performing the EHLO handshake");
		ret = SMTP_RETRY;
		goto done;
	}
	if (reply->code / 100 == 5 && strcmp(verb, "EHLO") == 0) {
		verb = "HELO";
		smtp_cmd(session, smtp_var.helo_timeout, "HELO %s",
			 smtp_var.helo_name);
		if (smtp_chat(session, smtp_var.helo_timeout, reply) < 0) {
			smtp_io_fail(&state->why, session,
				     "performing the HELO handshake");
			ret = SMTP_RETRY;
			goto done;
		}
	}
	if (reply->code / 100 != 2) {
		smtp_reply_fail(&state->why, session, reply, verb);
		session->broken = 1;
		ret = SMTP_RETRY;
		goto done;
	}
	if (strcmp(verb, "HELO") == 0)
		session->features = 0;
	else
		smtp_ehlo_features(session, reply);
done:
	smtp_reply_free(reply);
	return (ret);
}

/* Quote the local part of an address for MAIL FROM / RCPT TO. */
void
smtp_quote_addr(VSTRING *out, const char *addr)
{
	const char *at = strrchr(addr, '@');
	size_t	local_len = at ? (size_t) (at - addr) : strlen(addr);
	const char *cp;
	int	quote = 0;

	VSTRING_RESET(out);
	if (smtp_var.quote_rfc821_envelope && local_len > 0) {
		if (addr[0] == '.' || addr[local_len - 1] == '.')
			quote = 1;
		for (cp = addr; cp < addr + local_len && !quote; cp++) {
			if (strchr(" \t\"()<>@,;:\\[]", *cp) || (cp[0] == '.'
							 && cp[1] == '.'))
				quote = 1;
		}
		if (addr[0] == '"')
			quote = 0;
	}
	if (!quote) {
		vstring_strcpy(out, addr);
		return;
	}
	vstring_addch(out, '"');
	for (cp = addr; cp < addr + local_len; cp++) {
		if (*cp == '"' || *cp == '\\')
			vstring_addch(out, '\\');
		vstring_addch(out, *cp);
	}
	vstring_addch(out, '"');
	vstring_strcat(out, addr + local_len);
}

/* " NOTIFY=..." text for DSN_NOTIFY_* bits. */
static void
smtp_notify_text(VSTRING *out, int notify)
{
	if (notify & DSN_NOTIFY_NEVER) {
		vstring_strcat(out, " NOTIFY=NEVER");
		return;
	}
	vstring_strcat(out, " NOTIFY=");
	if (notify & DSN_NOTIFY_SUCCESS)
		vstring_strcat(out, "SUCCESS,");
	if (notify & DSN_NOTIFY_FAILURE)
		vstring_strcat(out, "FAILURE,");
	if (notify & DSN_NOTIFY_DELAY)
		vstring_strcat(out, "DELAY,");
	vstring_truncate(out, vstring_len(out) - 1);
}

/* Build the MAIL FROM command. */
static void
smtp_mail_cmd(SMTP_SESSION *session, DELIVER_REQUEST *req, VSTRING *cmd)
{
	VSTRING *buf = vstring_alloc(100);

	smtp_quote_addr(buf, req->sender);
	vstring_sprintf(cmd, "MAIL FROM:<%s>", STR(buf));
	if (session->features & SMTP_FEATURE_SIZE)
		vstring_sprintf_append(cmd, " SIZE=%ld", req->data_size);
	if (session->features & SMTP_FEATURE_8BITMIME) {
		if (strcmp(req->encoding, "8bit") == 0)
			vstring_strcat(cmd, " BODY=8BITMIME");
		else if (strcmp(req->encoding, "7bit") == 0)
			vstring_strcat(cmd, " BODY=7BIT");
	}
	if ((session->features & SMTP_FEATURE_SMTPUTF8) && req->smtputf8)
		vstring_strcat(cmd, " SMTPUTF8");
	if (session->features & SMTP_FEATURE_DSN) {
		if (req->dsn_ret == DSN_RET_FULL)
			vstring_strcat(cmd, " RET=FULL");
		else if (req->dsn_ret == DSN_RET_HDRS)
			vstring_strcat(cmd, " RET=HDRS");
		if (*req->dsn_envid) {
			vstring_strcat(cmd, " ENVID=");
			smtp_xtext(buf, req->dsn_envid);
			vstring_strcat(cmd, STR(buf));
		}
	}
	vstring_free(buf);
}

/* Build a RCPT TO command. */
static void
smtp_rcpt_cmd(SMTP_SESSION *session, const RECIPIENT *rcpt, VSTRING *cmd)
{
	VSTRING *buf = vstring_alloc(100);
	const char *semi;

	smtp_quote_addr(buf, rcpt->address);
	vstring_sprintf(cmd, "RCPT TO:<%s>", STR(buf));
	if (session->features & SMTP_FEATURE_DSN) {
		if (rcpt->dsn_notify)
			smtp_notify_text(cmd, rcpt->dsn_notify);
		if (*rcpt->dsn_orcpt && (semi = strchr(rcpt->dsn_orcpt, ';'))) {
			vstring_strcat(cmd, " ORCPT=");
			vstring_strncat(cmd, rcpt->dsn_orcpt,
					(size_t) (semi - rcpt->dsn_orcpt) + 1);
			smtp_xtext(buf, semi + 1);
			vstring_strcat(cmd, STR(buf));
		} else if (*rcpt->orig_addr) {
			vstring_strcat(cmd, " ORCPT=rfc822;");
			smtp_xtext(buf, rcpt->orig_addr);
			vstring_strcat(cmd, STR(buf));
		}
	}
	vstring_free(buf);
}

int
smtp_rset(SMTP_SESSION *session)
{
	SMTP_REPLY *reply = smtp_reply_alloc();
	int	ok;

	smtp_cmd(session, smtp_var.rset_timeout, "RSET");
	ok = smtp_chat(session, smtp_var.rset_timeout, reply) == 0
		&& reply->code / 100 == 2;
	smtp_reply_free(reply);
	if (!ok)
		session->broken = 1;
	return (ok ? 0 : -1);
}

void
smtp_quit(SMTP_SESSION *session)
{
	SMTP_REPLY *reply;

	if (session->broken)
		return;
	smtp_cmd(session, smtp_var.quit_timeout, "QUIT");
	if (smtp_var.skip_quit_response) {
		/* smtp_skip_quit_response: send QUIT, do not wait. */
		(void) vstream_fflush(session->stream);
		return;
	}
	reply = smtp_reply_alloc();
	(void) smtp_chat(session, smtp_var.quit_timeout, reply);
	smtp_reply_free(reply);
}

/* Report a reply for one recipient (2xx sent, 4xx defer, 5xx bounce). */
static void
smtp_rcpt_reply(SMTP_STATE *state, SMTP_SESSION *session, size_t i,
		const SMTP_REPLY *reply, const char *command)
{
	VSTRING *reason = vstring_alloc(100);

	if (reply->code / 100 == 2) {
		smtp_report(state, i, reply->dsn, session->relay,
			    STR(reply->text), STR(reply->text), session->host);
	} else {
		vstring_sprintf(reason, "host %s said: %s (in reply to %s "
				"command)", session->namaddr, STR(reply->text),
				command);
		smtp_report(state, i, reply->code ? reply->dsn : "4.0.0",
			    session->relay, STR(reason), STR(reply->text),
			    session->host);
	}
	vstring_free(reason);
}

/* Report every recipient still pending among those in list. */
static void
smtp_fail_list(SMTP_STATE *state, const size_t *list, size_t n,
	       const SMTP_WHY *why)
{
	size_t	k;

	for (k = 0; k < n; k++)
		if (!state->rcpt_done[list[k]])
			smtp_report(state, list[k], STR(why->status),
				    STR(why->relay), STR(why->reason),
				    STR(why->dtext), STR(why->mname));
}

/* Bounce every pending recipient for a local reason about this server. */
/*
 * Read the reply to the RCPT TO for sent[k]: an accepted recipient joins
 * accepted[], a refused one is reported. -1 when the session broke (then
 * every recipient sent is reported).
 */
static int
smtp_rcpt_result(SMTP_STATE *state, SMTP_SESSION *session,
		 SMTP_REPLY *reply, const size_t *sent, size_t nsent,
		 size_t k, size_t *accepted, size_t *naccepted)
{
	if (smtp_chat(session, smtp_var.rcpt_timeout, reply) < 0) {
		smtp_io_fail(&state->why, session, "sending RCPT TO");
		smtp_fail_list(state, sent, nsent, &state->why);
		return (-1);
	}
	if (reply->code / 100 == 2)
		accepted[(*naccepted)++] = sent[k];
	else
		smtp_rcpt_reply(state, session, sent[k], reply, "RCPT TO");
	return (0);
}

static int
smtp_bounce_pending(SMTP_STATE *state, SMTP_SESSION *session,
		    const char *status, const char *reason)
{
	size_t	i;

	for (i = 0; i < state->req->rcpt_count; i++)
		if (!state->rcpt_done[i])
			smtp_report(state, i, status, session->relay, reason,
				    "", session->host);
	return (SMTP_FAIL);
}

int
smtp_xfer(SMTP_STATE *state, SMTP_SESSION *session)
{
	DELIVER_REQUEST *req = state->req;
	SMTP_REPLY *reply = smtp_reply_alloc();
	VSTRING *cmd = vstring_alloc(200);
	VSTRING *why = vstring_alloc(100);
	size_t *sent = mymalloc_array(req->rcpt_count, sizeof(size_t));
	size_t *accepted = mymalloc_array(req->rcpt_count, sizeof(size_t));
	size_t	nsent = 0;
	size_t	naccepted = 0;
	size_t	i;
	size_t	k;
	int	pipelining = (session->features & SMTP_FEATURE_PIPELINING) != 0;
	int	downgrade = 0;
	int	ret = SMTP_OK;
	int	data_ok;

	/* Refuse what the server announced it would refuse. */
	if ((session->features & SMTP_FEATURE_SIZE) && session->size_limit > 0
	    && req->data_size > session->size_limit) {
		vstring_sprintf(why, "message size %ld exceeds size limit %ld of "
				"server %s", req->data_size, session->size_limit,
				session->namaddr);
		ret = smtp_bounce_pending(state, session, "5.3.4", STR(why));
		goto done;
	}
	if (req->smtputf8 && !(session->features & SMTP_FEATURE_SMTPUTF8)
	    && smtp_needs_utf8(req)) {
		vstring_sprintf(why, "SMTPUTF8 is required, but was not offered "
				"by host %s", session->namaddr);
		ret = smtp_bounce_pending(state, session, "5.6.7", STR(why));
		goto done;
	}
	if (strcmp(req->encoding, "8bit") == 0
	    && !(session->features & SMTP_FEATURE_8BITMIME)
	    && !smtp_var.disable_mime_conversion)
		downgrade = 1;

	/*
	 * No byte of an address may end a command line early (command
	 * injection through a crafted envelope).
	 */
	if (strpbrk(req->sender, "\r\n")) {
		ret = smtp_bounce_pending(state, session, "5.1.7",
					  "bad sender address syntax");
		goto done;
	}
	for (i = 0; i < req->rcpt_count; i++) {
		if (state->rcpt_done[i])
			continue;
		if (strpbrk(req->rcpt[i].address, "\r\n"))
			smtp_report(state, i, "5.1.3", session->relay,
				    "bad recipient address syntax", "",
				    session->host);
		else
			sent[nsent++] = i;
	}
	if (nsent == 0) {
		ret = SMTP_FAIL;
		goto done;
	}

	/* Commands up to DATA. */
	smtp_mail_cmd(session, req, cmd);
	smtp_cmd(session, smtp_var.mail_timeout, "%s", STR(cmd));
	if (!pipelining) {
		if (smtp_chat(session, smtp_var.mail_timeout, reply) < 0) {
			smtp_io_fail(&state->why, session, "sending MAIL FROM");
			ret = SMTP_RETRY;
			goto done;
		}
		if (reply->code / 100 != 2)
			goto mail_refused;
	}
	for (k = 0; k < nsent; k++) {
		smtp_rcpt_cmd(session, req->rcpt + sent[k], cmd);
		smtp_cmd(session, smtp_var.rcpt_timeout, "%s", STR(cmd));
		if (!pipelining && smtp_rcpt_result(state, session, reply, sent,
						    nsent, k, accepted,
						    &naccepted) < 0) {
			ret = SMTP_FAIL;
			goto done;
		}
	}
	if (!pipelining && naccepted == 0) {
		/* Nothing to send: every recipient was reported. */
		if (smtp_rset(session) < 0)
			session->broken = 1;
		ret = SMTP_FAIL;
		goto done;
	}
	smtp_cmd(session, smtp_var.data_init_timeout, "DATA");

	/* With pipelining, now read the replies in order. */
	if (pipelining) {
		if (smtp_chat(session, smtp_var.mail_timeout, reply) < 0) {
			smtp_io_fail(&state->why, session, "sending MAIL FROM");
			ret = SMTP_RETRY;
			goto done;
		}
		if (reply->code / 100 != 2) {
			SMTP_REPLY *junk = smtp_reply_alloc();

			/* Drain the RCPT and DATA replies before RSET. */
			for (k = 0; k <= nsent; k++) {
				if (smtp_chat(session, smtp_var.rcpt_timeout, junk) < 0) {
					session->broken = 1;
					break;
				}
			}
			if (!session->broken && junk->code == 354) {
				/* Some servers accept DATA anyway: end it. */
				smtp_cmd(session, smtp_var.data_done_timeout, ".");
				(void) smtp_chat(session, smtp_var.data_done_timeout,
						 junk);
				session->broken = 1;
			}
			smtp_reply_free(junk);
			goto mail_refused;
		}
		for (k = 0; k < nsent; k++) {
			if (smtp_rcpt_result(state, session, reply, sent, nsent,
					     k, accepted, &naccepted) < 0) {
				ret = SMTP_FAIL;
				goto done;
			}
		}
	}
	state->transactions++;
	if (smtp_chat(session, smtp_var.data_init_timeout, reply) < 0) {
		smtp_io_fail(&state->why, session, "sending DATA command");
		smtp_fail_list(state, accepted, naccepted, &state->why);
		ret = SMTP_FAIL;
		goto done;
	}
	if (reply->code != 354) {
		for (k = 0; k < naccepted; k++)
			smtp_rcpt_reply(state, session, accepted[k], reply, "DATA");
		if (reply->code / 100 == 3 || smtp_rset(session) < 0)
			session->broken = 1;
		ret = SMTP_FAIL;
		goto done;
	}
	if (naccepted == 0) {
		/* Pipelined DATA accepted without recipients: send nothing. */
		smtp_cmd(session, smtp_var.data_done_timeout, ".");
		(void) smtp_chat(session, smtp_var.data_done_timeout, reply);
		session->broken = 1;
		ret = SMTP_FAIL;
		goto done;
	}

	/* The content. */
	vstream_set_timeout(session->stream, smtp_var.data_xfer_timeout);
	if ((data_ok = smtp_data_send(session, req, downgrade, why)) < 0) {
		if (data_ok == -2) {
			smtp_why_set(&state->why, "4.3.0", session->relay, "%s",
				     STR(why));
			session->broken = 1;
		} else
			smtp_io_fail(&state->why, session, "sending message body");
		smtp_fail_list(state, accepted, naccepted, &state->why);
		ret = SMTP_FAIL;
		goto done;
	}
	smtp_cmd(session, smtp_var.data_done_timeout, ".");
	for (k = 0; k < (smtp_lmtp ? naccepted : 1); k++) {
		if (smtp_chat(session, smtp_var.data_done_timeout, reply) < 0) {
			smtp_io_fail(&state->why, session, "sending end of data "
				     "-- message may be sent more than once");
			smtp_fail_list(state, accepted, naccepted, &state->why);
			ret = SMTP_FAIL;
			goto done;
		}
		if (smtp_lmtp)
			smtp_rcpt_reply(state, session, accepted[k], reply,
					"end of DATA");
		else
			for (i = 0; i < naccepted; i++)
				smtp_rcpt_reply(state, session, accepted[i], reply,
						"end of DATA");
	}
	ret = SMTP_OK;
	goto done;

mail_refused:
	if (reply->code == 421 || reply->code == 0) {
		/* The server is going away: another server may do better. */
		smtp_reply_fail(&state->why, session, reply, "MAIL FROM");
		session->broken = 1;
		ret = SMTP_RETRY;
		goto done;
	}
	for (k = 0; k < nsent; k++)
		smtp_rcpt_reply(state, session, sent[k], reply, "MAIL FROM");
	if (!session->broken && smtp_rset(session) < 0)
		session->broken = 1;
	ret = SMTP_FAIL;

done:
	smtp_reply_free(reply);
	vstring_free(cmd);
	vstring_free(why);
	myfree(sent);
	myfree(accepted);
	return (ret);
}
