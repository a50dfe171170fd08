/*
 * qmgr_queue - transports, destinations and delivery entries
 *
 * A transport (master.cf service) owns its destinations (QMGR_QUEUE) in a
 * hash table keyed by nexthop, or by recipient when its
 * destination_recipient_limit is 1 (then concurrency is per recipient, as
 * Postfix documents). Each destination keeps a FIFO of entries, a busy
 * count and a concurrency window: initial_destination_concurrency, grown
 * by one per window of successful deliveries up to the
 * destination_concurrency_limit, shrunk after a delivery that reports
 * the destination "dead"; after destination_concurrency_failed_cohort_limit
 * failed windows in a row the destination is throttled: its waiting
 * recipients are deferred and it rests for minimal_backoff_time (or until
 * a flush request). destination_rate_delay spaces deliveries to one
 * destination (concurrency 1 and a pause after each delivery).
 *
 * Destinations that may start a delivery now are on the transport's
 * ready list, served round-robin: selecting the next entry is O(1).
 *
 *	qmgr_transport_find() the transport of a name (created on first use).
 *	qmgr_queue_find() the destination for a nexthop/recipient.
 *	qmgr_entry_add_rcpt() adds a recipient to the message's last entry
 *		for the destination, or starts a new entry.
 *	qmgr_transport_select() takes the next entry to deliver.
 *	qmgr_entry_done() accounts for a finished delivery request.
 *	qmgr_transport_dispatch() starts a delivery when one may start.
 *	qmgr_transport_unreachable() the agent cannot be reached: keep the
 *		entries and try again after transport_retry_time.
 *	qmgr_flush_dead() ends every throttle (postqueue -f).
 */
#include <string.h>

#include "msg.h"
#include "mymalloc.h"
#include "htable.h"
#include "events.h"
#include "stringops.h"
#include "mail_conf.h"
#include "qmgr.h"

static HTABLE *qmgr_transports;
static QMGR_TRANSPORT *qmgr_transport_list;
static QMGR_QUEUE *qmgr_dead_head;

QMGR_TRANSPORT *
qmgr_transport_find(const char *name)
{
	QMGR_TRANSPORT *transport;

	if (qmgr_transports == NULL)
		qmgr_transports = htable_create(20);
	if ((transport = htable_find(qmgr_transports, name)) != NULL)
		return (transport);
	transport = (QMGR_TRANSPORT *) mycalloc(1, sizeof(*transport));
	transport->name = mystrdup(name);
	transport->queues = htable_create(20);
	transport->dest_limit =
		mail_conf_transport_int(name, "destination_concurrency_limit");
	transport->init_conc =
		mail_conf_transport_int(name, "initial_destination_concurrency");
	transport->rcpt_limit =
		mail_conf_transport_int(name, "destination_recipient_limit");
	transport->rate_delay =
		mail_conf_transport_time(name, "destination_rate_delay");
	transport->cohort_limit = mail_conf_transport_int(name,
			     "destination_concurrency_failed_cohort_limit");
	if (transport->init_conc < 1)
		transport->init_conc = 1;
	if (transport->dest_limit > 0 && transport->init_conc > transport->dest_limit)
		transport->init_conc = transport->dest_limit;
	if (transport->rate_delay > 0)
		transport->init_conc = transport->dest_limit = 1;
	if (transport->cohort_limit < 1)
		transport->cohort_limit = 1;
	htable_enter(qmgr_transports, name, transport);
	transport->next = qmgr_transport_list;
	qmgr_transport_list = transport;
	return (transport);
}

/* 1 when the destination may start one more delivery now. */
static int
qmgr_queue_can_start(QMGR_QUEUE *queue)
{
	return (queue->todo_head != NULL && !queue->dead && !queue->rate_wait
		&& queue->busy < (int) queue->window);
}

/* Keep the ready list in step with the destination's state. */
static void
qmgr_queue_update(QMGR_QUEUE *queue)
{
	QMGR_TRANSPORT *transport = queue->transport;
	int     want = qmgr_queue_can_start(queue);

	if (want && !queue->ready) {
		queue->ready_prev = transport->ready_tail;
		queue->ready_next = NULL;
		if (transport->ready_tail)
			transport->ready_tail->ready_next = queue;
		else
			transport->ready_head = queue;
		transport->ready_tail = queue;
		queue->ready = 1;
	} else if (!want && queue->ready) {
		if (queue->ready_prev)
			queue->ready_prev->ready_next = queue->ready_next;
		else
			transport->ready_head = queue->ready_next;
		if (queue->ready_next)
			queue->ready_next->ready_prev = queue->ready_prev;
		else
			transport->ready_tail = queue->ready_prev;
		queue->ready = 0;
	}
}

/* Forget a destination with nothing left to do. */
static void
qmgr_queue_maybe_free(QMGR_QUEUE *queue)
{
	if (queue->todo_head || queue->busy || queue->dead || queue->rate_wait)
		return;
	qmgr_queue_update(queue);
	htable_delete(queue->transport->queues, queue->name, (HTABLE_FREE_FN) 0);
	myfree(queue->name);
	myfree(queue->nexthop);
	myfree(queue);
}

QMGR_QUEUE *
qmgr_queue_find(QMGR_TRANSPORT *transport, const char *nexthop,
		const char *rcpt)
{
	QMGR_QUEUE *queue;
	char   *key;

	key = mystrdup(transport->rcpt_limit == 1 ? rcpt : nexthop);
	lowercase(key);
	if ((queue = htable_find(transport->queues, key)) != NULL) {
		myfree(key);
		return (queue);
	}
	queue = (QMGR_QUEUE *) mycalloc(1, sizeof(*queue));
	queue->name = key;
	queue->nexthop = mystrdup(nexthop);
	queue->transport = transport;
	queue->window = transport->init_conc;
	htable_enter(transport->queues, key, queue);
	return (queue);
}

static void
qmgr_entry_free(QMGR_ENTRY *entry)
{
	size_t  i;

	for (i = 0; i < entry->rcpt_count; i++) {
		myfree(entry->rcpt[i].orig_addr);
		myfree(entry->rcpt[i].address);
		myfree(entry->rcpt[i].dsn_orcpt);
	}
	myfree(entry->rcpt);
	myfree(entry);
}

static void
qmgr_entry_unlink(QMGR_ENTRY *entry)
{
	QMGR_QUEUE *queue = entry->queue;

	if (entry->prev)
		entry->prev->next = entry->next;
	else
		queue->todo_head = entry->next;
	if (entry->next)
		entry->next->prev = entry->prev;
	else
		queue->todo_tail = entry->prev;
	entry->prev = entry->next = NULL;
	queue->todo_count -= 1;
}

void
qmgr_entry_add_rcpt(QMGR_MESSAGE *message, QMGR_QUEUE *queue,
		    const RECIPIENT *rcpt)
{
	QMGR_ENTRY *entry = queue->todo_tail;
	long    limit = queue->transport->rcpt_limit;
	RECIPIENT *copy;

	if (queue->dead) {
		qmgr_message_defer_rcpt(message, rcpt, "4.4.1",
				 "delivery temporarily suspended: destination "
					"is throttled after failures");
		return;
	}
	if (entry == NULL || entry->message != message
	    || (limit > 0 && entry->rcpt_count >= (size_t) limit)) {
		entry = (QMGR_ENTRY *) mycalloc(1, sizeof(*entry));
		entry->message = message;
		entry->queue = queue;
		entry->prev = queue->todo_tail;
		if (queue->todo_tail)
			queue->todo_tail->next = entry;
		else
			queue->todo_head = entry;
		queue->todo_tail = entry;
		queue->todo_count += 1;
		message->refcount += 1;
	}
	if (entry->rcpt_count == entry->rcpt_size) {
		entry->rcpt_size = entry->rcpt_size ? 2 * entry->rcpt_size : 4;
		entry->rcpt = myrealloc_array(entry->rcpt, entry->rcpt_size,
					      sizeof(*entry->rcpt));
	}
	copy = entry->rcpt + entry->rcpt_count++;
	copy->orig_addr = mystrdup(rcpt->orig_addr);
	copy->address = mystrdup(rcpt->address);
	copy->offset = rcpt->offset;
	copy->dsn_orcpt = mystrdup(rcpt->dsn_orcpt);
	copy->dsn_notify = rcpt->dsn_notify;
	if (rcpt->dsn_notify & DSN_NOTIFY_SUCCESS)
		entry->flags |= DEL_REQ_FLAG_SUCCESS;
	qmgr_queue_update(queue);
	qmgr_transport_dispatch(queue->transport);
}

QMGR_ENTRY *
qmgr_transport_select(QMGR_TRANSPORT *transport)
{
	QMGR_QUEUE *queue = transport->ready_head;
	QMGR_ENTRY *entry;

	if (queue == NULL)
		return (NULL);
	entry = queue->todo_head;
	qmgr_entry_unlink(entry);
	queue->busy += 1;
	transport->busy += 1;
	/* Round robin: this destination goes to the end of the line. */
	queue->ready = 0;
	transport->ready_head = queue->ready_next;
	if (transport->ready_head)
		transport->ready_head->ready_prev = NULL;
	else
		transport->ready_tail = NULL;
	qmgr_queue_update(queue);
	return (entry);
}

static void qmgr_queue_unthrottle_event(int, void *);

/* destination_rate_delay has passed since the last delivery. */
static void
qmgr_queue_rate_event(int event, void *ctx)
{
	QMGR_QUEUE *queue = ctx;
	QMGR_TRANSPORT *transport = queue->transport;

	(void) event;
	queue->rate_wait = 0;
	qmgr_queue_update(queue);
	qmgr_queue_maybe_free(queue);
	qmgr_transport_dispatch(transport);
}

static void
qmgr_queue_unthrottle(QMGR_QUEUE *queue)
{
	if (!queue->dead)
		return;
	queue->dead = 0;
	queue->window = queue->transport->init_conc;
	queue->fail_cohorts = 0;
	queue->success = 0;
	if (queue->dead_prev)
		queue->dead_prev->dead_next = queue->dead_next;
	else
		qmgr_dead_head = queue->dead_next;
	if (queue->dead_next)
		queue->dead_next->dead_prev = queue->dead_prev;
	queue->dead_prev = queue->dead_next = NULL;
	event_cancel_timer(qmgr_queue_unthrottle_event, queue);
	qmgr_queue_update(queue);
	qmgr_queue_maybe_free(queue);
}

static void
qmgr_queue_unthrottle_event(int event, void *ctx)
{
	QMGR_QUEUE *queue = ctx;
	QMGR_TRANSPORT *transport = queue->transport;

	(void) event;
	qmgr_queue_unthrottle(queue);
	qmgr_transport_dispatch(transport);
}

/* Throttle a failing destination: defer what waits for it, rest a while. */
static void
qmgr_queue_throttle(QMGR_QUEUE *queue)
{
	QMGR_ENTRY *entry;
	QMGR_MESSAGE *message;
	size_t  i;

	if (queue->dead)
		return;
	queue->dead = 1;
	queue->dead_prev = NULL;
	queue->dead_next = qmgr_dead_head;
	if (qmgr_dead_head)
		qmgr_dead_head->dead_prev = queue;
	qmgr_dead_head = queue;
	qmgr_queue_update(queue);
	event_request_timer(qmgr_queue_unthrottle_event, queue,
			    (int) (var_min_backoff_time * 1000));
	while ((entry = queue->todo_head) != NULL) {
		qmgr_entry_unlink(entry);
		message = entry->message;
		for (i = 0; i < entry->rcpt_count; i++)
			qmgr_message_defer_rcpt(message, entry->rcpt + i, "4.4.1",
				 "delivery temporarily suspended: destination "
						"is throttled after failures");
		qmgr_entry_free(entry);
		qmgr_message_entry_done(message);
	}
}

void
qmgr_entry_done(QMGR_ENTRY *entry, int status, int dead, const char *why)
{
	QMGR_QUEUE *queue = entry->queue;
	QMGR_TRANSPORT *transport = queue->transport;
	QMGR_MESSAGE *message = entry->message;
	size_t  i;

	queue->busy -= 1;
	transport->busy -= 1;
	if (status < 0) {
		/* The agent failed: nothing says what it did; defer them all. */
		for (i = 0; i < entry->rcpt_count; i++)
			qmgr_message_defer_rcpt(message, entry->rcpt + i, "4.3.0",
						why);
	} else if (status != DEL_STAT_OK) {
		message->flags |= QMGR_MSG_DEFER;
	}
	if (status >= 0 && dead) {
		queue->fail_cohorts += 1.0 / queue->window;
		queue->success = 0;
		if (queue->window > 1)
			queue->window -= 1.0 / queue->window;
		if (queue->window < 1)
			queue->window = 1;
		if (queue->fail_cohorts >= transport->cohort_limit - 1e-9)
			qmgr_queue_throttle(queue);
	} else if (status >= 0) {
		queue->fail_cohorts = 0;
		if (transport->dest_limit == 0 || queue->window < transport->dest_limit) {
			queue->success += 1.0 / queue->window;
			if (queue->success >= 1) {
				queue->window += 1;
				queue->success = 0;
			}
			if (transport->dest_limit > 0
			    && queue->window > transport->dest_limit)
				queue->window = transport->dest_limit;
		}
	}
	if (transport->rate_delay > 0 && !queue->dead) {
		queue->rate_wait = 1;
		event_request_timer(qmgr_queue_rate_event, queue,
				    (int) (transport->rate_delay * 1000));
	}
	qmgr_entry_free(entry);
	qmgr_queue_update(queue);
	qmgr_queue_maybe_free(queue);
	qmgr_message_entry_done(message);
	qmgr_transport_dispatch(transport);
}

void
qmgr_transport_dispatch(QMGR_TRANSPORT *transport)
{
	if (!transport->dead && !transport->connecting && transport->ready_head)
		qmgr_deliver_start(transport);
}

static void
qmgr_transport_retry_event(int event, void *ctx)
{
	QMGR_TRANSPORT *transport = ctx;

	(void) event;
	transport->dead = 0;
	qmgr_transport_dispatch(transport);
}

void
qmgr_transport_unreachable(QMGR_TRANSPORT *transport, const char *why)
{
	msg_warn("connect to transport private/%s: %s", transport->name, why);
	transport->dead = 1;
	event_request_timer(qmgr_transport_retry_event, transport,
			    (int) (var_transport_retry_time * 1000));
}

void
qmgr_flush_dead(void)
{
	QMGR_TRANSPORT *transport;

	while (qmgr_dead_head)
		qmgr_queue_unthrottle(qmgr_dead_head);
	for (transport = qmgr_transport_list; transport; transport = transport->next) {
		if (transport->dead) {
			event_cancel_timer(qmgr_transport_retry_event, transport);
			transport->dead = 0;
		}
		qmgr_transport_dispatch(transport);
	}
}
