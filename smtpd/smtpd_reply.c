/*
 * smtpd_reply - SMTP replies: format, enhanced status codes, errors
 *
 *	smtpd_reply() formats "NNN [X.Y.Z] text" and queues it on the client
 *	stream. A reply without an enhanced status code gets the generic
 *	one for its class (2.0.0, 4.0.0, 5.0.0), so every reply carries one
 *	(RFC 2034). Text with '\n' becomes a multi-line reply, each line
 *	with the code and the enhanced code. A 4xx or 5xx reply counts as
 *	an error; once the session has made more than
 *	smtpd_soft_error_limit errors, each error reply is delayed by
 *	smtpd_error_sleep_time (after the replies already queued went out).
 *	smtpd_reply_nocount() the same without error accounting (421 at
 *	the end of a session).
 *	smtpd_reply_raw() a reply as given, multi-line on '\n', no enhanced
 *	code: the greeting and the HELO/EHLO replies (RFC 2034 exempts them).
 *	smtpd_reply_flush() sends what is queued.
 *	smtpd_printable() a copy of client text fit to echo or log.
 *
 * Pipelining (RFC 2920): replies are only queued here. The stream flushes
 * them when smtpd must read and no input is buffered, i.e. when the
 * client has to wait; smtpd also flushes before 354 and after the end of
 * a message. A write error shows up as end of file on the next read.
 */
#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "msg.h"
#include "vstream.h"
#include "vstring.h"
#include "smtpd.h"
#include "smtpd_dsn.h"

#define REPLY_COUNT	(1 << 0)	/* error accounting */
#define REPLY_ENH	(1 << 1)	/* enhanced status codes */

static void
smtpd_vreply(SMTPD_STATE *state, int flags, const char *fmt, va_list ap)
{
	VSTRING *text = vstring_alloc(100);
	char	code[4];
	char	enh[16];
	const char *body;
	const char *line;
	const char *end;
	size_t	elen;

	vstring_vsprintf_append(text, fmt, ap);
	body = vstring_str(text);
	if (vstring_len(text) < 3 || !isdigit((unsigned char) body[0])
	    || !isdigit((unsigned char) body[1])
	    || !isdigit((unsigned char) body[2])
	    || (body[3] != ' ' && body[3] != 0))
		msg_panic("smtpd_reply: malformed reply \"%s\"", body);
	memcpy(code, body, 3);
	code[3] = 0;
	body += (body[3] == ' ') ? 4 : 3;

	/* The enhanced status code, given or generic. */
	enh[0] = 0;
	if (flags & REPLY_ENH) {
		if ((elen = smtpd_dsn_len(body, " ")) > 0 && body[0] == code[0]) {
			memcpy(enh, body, elen);
			enh[elen] = 0;
			body += elen;
			while (*body == ' ')
				body++;
		} else {
			if (elen > 0) {
				/* Class mismatch: keep ours, drop theirs. */
				body += elen;
				while (*body == ' ')
					body++;
			}
			snprintf(enh, sizeof(enh), "%c.0.0", code[0]);
		}
	}

	/* Errors slow the client down once it made too many. */
	if ((flags & REPLY_COUNT) && (code[0] == '4' || code[0] == '5')) {
		state->error_count++;
		if (state->error_count > var_smtpd_soft_erlim
		    && var_smtpd_err_sleep > 0) {
			(void) vstream_fflush(state->client);
			sleep(var_smtpd_err_sleep);
		}
	}

	/* One line per '\n'; the last one with a space after the code. */
	for (line = body;; line = end + 1) {
		end = strchr(line, '\n');
		vstream_fprintf(state->client, "%s%c%s%s%.*s\r\n", code,
				end ? '-' : ' ', enh, *enh ? " " : "",
				(int) (end ? (size_t) (end - line) : strlen(line)),
				line);
		if (end == NULL)
			break;
	}
	if (msg_verbose)
		msg_info("> %s: %s %s%s%s", state->peer.namaddr, code, enh,
			 *enh ? " " : "", body);
	vstring_free(text);
}

void
smtpd_reply(SMTPD_STATE *state, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	smtpd_vreply(state, REPLY_COUNT | REPLY_ENH, fmt, ap);
	va_end(ap);
}

void
smtpd_reply_nocount(SMTPD_STATE *state, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	smtpd_vreply(state, REPLY_ENH, fmt, ap);
	va_end(ap);
}

void
smtpd_reply_raw(SMTPD_STATE *state, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	smtpd_vreply(state, REPLY_COUNT, fmt, ap);
	va_end(ap);
}

void
smtpd_reply_flush(SMTPD_STATE *state)
{
	(void) vstream_fflush(state->client);
}

/* smtpd_printable - client text made safe for replies and logs */

const char *
smtpd_printable(VSTRING *buf, const char *text, size_t max_len)
{
	const unsigned char *cp;

	VSTRING_RESET(buf);
	for (cp = (const unsigned char *) text; *cp; cp++) {
		if (vstring_len(buf) >= max_len) {
			vstring_strcat(buf, "...");
			break;
		}
		vstring_addch(buf, (*cp >= ' ' && *cp < 0x7f) ? *cp : '?');
	}
	return (vstring_str(buf));
}
