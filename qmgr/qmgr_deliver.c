/*
 * qmgr_deliver - the client side of the delivery agent protocol
 *
 * One connection per delivery request (deliver_request.h): connect to
 * private/TRANSPORT, wait in the event loop for the agent's "status"
 * (ready), only then pick the next entry of the transport and send it,
 * then wait in the event loop for the final "status" and "dead". At most
 * one connection per transport waits for "ready" at a time, so qmgr
 * never queues more requests than the transport has agents (master.cf
 * maxproc), and never blocks on one agent: each wait is an event with a
 * timer (qmgr_ipc_timeout for "ready", qmgr_daemon_timeout for the
 * result).
 *
 *	qmgr_deliver_start() opens a connection for a transport that has a
 *		destination ready; a failure marks the transport unreachable.
 */
#include <stdio.h>
#include <string.h>
#include <sys/time.h>

#include "msg.h"
#include "mymalloc.h"
#include "vstring.h"
#include "vstream.h"
#include "events.h"
#include "attr.h"
#include "mail_connect.h"
#include "qmgr.h"

typedef struct QMGR_CONN {
	QMGR_TRANSPORT *transport;
	VSTREAM *stream;
	QMGR_ENTRY *entry;		/* NULL until the request is sent */
} QMGR_CONN;

static void qmgr_deliver_ready_event(int, void *);
static void qmgr_deliver_reply_event(int, void *);

static void
qmgr_deliver_close(QMGR_CONN *conn)
{
	event_disable_readwrite(vstream_fileno(conn->stream));
	event_cancel_timer(qmgr_deliver_ready_event, conn);
	event_cancel_timer(qmgr_deliver_reply_event, conn);
	(void) vstream_close(conn->stream);
	myfree(conn);
}

static const char *
qmgr_tv_text(VSTRING *buf, const struct timeval *tv)
{
	vstring_sprintf(buf, "%ld.%06ld", (long) tv->tv_sec, (long) tv->tv_usec);
	return (vstring_str(buf));
}

/* Send the request of entry; 0 or -1 on a write error. */
static int
qmgr_deliver_send(VSTREAM *stream, QMGR_ENTRY *entry)
{
	QMGR_MESSAGE *msg = entry->message;
	VSTRING *arrival = vstring_alloc(32);
	VSTRING *active = vstring_alloc(32);
	VSTRING *dispatch = vstring_alloc(32);
	struct timeval now;
	size_t  i;
	int     ret;

	gettimeofday(&now, NULL);
	ret = attr_print(stream, ATTR_FLAG_MORE,
			 SEND_ATTR_INT("flags", entry->flags),
			 SEND_ATTR_STR("queue_name", msg->queue_name),
			 SEND_ATTR_STR("queue_id", msg->queue_id),
			 SEND_ATTR_LONG("offset", msg->data_offset),
			 SEND_ATTR_LONG("data_size", msg->data_size),
			 SEND_ATTR_STR("nexthop", entry->queue->nexthop),
			 SEND_ATTR_STR("encoding", msg->encoding),
			 SEND_ATTR_INT("smtputf8", msg->smtputf8),
			 SEND_ATTR_STR("sender", msg->sender),
			 SEND_ATTR_STR("dsn_envid", msg->dsn_envid),
			 SEND_ATTR_INT("dsn_ret", msg->dsn_ret),
			 SEND_ATTR_STR("arrival_time",
				       qmgr_tv_text(arrival, &msg->arrival)),
			 SEND_ATTR_STR("active_time",
				       qmgr_tv_text(active, &msg->active)),
			 SEND_ATTR_STR("dispatch_time",
				       qmgr_tv_text(dispatch, &now)),
			 SEND_ATTR_STR("log_client_name", msg->client_name),
			 SEND_ATTR_STR("log_client_address", msg->client_addr),
			 SEND_ATTR_STR("log_client_port", msg->client_port),
			 SEND_ATTR_STR("log_helo_name", msg->client_helo),
			 SEND_ATTR_STR("log_protocol", msg->client_proto),
			 SEND_ATTR_STR("sasl_method", msg->sasl_method),
			 SEND_ATTR_STR("sasl_username", msg->sasl_username),
			 SEND_ATTR_STR("rewrite_context", msg->rewrite_context),
			 SEND_ATTR_INT("rcpt_count", (int) entry->rcpt_count),
			 ATTR_TYPE_END);
	for (i = 0; ret == 0 && i < entry->rcpt_count; i++) {
		RECIPIENT *rcpt = entry->rcpt + i;

		ret = attr_print(stream, ATTR_FLAG_MORE,
				 SEND_ATTR_STR("orig_rcpt", rcpt->orig_addr),
				 SEND_ATTR_STR("rcpt", rcpt->address),
				 SEND_ATTR_LONG("rcpt_offset", rcpt->offset),
				 SEND_ATTR_STR("dsn_orcpt", rcpt->dsn_orcpt),
				 SEND_ATTR_INT("dsn_notify", rcpt->dsn_notify),
				 ATTR_TYPE_END);
	}
	if (ret == 0)
		ret = attr_print(stream, ATTR_FLAG_FLUSH, ATTR_TYPE_END);
	vstring_free(arrival);
	vstring_free(active);
	vstring_free(dispatch);
	return (ret);
}

/* The agent said it is ready (or went away, or the wait timed out). */
static void
qmgr_deliver_ready_event(int event, void *ctx)
{
	QMGR_CONN *conn = ctx;
	QMGR_TRANSPORT *transport = conn->transport;
	QMGR_ENTRY *entry;
	int     status = -1;

	transport->connecting = 0;
	event_disable_readwrite(vstream_fileno(conn->stream));
	event_cancel_timer(qmgr_deliver_ready_event, conn);
	if (event == EVENT_TIME) {
		qmgr_deliver_close(conn);
		qmgr_transport_unreachable(transport, "timeout waiting for the "
					   "delivery agent to become ready");
		return;
	}
	if (attr_scan(conn->stream, ATTR_FLAG_MISSING,
		      RECV_ATTR_INT("status", &status), ATTR_TYPE_END) != 1
	    || status != 0) {
		qmgr_deliver_close(conn);
		qmgr_transport_unreachable(transport, "delivery agent is not "
					   "ready (malformed or missing "
					   "status)");
		return;
	}
	if ((entry = qmgr_transport_select(transport)) == NULL) {
		qmgr_deliver_close(conn);
		return;
	}
	if (qmgr_deliver_send(conn->stream, entry) != 0) {
		msg_warn("%s: lost connection with private/%s while sending "
			 "the delivery request", entry->message->queue_id,
			 transport->name);
		qmgr_deliver_close(conn);
		qmgr_entry_done(entry, -1, 0, "lost connection with the "
				"delivery agent");
		return;
	}
	conn->entry = entry;
	event_enable_read(vstream_fileno(conn->stream), qmgr_deliver_reply_event,
			  conn);
	event_request_timer(qmgr_deliver_reply_event, conn,
			    (int) (var_qmgr_daemon_timeout * 1000));
	qmgr_transport_dispatch(transport);
}

/* The agent's final reply (or its end, or our patience's). */
static void
qmgr_deliver_reply_event(int event, void *ctx)
{
	QMGR_CONN *conn = ctx;
	QMGR_ENTRY *entry = conn->entry;
	const char *transport = entry->queue->transport->name;
	int     status = -1;
	int     dead = 0;

	event_disable_readwrite(vstream_fileno(conn->stream));
	event_cancel_timer(qmgr_deliver_reply_event, conn);
	if (event == EVENT_TIME) {
		msg_warn("%s: timeout waiting for the reply of private/%s",
			 entry->message->queue_id, transport);
		qmgr_deliver_close(conn);
		qmgr_entry_done(entry, -1, 0, "delivery agent timed out");
		return;
	}
	if (attr_scan(conn->stream, ATTR_FLAG_MISSING,
		      RECV_ATTR_INT("status", &status),
		      RECV_ATTR_INT("dead", &dead), ATTR_TYPE_END) != 2) {
		msg_warn("%s: malformed or missing reply from private/%s",
			 entry->message->queue_id, transport);
		qmgr_deliver_close(conn);
		qmgr_entry_done(entry, -1, 0, "unknown mail transport error");
		return;
	}
	qmgr_deliver_close(conn);
	qmgr_entry_done(entry, status, dead, NULL);
}

void
qmgr_deliver_start(QMGR_TRANSPORT *transport)
{
	VSTRING *why = vstring_alloc(100);
	VSTREAM *stream;
	QMGR_CONN *conn;

	stream = mail_connect("private", transport->name,
			      (int) var_qmgr_ipc_timeout, why);
	if (stream == NULL) {
		qmgr_transport_unreachable(transport, vstring_str(why));
		vstring_free(why);
		return;
	}
	vstring_free(why);
	conn = (QMGR_CONN *) mycalloc(1, sizeof(*conn));
	conn->transport = transport;
	conn->stream = stream;
	transport->connecting = 1;
	event_enable_read(vstream_fileno(stream), qmgr_deliver_ready_event, conn);
	event_request_timer(qmgr_deliver_ready_event, conn,
			    (int) (var_qmgr_ipc_timeout * 1000));
}
