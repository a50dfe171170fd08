#ifndef POSTERN_DELIVER_REQUEST_H
#define POSTERN_DELIVER_REQUEST_H

/*
 * deliver_request - the qmgr -> delivery agent protocol (agent side) and
 * how agents report each recipient's outcome
 *
 * qmgr connects to CLASS/TRANSPORT (private/local, private/virtual,
 * private/smtp, private/error, private/discard ...; the master.cf service
 * named by the transport) and makes exactly one request per connection:
 *
 *  1. agent -> qmgr, attr0: "status" (int 0): the agent is ready.
 *  2. qmgr -> agent, attr0, in this order:
 *	flags (int, DEL_REQ_FLAG_*), queue_name (str, e.g. "active"),
 *	queue_id (str), offset (long: file offset of the first content record,
 *	as the SIZE record gives it), data_size (long: content bytes), nexthop (str),
 *	encoding (str: "7bit", "8bit" or ""), smtputf8 (int), sender (str,
 *	"" for the null sender), dsn_envid (str), dsn_ret (int, DSN_RET_*),
 *	arrival_time, active_time, dispatch_time (str "sec.usec": arrival in
 *	the queue, move to active, hand-off to the agent; for delays=a/b/c/d),
 *	log_client_name, log_client_address, log_client_port, log_helo_name,
 *	log_protocol, sasl_method, sasl_username, rewrite_context (str, from
 *	the queue file's ATTR records; "" when absent),
 *	rcpt_count (int, >= 1), then per recipient: orig_rcpt (str), rcpt
 *	(str), rcpt_offset (long: file offset of its RCPT record), dsn_orcpt
 *	(str), dsn_notify (int, DSN_NOTIFY_* bits, 0 = not given).
 *  3. The agent delivers and reports every recipient with exactly one of
 *     deliver_sent(), deliver_defer() or deliver_bounce() below.
 *  4. agent -> qmgr, attr0: "status" (int): 0 when every recipient is
 *     finished (sent or bounced: marked DONE in the queue file), else
 *     DEL_STAT_DEFER (some recipients were deferred and are in the defer
 *     log); and "dead" (int): 1 when the destination as a whole failed
 *     (connection refused, all MX down), so qmgr throttles it.
 *
 * Agent side:
 *	deliver_request_read() answers step 1, reads step 2, validates it
 *		(queue_id_ok, queue name one of the known queues, counts and
 *		offsets sane), opens the queue file QUEUE/[hash/]ID read-write
 *		(relative to queue_directory, the daemon's cwd) and returns
 *		the request; NULL after logging a warning on a protocol error.
 *	deliver_request_done() sends step 4 and frees the request.
 *	deliver_sent() logs "ID: to=<rcpt>, [orig_to=<orig>, ]relay=RELAY,
 *		delay=D, delays=a/b/c/d, dsn=2.x.x, status=sent (REASON)",
 *		marks the recipient DONE in the queue file (qfile_mark_done:
 *		fsync before returning; not for a RECIPIENT with offset < 0,
 *		which an agent derived, e.g. one destination of an alias) and, with NOTIFY=SUCCESS, appends to the
 *		trace log for a success DSN. Returns 0, or DEL_STAT_DEFER when
 *		the file could not be updated (then it logs and defers).
 *	deliver_defer() logs status=deferred and appends the recipient and
 *		reason to the defer log (bounce_client.h); DEL_STAT_DEFER.
 *	deliver_bounce() logs status=bounced, appends to the bounce log and
 *		marks the recipient DONE; 0, or DEL_STAT_DEFER when the bounce
 *		log could not be written (the recipient is then deferred).
 *	With req->conn_use >= 2 the line has ", conn_use=N" after the
 *	relay (as Postfix logs a cached connection's Nth use); with a
 *	non-empty req->log_tls it ends in ", tls=PROTOCOL/CIPHER" after
 *	the reason's closing parenthesis (a postern addition; the agent
 *	owns the string). Both apply to sent, deferred and bounced.
 *	The delay fields: a = active - arrival, b = dispatch - active,
 *	c = connection setup (agent's own, 0 for local agents), d = the
 *	rest until now; printed as Postfix does (delay=0.12,
 *	delays=0.05/0.01/0/0.06; two decimals below 10 s, fewer above).
 */

#include <stddef.h>
#include <sys/time.h>
#include "vstream.h"
#include "vstring.h"

/* Request flags. */
#define DEL_REQ_FLAG_NONE	0
#define DEL_REQ_FLAG_SUCCESS	(1 << 0)	/* NOTIFY=SUCCESS present */
#define DEL_REQ_FLAG_VERBOSE	(1 << 1)	/* sendmail -v */
#define DEL_REQ_FLAG_EXPIRED	(1 << 2)	/* last attempt: bounce, not defer */

/* Reply statuses. */
#define DEL_STAT_OK		0
#define DEL_STAT_DEFER		(1 << 0)

/* DSN RET (RFC 3461). */
#define DSN_RET_NONE		0
#define DSN_RET_FULL		1
#define DSN_RET_HDRS		2

/* DSN NOTIFY bits (RFC 3461); 0 = the client did not say. */
#define DSN_NOTIFY_NEVER	(1 << 0)
#define DSN_NOTIFY_SUCCESS	(1 << 1)
#define DSN_NOTIFY_FAILURE	(1 << 2)
#define DSN_NOTIFY_DELAY	(1 << 3)

/* One recipient of a request. */
typedef struct RECIPIENT {
	char   *orig_addr;		/* original recipient ("" if none) */
	char   *address;		/* recipient to deliver to */
	long	offset;			/* of its RCPT record in the file */
	char   *dsn_orcpt;		/* DSN ORCPT or "" */
	int	dsn_notify;		/* DSN_NOTIFY_* or 0 */
} RECIPIENT;

/* What happened to one recipient, for the log, bounce logs and DSNs. */
typedef struct DSN_INFO {
	const char *status;		/* enhanced status "5.1.1" */
	const char *action;		/* "delivered", "failed", "delayed",
					 * "relayed", "expanded" (RFC 3464) */
	const char *reason;		/* text in the log's (...) */
	const char *dtype;		/* diagnostic type ("smtp") or "" */
	const char *dtext;		/* remote reply text or "" */
	const char *mtype;		/* remote MTA type ("dns") or "" */
	const char *mname;		/* remote MTA name or "" */
} DSN_INFO;

typedef struct DELIVER_REQUEST {
	int	fd;			/* the queue file, open read-write */
	int	flags;			/* DEL_REQ_FLAG_* */
	char   *queue_name;
	char   *queue_id;
	long	data_offset;		/* first content record */
	long	data_size;
	char   *nexthop;
	char   *encoding;
	int	smtputf8;
	char   *sender;
	char   *dsn_envid;
	int	dsn_ret;
	struct timeval arrival_time;
	struct timeval active_time;
	struct timeval dispatch_time;
	char   *client_name;
	char   *client_addr;
	char   *client_port;
	char   *client_helo;
	char   *client_proto;
	char   *sasl_method;
	char   *sasl_username;
	char   *rewrite_context;
	RECIPIENT *rcpt;		/* rcpt_count entries */
	size_t	rcpt_count;
	double	conn_setup;		/* seconds; agents set delays "c" */
	/* Optional log fields, set by an agent before it reports. */
	int	conn_use;		/* Nth use of a cached connection;
					 * < 2: not logged */
	const char *log_tls;		/* "TLSv1.3/CIPHER" or NULL/"" */
} DELIVER_REQUEST;

extern DELIVER_REQUEST *deliver_request_read(VSTREAM *stream);
extern int deliver_request_done(VSTREAM *stream, DELIVER_REQUEST *req,
				int status, int dead);

extern int deliver_sent(DELIVER_REQUEST *req, const RECIPIENT *rcpt,
			const char *relay, const DSN_INFO *dsn);
extern int deliver_defer(DELIVER_REQUEST *req, const RECIPIENT *rcpt,
			 const char *relay, const DSN_INFO *dsn);
extern int deliver_bounce(DELIVER_REQUEST *req, const RECIPIENT *rcpt,
			  const char *relay, const DSN_INFO *dsn);

/* "delay=0.12, delays=0.05/0.01/0/0.06" for a log line. */
extern const char *deliver_delays(VSTRING *out, const DELIVER_REQUEST *req);

#endif
