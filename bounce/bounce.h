#ifndef POSTERN_BOUNCE_H
#define POSTERN_BOUNCE_H

/*
 * bounce - shared declarations of the bounce(8) daemon
 *
 * bounce_log.c keeps the per-message logs (bounce/ID, defer/ID, trace/ID);
 * bounce_notify.c turns a log and the queue file into a delivery status
 * notification; bounce.c serves the requests (see bounce_client.h).
 */

#include <stddef.h>
#include "vstring.h"

/* One recipient event, as appended and read back. */
typedef struct BOUNCE_RCPT {
	char   *orig_rcpt;
	char   *rcpt;
	long	offset;
	char   *dsn_orcpt;
	int	dsn_notify;
	char   *status;
	char   *action;
	char   *reason;
	char   *dtype;
	char   *dtext;
	char   *mtype;
	char   *mname;
} BOUNCE_RCPT;

/* A log read back: the last event of each recipient, in log order. */
typedef struct BOUNCE_LOG {
	BOUNCE_RCPT *rcpt;
	size_t	count;
} BOUNCE_LOG;

/* bounce_log.c */
extern int bounce_log_append(const char *queue, const char *queue_id,
			     const BOUNCE_RCPT *rcpt, VSTRING *why);
extern BOUNCE_LOG *bounce_log_read(const char *queue, const char *queue_id,
				   VSTRING *why);
extern void bounce_log_free(BOUNCE_LOG *log);
extern int bounce_log_remove(const char *queue, const char *queue_id);
extern const char *bounce_log_check(const BOUNCE_RCPT *rcpt);

/* What kind of notification. */
#define BOUNCE_KIND_FAILURE	1	/* bounce flush, defer flush */
#define BOUNCE_KIND_DELAY	2	/* defer warn */
#define BOUNCE_KIND_SUCCESS	3	/* trace flush */

/* A flush/warn request. */
typedef struct BOUNCE_REQ {
	int	kind;
	int	flags;
	const char *queue_name;
	const char *queue_id;
	const char *encoding;
	int	smtputf8;
	const char *sender;
	const char *dsn_envid;
	int	dsn_ret;
} BOUNCE_REQ;

/* bounce_notify.c: 0 when sent or nothing to send, -1 to retry later. */
extern int bounce_notify(const BOUNCE_REQ *req, const BOUNCE_LOG *log);

/* Parameters (bounce.c). */
extern const char *var_myhostname;
extern const char *var_mail_name;
extern const char *var_notify_classes;
extern const char *var_2bounce_rcpt;
extern const char *var_bounce_rcpt;
extern const char *var_delay_rcpt;
extern const char *var_double_bounce_sender;
extern long var_bounce_limit;
extern long var_delay_warning_time;
extern long var_ipc_timeout;

#endif
