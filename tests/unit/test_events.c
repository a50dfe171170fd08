/* Unit tests for lib/util/events. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "iostuff.h"
#include "events.h"

#define MAX_LOG	256

static int fire_log[MAX_LOG];
static int fire_count;

static void
reset_log(void)
{
	fire_count = 0;
}

static void
log_ctx(int event, void *ctx)
{
	assert_true(fire_count < MAX_LOG);
	fire_log[fire_count++] = (int) (intptr_t) ctx;
}

static void
timer_cb(int event, void *ctx)
{
	assert_int_equal(event, EVENT_TIME);
	log_ctx(event, ctx);
}

/* Run rounds until want callbacks fired or 5 s passed. */
static void
run_until(int want)
{
	long long deadline = monotonic_ms() + 5000;

	while (fire_count < want && monotonic_ms() < deadline)
		event_loop(100);
	assert_int_equal(fire_count, want);
}

static void
test_timers_fire_in_order(void **state)
{
	long long start = monotonic_ms();

	reset_log();
	event_request_timer(timer_cb, (void *) 3, 60);
	event_request_timer(timer_cb, (void *) 1, 20);
	event_request_timer(timer_cb, (void *) 2, 40);
	event_request_timer(timer_cb, (void *) 4, 40);
	run_until(4);
	assert_int_equal(fire_log[0], 1);
	assert_int_equal(fire_log[1], 2);
	assert_int_equal(fire_log[2], 4);
	assert_int_equal(fire_log[3], 3);
	assert_true(monotonic_ms() - start >= 60);
	/* Nothing left: a round with a short wait fires nothing. */
	event_loop(10);
	assert_int_equal(fire_count, 4);
}

static void
test_rerequest_replaces_and_cancel(void **state)
{
	reset_log();
	event_request_timer(timer_cb, (void *) 1, 5);
	event_request_timer(timer_cb, (void *) 2, 10);
	event_request_timer(timer_cb, (void *) 3, 15);
	/* Moving 1 behind 3; cancelling 2, twice, and a stranger. */
	event_request_timer(timer_cb, (void *) 1, 30);
	event_cancel_timer(timer_cb, (void *) 2);
	event_cancel_timer(timer_cb, (void *) 2);
	event_cancel_timer(log_ctx, (void *) 3);
	run_until(2);
	assert_int_equal(fire_log[0], 3);
	assert_int_equal(fire_log[1], 1);
	event_loop(50);
	assert_int_equal(fire_count, 2);
}

/* Heap order with many timers, cancellations and moves. */
static void
test_many_timers_sorted(void **state)
{
	int     delay[200];
	int     i;
	int     j;
	int     tmp;
	int     want = 0;

	reset_log();
	for (i = 0; i < 200; i++)
		delay[i] = i;
	srand(7);
	for (i = 199; i > 0; i--) {
		j = rand() % (i + 1);
		tmp = delay[i];
		delay[i] = delay[j];
		delay[j] = tmp;
	}
	/* ctx is the slot in time: 2 ms apart, so order is exact. */
	for (i = 0; i < 200; i++)
		event_request_timer(timer_cb, (void *) (intptr_t) delay[i], 2 * delay[i]);
	for (i = 0; i < 200; i += 3)
		event_cancel_timer(timer_cb, (void *) (intptr_t) i);
	for (i = 0; i < 200; i++)
		if (i % 3 != 0)
			want++;
	/* The cap of MAX_LOG entries holds all of them. */
	run_until(want);
	for (i = 1; i < want; i++)
		assert_true(fire_log[i - 1] < fire_log[i]);
	for (i = 0; i < want; i++)
		assert_int_not_equal(fire_log[i] % 3, 0);
}

static int self_rounds;

static void
self_rearm(int event, void *ctx)
{
	self_rounds++;
	event_request_timer(self_rearm, ctx, 0);
}

static void
test_zero_delay_rearm_waits_a_round(void **state)
{
	self_rounds = 0;
	event_request_timer(self_rearm, NULL, 0);
	event_loop(0);
	assert_int_equal(self_rounds, 1);
	event_loop(0);
	assert_int_equal(self_rounds, 2);
	event_cancel_timer(self_rearm, NULL);
	event_loop(0);
	assert_int_equal(self_rounds, 2);
}

static int seen_event;

static void
read_cb(int event, void *ctx)
{
	seen_event = event;
	log_ctx(event, ctx);
}

static void
test_fd_read_and_write_readiness(void **state)
{
	int     fds[2];
	char    ch;

	assert_int_equal(pipe(fds), 0);
	reset_log();
	event_enable_read(fds[0], read_cb, (void *) 7);
	event_loop(0);
	assert_int_equal(fire_count, 0);
	assert_int_equal(write(fds[1], "x", 1), 1);
	run_until(1);
	assert_int_equal(seen_event, EVENT_READ);
	assert_int_equal(fire_log[0], 7);
	/* Level-triggered: still readable, fires again; not after reading. */
	event_loop(0);
	assert_int_equal(fire_count, 2);
	assert_int_equal(read(fds[0], &ch, 1), 1);
	event_loop(0);
	assert_int_equal(fire_count, 2);
	event_disable_readwrite(fds[0]);

	event_enable_write(fds[1], read_cb, (void *) 8);
	run_until(3);
	assert_int_equal(seen_event, EVENT_WRITE);
	assert_int_equal(fire_log[2], 8);
	event_disable_readwrite(fds[1]);
	event_loop(0);
	assert_int_equal(fire_count, 3);
	close(fds[0]);
	close(fds[1]);
}

/* Two readable pipes; whichever callback runs first disables the other. */
static int pipe_a[2];
static int pipe_b[2];
static int replacement[2];

static void
never_cb(int event, void *ctx)
{
	fail_msg("stale event delivered to a replacement descriptor");
}

static void
disable_other_cb(int event, void *ctx)
{
	int    *other = ctx == (void *) 1 ? pipe_b : pipe_a;

	log_ctx(event, ctx);
	event_disable_readwrite(other[0]);
	/* Reuse the descriptor number for an idle pipe: must stay quiet. */
	close(other[0]);
	assert_int_equal(pipe(replacement), 0);
	if (replacement[0] != other[0]) {
		assert_true(dup2(replacement[0], other[0]) >= 0);
		close(replacement[0]);
		replacement[0] = other[0];
	}
	event_enable_read(replacement[0], never_cb, NULL);
}

static void
test_callback_disables_other_fd(void **state)
{
	int     i;

	assert_int_equal(pipe(pipe_a), 0);
	assert_int_equal(pipe(pipe_b), 0);
	assert_int_equal(write(pipe_a[1], "a", 1), 1);
	assert_int_equal(write(pipe_b[1], "b", 1), 1);
	reset_log();
	event_enable_read(pipe_a[0], disable_other_cb, (void *) 1);
	event_enable_read(pipe_b[0], disable_other_cb, (void *) 2);
	/* Both are ready before the round starts: one round, one call. */
	event_loop(1000);
	assert_int_equal(fire_count, 1);
	event_disable_readwrite(replacement[0]);
	if (fire_log[0] == 1)
		event_disable_readwrite(pipe_a[0]);
	else
		event_disable_readwrite(pipe_b[0]);
	for (i = 0; i < 2; i++) {
		close(pipe_a[i]);
		close(pipe_b[i]);
	}
	close(replacement[1]);
	/* The disabled side's pipe_*[0] number is now replacement[0]. */
}

static void
read_disables_self_cb(int event, void *ctx)
{
	log_ctx(event, ctx);
	event_disable_readwrite((int) (intptr_t) ctx);
}

static void
test_read_callback_disables_write_same_fd(void **state)
{
	int     fds[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
	assert_int_equal(write(fds[1], "x", 1), 1);
	reset_log();
	event_enable_read(fds[0], read_disables_self_cb, (void *) (intptr_t) fds[0]);
	event_enable_write(fds[0], read_disables_self_cb, (void *) (intptr_t) fds[0]);
	event_loop(1000);
	assert_int_equal(fire_count, 1);
	event_loop(0);
	assert_int_equal(fire_count, 1);
	close(fds[0]);
	close(fds[1]);
}

static void
test_event_time(void **state)
{
	time_t  t;

	event_loop(0);
	t = event_time();
	assert_true(t <= time(NULL));
	assert_true(t >= time(NULL) - 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_timers_fire_in_order),
		cmocka_unit_test(test_rerequest_replaces_and_cancel),
		cmocka_unit_test(test_many_timers_sorted),
		cmocka_unit_test(test_zero_delay_rearm_waits_a_round),
		cmocka_unit_test(test_fd_read_and_write_readiness),
		cmocka_unit_test(test_callback_disables_other_fd),
		cmocka_unit_test(test_read_callback_disables_write_same_fd),
		cmocka_unit_test(test_event_time),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
