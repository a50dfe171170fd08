/*
 * bounce - per-message delivery logs and delivery status notifications
 *
 * One program, three master.cf services: bounce (non-delivery), defer
 * (delays) and trace (success notifications). The service name (-n)
 * selects the log queue: bounce/, defer/ or trace/ (bounce_service_name,
 * defer_service_name, trace_service_name tell which is which).
 *
 * Requests (attr0, one per connection, see bounce_client.h):
 *	nrequest=append: flags, queue_id, orig_rcpt, rcpt, rcpt_offset,
 *		dsn_orcpt, dsn_notify, status, action, reason, dtype, dtext,
 *		mtype, mname. Appends one event to QUEUE/ID and fsyncs.
 *	nrequest=flush: flags, queue_name, queue_id, encoding, smtputf8,
 *		sender, dsn_envid, dsn_ret. Sends the notification (bounce
 *		and defer: non-delivery; trace: success) and removes the log.
 *	nrequest=warn (defer only): the same fields; a delay warning; the
 *		log stays.
 * Reply: "status" (int), 0 when done, 1 when the caller must try later.
 */

#include <errno.h>
#include <string.h>
#include <time.h>

#include "attr.h"
#include "msg.h"
#include "vstream.h"
#include "vstring.h"

#include "deliver_request.h"
#include "mail_conf.h"
#include "mail_queue.h"
#include "mail_server.h"
#include "queue_id.h"
#include "bounce.h"

const char *var_myhostname;
const char *var_mail_name;
const char *var_notify_classes;
const char *var_2bounce_rcpt;
const char *var_bounce_rcpt;
const char *var_delay_rcpt;
const char *var_double_bounce_sender;
long    var_bounce_limit;
long    var_delay_warning_time;
long    var_ipc_timeout;

/* Which log this service keeps. */
static const char *
bounce_queue(const char *service)
{
	if (strcmp(service, mail_conf_str("defer_service_name")) == 0)
		return (MAIL_QUEUE_DEFER);
	if (strcmp(service, mail_conf_str("trace_service_name")) == 0)
		return (MAIL_QUEUE_TRACE);
	return (MAIL_QUEUE_BOUNCE);
}

static int
bounce_do_append(VSTREAM *stream, const char *queue)
{
	VSTRING *s[11];
	BOUNCE_RCPT r;
	VSTRING *why = vstring_alloc(100);
	int     flags;
	int     i;
	int     status = 1;

	for (i = 0; i < 11; i++)
		s[i] = vstring_alloc(100);
	memset(&r, 0, sizeof(r));
	if (attr_scan0(stream, ATTR_FLAG_MISSING,
		       RECV_ATTR_INT("flags", &flags),
		       RECV_ATTR_STR("queue_id", s[0]),
		       RECV_ATTR_STR("orig_rcpt", s[1]),
		       RECV_ATTR_STR("rcpt", s[2]),
		       RECV_ATTR_LONG("rcpt_offset", &r.offset),
		       RECV_ATTR_STR("dsn_orcpt", s[3]),
		       RECV_ATTR_INT("dsn_notify", &r.dsn_notify),
		       RECV_ATTR_STR("status", s[4]),
		       RECV_ATTR_STR("action", s[5]),
		       RECV_ATTR_STR("reason", s[6]),
		       RECV_ATTR_STR("dtype", s[7]),
		       RECV_ATTR_STR("dtext", s[8]),
		       RECV_ATTR_STR("mtype", s[9]),
		       RECV_ATTR_STR("mname", s[10]),
		       ATTR_TYPE_END) != 14) {
		msg_warn("malformed append request");
		goto out;
	}
	if (!queue_id_ok(vstring_str(s[0]))) {
		msg_warn("append request: bad queue ID");
		goto out;
	}
	r.orig_rcpt = vstring_str(s[1]);
	r.rcpt = vstring_str(s[2]);
	r.dsn_orcpt = vstring_str(s[3]);
	r.status = vstring_str(s[4]);
	r.action = vstring_str(s[5]);
	r.reason = vstring_str(s[6]);
	r.dtype = vstring_str(s[7]);
	r.dtext = vstring_str(s[8]);
	r.mtype = vstring_str(s[9]);
	r.mname = vstring_str(s[10]);
	if (bounce_log_append(queue, vstring_str(s[0]), &r, why) < 0)
		msg_warn("%s: cannot append to the %s log: %s",
			 vstring_str(s[0]), queue, vstring_str(why));
	else
		status = 0;
out:
	(void) attr_print0(stream, ATTR_FLAG_FLUSH,
			   SEND_ATTR_INT("status", status), ATTR_TYPE_END);
	for (i = 0; i < 11; i++)
		vstring_free(s[i]);
	vstring_free(why);
	return (status);
}

static int
bounce_do_notify(VSTREAM *stream, const char *queue, int warn)
{
	VSTRING *qname = vstring_alloc(20);
	VSTRING *qid = vstring_alloc(20);
	VSTRING *enc = vstring_alloc(20);
	VSTRING *sender = vstring_alloc(100);
	VSTRING *envid = vstring_alloc(100);
	VSTRING *why = vstring_alloc(100);
	BOUNCE_REQ req;
	BOUNCE_LOG *log;
	int     status = 1;

	memset(&req, 0, sizeof(req));
	if (attr_scan0(stream, ATTR_FLAG_MISSING,
		       RECV_ATTR_INT("flags", &req.flags),
		       RECV_ATTR_STR("queue_name", qname),
		       RECV_ATTR_STR("queue_id", qid),
		       RECV_ATTR_STR("encoding", enc),
		       RECV_ATTR_INT("smtputf8", &req.smtputf8),
		       RECV_ATTR_STR("sender", sender),
		       RECV_ATTR_STR("dsn_envid", envid),
		       RECV_ATTR_INT("dsn_ret", &req.dsn_ret),
		       ATTR_TYPE_END) != 8) {
		msg_warn("malformed %s request", warn ? "warn" : "flush");
		goto out;
	}
	if (!queue_id_ok(vstring_str(qid))
	    || !mail_queue_name_ok(vstring_str(qname))
	    || req.dsn_ret < DSN_RET_NONE || req.dsn_ret > DSN_RET_HDRS
	    || req.smtputf8 < 0 || req.smtputf8 > 1
	    || strchr(vstring_str(sender), '\n') != NULL
	    || strchr(vstring_str(envid), '\n') != NULL) {
		msg_warn("bad %s request", warn ? "warn" : "flush");
		goto out;
	}
	if (warn && strcmp(queue, MAIL_QUEUE_DEFER) != 0) {
		msg_warn("warn request on the %s service", queue);
		goto out;
	}
	req.queue_name = vstring_str(qname);
	req.queue_id = vstring_str(qid);
	req.encoding = vstring_str(enc);
	req.sender = vstring_str(sender);
	req.dsn_envid = vstring_str(envid);
	req.kind = warn ? BOUNCE_KIND_DELAY
	    : strcmp(queue, MAIL_QUEUE_TRACE) == 0 ? BOUNCE_KIND_SUCCESS
	    : BOUNCE_KIND_FAILURE;
	if ((log = bounce_log_read(queue, req.queue_id, why)) == NULL) {
		if (errno == ENOENT) {
			status = 0;		/* nothing was logged */
		} else {
			msg_warn("%s: %s", req.queue_id, vstring_str(why));
		}
		goto out;
	}
	if (bounce_notify(&req, log) == 0) {
		status = 0;
		if (!warn)
			(void) bounce_log_remove(queue, req.queue_id);
	}
	bounce_log_free(log);
out:
	(void) attr_print0(stream, ATTR_FLAG_FLUSH,
			   SEND_ATTR_INT("status", status), ATTR_TYPE_END);
	vstring_free(qname);
	vstring_free(qid);
	vstring_free(enc);
	vstring_free(sender);
	vstring_free(envid);
	vstring_free(why);
	return (status);
}

static void
bounce_service(VSTREAM *stream, const char *service, char **argv)
{
	VSTRING *request = vstring_alloc(20);
	const char *queue = bounce_queue(service);

	(void) argv;
	if (attr_scan0(stream, ATTR_FLAG_MISSING | ATTR_FLAG_MORE,
		       RECV_ATTR_STR("nrequest", request), ATTR_TYPE_END) != 1) {
		if (!vstream_feof(stream))
			msg_warn("malformed request: no nrequest");
	} else if (strcmp(vstring_str(request), "append") == 0) {
		(void) bounce_do_append(stream, queue);
	} else if (strcmp(vstring_str(request), "flush") == 0) {
		(void) bounce_do_notify(stream, queue, 0);
	} else if (strcmp(vstring_str(request), "warn") == 0) {
		(void) bounce_do_notify(stream, queue, 1);
	} else {
		msg_warn("unknown request: \"%.100s\"", vstring_str(request));
		(void) attr_print0(stream, ATTR_FLAG_FLUSH,
				   SEND_ATTR_INT("status", 1), ATTR_TYPE_END);
	}
	vstring_free(request);
}

static void
bounce_pre_init(const char *service, char **argv)
{
	(void) service;
	(void) argv;
	tzset();			/* before a chroot hides /etc */
}

static void
bounce_post_init(const char *service, char **argv)
{
	(void) service;
	(void) argv;
	var_myhostname = mail_conf_str("myhostname");
	var_mail_name = mail_conf_str("mail_name");
	var_notify_classes = mail_conf_str("notify_classes");
	var_2bounce_rcpt = mail_conf_str("2bounce_notice_recipient");
	var_bounce_rcpt = mail_conf_str("bounce_notice_recipient");
	var_delay_rcpt = mail_conf_str("delay_notice_recipient");
	var_double_bounce_sender = mail_conf_str("double_bounce_sender");
	var_bounce_limit = mail_conf_size("bounce_size_limit");
	var_delay_warning_time = mail_conf_time("delay_warning_time");
	var_ipc_timeout = mail_conf_time("ipc_timeout");
}

int
main(int argc, char **argv)
{
	single_server_main(argc, argv, bounce_service,
			   MAIL_SERVER_PRE_INIT, bounce_pre_init,
			   MAIL_SERVER_POST_INIT, bounce_post_init,
			   MAIL_SERVER_END);
	return (0);
}
