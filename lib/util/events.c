/*
 * events - one process-wide event loop: descriptor readiness and timers
 *
 *	event_enable_read/enable_write/disable_readwrite() manage descriptor
 *	callbacks; event_request_timer/cancel_timer() manage timers;
 *	event_loop() runs one round; event_time() is the cached time;
 *	event_fork() re-creates the epoll instance in a child.
 *
 * Descriptors: epoll (level-triggered) plus a table indexed by descriptor.
 * Each registration gets a generation number that travels in the epoll
 * event, so readiness reported for a descriptor that a callback has since
 * disabled, closed and re-enabled is recognised as stale and dropped.
 *
 * Timers: a binary min-heap ordered by (due time, request number), each
 * node remembering its heap slot, plus a chained hash on (cb, ctx) so that
 * re-requesting and cancelling find the node without a scan.
 *
 * Errors: epoll failures are fatal; misuse panics.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>

#include "msg.h"
#include "mymalloc.h"
#include "iostuff.h"
#include "events.h"

#define EVENT_BATCH	128

typedef struct EVENT_FD {
	EVENT_FN read_cb;
	void   *read_ctx;
	EVENT_FN write_cb;
	void   *write_ctx;
	uint32_t gen;			/* bumped per fresh registration */
	int     mask;			/* EVENT_READ | EVENT_WRITE enabled */
} EVENT_FD;

typedef struct EVENT_TIMER {
	long long when;			/* monotonic ms */
	unsigned long seq;		/* request order, breaks ties */
	EVENT_FN cb;
	void   *ctx;
	size_t  heap_pos;
	struct EVENT_TIMER *hash_next;
} EVENT_TIMER;

static int epoll_fd = -1;
static EVENT_FD *fd_table;
static size_t fd_table_size;

static EVENT_TIMER **heap;
static size_t heap_len;
static size_t heap_size;
static EVENT_TIMER **timer_hash;
static size_t hash_size;		/* power of two */
static unsigned long timer_seq;

static time_t cached_time;

static void
event_init(void)
{
	if (epoll_fd >= 0)
		return;
	if ((epoll_fd = epoll_create1(EPOLL_CLOEXEC)) < 0)
		msg_fatal("epoll_create1: %m");
	cached_time = time(NULL);
}

time_t
event_time(void)
{
	event_init();
	return (cached_time);
}

/* Tell epoll what we want for fd now. */
static void
event_sync(int fd, int old_mask)
{
	EVENT_FD *ef = fd_table + fd;
	struct epoll_event ev;
	int     op;

	memset(&ev, 0, sizeof(ev));
	ev.events = ((ef->mask & EVENT_READ) ? EPOLLIN : 0)
		| ((ef->mask & EVENT_WRITE) ? EPOLLOUT : 0);
	ev.data.u64 = ((uint64_t) ef->gen << 32) | (uint32_t) fd;
	op = old_mask ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
	if (epoll_ctl(epoll_fd, op, fd, &ev) == 0)
		return;
	/* A descriptor closed without disabling vanished from epoll. */
	if (op == EPOLL_CTL_MOD && errno == ENOENT
	    && epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev) == 0)
		return;
	msg_fatal("epoll_ctl fd %d: %m", fd);
}

static void
event_enable(int fd, int which, EVENT_FN cb, void *ctx)
{
	EVENT_FD *ef;
	size_t  new_size;
	int     old_mask;

	if (fd < 0 || cb == NULL)
		msg_panic("event_enable: bad descriptor %d or null callback", fd);
	event_init();
	if ((size_t) fd >= fd_table_size) {
		new_size = fd_table_size ? fd_table_size : 64;
		while (new_size <= (size_t) fd)
			new_size *= 2;
		fd_table = myrealloc_array(fd_table, new_size, sizeof(*fd_table));
		memset(fd_table + fd_table_size, 0,
		       (new_size - fd_table_size) * sizeof(*fd_table));
		fd_table_size = new_size;
	}
	ef = fd_table + fd;
	old_mask = ef->mask;
	if (old_mask == 0)
		ef->gen++;
	if (which == EVENT_READ) {
		ef->read_cb = cb;
		ef->read_ctx = ctx;
	} else {
		ef->write_cb = cb;
		ef->write_ctx = ctx;
	}
	ef->mask |= which;
	if (ef->mask != old_mask)
		event_sync(fd, old_mask);
}

void
event_enable_read(int fd, EVENT_FN cb, void *ctx)
{
	event_enable(fd, EVENT_READ, cb, ctx);
}

void
event_enable_write(int fd, EVENT_FN cb, void *ctx)
{
	event_enable(fd, EVENT_WRITE, cb, ctx);
}

void
event_disable_readwrite(int fd)
{
	EVENT_FD *ef;

	if (fd < 0)
		msg_panic("event_disable_readwrite: bad descriptor %d", fd);
	if ((size_t) fd >= fd_table_size || fd_table[fd].mask == 0)
		return;
	ef = fd_table + fd;
	/* ENOENT/EBADF: already closed, which removed it from epoll. */
	if (epoll_ctl(epoll_fd, EPOLL_CTL_DEL, fd, NULL) < 0
	    && errno != ENOENT && errno != EBADF)
		msg_fatal("epoll_ctl DEL fd %d: %m", fd);
	ef->mask = 0;
	ef->read_cb = ef->write_cb = NULL;
	ef->read_ctx = ef->write_ctx = NULL;
}

void
event_fork(void)
{
	size_t  fd;

	if (epoll_fd < 0)
		return;
	(void) close(epoll_fd);
	epoll_fd = -1;
	event_init();
	for (fd = 0; fd < fd_table_size; fd++)
		if (fd_table[fd].mask)
			event_sync((int) fd, 0);
}

/* Timer heap. */

static int
timer_before(const EVENT_TIMER *a, const EVENT_TIMER *b)
{
	return (a->when < b->when || (a->when == b->when && a->seq < b->seq));
}

static void
heap_place(EVENT_TIMER *t, size_t pos)
{
	heap[pos] = t;
	t->heap_pos = pos;
}

static void
heap_fix(size_t pos)
{
	EVENT_TIMER *t = heap[pos];
	size_t  parent;
	size_t  child;

	while (pos > 0 && timer_before(t, heap[parent = (pos - 1) / 2])) {
		heap_place(heap[parent], pos);
		pos = parent;
	}
	for (;;) {
		child = 2 * pos + 1;
		if (child >= heap_len)
			break;
		if (child + 1 < heap_len && timer_before(heap[child + 1], heap[child]))
			child++;
		if (!timer_before(heap[child], t))
			break;
		heap_place(heap[child], pos);
		pos = child;
	}
	heap_place(t, pos);
}

static void
heap_remove(EVENT_TIMER *t)
{
	size_t  pos = t->heap_pos;

	if (--heap_len > pos) {
		heap_place(heap[heap_len], pos);
		heap_fix(pos);
	}
}

/* Timer index on (cb, ctx). */

static size_t
timer_hash_index(EVENT_FN cb, void *ctx)
{
	uint64_t f = 0;
	uint64_t h;

	memcpy(&f, &cb, sizeof(cb) < sizeof(f) ? sizeof(cb) : sizeof(f));
	h = f * 0x9E3779B97F4A7C15ULL ^ (uint64_t) (uintptr_t) ctx;
	h ^= h >> 31;
	h *= 0xBF58476D1CE4E5B9ULL;
	h ^= h >> 29;
	return ((size_t) h & (hash_size - 1));
}

static EVENT_TIMER **
timer_slot(EVENT_FN cb, void *ctx)
{
	EVENT_TIMER **tp;

	if (hash_size == 0)
		return (NULL);
	for (tp = timer_hash + timer_hash_index(cb, ctx); *tp; tp = &(*tp)->hash_next)
		if ((*tp)->cb == cb && (*tp)->ctx == ctx)
			return (tp);
	return (NULL);
}

static void
timer_hash_grow(void)
{
	EVENT_TIMER **old = timer_hash;
	size_t  old_size = hash_size;
	EVENT_TIMER *t;
	EVENT_TIMER *next;
	size_t  i;
	size_t  h;

	hash_size = old_size ? old_size * 2 : 64;
	timer_hash = mycalloc(hash_size, sizeof(*timer_hash));
	for (i = 0; i < old_size; i++) {
		for (t = old[i]; t; t = next) {
			next = t->hash_next;
			h = timer_hash_index(t->cb, t->ctx);
			t->hash_next = timer_hash[h];
			timer_hash[h] = t;
		}
	}
	if (old)
		myfree(old);
}

/* Unlink from both structures; the caller frees. */
static void
timer_unlink(EVENT_TIMER **slot)
{
	EVENT_TIMER *t = *slot;

	*slot = t->hash_next;
	heap_remove(t);
}

void
event_request_timer(EVENT_FN cb, void *ctx, int delay_ms)
{
	EVENT_TIMER **slot;
	EVENT_TIMER *t;
	size_t  h;

	if (delay_ms < 0 || cb == NULL)
		msg_panic("event_request_timer: bad delay %d or null callback",
			  delay_ms);
	if ((slot = timer_slot(cb, ctx)) != NULL) {
		t = *slot;
		t->when = monotonic_ms() + delay_ms;
		t->seq = timer_seq++;
		heap_fix(t->heap_pos);
		return;
	}
	if (heap_len >= hash_size)
		timer_hash_grow();
	if (heap_len >= heap_size) {
		heap_size = heap_size ? heap_size * 2 : 64;
		heap = myrealloc_array(heap, heap_size, sizeof(*heap));
	}
	t = mymalloc(sizeof(*t));
	t->when = monotonic_ms() + delay_ms;
	t->seq = timer_seq++;
	t->cb = cb;
	t->ctx = ctx;
	h = timer_hash_index(cb, ctx);
	t->hash_next = timer_hash[h];
	timer_hash[h] = t;
	heap_place(t, heap_len++);
	heap_fix(t->heap_pos);
}

void
event_cancel_timer(EVENT_FN cb, void *ctx)
{
	EVENT_TIMER **slot;
	EVENT_TIMER *t;

	if ((slot = timer_slot(cb, ctx)) != NULL) {
		t = *slot;
		timer_unlink(slot);
		myfree(t);
	}
}

/* Call one descriptor's callbacks unless the event went stale. */
static void
event_fire_fd(uint64_t data, uint32_t ready)
{
	int     fd = (int) (uint32_t) data;
	uint32_t gen = (uint32_t) (data >> 32);

#define EVENT_LIVE(fd, gen, bit) \
	((size_t) (fd) < fd_table_size && fd_table[fd].gen == (gen) \
	 && (fd_table[fd].mask & (bit)))

	if ((ready & (EPOLLIN | EPOLLHUP | EPOLLERR))
	    && EVENT_LIVE(fd, gen, EVENT_READ))
		fd_table[fd].read_cb(EVENT_READ, fd_table[fd].read_ctx);
	/* The read callback may have disabled or replaced this descriptor. */
	if ((ready & (EPOLLOUT | EPOLLHUP | EPOLLERR))
	    && EVENT_LIVE(fd, gen, EVENT_WRITE))
		fd_table[fd].write_cb(EVENT_WRITE, fd_table[fd].write_ctx);
}

void
event_loop(int max_wait_ms)
{
	struct epoll_event ev[EVENT_BATCH];
	unsigned long seq_limit;
	EVENT_TIMER *t;
	EVENT_FN cb;
	void   *ctx;
	long long now;
	long long left;
	int     wait = max_wait_ms;
	int     n;
	int     i;

	event_init();
	if (heap_len > 0) {
		left = heap[0]->when - monotonic_ms();
		if (left < 0)
			left = 0;
		if (wait < 0 || left < wait)
			wait = (int) left;
	}
	if ((n = epoll_wait(epoll_fd, ev, EVENT_BATCH, wait)) < 0) {
		if (errno != EINTR)
			msg_fatal("epoll_wait: %m");
		n = 0;
	}
	cached_time = time(NULL);
	for (i = 0; i < n; i++)
		event_fire_fd(ev[i].data.u64, ev[i].events);

	/* Timers requested from now on wait for a later round. */
	seq_limit = timer_seq;
	now = monotonic_ms();
	while (heap_len > 0 && heap[0]->when <= now && heap[0]->seq < seq_limit) {
		t = heap[0];
		timer_unlink(timer_slot(t->cb, t->ctx));
		cb = t->cb;
		ctx = t->ctx;
		myfree(t);
		cb(EVENT_TIME, ctx);
	}
}
