/*
 * bounce_notify - compose and queue delivery status notifications
 *
 *	bounce_notify() turns a per-message log and the message's queue file
 *		into RFC 3464 reports: to the sender (unless DSN NOTIFY says
 *		otherwise, and never to the null sender), a double bounce to
 *		2bounce_notice_recipient when the sender is the null sender
 *		(notify_classes 2bounce or bounce), and headers-only postmaster
 *		copies for notify_classes bounce and delay. Each report is a
 *		new message from the null sender (postmaster notices: from
 *		double_bounce_sender) submitted through cleanup(8).
 *		Returns 0 when everything needed was queued (or nothing was
 *		needed), -1 when the caller should try again later.
 *
 * A report is multipart/report; report-type=delivery-status: a text part
 * for people, a message/delivery-status part (RFC 3464 fields), and the
 * original message (message/rfc822) or its headers (text/rfc822-headers),
 * chosen by RET, the kind of report and bounce_size_limit.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "argv.h"
#include "msg.h"
#include "mymalloc.h"
#include "stringops.h"
#include "vstring.h"

#include "cleanup_client.h"
#include "deliver_request.h"
#include "mail_conf.h"
#include "mail_queue.h"
#include "qfile.h"
#include "rec_type.h"
#include "bounce.h"

/* The original message as the queue file has it. */
typedef struct BOUNCE_ORIG {
	struct timeval arrival;
	long	size;			/* content bytes (SIZE record) */
	ARGV   *headers;		/* header lines */
	ARGV   *body;			/* body lines, or NULL when not kept */
} BOUNCE_ORIG;

/* What one report looks like. */
typedef struct BOUNCE_OUT {
	const char *env_sender;		/* "" or double_bounce_sender */
	const char *recipient;
	const char *subject;
	const char *what;		/* "sender non-delivery notification" */
	int	postmaster;		/* a notice for the postmaster */
	int	full;			/* attach the whole message */
} BOUNCE_OUT;

/* 1 when notify_classes names class (or "bounce" for "2bounce"). */
static int
bounce_class(const char *class)
{
	ARGV   *list = argv_split(var_notify_classes, CHARS_COMMA_SP);
	size_t  i;
	int     found = 0;

	for (i = 0; i < list->len && !found; i++)
		found = strcasecmp(list->argv[i], class) == 0
		    || (strcmp(class, "2bounce") == 0
			&& strcasecmp(list->argv[i], "bounce") == 0);
	argv_free(list);
	return (found);
}

/* 1 when addr is the double-bounce address (with or without domain). */
static int
bounce_is_double(const char *addr)
{
	size_t  len = strlen(var_double_bounce_sender);

	return (strncasecmp(addr, var_double_bounce_sender, len) == 0
		&& (addr[len] == 0 || addr[len] == '@'));
}

static void
bounce_orig_free(BOUNCE_ORIG *orig)
{
	argv_free(orig->headers);
	if (orig->body)
		argv_free(orig->body);
}

/*
 * Read the envelope and content of the message. Body lines are kept only
 * when keep_body and the content fits bounce_size_limit; then orig->body
 * is not NULL. 0, or -1 (logged).
 */
static int
bounce_orig_read(const BOUNCE_REQ *req, BOUNCE_ORIG *orig, int keep_body)
{
	VSTRING *buf = vstring_alloc(200);
	QFILE  *qf;
	int     fd;
	int     type;
	int     in_headers = 1;
	int     ret = -1;
	long    offset;
	long    count;

	memset(orig, 0, sizeof(*orig));
	orig->headers = argv_alloc(20);
	if ((fd = mail_queue_open(req->queue_name, req->queue_id, O_RDONLY, 0)) < 0) {
		msg_warn("%s: open queue file %s/%s: %s", req->queue_id,
			 req->queue_name, req->queue_id, strerror(errno));
		vstring_free(buf);
		return (-1);
	}
	qf = qfile_open(fd, QFILE_READ, 0);
	while ((type = qfile_read_line(qf, buf, 0)) > 0) {
		if (type == REC_TYPE_SIZE) {
			if (sscanf(vstring_str(buf), "%ld %ld %ld", &orig->size,
				   &offset, &count) != 3)
				break;
			if (keep_body && orig->size <= var_bounce_limit)
				orig->body = argv_alloc(20);
		} else if (type == REC_TYPE_TIME) {
			long    sec;
			long    usec;

			if (sscanf(vstring_str(buf), "%ld.%ld", &sec, &usec) == 2) {
				orig->arrival.tv_sec = sec;
				orig->arrival.tv_usec = usec;
			}
		} else if (type == REC_TYPE_NORMAL) {
			if (in_headers && vstring_len(buf) == 0)
				in_headers = 0;
			if (in_headers)
				argv_add(orig->headers, vstring_str(buf));
			else if (orig->body)
				argv_add(orig->body, vstring_str(buf));
			else
				break;		/* headers are all we need */
		} else if (type == REC_TYPE_XTRA) {
			break;
		}
	}
	if (type < 0)
		msg_warn("%s: read queue file: %s", req->queue_id,
			 qfile_reason(qf));
	else
		ret = 0;
	(void) qfile_close(qf);
	(void) close(fd);
	vstring_free(buf);
	if (ret < 0)
		bounce_orig_free(orig);
	return (ret);
}

/* RFC 5322 date. */
static const char *
bounce_date(VSTRING *out, time_t when)
{
	char    buf[100];
	struct tm *tm = localtime(&when);

	if (tm == NULL || strftime(buf, sizeof(buf), "%a, %d %b %Y %H:%M:%S %z",
				   tm) == 0)
		(void) strcpy(buf, "Thu, 01 Jan 1970 00:00:00 +0000");
	vstring_strcpy(out, buf);
	return (vstring_str(out));
}

/* Append printf-style text; emitted line by line later. */
static void __attribute__((format(printf, 2, 3)))
out(VSTRING *text, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vstring_vsprintf_append(text, fmt, ap);
	va_end(ap);
}

/* Send text (lines separated by '\n') as content lines. */
static void
bounce_emit(CLEANUP_CLIENT *cc, VSTRING *text)
{
	char   *cp = vstring_str(text);
	char   *nl;

	while ((nl = strchr(cp, '\n')) != NULL) {
		cleanup_client_line(cc, cp, (size_t) (nl - cp));
		cp = nl + 1;
	}
	if (*cp)
		cleanup_client_line(cc, cp, strlen(cp));
	VSTRING_RESET(text);
}

/* The recipient's entry is reported in this kind of notification. */
static int
bounce_wanted(int kind, const BOUNCE_RCPT *r)
{
	switch (kind) {
	case BOUNCE_KIND_FAILURE:
		return (r->dsn_notify == 0 || (r->dsn_notify & DSN_NOTIFY_FAILURE));
	case BOUNCE_KIND_DELAY:
		return (r->dsn_notify == 0 || (r->dsn_notify & DSN_NOTIFY_DELAY));
	default:
		return ((r->dsn_notify & DSN_NOTIFY_SUCCESS) != 0);
	}
}

static const char *
bounce_action(int kind, const BOUNCE_RCPT *r)
{
	switch (kind) {
	case BOUNCE_KIND_FAILURE:
		return ("failed");
	case BOUNCE_KIND_DELAY:
		return ("delayed");
	default:
		return (*r->action ? r->action : "delivered");
	}
}

/* The text part. */
static void
bounce_text(VSTRING *text, const BOUNCE_REQ *req, const BOUNCE_OUT *bo,
	    const BOUNCE_LOG *log, const int *use)
{
	size_t  i;
	long    hours;

	out(text, "This is the %s mail system at %s, reporting on a message\n",
	    var_mail_name, var_myhostname);
	out(text, "with queue ID %s from <%s>.\n\n", req->queue_id,
	    req->sender);
	switch (req->kind) {
	case BOUNCE_KIND_FAILURE:
		if (bo->postmaster && *req->sender == 0)
			out(text, "A delivery failure report could not be "
			    "returned: the message has no\nreturn address "
			    "(null sender). It is reported to you instead.\n");
		else if (bo->postmaster)
			out(text, "The message below could not be delivered to "
			    "all its recipients;\nthis is a copy of the "
			    "report for the postmaster.\n");
		else
			out(text, "Delivery of your message failed for the "
			    "recipients listed below.\nThe mail system gave "
			    "up and will not try again.\n");
		break;
	case BOUNCE_KIND_DELAY:
		hours = var_delay_warning_time / 3600;
		out(text, "Your message has not been delivered yet");
		if (hours > 0)
			out(text, " after %ld hour%s", hours, hours == 1 ? "" : "s");
		out(text, ".\nThis is only a warning: the mail system keeps "
		    "trying and you do not\nneed to send the message "
		    "again. You will be told if delivery fails.\n");
		break;
	default:
		out(text, "You asked to be told when your message was "
		    "delivered. The recipients\nlisted below have it.\n");
		break;
	}
	out(text, "\nIf you need help, write to the postmaster of this "
	    "system and include\nthis report.\n\n");
	out(text, "                   The %s program\n\n", var_mail_name);
	for (i = 0; i < log->count; i++)
		if (use[i])
			out(text, "<%s>: %s\n", log->rcpt[i].rcpt,
			    *log->rcpt[i].reason ? log->rcpt[i].reason
			    : log->rcpt[i].status);
}

/* The message/delivery-status part. */
static void
bounce_status(VSTRING *text, const BOUNCE_REQ *req, const BOUNCE_ORIG *orig,
	      const BOUNCE_LOG *log, const int *use)
{
	VSTRING *date = vstring_alloc(60);
	const BOUNCE_RCPT *r;
	size_t  i;
	char   *semi;

	out(text, "Reporting-MTA: dns; %s\n", var_myhostname);
	out(text, "X-Postern-Queue-ID: %s\n", req->queue_id);
	out(text, "X-Postern-Sender: rfc822; %s\n", req->sender);
	if (orig->arrival.tv_sec)
		out(text, "Arrival-Date: %s\n",
		    bounce_date(date, orig->arrival.tv_sec));
	if (*req->dsn_envid)
		out(text, "Original-Envelope-Id: %s\n", req->dsn_envid);
	for (i = 0; i < log->count; i++) {
		if (!use[i])
			continue;
		r = &log->rcpt[i];
		out(text, "\nFinal-Recipient: rfc822; %s\n", r->rcpt);
		if (*r->dsn_orcpt) {
			if ((semi = strchr(r->dsn_orcpt, ';')) != NULL)
				out(text, "Original-Recipient: %.*s; %s\n",
				    (int) (semi - r->dsn_orcpt), r->dsn_orcpt,
				    semi + 1 + strspn(semi + 1, " \t"));
			else
				out(text, "Original-Recipient: rfc822; %s\n",
				    r->dsn_orcpt);
		}
		out(text, "Action: %s\n", bounce_action(req->kind, r));
		out(text, "Status: %s\n", r->status);
		if (*r->mname)
			out(text, "Remote-MTA: %s; %s\n",
			    *r->mtype ? r->mtype : "dns", r->mname);
		if (*r->dtext)
			out(text, "Diagnostic-Code: %s; %s\n",
			    *r->dtype ? r->dtype : "smtp", r->dtext);
		else if (*r->reason)
			out(text, "Diagnostic-Code: X-Postern; %s\n", r->reason);
	}
	vstring_free(date);
}

/* Compose and queue one report. 0 or -1. */
static int
bounce_send(const BOUNCE_REQ *req, const BOUNCE_OUT *bo,
	    const BOUNCE_ORIG *orig, const BOUNCE_LOG *log, const int *use)
{
	VSTRING *why = vstring_alloc(100);
	VSTRING *text = vstring_alloc(2000);
	VSTRING *date = vstring_alloc(60);
	VSTRING *boundary = vstring_alloc(100);
	CLEANUP_CLIENT *cc;
	struct timeval now;
	const char *id;
	char    stamp[32];
	struct tm *tm;
	int     eightbit = strcmp(req->encoding, "8bit") == 0;
	int     flags = CLEANUP_FLAG_MAP_OK;
	int     status;
	size_t  i;

	if (req->smtputf8)
		flags |= CLEANUP_FLAG_SMTPUTF8;
	cc = cleanup_client_open("public", mail_conf_str("cleanup_service_name"),
				 flags, (int) var_ipc_timeout, why);
	if (cc == NULL) {
		msg_warn("%s: cannot send %s: %s", req->queue_id, bo->what,
			 vstring_str(why));
		goto fail;
	}
	id = cleanup_client_id(cc);
	(void) gettimeofday(&now, NULL);
	tm = gmtime(&now.tv_sec);
	if (tm == NULL || strftime(stamp, sizeof(stamp), "%Y%m%d%H%M%S", tm) == 0)
		(void) strcpy(stamp, "0");
	vstring_sprintf(boundary, "%s.%ld/%s", id, (long) now.tv_sec,
			var_myhostname);

	/* Envelope. */
	cleanup_client_rec(cc, REC_TYPE_SENDER, bo->env_sender,
			   strlen(bo->env_sender));
	cleanup_client_fmt(cc, REC_TYPE_ATTR, "rewrite_context=local");
	if (bo->full && eightbit)
		cleanup_client_fmt(cc, REC_TYPE_ATTR, "encoding=8bit");
	cleanup_client_rec(cc, REC_TYPE_RCPT, bo->recipient,
			   strlen(bo->recipient));
	cleanup_client_rec(cc, REC_TYPE_MESSAGE, "", 0);

	/* Headers. */
	out(text, "From: MAILER-DAEMON@%s (Mail Delivery System)\n",
	    var_myhostname);
	out(text, "Subject: %s\n", bo->subject);
	out(text, "To: %s\n", bo->recipient);
	out(text, "Auto-Submitted: auto-replied\n");
	out(text, "Date: %s\n", bounce_date(date, now.tv_sec));
	out(text, "Message-Id: <%s.%s@%s>\n", stamp, id, var_myhostname);
	out(text, "MIME-Version: 1.0\n");
	out(text, "Content-Type: multipart/report; report-type=delivery-status;\n"
	    "\tboundary=\"%s\"\n", vstring_str(boundary));
	out(text, "Content-Transfer-Encoding: %s\n", bo->full && eightbit ?
	    "8bit" : "7bit");
	out(text, "\nThis is a MIME-encapsulated message.\n\n");

	/* Part 1: for people. */
	out(text, "--%s\n", vstring_str(boundary));
	out(text, "Content-Description: Notification\n");
	out(text, "Content-Type: text/plain; charset=%s\n\n",
	    req->smtputf8 ? "utf-8" : "us-ascii");
	bounce_text(text, req, bo, log, use);

	/* Part 2: for programs. */
	out(text, "\n--%s\n", vstring_str(boundary));
	out(text, "Content-Description: Delivery report\n");
	out(text, "Content-Type: %s\n\n", req->smtputf8 ?
	    "message/global-delivery-status" : "message/delivery-status");
	bounce_status(text, req, orig, log, use);

	/* Part 3: the message or its headers. */
	out(text, "\n--%s\n", vstring_str(boundary));
	if (bo->full) {
		out(text, "Content-Description: %s\n",
		    req->kind == BOUNCE_KIND_FAILURE ? "Undelivered Message"
		    : "Message");
		out(text, "Content-Type: message/rfc822\n");
		if (eightbit)
			out(text, "Content-Transfer-Encoding: 8bit\n");
	} else {
		out(text, "Content-Description: %s\n",
		    req->kind == BOUNCE_KIND_FAILURE ?
		    "Undelivered Message Headers" : "Message Headers");
		out(text, "Content-Type: text/rfc822-headers\n");
	}
	out(text, "\n");
	bounce_emit(cc, text);
	for (i = 0; i < orig->headers->len; i++)
		cleanup_client_line(cc, orig->headers->argv[i],
				    strlen(orig->headers->argv[i]));
	if (bo->full) {
		for (i = 0; i < orig->body->len; i++)
			cleanup_client_line(cc, orig->body->argv[i],
					    strlen(orig->body->argv[i]));
	}
	out(text, "\n--%s--\n", vstring_str(boundary));
	bounce_emit(cc, text);
	cleanup_client_rec(cc, REC_TYPE_XTRA, "", 0);
	cleanup_client_rec(cc, REC_TYPE_END, "", 0);

	vstring_strcpy(date, id);		/* the ID dies with cc */
	status = cleanup_client_finish(cc, why);
	if (status != 0) {
		msg_warn("%s: cannot send %s: %s%s%s", req->queue_id, bo->what,
			 cleanup_stat_text(status), vstring_len(why) ? ": " : "",
			 vstring_str(why));
		goto fail;
	}
	msg_info("%s: %s: %s", req->queue_id, bo->what, vstring_str(date));
	vstring_free(why);
	vstring_free(text);
	vstring_free(date);
	vstring_free(boundary);
	return (0);

fail:
	vstring_free(why);
	vstring_free(text);
	vstring_free(date);
	vstring_free(boundary);
	return (-1);
}

int
bounce_notify(const BOUNCE_REQ *req, const BOUNCE_LOG *log)
{
	BOUNCE_ORIG orig;
	BOUNCE_OUT bo;
	int    *use = mycalloc(log->count ? log->count : 1, sizeof(int));
	int    *all = mycalloc(log->count ? log->count : 1, sizeof(int));
	size_t  i;
	size_t  wanted = 0;
	int     keep_body;
	int     ret = 0;
	int     pm_copy;

	for (i = 0; i < log->count; i++) {
		all[i] = 1;
		if ((use[i] = bounce_wanted(req->kind, &log->rcpt[i])) != 0)
			wanted++;
	}
	pm_copy = (req->kind == BOUNCE_KIND_FAILURE && bounce_class("bounce"))
	    || (req->kind == BOUNCE_KIND_DELAY && bounce_class("delay"));

	/* Nothing at all to report. */
	if (log->count == 0 || (wanted == 0 && !pm_copy)) {
		myfree(use);
		myfree(all);
		return (0);
	}
	keep_body = req->kind == BOUNCE_KIND_FAILURE
	    && req->dsn_ret != DSN_RET_HDRS;
	if (bounce_orig_read(req, &orig, keep_body) < 0) {
		myfree(use);
		myfree(all);
		return (-1);
	}
	memset(&bo, 0, sizeof(bo));

	if (*req->sender == 0) {
		/* Never a report to the null sender. */
		if (req->kind == BOUNCE_KIND_FAILURE && bounce_class("2bounce")) {
			bo.env_sender = var_double_bounce_sender;
			bo.recipient = var_2bounce_rcpt;
			bo.subject = "Undeliverable Mail Could Not Be Returned";
			bo.what = "postmaster non-delivery notification";
			bo.postmaster = 1;
			bo.full = orig.body != NULL;
			ret = bounce_send(req, &bo, &orig, log, all);
		} else if (req->kind == BOUNCE_KIND_FAILURE) {
			msg_info("%s: undeliverable mail from the null sender "
				 "discarded", req->queue_id);
		}
		pm_copy = 0;
	} else if (bounce_is_double(req->sender)) {
		if (req->kind == BOUNCE_KIND_FAILURE)
			msg_info("%s: discarding undeliverable postmaster "
				 "notification", req->queue_id);
		pm_copy = 0;
	} else if (wanted > 0) {
		bo.env_sender = "";
		bo.recipient = req->sender;
		bo.subject = req->kind == BOUNCE_KIND_FAILURE ?
		    "Undelivered Mail Returned to Sender" :
		    req->kind == BOUNCE_KIND_DELAY ?
		    "Delayed Mail (still being retried)" :
		    "Successful Mail Delivery Report";
		bo.what = req->kind == BOUNCE_KIND_FAILURE ?
		    "sender non-delivery notification" :
		    req->kind == BOUNCE_KIND_DELAY ?
		    "sender delay notification" :
		    "sender delivery status notification";
		bo.full = orig.body != NULL;
		ret = bounce_send(req, &bo, &orig, log, use);
	}
	/* Headers-only copies for the postmaster. */
	if (ret == 0 && pm_copy) {
		memset(&bo, 0, sizeof(bo));
		bo.env_sender = var_double_bounce_sender;
		bo.recipient = req->kind == BOUNCE_KIND_FAILURE ?
		    var_bounce_rcpt : var_delay_rcpt;
		bo.subject = req->kind == BOUNCE_KIND_FAILURE ?
		    "Postmaster Copy: Undelivered Mail" :
		    "Postmaster Warning: Delayed Mail";
		bo.what = req->kind == BOUNCE_KIND_FAILURE ?
		    "postmaster non-delivery notification" :
		    "postmaster delay notification";
		bo.postmaster = 1;
		bo.full = 0;
		/* The sender's report is out: a lost copy is not retried. */
		(void) bounce_send(req, &bo, &orig, log, all);
	}
	bounce_orig_free(&orig);
	myfree(use);
	myfree(all);
	return (ret);
}
