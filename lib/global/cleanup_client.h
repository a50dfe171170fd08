#ifndef POSTERN_CLEANUP_CLIENT_H
#define POSTERN_CLEANUP_CLIENT_H

/*
 * cleanup_client - hand one message to the cleanup service
 *
 * The protocol (cleanup(8) serves it, this module is the only client):
 *
 *  1. The client connects to "public/cleanup" (relative to
 *     queue_directory; every daemon runs with that as its cwd).
 *  2. cleanup -> client, attr0: "queue_id" (str). cleanup has already
 *     created the queue file in incoming/ under that ID.
 *  3. client -> cleanup, attr0: "flags" (int, CLEANUP_FLAG_* below).
 *  4. client -> cleanup: the message as queue-file records (qfile.h
 *     record encoding, rec_type.h types and section order) on the same
 *     stream:
 *	envelope: SENDER (internal form; "" for the null sender), ATTR
 *	  records ("name=value": log_client_name, log_client_address,
 *	  log_client_port, log_helo_name, log_protocol (ESMTP...),
 *	  client_name, client_address, client_port, helo_name,
 *	  protocol_name, rewrite_context=remote|local, sasl_username,
 *	  encoding=7bit|8bit, smtputf8=yes), DSN_ENVID, DSN_RET, then per
 *	  recipient ORCPT, DSN_ORCPT, DSN_NOTIFY (all optional) and RCPT;
 *	  MESSAGE ends the envelope.
 *	content: NORMAL/FRAGMENT records, one line each without its line
 *	  terminator, dot-unstuffed: exactly the message the client sent,
 *	  the Received: header the receiving daemon prepends included.
 *	XTRA, then optional extracted records, then END.
 *     TIME and SIZE records are cleanup's own; a client sending them is
 *     refused (CLEANUP_STAT_BAD). Record limits: a line is split into
 *     fragments of at most line_length_limit bytes.
 *  5. cleanup -> client, attr0: "status" (int, CLEANUP_STAT_* bits, 0
 *     for success) and "reason" (str, text for the SMTP reply or log;
 *     may be empty). Status 0 is sent only after the queue file is
 *     complete, fsync()ed, renamed into place and its directory
 *     fsync()ed. With any other status no file remains.
 *  The client may disconnect at any point before step 5 to abort; cleanup
 *  then removes the file.
 *
 * API:
 *	cleanup_client_open() connects and does steps 1-3; NULL and a reason
 *		when the service cannot be reached (the caller replies 451
 *		4.3.0 or defers).
 *	cleanup_client_id() the queue ID cleanup assigned.
 *	cleanup_client_rec() one record; cleanup_client_fmt() printf-style.
 *	cleanup_client_line() one content line of any length (fragments).
 *	cleanup_client_finish() sends nothing more, flushes, waits for the
 *		status and reason, closes; returns the status.
 *	cleanup_client_abort() closes without finishing (no file remains).
 *	cleanup_stat_reply() the SMTP reply for a status:
 *		"451 4.3.0 Error: queue file write error" etc.
 *	cleanup_stat_text() a short word for a status, for logs.
 *
 * Write errors while sending are remembered and reported by
 * cleanup_client_finish() as CLEANUP_STAT_WRITE; the calls before it
 * never fail loudly, so a caller can stream a whole message and check
 * once.
 */

#include <stddef.h>
#include "vstring.h"

#define CLEANUP_SERVICE		"cleanup"	/* public/cleanup, as Postfix */

/* Client flags. */
#define CLEANUP_FLAG_NONE	0
#define CLEANUP_FLAG_BOUNCE	(1 << 0)	/* bounce, do not keep, bad mail */
#define CLEANUP_FLAG_FILTER	(1 << 1)	/* apply header/body checks */
#define CLEANUP_FLAG_HOLD	(1 << 2)	/* place in hold/ */
#define CLEANUP_FLAG_MAP_OK	(1 << 3)	/* address mapping allowed */
#define CLEANUP_FLAG_SMTPUTF8	(1 << 4)	/* SMTPUTF8 requested */
#define CLEANUP_FLAG_FROM_SMTP	(1 << 5)	/* from smtpd (not pickup) */
#define CLEANUP_FLAG_EXTRACT	(1 << 6)	/* sendmail -t: recipients from To/Cc/Bcc */
#define CLEANUP_FLAG_MASK_EXTERNAL	(CLEANUP_FLAG_FILTER | CLEANUP_FLAG_MAP_OK)

/* Status bits (0: queued). */
#define CLEANUP_STAT_OK		0
#define CLEANUP_STAT_BAD	(1 << 0)	/* protocol error, bad records */
#define CLEANUP_STAT_WRITE	(1 << 1)	/* error writing the queue file */
#define CLEANUP_STAT_SIZE	(1 << 2)	/* message_size_limit exceeded */
#define CLEANUP_STAT_CONT	(1 << 3)	/* content rejected (checks) */
#define CLEANUP_STAT_HOPS	(1 << 4)	/* hopcount_limit exceeded */
#define CLEANUP_STAT_RCPT	(1 << 5)	/* no recipients */
#define CLEANUP_STAT_DEFER	(1 << 6)	/* temporary: try again */
#define CLEANUP_STAT_NOSPACE	(1 << 7)	/* file system full */
#define CLEANUP_STAT_PROXY	(1 << 8)	/* proxy/filter error */
#define CLEANUP_STAT_HEADER	(1 << 9)	/* header_size_limit, fatal mode */

typedef struct CLEANUP_CLIENT CLEANUP_CLIENT;

extern CLEANUP_CLIENT *cleanup_client_open(const char *class_name,
					   const char *service, int flags,
					   int timeout, VSTRING *why);
extern const char *cleanup_client_id(CLEANUP_CLIENT *cc);
extern void cleanup_client_rec(CLEANUP_CLIENT *cc, int type,
			       const char *data, size_t len);
extern void cleanup_client_fmt(CLEANUP_CLIENT *cc, int type,
			       const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
extern void cleanup_client_line(CLEANUP_CLIENT *cc, const char *data,
				size_t len);
extern int cleanup_client_finish(CLEANUP_CLIENT *cc, VSTRING *reason);
extern void cleanup_client_abort(CLEANUP_CLIENT *cc);

/* "451 4.3.0 Error: ..." for a non-zero status; reason (may be empty or
 * NULL) is used for the text when cleanup gave one. */
extern const char *cleanup_stat_reply(int status, const char *reason,
				      VSTRING *out);
extern const char *cleanup_stat_text(int status);

#endif
