/*
 * cleanup_client - hand one message to the cleanup service
 *
 * The protocol and the API are documented in cleanup_client.h. This file
 * keeps one connection per message and remembers the first error while
 * records are streamed, so callers check once, in cleanup_client_finish().
 *
 * Limits: content lines are sent as FRAGMENT records of at most
 * line_length_limit bytes (capped at CLEANUP_REC_MAX) and a NORMAL
 * record; any single record longer than CLEANUP_REC_MAX, which is the
 * limit cleanup(8) reads with, is not sent and the message fails with
 * CLEANUP_STAT_BAD (a caller bug or an absurd envelope field).
 *
 * Deadlines: every read and write on the connection is bounded by the
 * timeout given to cleanup_client_open(), per call (vstream deadline
 * mode), so a stalled cleanup process cannot hold the caller.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "msg.h"
#include "mymalloc.h"
#include "vstream.h"
#include "vstring.h"
#include "attr.h"
#include "mail_conf.h"
#include "mail_connect.h"
#include "qfile.h"
#include "queue_id.h"
#include "rec_type.h"
#include "rec_stream.h"
#include "cleanup_client.h"

/* The largest record cleanup(8) accepts on its socket. */
#define CLEANUP_REC_MAX		QFILE_REC_LEN_DEFAULT

struct CLEANUP_CLIENT {
	VSTREAM *fp;			/* connection to cleanup */
	VSTRING *queue_id;		/* ID cleanup assigned */
	VSTRING *buf;			/* cleanup_client_fmt() scratch */
	size_t	piece;			/* content fragment size */
	int	status;			/* first local error, or 0 */
	const char *why;		/* text for that error */
};

CLEANUP_CLIENT *
cleanup_client_open(const char *class_name, const char *service, int flags,
		    int timeout, VSTRING *why)
{
	CLEANUP_CLIENT *cc;
	VSTREAM *fp;
	VSTRING *id;
	long    limit;

	if ((fp = mail_connect(class_name, service, timeout, why)) == NULL)
		return (NULL);
	vstream_set_timeout(fp, timeout);
	vstream_set_deadline(fp, 1);
	id = vstring_alloc(QUEUE_ID_MAXLEN + 1);
	if (attr_scan(fp, ATTR_FLAG_STRICT, RECV_ATTR_STR("queue_id", id),
		      ATTR_TYPE_END) != 1 || !queue_id_ok(vstring_str(id))) {
		if (why)
			vstring_sprintf(why, "%s/%s service: %s", class_name,
					service, vstream_ftimeout(fp) ?
					"timeout while waiting for a queue ID" :
					"no valid queue ID received");
		vstring_free(id);
		(void) vstream_close(fp);
		return (NULL);
	}
	if (attr_print(fp, ATTR_FLAG_FLUSH, SEND_ATTR_INT("flags", flags),
		       ATTR_TYPE_END) != 0) {
		if (why)
			vstring_sprintf(why, "%s/%s service: write error",
					class_name, service);
		vstring_free(id);
		(void) vstream_close(fp);
		return (NULL);
	}
	cc = mycalloc(1, sizeof(*cc));
	cc->fp = fp;
	cc->queue_id = id;
	cc->buf = vstring_alloc(100);
	limit = mail_conf_int("line_length_limit");
	cc->piece = (limit <= 0 || limit > CLEANUP_REC_MAX) ?
	    CLEANUP_REC_MAX : (size_t) limit;
	return (cc);
}

const char *
cleanup_client_id(CLEANUP_CLIENT *cc)
{
	return (vstring_str(cc->queue_id));
}

/* Remember the first problem; later records are not sent. */
static void
cleanup_client_fail(CLEANUP_CLIENT *cc, int status, const char *why)
{
	if (cc->status == 0) {
		cc->status = status;
		cc->why = why;
	}
}

void
cleanup_client_rec(CLEANUP_CLIENT *cc, int type, const char *data, size_t len)
{
	if (cc->status != 0)
		return;
	if (len > CLEANUP_REC_MAX) {
		msg_warn("%s: %s record of %zu bytes exceeds the limit of %d",
			 vstring_str(cc->queue_id), rec_type_name(type), len,
			 CLEANUP_REC_MAX);
		cleanup_client_fail(cc, CLEANUP_STAT_BAD, "record too long");
		return;
	}
	if (rec_stream_put(cc->fp, type, data, len) != 0)
		cleanup_client_fail(cc, CLEANUP_STAT_WRITE,
				    "write error talking to cleanup service");
}

void
cleanup_client_fmt(CLEANUP_CLIENT *cc, int type, const char *fmt, ...)
{
	va_list ap;

	if (cc->status != 0)
		return;
	VSTRING_RESET(cc->buf);
	va_start(ap, fmt);
	vstring_vsprintf_append(cc->buf, fmt, ap);
	va_end(ap);
	cleanup_client_rec(cc, type, vstring_str(cc->buf), vstring_len(cc->buf));
}

void
cleanup_client_line(CLEANUP_CLIENT *cc, const char *data, size_t len)
{
	if (cc->status != 0)
		return;
	if (rec_stream_put_line(cc->fp, data, len, cc->piece) != 0)
		cleanup_client_fail(cc, CLEANUP_STAT_WRITE,
				    "write error talking to cleanup service");
}

/* Close and free; the caller has what it needs. */
static void
cleanup_client_free(CLEANUP_CLIENT *cc)
{
	(void) vstream_close(cc->fp);
	vstring_free(cc->queue_id);
	vstring_free(cc->buf);
	myfree(cc);
}

int
cleanup_client_finish(CLEANUP_CLIENT *cc, VSTRING *reason)
{
	int     status;

	if (reason)
		VSTRING_RESET(reason);
	if (cc->status == 0 && vstream_fflush(cc->fp) != 0)
		cleanup_client_fail(cc, CLEANUP_STAT_WRITE,
				    "write error talking to cleanup service");
	if (cc->status != 0) {
		/* cleanup sees the connection end and removes its file. */
		status = cc->status;
		if (reason)
			vstring_strcpy(reason, cc->why);
		cleanup_client_free(cc);
		return (status);
	}
	if (attr_scan(cc->fp, ATTR_FLAG_STRICT,
		      RECV_ATTR_INT("status", &status),
		      RECV_ATTR_STR("reason", cc->buf),
		      ATTR_TYPE_END) != 2) {
		status = CLEANUP_STAT_WRITE;
		if (reason)
			vstring_strcpy(reason, vstream_ftimeout(cc->fp) ?
				       "timeout waiting for cleanup service" :
				       "lost connection with cleanup service");
	} else if (reason) {
		vstring_strcpy(reason, vstring_str(cc->buf));
	}
	/* A status of 0 promises a queued message; anything odd is not 0. */
	if (status < 0)
		status = CLEANUP_STAT_BAD;
	cleanup_client_free(cc);
	return (status);
}

void
cleanup_client_abort(CLEANUP_CLIENT *cc)
{
	cleanup_client_free(cc);
}

/*
 * SMTP replies, in order of precedence when several bits are set. The
 * codes follow what Postfix's smtpd(8) answers for each cleanup status,
 * and DESIGN.md section 7 for a full file system.
 */
typedef struct {
	int	status;
	const char *reply;		/* code, enhanced code */
	const char *text;		/* default text */
	const char *word;		/* for logs */
	int	use_reason;		/* cleanup's reason replaces the text */
} CLEANUP_STAT_INFO;

static const CLEANUP_STAT_INFO cleanup_stat_info[] = {
	{CLEANUP_STAT_DEFER, "451 4.3.0", "Error: service unavailable",
	 "service unavailable", 1},
	{CLEANUP_STAT_BAD, "451 4.3.0", "Error: internal error",
	 "internal protocol error", 0},
	{CLEANUP_STAT_NOSPACE, "452 4.3.1", "Insufficient system storage",
	 "insufficient system storage", 0},
	{CLEANUP_STAT_SIZE, "552 5.3.4", "Error: message file too big",
	 "message file too big", 0},
	{CLEANUP_STAT_HOPS, "554 5.4.0", "Error: too many hops",
	 "too many hops", 0},
	{CLEANUP_STAT_CONT, "550 5.7.1", "Error: message content rejected",
	 "message content rejected", 1},
	{CLEANUP_STAT_HEADER, "552 5.6.0",
	 "Error: message header size exceeds limit",
	 "message header too big", 0},
	{CLEANUP_STAT_RCPT, "554 5.5.1", "Error: no valid recipients",
	 "no recipients specified", 0},
	{CLEANUP_STAT_PROXY, "451 4.3.0", "Error: queue file write error",
	 "proxy error", 1},
	{CLEANUP_STAT_WRITE, "451 4.3.0", "Error: queue file write error",
	 "queue file write error", 0},
};

#define CLEANUP_STAT_INFO_LEN \
	(sizeof(cleanup_stat_info) / sizeof(cleanup_stat_info[0]))

/* The entry for the most important bit; unknown bits count as BAD. */
static const CLEANUP_STAT_INFO *
cleanup_stat_find(int status)
{
	size_t  i;

	for (i = 0; i < CLEANUP_STAT_INFO_LEN; i++)
		if (status & cleanup_stat_info[i].status)
			return (&cleanup_stat_info[i]);
	return (&cleanup_stat_info[1]);
}

/* A complete SMTP reply: "[245]NN " and more. */
static int
is_smtp_reply(const char *text)
{
	return ((text[0] == '4' || text[0] == '5')
		&& text[1] >= '0' && text[1] <= '9'
		&& text[2] >= '0' && text[2] <= '9' && text[3] == ' ');
}

/* Starts with an enhanced status code "C.S.D " (RFC 3463)? */
static int
has_dsn_prefix(const char *text)
{
	size_t  n;

	if ((text[0] != '2' && text[0] != '4' && text[0] != '5') || text[1] != '.')
		return (0);
	text += 2;
	for (n = 0; n < 3 && *text >= '0' && *text <= '9'; n++)
		text++;
	if (n == 0 || *text++ != '.')
		return (0);
	for (n = 0; n < 3 && *text >= '0' && *text <= '9'; n++)
		text++;
	return (n > 0 && *text == ' ');
}

const char *
cleanup_stat_reply(int status, const char *reason, VSTRING *out)
{
	const CLEANUP_STAT_INFO *info;

	if (status == CLEANUP_STAT_OK)
		msg_panic("cleanup_stat_reply: status 0 is not an error");
	info = cleanup_stat_find(status);
	if (info->use_reason && reason && *reason) {
		/* A content check may give its own complete reply. */
		if (is_smtp_reply(reason))
			vstring_strcpy(out, reason);
		else if (has_dsn_prefix(reason))
			vstring_sprintf(out, "%.3s %s", info->reply, reason);
		else
			vstring_sprintf(out, "%s %s", info->reply, reason);
	} else {
		vstring_sprintf(out, "%s %s", info->reply, info->text);
	}
	return (vstring_str(out));
}

const char *
cleanup_stat_text(int status)
{
	if (status == CLEANUP_STAT_OK)
		return ("success");
	return (cleanup_stat_find(status)->word);
}
