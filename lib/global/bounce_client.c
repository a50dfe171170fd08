/*
 * bounce_client - talk to the bounce(8) services (bounce, defer, trace)
 *
 *	bounce_append(), defer_append(), trace_append() add one recipient
 *		event to the per-message log of that service.
 *	bounce_flush(), defer_flush(), defer_warn(), trace_flush() ask the
 *		service to send a delivery status notification.
 *
 * Each call is one request on its own connection to private/SERVICE
 * (bounce_service_name, defer_service_name, trace_service_name), with
 * ipc_timeout as deadline. The protocol is in bounce_client.h. All
 * functions return 0 when the service answered status 0, else -1 (not
 * reachable, protocol error, or the service failed); the reason is logged
 * as a warning.
 */

#include <string.h>

#include "attr.h"
#include "msg.h"
#include "vstream.h"
#include "vstring.h"

#include "bounce_client.h"
#include "mail_conf.h"
#include "mail_connect.h"

/* The master.cf service name behind one of the three roles. */
static const char *
bounce_service(const char *role)
{
	if (strcmp(role, BOUNCE_SERVICE_BOUNCE) == 0)
		return (mail_conf_str("bounce_service_name"));
	if (strcmp(role, BOUNCE_SERVICE_DEFER) == 0)
		return (mail_conf_str("defer_service_name"));
	return (mail_conf_str("trace_service_name"));
}

static VSTREAM *
bounce_connect(const char *role)
{
	VSTRING *why = vstring_alloc(100);
	const char *service = bounce_service(role);
	VSTREAM *stream;

	stream = mail_connect("private", service,
			      (int) mail_conf_time("ipc_timeout"), why);
	if (stream == NULL)
		msg_warn("connect to private/%s service: %s", service,
			 vstring_str(why));
	vstring_free(why);
	return (stream);
}

/* Read the reply and close; 0 or -1. */
static int
bounce_reply(VSTREAM *stream, const char *role, const char *queue_id)
{
	int     status = -1;

	if (attr_scan0(stream, ATTR_FLAG_MISSING,
		       RECV_ATTR_INT("status", &status),
		       ATTR_TYPE_END) != 1) {
		msg_warn("%s: no reply from the %s service", queue_id,
			 bounce_service(role));
		status = -1;
	} else if (status != 0) {
		msg_warn("%s: the %s service failed the request", queue_id,
			 bounce_service(role));
	}
	(void) vstream_close(stream);
	return (status == 0 ? 0 : -1);
}

static const char *
nz(const char *s)
{
	return (s ? s : "");
}

static int
bounce_append_service(const char *role, int flags, const char *queue_id,
		      const RECIPIENT *rcpt, const DSN_INFO *dsn)
{
	VSTREAM *stream;

	if ((stream = bounce_connect(role)) == NULL)
		return (-1);
	if (attr_print0(stream, ATTR_FLAG_FLUSH,
			SEND_ATTR_STR("nrequest", "append"),
			SEND_ATTR_INT("flags", flags),
			SEND_ATTR_STR("queue_id", queue_id),
			SEND_ATTR_STR("orig_rcpt", nz(rcpt->orig_addr)),
			SEND_ATTR_STR("rcpt", nz(rcpt->address)),
			SEND_ATTR_LONG("rcpt_offset", rcpt->offset),
			SEND_ATTR_STR("dsn_orcpt", nz(rcpt->dsn_orcpt)),
			SEND_ATTR_INT("dsn_notify", rcpt->dsn_notify),
			SEND_ATTR_STR("status", nz(dsn->status)),
			SEND_ATTR_STR("action", nz(dsn->action)),
			SEND_ATTR_STR("reason", nz(dsn->reason)),
			SEND_ATTR_STR("dtype", nz(dsn->dtype)),
			SEND_ATTR_STR("dtext", nz(dsn->dtext)),
			SEND_ATTR_STR("mtype", nz(dsn->mtype)),
			SEND_ATTR_STR("mname", nz(dsn->mname)),
			ATTR_TYPE_END) != 0) {
		msg_warn("%s: cannot send to the %s service", queue_id,
			 bounce_service(role));
		(void) vstream_close(stream);
		return (-1);
	}
	return (bounce_reply(stream, role, queue_id));
}

int
bounce_append(int flags, const char *queue_id, const RECIPIENT *rcpt,
	      const DSN_INFO *dsn)
{
	return (bounce_append_service(BOUNCE_SERVICE_BOUNCE, flags, queue_id,
				      rcpt, dsn));
}

int
defer_append(int flags, const char *queue_id, const RECIPIENT *rcpt,
	     const DSN_INFO *dsn)
{
	return (bounce_append_service(BOUNCE_SERVICE_DEFER, flags, queue_id,
				      rcpt, dsn));
}

int
trace_append(int flags, const char *queue_id, const RECIPIENT *rcpt,
	     const DSN_INFO *dsn)
{
	return (bounce_append_service(BOUNCE_SERVICE_TRACE, flags, queue_id,
				      rcpt, dsn));
}

static int
bounce_notify(const char *role, const char *request, int flags,
	      const char *queue_name, const char *queue_id,
	      const char *encoding, int smtputf8, const char *sender,
	      const char *dsn_envid, int dsn_ret)
{
	VSTREAM *stream;

	if ((stream = bounce_connect(role)) == NULL)
		return (-1);
	if (attr_print0(stream, ATTR_FLAG_FLUSH,
			SEND_ATTR_STR("nrequest", request),
			SEND_ATTR_INT("flags", flags),
			SEND_ATTR_STR("queue_name", queue_name),
			SEND_ATTR_STR("queue_id", queue_id),
			SEND_ATTR_STR("encoding", nz(encoding)),
			SEND_ATTR_INT("smtputf8", smtputf8),
			SEND_ATTR_STR("sender", nz(sender)),
			SEND_ATTR_STR("dsn_envid", nz(dsn_envid)),
			SEND_ATTR_INT("dsn_ret", dsn_ret),
			ATTR_TYPE_END) != 0) {
		msg_warn("%s: cannot send to the %s service", queue_id,
			 bounce_service(role));
		(void) vstream_close(stream);
		return (-1);
	}
	return (bounce_reply(stream, role, queue_id));
}

int
bounce_flush(int flags, const char *queue_name, const char *queue_id,
	     const char *encoding, int smtputf8, const char *sender,
	     const char *dsn_envid, int dsn_ret)
{
	return (bounce_notify(BOUNCE_SERVICE_BOUNCE, "flush", flags, queue_name,
			      queue_id, encoding, smtputf8, sender, dsn_envid,
			      dsn_ret));
}

int
defer_flush(int flags, const char *queue_name, const char *queue_id,
	    const char *encoding, int smtputf8, const char *sender,
	    const char *dsn_envid, int dsn_ret)
{
	return (bounce_notify(BOUNCE_SERVICE_DEFER, "flush", flags, queue_name,
			      queue_id, encoding, smtputf8, sender, dsn_envid,
			      dsn_ret));
}

int
defer_warn(int flags, const char *queue_name, const char *queue_id,
	   const char *encoding, int smtputf8, const char *sender,
	   const char *dsn_envid, int dsn_ret)
{
	return (bounce_notify(BOUNCE_SERVICE_DEFER, "warn", flags, queue_name,
			      queue_id, encoding, smtputf8, sender, dsn_envid,
			      dsn_ret));
}

int
trace_flush(int flags, const char *queue_name, const char *queue_id,
	    const char *encoding, int smtputf8, const char *sender,
	    const char *dsn_envid, int dsn_ret)
{
	return (bounce_notify(BOUNCE_SERVICE_TRACE, "flush", flags, queue_name,
			      queue_id, encoding, smtputf8, sender, dsn_envid,
			      dsn_ret));
}
