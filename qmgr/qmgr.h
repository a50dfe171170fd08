#ifndef POSTERN_QMGR_H
#define POSTERN_QMGR_H

/*
 * qmgr - the queue manager's private interfaces
 *
 * Objects:
 *	QMGR_MESSAGE	one message in active/, with a count of the delivery
 *			entries still open for it.
 *	QMGR_TRANSPORT	one delivery transport (a master.cf service), with
 *			its destinations in a hash table and a round-robin
 *			list of destinations that may start a delivery now.
 *	QMGR_QUEUE	one destination (transport, nexthop) with a FIFO of
 *			entries, a concurrency window and a busy count.
 *	QMGR_ENTRY	up to destination_recipient_limit recipients of one
 *			message for one destination: one delivery request.
 *
 * Every operation on these is O(1) per message, entry or recipient
 * (hash lookups and list splices); timers live in the event loop's heap.
 */

#include <sys/time.h>
#include "htable.h"
#include "vstream.h"
#include "deliver_request.h"

typedef struct QMGR_MESSAGE QMGR_MESSAGE;
typedef struct QMGR_TRANSPORT QMGR_TRANSPORT;
typedef struct QMGR_QUEUE QMGR_QUEUE;
typedef struct QMGR_ENTRY QMGR_ENTRY;

struct QMGR_MESSAGE {
	char   *queue_id;
	char   *queue_name;		/* "active" */
	long	data_offset;
	long	data_size;
	struct timeval arrival;
	struct timeval active;
	char   *sender;
	char   *dsn_envid;
	int	dsn_ret;
	char   *encoding;
	int	smtputf8;
	char   *client_name;
	char   *client_addr;
	char   *client_port;
	char   *client_helo;
	char   *client_proto;
	char   *sasl_method;
	char   *sasl_username;
	char   *rewrite_context;
	int	refcount;		/* open entries */
	int	flags;			/* QMGR_MSG_* */
	int	reading;		/* entries may still be added */
};

#define QMGR_MSG_DEFER	(1 << 0)	/* some recipient deferred */
#define QMGR_MSG_KEEP	(1 << 1)	/* not done: stays in active/ */

struct QMGR_ENTRY {
	QMGR_MESSAGE *message;
	QMGR_QUEUE *queue;
	RECIPIENT *rcpt;
	size_t	rcpt_count;
	size_t	rcpt_size;
	int	flags;			/* DEL_REQ_FLAG_* */
	QMGR_ENTRY *prev;
	QMGR_ENTRY *next;
};

struct QMGR_QUEUE {
	char   *name;			/* hash key: nexthop or recipient */
	char   *nexthop;
	QMGR_TRANSPORT *transport;
	QMGR_ENTRY *todo_head;
	QMGR_ENTRY *todo_tail;
	int	todo_count;
	int	busy;			/* deliveries in progress */
	double	window;			/* concurrency window */
	double	success;		/* positive feedback accumulated */
	double	fail_cohorts;		/* negative feedback accumulated */
	int	dead;			/* throttled until a timer */
	int	rate_wait;		/* destination_rate_delay running */
	int	ready;			/* on the transport's ready list */
	QMGR_QUEUE *ready_prev;
	QMGR_QUEUE *ready_next;
	QMGR_QUEUE *dead_prev;		/* on the list of dead queues */
	QMGR_QUEUE *dead_next;
};

struct QMGR_TRANSPORT {
	char   *name;
	HTABLE *queues;
	QMGR_QUEUE *ready_head;
	QMGR_QUEUE *ready_tail;
	int	busy;			/* deliveries in progress */
	int	connecting;		/* a connection awaits "ready" */
	int	dead;			/* agent unreachable until a timer */
	long	dest_limit;		/* 0: no limit */
	long	init_conc;
	long	rcpt_limit;		/* 0: no limit */
	long	rate_delay;		/* seconds */
	long	cohort_limit;
	QMGR_TRANSPORT *next;
};

/* qmgr.c: parameters and the scanner. */
extern long var_qmgr_active_limit;
extern long var_queue_run_delay;
extern long var_min_backoff_time;
extern long var_max_backoff_time;
extern long var_max_queue_time;
extern long var_dsn_queue_time;
extern long var_delay_warn_time;
extern long var_qmgr_ipc_timeout;
extern long var_qmgr_daemon_timeout;
extern long var_transport_retry_time;
extern int qmgr_message_count;
extern void qmgr_feed_request(void);

/* qmgr_message.c */
extern QMGR_MESSAGE *qmgr_message_read(const char *queue_id);
extern void qmgr_message_entry_done(QMGR_MESSAGE *message);
extern void qmgr_message_defer_rcpt(QMGR_MESSAGE *message,
				    const RECIPIENT *rcpt,
				    const char *status, const char *reason);

/* qmgr_queue.c */
extern QMGR_TRANSPORT *qmgr_transport_find(const char *name);
extern QMGR_QUEUE *qmgr_queue_find(QMGR_TRANSPORT *transport,
				   const char *nexthop, const char *rcpt);
extern void qmgr_entry_add_rcpt(QMGR_MESSAGE *message, QMGR_QUEUE *queue,
				const RECIPIENT *rcpt);
extern QMGR_ENTRY *qmgr_transport_select(QMGR_TRANSPORT *transport);
extern void qmgr_entry_done(QMGR_ENTRY *entry, int status, int dead,
			    const char *why);
extern void qmgr_transport_dispatch(QMGR_TRANSPORT *transport);
extern void qmgr_transport_unreachable(QMGR_TRANSPORT *transport,
				       const char *why);
extern void qmgr_flush_dead(void);

/* qmgr_deliver.c */
extern void qmgr_deliver_start(QMGR_TRANSPORT *transport);

#endif
