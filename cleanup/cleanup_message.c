/*
 * cleanup_message - message headers and body
 *
 *	cleanup_message() one NORMAL or FRAGMENT record of content.
 *	cleanup_message_end() the content ends (XTRA): finish the headers
 *		if the message had no body, write XTRA.
 *	cleanup_mail_date() an RFC 5322 date in local time.
 *
 * The primary headers are the lines from the start of the content up to
 * the first line that is neither a header ("name:") nor a continuation of
 * one (starting with a space or tab); that line, normally the empty line,
 * starts the body. Each header is collected with its continuation lines
 * (and the fragments of long lines) up to header_size_limit bytes; the
 * excess is discarded, as Postfix does, and what remains is written with
 * its original folding. Headers are unfolded only to inspect them:
 *
 *	Received:	counted; hopcount_limit or more is CLEANUP_STAT_HOPS.
 *	Message-ID:	logged as "QUEUEID: message-id=VALUE"
 *			(Resent-Message-ID: as resent-message-id=).
 *	message_drop_headers	removed (Bcc:, Return-Path: ...).
 *
 * After the last header, for local mail (rewrite_context=local, the
 * default without CLEANUP_FLAG_FROM_SMTP; remote mail only when
 * remote_header_rewrite_domain is set) or with always_add_missing_headers,
 * missing headers are added: Message-Id: <YYYYMMDDhhmmss.QUEUEID@myhostname>
 * (UTC), Date: (arrival, local time with numeric zone), From: (the
 * envelope sender, MAILER-DAEMON for the null sender), and
 * undisclosed_recipients_header when there is no To: or Cc:. With any
 * Resent- header, the Resent- versions are added instead. A message that
 * ends up without Message-ID is logged as "message-id=<>".
 *
 * With CLEANUP_FLAG_EXTRACT (sendmail -t) the addresses of To:, Cc: and
 * Bcc: headers are collected (Resent-To:, Resent-Cc:, Resent-Bcc: when
 * the message has any Resent- header, as Postfix does) and, after XTRA,
 * become recipients in the extracted section, in addition to those of
 * the envelope; Bcc: and Resent-Bcc: themselves are removed through
 * message_drop_headers, whose default lists them.
 *
 * Body records are copied as they come.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "msg.h"
#include "mymalloc.h"
#include "argv.h"
#include "vstring.h"
#include "addr_quote.h"
#include "addr_list.h"
#include "rec_type.h"
#include "cleanup_client.h"
#include "cleanup.h"

typedef struct {
	const char *name;
	int	bit;
} CLEANUP_HDR_INFO;

static const CLEANUP_HDR_INFO cleanup_hdr_info[] = {
	{"Message-ID", CLEANUP_HDR_MESSAGE_ID},
	{"Date", CLEANUP_HDR_DATE},
	{"From", CLEANUP_HDR_FROM},
	{"To", CLEANUP_HDR_TO},
	{"Cc", CLEANUP_HDR_CC},
	{"Received", CLEANUP_HDR_RECEIVED},
	{"Resent-Message-ID", CLEANUP_HDR_RESENT_MESSAGE_ID},
	{"Resent-Date", CLEANUP_HDR_RESENT_DATE},
	{"Resent-From", CLEANUP_HDR_RESENT_FROM},
	{"Resent-To", CLEANUP_HDR_RESENT_TO},
	{"Resent-Cc", CLEANUP_HDR_RESENT_CC},
	{"Bcc", CLEANUP_HDR_BCC},
	{"Resent-Bcc", CLEANUP_HDR_RESENT_BCC},
	{"Resent-Sender", CLEANUP_HDR_RESENT_OTHER},
	{"Resent-Reply-To", CLEANUP_HDR_RESENT_OTHER},
};

#define CLEANUP_HDR_RESENT_ANY \
	(CLEANUP_HDR_RESENT_MESSAGE_ID | CLEANUP_HDR_RESENT_DATE \
	 | CLEANUP_HDR_RESENT_FROM | CLEANUP_HDR_RESENT_TO \
	 | CLEANUP_HDR_RESENT_CC | CLEANUP_HDR_RESENT_BCC \
	 | CLEANUP_HDR_RESENT_OTHER)

#define CLEANUP_HDR_EXTRACT \
	(CLEANUP_HDR_TO | CLEANUP_HDR_CC | CLEANUP_HDR_BCC)
#define CLEANUP_HDR_EXTRACT_RESENT \
	(CLEANUP_HDR_RESENT_TO | CLEANUP_HDR_RESENT_CC | CLEANUP_HDR_RESENT_BCC)

#define CLEANUP_HDR_VISIBLE_RCPT \
	(CLEANUP_HDR_TO | CLEANUP_HDR_RESENT_TO | CLEANUP_HDR_CC \
	 | CLEANUP_HDR_RESENT_CC)

/* Length of the header name when data starts a header, else 0. */
static size_t
cleanup_header_name_len(const char *data, size_t len)
{
	size_t  n = 0;
	size_t  i;

	while (n < len && (unsigned char) data[n] > ' '
	       && (unsigned char) data[n] < 0x7f && data[n] != ':')
		n++;
	if (n == 0)
		return (0);
	for (i = n; i < len && (data[i] == ' ' || data[i] == '\t'); i++)
		 /* void */ ;
	return (i < len && data[i] == ':' ? n : 0);
}

static int
cleanup_header_kind(const char *name, size_t len)
{
	size_t  i;

	for (i = 0; i < sizeof(cleanup_hdr_info) / sizeof(cleanup_hdr_info[0]); i++)
		if (strlen(cleanup_hdr_info[i].name) == len
		    && strncasecmp(cleanup_hdr_info[i].name, name, len) == 0)
			return (cleanup_hdr_info[i].bit);
	return (CLEANUP_HDR_OTHER);
}

static int
cleanup_header_dropped(const char *name, size_t len)
{
	size_t  i;

	for (i = 0; i < var_drop_hdrs->len; i++)
		if (strlen(var_drop_hdrs->argv[i]) == len
		    && strncasecmp(var_drop_hdrs->argv[i], name, len) == 0)
			return (1);
	return (0);
}

/* The header value unfolded, trimmed, safe to log. */
static const char *
cleanup_header_value(CLEANUP_STATE *state)
{
	const char *hdr = vstring_str(state->hdr);
	const char *cp = memchr(hdr, ':', vstring_len(state->hdr));
	const char *end = hdr + vstring_len(state->hdr);
	unsigned char ch;

	VSTRING_RESET(state->buf);
	/* Physical lines are stored back to back: joining them unfolds. */
	for (cp = cp + 1; cp < end && (*cp == ' ' || *cp == '\t'); cp++)
		 /* void */ ;
	for (; cp < end; cp++) {
		ch = (unsigned char) *cp;
		/* Tabs become spaces; other controls could forge log lines. */
		if (ch == '\t')
			ch = ' ';
		vstring_addch(state->buf, (ch < ' ' || ch == 0x7f) ? '?' : ch);
	}
	while (vstring_len(state->buf) > 0
	       && vstring_end(state->buf)[-1] == ' ')
		vstring_truncate(state->buf, vstring_len(state->buf) - 1);
	return (vstring_str(state->buf));
}

/* sendmail -t: remember the addresses of a To/Cc/Bcc header. */
static void
cleanup_extract_header(CLEANUP_STATE *state, ARGV *out)
{
	ADDR_LIST *list = addr_list_alloc();
	VSTRING *why = vstring_alloc(100);
	size_t	i;

	/* Unparsable mailboxes are skipped; the rest of the list counts. */
	(void) addr_list_parse(list, cleanup_header_value(state),
			       ADDR_LIST_FLAG_UTF8, why);
	for (i = 0; i < list->len; i++)
		if (*list->items[i].addr)
			argv_add(out, list->items[i].addr);
	addr_list_free(list);
	vstring_free(why);
}

/* Inspect, then write or drop, the header collected so far. */
static void
cleanup_header_flush(CLEANUP_STATE *state)
{
	const char *hdr = vstring_str(state->hdr);
	size_t  name_len;
	size_t  start;
	size_t  i;
	int     kind;

	if (state->hdr_lines == 0)
		return;
	/* Collected only when the first line passed this test. */
	name_len = cleanup_header_name_len(hdr, state->hdr_ends[0]);
	kind = cleanup_header_kind(hdr, name_len);
	state->headers_seen |= kind;
	if (kind & CLEANUP_HDR_RESENT_ANY)
		state->resent = 1;
	if (kind == CLEANUP_HDR_RECEIVED
	    && ++state->hop_count >= var_hopcount_limit
	    && (state->errs & CLEANUP_STAT_HOPS) == 0) {
		if (state->errs == 0)
			vstring_strcpy(state->reason,
				       cleanup_stat_text(CLEANUP_STAT_HOPS));
		state->errs |= CLEANUP_STAT_HOPS;
		msg_warn("%s: message rejected: hopcount exceeded",
			 cleanup_id(state));
	}
	if ((state->flags & CLEANUP_FLAG_EXTRACT)
	    && (kind & (CLEANUP_HDR_EXTRACT | CLEANUP_HDR_EXTRACT_RESENT)))
		cleanup_extract_header(state, (kind & CLEANUP_HDR_EXTRACT) ?
				       state->extract_rcpts :
				       state->extract_resent);
	if (kind == CLEANUP_HDR_MESSAGE_ID)
		msg_info("%s: message-id=%s", cleanup_id(state),
			 cleanup_header_value(state));
	else if (kind == CLEANUP_HDR_RESENT_MESSAGE_ID)
		msg_info("%s: resent-message-id=%s", cleanup_id(state),
			 cleanup_header_value(state));
	if (!cleanup_header_dropped(hdr, name_len)) {
		for (start = 0, i = 0; i < state->hdr_lines; i++) {
			cleanup_out_line(state, hdr + start,
					 state->hdr_ends[i] - start);
			start = state->hdr_ends[i];
		}
	}
	VSTRING_RESET(state->hdr);
	state->hdr_lines = 0;
	state->hdr_truncated = 0;
}

/* Add a piece of a header line; new_line starts a physical line. */
static void
cleanup_header_add(CLEANUP_STATE *state, const char *data, size_t len,
		   int new_line)
{
	size_t  used;
	size_t  sep;

	if (state->hdr_truncated)
		return;
	/* Count one byte per line break, as a stored header would have. */
	used = vstring_len(state->hdr) + (state->hdr_lines ? state->hdr_lines - 1 : 0);
	sep = (new_line && state->hdr_lines > 0) ? 1 : 0;
	if (used + sep + len > (size_t) var_header_size_limit) {
		state->hdr_truncated = 1;
		if (used + sep >= (size_t) var_header_size_limit)
			return;
		len = (size_t) var_header_size_limit - used - sep;
	}
	if (new_line) {
		if (state->hdr_lines == state->hdr_size) {
			state->hdr_size = state->hdr_size ? 2 * state->hdr_size : 8;
			state->hdr_ends = myrealloc(state->hdr_ends,
				       state->hdr_size * sizeof(*state->hdr_ends));
		}
		state->hdr_lines++;
	}
	vstring_memcat(state->hdr, data, len);
	state->hdr_ends[state->hdr_lines - 1] = vstring_len(state->hdr);
}

VSTRING *
cleanup_mail_date(VSTRING *out, time_t when)
{
	struct tm tm;
	char    buf[100];
	long    off;

	if (localtime_r(&when, &tm) == NULL)
		msg_fatal("localtime: cannot convert %ld", (long) when);
	off = tm.tm_gmtoff / 60;
	strftime(buf, sizeof(buf), "%a, %e %b %Y %H:%M:%S ", &tm);
	vstring_sprintf(out, "%s%c%02ld%02ld", buf, off < 0 ? '-' : '+',
			(off < 0 ? -off : off) / 60, (off < 0 ? -off : off) % 60);
	if (strftime(buf, sizeof(buf), " (%Z)", &tm) > 3)
		vstring_strcat(out, buf);
	return (out);
}

/* After the last primary header: add what is missing. */
static void
cleanup_headers_done(CLEANUP_STATE *state)
{
	const char *resent = state->resent ? "Resent-" : "";
	VSTRING *line;
	char    stamp[32];
	struct tm tm;
	int     add;

	cleanup_header_flush(state);
	if (state->headers_done)
		return;
	state->headers_done = 1;
	if (state->errs != 0)
		return;
	add = state->add_headers || var_always_add_hdrs;
	line = vstring_alloc(100);
	if (add && (state->headers_seen & (state->resent ?
					   CLEANUP_HDR_RESENT_MESSAGE_ID :
					   CLEANUP_HDR_MESSAGE_ID)) == 0) {
		gmtime_r(&state->arrival.tv_sec, &tm);
		strftime(stamp, sizeof(stamp), "%Y%m%d%H%M%S", &tm);
		vstring_sprintf(line, "%sMessage-Id: <%s.%s@%s>", resent, stamp,
				cleanup_id(state), var_myhostname);
		cleanup_out_line(state, vstring_str(line), vstring_len(line));
		msg_info("%s: %smessage-id=<%s.%s@%s>", cleanup_id(state),
			 state->resent ? "resent-" : "", stamp,
			 cleanup_id(state), var_myhostname);
		state->headers_seen |= state->resent ?
		    CLEANUP_HDR_RESENT_MESSAGE_ID : CLEANUP_HDR_MESSAGE_ID;
	}
	if ((state->headers_seen & CLEANUP_HDR_MESSAGE_ID) == 0)
		msg_info("%s: message-id=<>", cleanup_id(state));
	if (add && (state->headers_seen & (state->resent ?
					   CLEANUP_HDR_RESENT_DATE :
					   CLEANUP_HDR_DATE)) == 0) {
		vstring_sprintf(line, "%sDate: ", resent);
		cleanup_mail_date(state->buf, state->arrival.tv_sec);
		vstring_strcat(line, vstring_str(state->buf));
		cleanup_out_line(state, vstring_str(line), vstring_len(line));
	}
	if (add && (state->headers_seen & (state->resent ?
					   CLEANUP_HDR_RESENT_FROM :
					   CLEANUP_HDR_FROM)) == 0) {
		if (vstring_len(state->sender) > 0)
			addr_quote_local(state->buf, vstring_str(state->sender));
		else
			vstring_strcpy(state->buf, "MAILER-DAEMON");
		vstring_sprintf(line, "%sFrom: %s", resent, vstring_str(state->buf));
		cleanup_out_line(state, vstring_str(line), vstring_len(line));
	}
	if (add && (state->headers_seen & CLEANUP_HDR_VISIBLE_RCPT) == 0
	    && *var_rcpt_witheld) {
		if (cleanup_header_name_len(var_rcpt_witheld,
					    strlen(var_rcpt_witheld)) == 0)
			msg_warn("bad undisclosed_recipients_header header text "
				 "\"%s\" -- need \"headername: headervalue\"",
				 var_rcpt_witheld);
		else
			cleanup_out_str(state, REC_TYPE_NORMAL, var_rcpt_witheld);
	}
	vstring_free(line);
}

void
cleanup_message(CLEANUP_STATE *state, int type, const char *data, size_t len)
{
	int     new_line = (state->line_kind == CLEANUP_LINE_NONE);

	if (new_line) {
		if (state->content_state == CLEANUP_IN_BODY) {
			state->line_kind = CLEANUP_LINE_BODY;
		} else if (len > 0 && (data[0] == ' ' || data[0] == '\t')
			   && state->hdr_lines > 0) {
			state->line_kind = CLEANUP_LINE_HEADER;
		} else if (cleanup_header_name_len(data, len) > 0) {
			cleanup_header_flush(state);
			state->line_kind = CLEANUP_LINE_HEADER;
		} else {
			cleanup_headers_done(state);
			state->content_state = CLEANUP_IN_BODY;
			state->line_kind = CLEANUP_LINE_BODY;
		}
	}
	if (state->line_kind == CLEANUP_LINE_HEADER)
		cleanup_header_add(state, data, len, new_line);
	else
		cleanup_out_rec(state, type, data, len);
	if (type == REC_TYPE_NORMAL)
		state->line_kind = CLEANUP_LINE_NONE;
}

void
cleanup_message_end(CLEANUP_STATE *state)
{
	if (state->content_state == CLEANUP_IN_HEADERS)
		cleanup_headers_done(state);
	/* After an error there is no file, and nothing more is written. */
	if (state->qf != NULL)
		state->xtra_offset = qfile_tell(state->qf);
	cleanup_out_rec(state, REC_TYPE_XTRA, "", 0);
	if (state->flags & CLEANUP_FLAG_EXTRACT) {
		/* Postfix: with any Resent- header, only the Resent- ones. */
		ARGV   *list = state->resent ? state->extract_resent :
		    state->extract_rcpts;
		size_t	i;

		for (i = 0; i < list->len; i++)
			cleanup_addr_rcpt(state, NULL, NULL, NULL, list->argv[i]);
	}
}
