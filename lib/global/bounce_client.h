#ifndef POSTERN_BOUNCE_CLIENT_H
#define POSTERN_BOUNCE_CLIENT_H

/*
 * bounce_client - per-message delivery logs and delivery status
 * notifications, through the bounce(8) service
 *
 * bounce(8) runs as three master.cf services of the same program:
 * private/bounce (non-delivery), private/defer (delays) and private/trace
 * (success notifications). Each keeps one log file per message in the
 * queue directory of the same name: bounce/ID, defer/ID, trace/ID (hashed
 * like deferred/). A log holds one record group per recipient event
 * (recipient, original recipient, offset, DSN fields, status, action,
 * reason, diagnostic); its format is bounce(8)'s own business.
 *
 * Requests (attr0, one per connection; reply "status" int, 0 = done):
 *	nrequest=append: flags, queue_id, orig_rcpt, rcpt, rcpt_offset,
 *		dsn_orcpt, dsn_notify, status, action, reason, dtype, dtext,
 *		mtype, mname. Appends (and fsyncs) one record to the log of
 *		the service connected to.
 *	nrequest=flush (service bounce): flags, queue_name, queue_id,
 *		encoding, smtputf8, sender, dsn_envid, dsn_ret. Sends an RFC
 *		3464 non-delivery notification built from bounce/ID and the
 *		queue file to the sender (never to the null sender: then to
 *		2bounce_notice_recipient as a double bounce, or just logs),
 *		submitted through cleanup (public/cleanup) as a new message
 *		from the null sender; then removes bounce/ID. Logs
 *		"ID: sender non-delivery notification: NEWID".
 *	nrequest=flush (service defer): the same from defer/ID, used when a
 *		message expires (maximal_queue_lifetime): every deferred
 *		recipient is reported as failed; removes defer/ID.
 *	nrequest=warn (service defer): a delay warning (action "delayed")
 *		from defer/ID; defer/ID stays. "sender delay notification".
 *	nrequest=flush (service trace): success notification ("delivered")
 *		for NOTIFY=SUCCESS recipients from trace/ID; removes trace/ID.
 *		"sender delivery status notification".
 *	A status 0 from flush/warn means the notification is queued (or was
 *	not needed); non-zero means try again later: the caller keeps the
 *	message and the log.
 *
 * notify_classes (bounce, 2bounce, delay, ...) copies to the postmaster
 * are bounce(8)'s job.
 */

#include "deliver_request.h"

#define BOUNCE_SERVICE_BOUNCE	"bounce"
#define BOUNCE_SERVICE_DEFER	"defer"
#define BOUNCE_SERVICE_TRACE	"trace"

#define BOUNCE_FLAG_NONE	0
#define BOUNCE_FLAG_CLEAN	(1 << 0)	/* remove the log after flush */

/* Append a recipient's event to bounce/ID, defer/ID or trace/ID. */
extern int bounce_append(int flags, const char *queue_id,
			 const RECIPIENT *rcpt, const DSN_INFO *dsn);
extern int defer_append(int flags, const char *queue_id,
			const RECIPIENT *rcpt, const DSN_INFO *dsn);
extern int trace_append(int flags, const char *queue_id,
			const RECIPIENT *rcpt, const DSN_INFO *dsn);

/* Notifications; the message's envelope as the queue file says. */
extern int bounce_flush(int flags, const char *queue_name,
			const char *queue_id, const char *encoding,
			int smtputf8, const char *sender,
			const char *dsn_envid, int dsn_ret);
extern int defer_flush(int flags, const char *queue_name,
		       const char *queue_id, const char *encoding,
		       int smtputf8, const char *sender,
		       const char *dsn_envid, int dsn_ret);
extern int defer_warn(int flags, const char *queue_name,
		      const char *queue_id, const char *encoding,
		      int smtputf8, const char *sender,
		      const char *dsn_envid, int dsn_ret);
extern int trace_flush(int flags, const char *queue_name,
		       const char *queue_id, const char *encoding,
		       int smtputf8, const char *sender,
		       const char *dsn_envid, int dsn_ret);

#endif
