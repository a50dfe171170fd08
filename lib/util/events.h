#ifndef POSTERN_EVENTS_H
#define POSTERN_EVENTS_H

/*
 * events - one process-wide event loop: descriptor readiness and timers
 *
 *	event_enable_read(fd, cb, ctx) and event_enable_write(fd, cb, ctx)
 *	call cb(EVENT_READ, ctx) or cb(EVENT_WRITE, ctx) each round in which
 *	fd is readable or writable (level-triggered, until disabled). A
 *	descriptor may have a read and a write callback at once; enabling
 *	again replaces the callback. Hang-up and error conditions are
 *	delivered as readiness so the callback's read or write sees them.
 *	event_disable_readwrite(fd) removes both (call it before close()).
 *	event_request_timer(cb, ctx, delay_ms) calls cb(EVENT_TIME, ctx)
 *	once, delay_ms from now; requesting the same cb and ctx again moves
 *	the existing timer instead of adding one. event_cancel_timer(cb,
 *	ctx) removes it (no effect when there is none).
 *	event_loop(max_wait_ms) runs one round: it waits until a descriptor
 *	is ready, a timer is due or max_wait_ms passed (negative: no limit),
 *	then calls the ready descriptors' callbacks and then the due timers
 *	in order of due time (ties in order of request). A timer requested
 *	during a round runs in a later round, even with delay 0.
 *	event_time() is the wall-clock time (seconds) cached at the start
 *	of the current round, cheap enough to call per request.
 *	event_fork() gives a child process its own epoll instance with the
 *	same descriptors enabled (the kernel object is shared after fork()).
 *
 * Callbacks may enable and disable any descriptor and request or cancel
 * any timer, including their own: a descriptor disabled (or closed and
 * reopened under the same number) earlier in a round is not called with
 * stale readiness, and a cancelled timer does not fire.
 *
 * Cost: descriptor callbacks are found in O(1) through a table indexed by
 * descriptor; timers live in a binary min-heap (O(log n) request, cancel
 * and expiry) with a hash index on (cb, ctx).
 *
 * Errors: epoll failures (bad descriptor, regular file, out of resources)
 * are fatal; a negative delay or descriptor is a panic.
 */
#include <time.h>

#define EVENT_READ	(1 << 0)
#define EVENT_WRITE	(1 << 1)
#define EVENT_TIME	(1 << 2)

typedef void (*EVENT_FN) (int event, void *ctx);

extern void event_enable_read(int fd, EVENT_FN cb, void *ctx);
extern void event_enable_write(int fd, EVENT_FN cb, void *ctx);
extern void event_disable_readwrite(int fd);
extern void event_request_timer(EVENT_FN cb, void *ctx, int delay_ms);
extern void event_cancel_timer(EVENT_FN cb, void *ctx);
extern void event_loop(int max_wait_ms);
extern time_t event_time(void);
extern void event_fork(void);

#endif
