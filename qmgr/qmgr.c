/*
 * qmgr - the queue manager
 *
 * A resident trigger server (master.cf: "qmgr unix n - n 300 1 qmgr",
 * listener public/qmgr). Requests are single bytes (mail_connect.h):
 *	I  scan incoming/ (cleanup wrote new mail)
 *	D  scan deferred/ (files whose retry time has come)
 *	A  ignore retry times: scan deferred/ (and incoming/) for everything
 *	F  forget which destinations and transports are dead
 *	W  master's periodic wakeup: scan incoming/
 * Other bytes are ignored. A timer scans deferred/ every queue_run_delay.
 * At start-up files left in active/ by an earlier qmgr go back to
 * incoming/ (their delivered recipients are marked DONE and skipped), and
 * both queues are scanned.
 *
 * Scans are incremental: a feeder (a zero-delay timer) takes a few queue
 * IDs per event loop round from the open scans, alternating incoming and
 * deferred, while fewer than qmgr_message_active_limit messages are
 * active; each goes to active/ (mail_queue_rename) and is read and queued
 * (qmgr_message.c), and deliveries run in the event loop
 * (qmgr_queue.c, qmgr_deliver.c). A scan requested while one runs starts
 * again when it ends, so no file written meanwhile is missed.
 *
 * hold/ is never touched; corrupt files go to corrupt/.
 */
#include <sys/types.h>
#include <sys/stat.h>
#include <errno.h>
#include <string.h>
#include <time.h>

#include "msg.h"
#include "vstring.h"
#include "events.h"
#include "mail_conf.h"
#include "mail_queue.h"
#include "mail_connect.h"
#include "mail_server.h"
#include "qmgr.h"

long    var_qmgr_active_limit;
long    var_queue_run_delay;
long    var_min_backoff_time;
long    var_max_backoff_time;
long    var_max_queue_time;
long    var_dsn_queue_time;
long    var_delay_warn_time;
long    var_qmgr_ipc_timeout;
long    var_qmgr_daemon_timeout;
long    var_transport_retry_time;
int     qmgr_message_count;

#define QMGR_SCAN_ALL	(1 << 0)	/* ignore retry times */
#define QMGR_FEED_BATCH	100		/* files per event loop round */

typedef struct QMGR_SCAN {
	const char *queue;
	MAIL_SCAN *scan;		/* NULL: not scanning */
	int	flags;
	int	again;			/* restart when done */
	int	again_flags;
} QMGR_SCAN;

static QMGR_SCAN qmgr_incoming = {MAIL_QUEUE_INCOMING, NULL, 0, 0, 0};
static QMGR_SCAN qmgr_deferred = {MAIL_QUEUE_DEFERRED, NULL, 0, 0, 0};

static void qmgr_feed_event(int, void *);

void
qmgr_feed_request(void)
{
	if (qmgr_incoming.scan || qmgr_deferred.scan)
		event_request_timer(qmgr_feed_event, NULL, 0);
}

static void
qmgr_scan_request(QMGR_SCAN *scan, int flags)
{
	if (scan->scan) {
		scan->again = 1;
		scan->again_flags |= flags;
	} else if ((scan->scan = mail_scan_open(scan->queue)) == NULL) {
		msg_warn("open directory %s: %m", scan->queue);
	} else {
		scan->flags = flags;
	}
	qmgr_feed_request();
}

/* The next queue ID of a scan, or NULL when it (and any rerun) is done. */
static const char *
qmgr_scan_next(QMGR_SCAN *scan)
{
	const char *id;

	while (scan->scan) {
		if ((id = mail_scan_next(scan->scan)) != NULL)
			return (id);
		mail_scan_close(scan->scan);
		scan->scan = NULL;
		if (scan->again) {
			scan->again = 0;
			scan->scan = mail_scan_open(scan->queue);
			scan->flags = scan->again_flags;
			scan->again_flags = 0;
		}
	}
	return (NULL);
}

/* A deferred file whose retry time has not come yet. */
static int
qmgr_too_early(const char *queue_id, time_t now)
{
	VSTRING *path = vstring_alloc(100);
	struct stat st;
	int     early;

	early = stat(mail_queue_path(path, MAIL_QUEUE_DEFERRED, queue_id), &st) == 0
		&& st.st_mtime > now;
	vstring_free(path);
	return (early);
}

static void
qmgr_feed_event(int event, void *ctx)
{
	QMGR_SCAN *order[2];
	QMGR_SCAN *scan;
	const char *id;
	time_t  now = time((time_t *) 0);
	int     budget = QMGR_FEED_BATCH;
	int     turn = 0;
	int     empty = 0;

	(void) event;
	(void) ctx;
	order[0] = &qmgr_incoming;
	order[1] = &qmgr_deferred;
	while (qmgr_message_count < var_qmgr_active_limit && budget > 0
	       && empty < 2) {
		scan = order[turn];
		turn = !turn;
		if ((id = qmgr_scan_next(scan)) == NULL) {
			empty += 1;
			continue;
		}
		empty = 0;
		budget -= 1;
		if (scan == &qmgr_deferred && !(scan->flags & QMGR_SCAN_ALL)
		    && qmgr_too_early(id, now))
			continue;
		if (mail_queue_rename(id, scan->queue, MAIL_QUEUE_ACTIVE) < 0) {
			if (errno != ENOENT)
				msg_warn("%s: move from %s to %s: %m", id,
					 scan->queue, MAIL_QUEUE_ACTIVE);
			continue;
		}
		(void) qmgr_message_read(id);
	}
	if (qmgr_message_count < var_qmgr_active_limit)
		qmgr_feed_request();
}

static void
qmgr_deferred_event(int event, void *ctx)
{
	(void) event;
	(void) ctx;
	qmgr_scan_request(&qmgr_deferred, 0);
	event_request_timer(qmgr_deferred_event, NULL,
			    (int) (var_queue_run_delay * 1000));
}

static void
qmgr_trigger(char *buf, size_t len, const char *service, char **argv)
{
	int     incoming = 0;
	int     deferred = 0;
	int     flags = 0;
	size_t  i;

	(void) service;
	(void) argv;
	for (i = 0; i < len; i++) {
		switch (buf[i]) {
		case QMGR_REQ_SCAN_INCOMING:
		case QMGR_REQ_WAKEUP:
			incoming = 1;
			break;
		case QMGR_REQ_SCAN_DEFERRED:
			deferred = 1;
			break;
		case QMGR_REQ_SCAN_ALL:
			flags |= QMGR_SCAN_ALL;
			incoming = deferred = 1;
			break;
		case QMGR_REQ_FLUSH_DEAD:
			qmgr_flush_dead();
			break;
		default:
			if (msg_verbose)
				msg_info("ignoring request 0x%02x",
					 (unsigned char) buf[i]);
			break;
		}
	}
	if (incoming)
		qmgr_scan_request(&qmgr_incoming, flags);
	if (deferred)
		qmgr_scan_request(&qmgr_deferred, flags);
}

/* Files an earlier qmgr left in active/ go back to incoming/. */
static void
qmgr_recover_active(void)
{
	MAIL_SCAN *scan;
	const char *id;

	if ((scan = mail_scan_open(MAIL_QUEUE_ACTIVE)) == NULL) {
		msg_warn("open directory %s: %m", MAIL_QUEUE_ACTIVE);
		return;
	}
	while ((id = mail_scan_next(scan)) != NULL)
		if (mail_queue_rename(id, MAIL_QUEUE_ACTIVE,
				      MAIL_QUEUE_INCOMING) < 0
		    && errno != ENOENT)
			msg_warn("%s: move from %s to %s: %m", id,
				 MAIL_QUEUE_ACTIVE, MAIL_QUEUE_INCOMING);
	mail_scan_close(scan);
}

static void
qmgr_post_init(const char *service, char **argv)
{
	(void) service;
	(void) argv;
	var_qmgr_active_limit = mail_conf_int("qmgr_message_active_limit");
	var_queue_run_delay = mail_conf_time("queue_run_delay");
	var_min_backoff_time = mail_conf_time("minimal_backoff_time");
	var_max_backoff_time = mail_conf_time("maximal_backoff_time");
	var_max_queue_time = mail_conf_time("maximal_queue_lifetime");
	var_dsn_queue_time = mail_conf_time("bounce_queue_lifetime");
	var_delay_warn_time = mail_conf_time("delay_warning_time");
	var_qmgr_ipc_timeout = mail_conf_time("qmgr_ipc_timeout");
	var_qmgr_daemon_timeout = mail_conf_time("qmgr_daemon_timeout");
	var_transport_retry_time = mail_conf_time("transport_retry_time");
	if (var_queue_run_delay < 1)
		var_queue_run_delay = 1;
	if (var_max_backoff_time < var_min_backoff_time)
		var_max_backoff_time = var_min_backoff_time;
	/* Postfix: bounce_queue_lifetime never exceeds maximal_queue_lifetime. */
	if (var_dsn_queue_time > var_max_queue_time)
		var_dsn_queue_time = var_max_queue_time;
	qmgr_recover_active();
	qmgr_scan_request(&qmgr_incoming, 0);
	qmgr_scan_request(&qmgr_deferred, 0);
	event_request_timer(qmgr_deferred_event, NULL,
			    (int) (var_queue_run_delay * 1000));
}

int
main(int argc, char **argv)
{
	trigger_server_main(argc, argv, qmgr_trigger,
			    MAIL_SERVER_POST_INIT, qmgr_post_init,
			    MAIL_SERVER_SOLITARY,
			    MAIL_SERVER_END);
	return (0);
}
