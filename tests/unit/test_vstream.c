/* Unit tests for lib/util/vstream and iostuff. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "mymalloc.h"
#include "iostuff.h"
#include "vstring.h"
#include "vstream.h"

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec + ts.tv_nsec / 1e9);
}

static void
test_mem_read_getc_ungetc(void **state)
{
	static const char text[] = "ab\0c";
	VSTREAM *vp = vstream_memopen_read(text, 4);

	assert_int_equal(vstream_getc(vp), 'a');
	assert_int_equal(vstream_ungetc(vp, 'a'), 'a');
	assert_int_equal(vstream_getc(vp), 'a');
	/* A different byte forces a private copy; the caller's is untouched. */
	assert_int_equal(vstream_ungetc(vp, 'X'), 'X');
	assert_int_equal(vstream_ungetc(vp, 'Y'), 'Y');
	assert_int_equal(vstream_getc(vp), 'Y');
	assert_int_equal(vstream_getc(vp), 'X');
	assert_int_equal(vstream_getc(vp), 'b');
	assert_int_equal(vstream_getc(vp), 0);
	assert_int_equal(vstream_getc(vp), 'c');
	assert_int_equal(vstream_getc(vp), VSTREAM_EOF);
	assert_true(vstream_feof(vp));
	assert_false(vstream_ferror(vp));
	assert_int_equal(vstream_ungetc(vp, '\n'), '\n');
	assert_false(vstream_feof(vp));
	assert_int_equal(vstream_getc(vp), '\n');
	assert_memory_equal(text, "ab\0c", 4);
	assert_int_equal(vstream_fileno(vp), -1);
	assert_int_equal(vstream_close(vp), 0);
}

/* Table: input, bound, expected statuses and lines in order. */
struct gets_case {
	const char *input;
	size_t  input_len;
	size_t  bound;
	int     status[4];
	const char *line[4];
	size_t  line_len[4];
};

static void
test_mem_fgets_bound(void **state)
{
	static const struct gets_case cases[] = {
		{"one\ntwo\n", 8, 100, {0, 0, -1}, {"one\n", "two\n"}, {4, 4}},
		{"abcd\n", 5, 5, {0, -1}, {"abcd\n"}, {5}},
		{"abcde\n", 6, 5, {1, 0, -1}, {"abcde", "\n"}, {5, 1}},
		{"tail", 4, 100, {2, -1}, {"tail"}, {4}},
		{"a\0b\nc", 5, 100, {0, 2, -1}, {"a\0b\n", "c"}, {4, 1}},
		{"", 0, 10, {-1}, {""}, {0}},
		{"xxxxxxxxxxy\n", 12, 4, {1, 1, 0, -1}, {"xxxx", "xxxx", "xxy\n"}, {4, 4, 4}},
	};
	VSTRING *line = vstring_alloc(10);
	size_t  i;
	int     j;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct gets_case *c = cases + i;
		VSTREAM *vp = vstream_memopen_read(c->input, c->input_len);

		for (j = 0; j < 4; j++) {
			int     st = vstream_fgets_bound(vp, line, c->bound);

			assert_int_equal(st, c->status[j]);
			if (st == VSTREAM_GETS_EOF) {
				assert_int_equal(vstring_len(line), 0);
				break;
			}
			assert_int_equal(vstring_len(line), c->line_len[j]);
			assert_memory_equal(vstring_str(line), c->line[j], c->line_len[j]);
		}
		vstream_close(vp);
	}
	vstring_free(line);
}

static void
test_mem_write(void **state)
{
	VSTRING *out = vstring_alloc(1);
	VSTREAM *vp;

	vstring_strcpy(out, ">");
	vp = vstream_memopen(out, O_WRONLY);
	assert_int_equal(vstream_fwrite(vp, "a\0b", 3), 3);
	assert_int_equal(vstream_fputs(vp, "cd"), 0);
	assert_int_equal(vstream_fprintf(vp, "[%d:%s]", 42, "x"), 6);
	assert_int_equal(vstream_putc(vp, '!'), '!');
	assert_int_equal(vstream_fflush(vp), 0);
	assert_int_equal(vstream_close(vp), 0);
	assert_int_equal(vstring_len(out), 13);
	assert_memory_equal(vstring_str(out), ">a\0bcd[42:x]!", 13);

	vp = vstream_memopen(out, O_RDONLY);
	assert_int_equal(vstream_getc(vp), '>');
	vstream_close(vp);
	vstring_free(out);
}

static void
test_file_round_trip_large(void **state)
{
	char    path[] = "/tmp/test_vstream.XXXXXX";
	int     fd = mkstemp(path);
	size_t  big = 300000;
	char   *data = mymalloc(big);
	char   *back = mymalloc(big);
	VSTREAM *vp;
	size_t  i;

	assert_true(fd >= 0);
	close(fd);
	for (i = 0; i < big; i++)
		data[i] = (char) (i * 7 + i / 251);
	vp = vstream_fopen(path, O_WRONLY | O_TRUNC, 0600);
	assert_non_null(vp);
	assert_int_equal(vstream_fputs(vp, "head\n"), 0);
	assert_int_equal(vstream_fwrite(vp, data, big), (ssize_t) big);
	for (i = 0; i < 1000; i++)
		assert_int_equal(vstream_fprintf(vp, "%zu\n", i), i < 10 ? 2 : i < 100 ? 3 : 4);
	assert_int_equal(vstream_close(vp), 0);

	vp = vstream_fopen(path, O_RDONLY, 0);
	assert_non_null(vp);
	assert_int_equal(vstream_fread(vp, back, 5), 5);
	assert_memory_equal(back, "head\n", 5);
	assert_int_equal(vstream_fread(vp, back, big), big);
	assert_memory_equal(back, data, big);
	assert_int_equal(vstream_fread(vp, back, 4), 4);
	assert_memory_equal(back, "0\n1\n", 4);
	assert_int_equal(vstream_fread(vp, back, big), 3890 - 4);
	assert_true(vstream_feof(vp));
	assert_int_equal(vstream_fread(vp, back, 1), 0);
	assert_int_equal(vstream_close(vp), 0);
	assert_null(vstream_fopen("/nonexistent/dir/file", O_RDONLY, 0));
	assert_int_equal(errno, ENOENT);
	unlink(path);
	myfree(data);
	myfree(back);
}

/* The peer never writes: the read must give up within the timeout. */
static void
read_timeout_case(int fds[2])
{
	VSTREAM *vp = vstream_fdopen(fds[0], O_RDWR);
	VSTRING *line = vstring_alloc(10);
	double  start;
	double  took;

	vstream_set_timeout(vp, 1);
	start = now();
	assert_int_equal(vstream_fgets_bound(vp, line, 100), VSTREAM_GETS_EOF);
	took = now() - start;
	assert_true(vstream_ftimeout(vp));
	assert_true(vstream_ferror(vp));
	assert_false(vstream_feof(vp));
	assert_true(took >= 0.9);
	assert_true(took < 3.0);
	/* Sticky until cleared: no second wait. */
	start = now();
	assert_int_equal(vstream_getc(vp), VSTREAM_EOF);
	assert_true(now() - start < 0.5);
	vstream_clearerr(vp);
	assert_false(vstream_ferror(vp));
	vstring_free(line);
	vstream_close(vp);
	close(fds[1]);
}

static void
test_read_timeout_blocking_socket(void **state)
{
	int     fds[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
	read_timeout_case(fds);
}

static void
test_read_timeout_nonblocking_pipe(void **state)
{
	int     fds[2];

	assert_int_equal(pipe(fds), 0);
	assert_int_equal(non_blocking(fds[0], NON_BLOCKING), 0);
	assert_int_equal(non_blocking(fds[0], NON_BLOCKING), 1);
	read_timeout_case(fds);
}

/* The peer never reads: writes must give up within the timeout. */
static void
write_timeout_case(int fds[2])
{
	VSTREAM *vp;
	char   *chunk = mycalloc(1, 65536);
	double  start;
	int     i;
	int     failed = 0;

	vp = vstream_fdopen(fds[1], O_WRONLY);
	vstream_set_timeout(vp, 1);
	start = now();
	for (i = 0; i < 200 && !failed; i++)
		failed = vstream_fwrite(vp, chunk, 65536) < 0;
	assert_true(failed);
	assert_true(vstream_ftimeout(vp));
	assert_true(now() - start < 3.0);
	assert_int_equal(vstream_fwrite(vp, "x", 1), VSTREAM_EOF);
	assert_int_equal(vstream_close(vp), VSTREAM_EOF);
	close(fds[0]);
	myfree(chunk);
}

static void
test_write_timeout_socket(void **state)
{
	int     fds[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
	write_timeout_case(fds);
}

static void
test_write_timeout_blocking_pipe(void **state)
{
	int     fds[2];

	assert_int_equal(pipe(fds), 0);
	write_timeout_case(fds);
}

static void
test_write_to_closed_peer(void **state)
{
	int     fds[2];
	VSTREAM *vp;

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
	close(fds[1]);
	vp = vstream_fdopen(fds[0], O_WRONLY);
	vstream_set_timeout(vp, 5);
	assert_int_equal(vstream_fputs(vp, "hello"), 0);
	/* MSG_NOSIGNAL: an error, not SIGPIPE. */
	assert_int_equal(vstream_fflush(vp), VSTREAM_EOF);
	assert_true(vstream_ferror(vp));
	assert_false(vstream_ftimeout(vp));
	vstream_close(vp);
}

/* A read that must wait first sends what is still buffered. */
static void
test_read_flushes_pending_output(void **state)
{
	int     fds[2];
	VSTREAM *vp;
	char    buf[16];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
	vp = vstream_fdopen(fds[0], O_RDWR);
	vstream_set_timeout(vp, 5);
	assert_int_equal(vstream_fputs(vp, "request\n"), 0);
	assert_int_equal(write(fds[1], "reply", 5), 5);
	assert_int_equal(non_blocking(fds[1], NON_BLOCKING), 0);
	assert_int_equal(read(fds[1], buf, sizeof(buf)), -1);
	assert_int_equal(vstream_getc(vp), 'r');
	assert_int_equal(vstream_peek(vp), 4);
	assert_int_equal(read(fds[1], buf, sizeof(buf)), 8);
	assert_memory_equal(buf, "request\n", 8);
	vstream_close(vp);
	close(fds[1]);
}

/* Child: send line_len bytes one every 100 ms, then "\n", then exit. */
static pid_t
slow_writer(int fds[2], int line_len)
{
	int     fd = fds[1];
	pid_t   pid = fork();
	int     i;

	assert_true(pid >= 0);
	if (pid == 0) {
		/* Without our end of the pair, writes fail once the parent is done. */
		close(fds[0]);
		signal(SIGPIPE, SIG_IGN);
		for (i = 0; i < line_len; i++) {
			if (write(fd, "x", 1) != 1)
				_exit(0);
			usleep(100000);
		}
		_exit(write(fd, "\n", 1) == 1 ? 0 : 1);
	}
	return (pid);
}

static void
slow_drip_case(int deadline, int line_len, int want_status, double max_time)
{
	int     fds[2];
	pid_t   pid;
	VSTREAM *vp;
	VSTRING *line = vstring_alloc(10);
	double  start = now();
	int     status;

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
	pid = slow_writer(fds, line_len);
	close(fds[1]);
	vp = vstream_fdopen(fds[0], O_RDONLY);
	vstream_set_timeout(vp, 1);
	vstream_set_deadline(vp, deadline);
	status = vstream_fgets_bound(vp, line, 1000);
	assert_int_equal(status, want_status);
	assert_true(now() - start < max_time);
	if (want_status == VSTREAM_GETS_PARTIAL) {
		assert_true(vstream_ftimeout(vp));
		assert_true(vstring_len(line) >= 5);
		assert_true(vstring_len(line) < (size_t) line_len);
	} else {
		assert_int_equal(vstring_len(line), line_len + 1);
	}
	vstream_close(vp);
	waitpid(pid, &status, 0);
	vstring_free(line);
}

static void
test_deadline_stops_slow_drip(void **state)
{
	/* 30 bytes over 3 s: the 1 s budget runs out first. */
	slow_drip_case(1, 30, VSTREAM_GETS_PARTIAL, 2.5);
}

static void
test_per_call_timeout_allows_slow_drip(void **state)
{
	/* Without deadline mode each 100 ms wait is within the 1 s limit. */
	slow_drip_case(0, 15, VSTREAM_GETS_OK, 10.0);
}

static void
test_request_bracket_shares_budget(void **state)
{
	int     fds[2];
	pid_t   pid;
	VSTREAM *vp;
	double  start = now();
	int     n = 0;
	int     status;

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
	pid = slow_writer(fds, 30);
	close(fds[1]);
	vp = vstream_fdopen(fds[0], O_RDONLY);
	vstream_set_timeout(vp, 1);
	vstream_set_deadline(vp, 1);
	vstream_request_begin(vp);
	while (vstream_getc(vp) != VSTREAM_EOF)
		n++;
	vstream_request_end(vp);
	assert_true(vstream_ftimeout(vp));
	assert_true(n >= 5 && n < 30);
	assert_true(now() - start < 2.5);
	vstream_close(vp);
	waitpid(pid, &status, 0);
}

static void
test_write_buf_and_waits(void **state)
{
	int     fds[2];
	char    buf[8];
	double  start;

	assert_int_equal(pipe(fds), 0);
	assert_int_equal(write_buf(fds[1], "hello", 5, 1000), 5);
	assert_int_equal(read_wait(fds[0], 0), 0);
	assert_int_equal(read(fds[0], buf, sizeof(buf)), 5);
	start = now();
	assert_int_equal(read_wait(fds[0], 200), -1);
	assert_int_equal(errno, ETIMEDOUT);
	assert_true(now() - start >= 0.15);
	assert_int_equal(write_wait(fds[1], 0), 0);
	assert_int_equal(close_on_exec(fds[0], CLOSE_ON_EXEC), 0);
	assert_int_equal(close_on_exec(fds[0], PASS_ON_EXEC), 1);
	assert_int_equal(io_kind(fds[0]), IO_KIND_OTHER);
	close(fds[0]);
	close(fds[1]);
	assert_int_equal(non_blocking(fds[0], 1), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mem_read_getc_ungetc),
		cmocka_unit_test(test_mem_fgets_bound),
		cmocka_unit_test(test_mem_write),
		cmocka_unit_test(test_file_round_trip_large),
		cmocka_unit_test(test_read_timeout_blocking_socket),
		cmocka_unit_test(test_read_timeout_nonblocking_pipe),
		cmocka_unit_test(test_write_timeout_socket),
		cmocka_unit_test(test_write_timeout_blocking_pipe),
		cmocka_unit_test(test_write_to_closed_peer),
		cmocka_unit_test(test_read_flushes_pending_output),
		cmocka_unit_test(test_deadline_stops_slow_drip),
		cmocka_unit_test(test_per_call_timeout_allows_slow_drip),
		cmocka_unit_test(test_request_bracket_shares_budget),
		cmocka_unit_test(test_write_buf_and_waits),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
