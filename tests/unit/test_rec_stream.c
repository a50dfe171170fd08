/* Unit tests for lib/global/rec_stream: queue-file records over a VSTREAM. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "msg.h"
#include "vstream.h"
#include "vstring.h"
#include "rec_type.h"
#include "qfile.h"
#include "rec_stream.h"

typedef struct {
	int	type;
	const char *data;
	size_t	len;
} REC;

#define R(t, s)	{t, s, sizeof(s) - 1}

static char len127[127];
static char len128[128];
static char len20000[20000];

static const REC sample[] = {
	R(REC_TYPE_SENDER, "sender@example.com"),
	R(REC_TYPE_SENDER, ""),
	R(REC_TYPE_ATTR, "rewrite_context=remote"),
	R(REC_TYPE_DSN_ENVID, "QQ314159"),
	R(REC_TYPE_ORCPT, "Rcpt@Example.COM"),
	R(REC_TYPE_DSN_ORCPT, "rfc822;Rcpt@Example.COM"),
	R(REC_TYPE_DSN_NOTIFY, "6"),
	R(REC_TYPE_RCPT, "rcpt@example.com"),
	R(REC_TYPE_MESSAGE, ""),
	R(REC_TYPE_NORMAL, "bin\0ary\r\nE\x80\xff"),
	{REC_TYPE_NORMAL, len127, sizeof(len127)},
	{REC_TYPE_FRAGMENT, len128, sizeof(len128)},
	{REC_TYPE_NORMAL, len20000, sizeof(len20000)},
	R(REC_TYPE_XTRA, ""),
	R(REC_TYPE_END, ""),
};

#define SAMPLE_LEN (sizeof(sample) / sizeof(sample[0]))

static void
init_data(void)
{
	memset(len127, 'a', sizeof(len127));
	memset(len128, 'b', sizeof(len128));
	for (size_t i = 0; i < sizeof(len20000); i++)
		len20000[i] = (char) (i % 251);
}

/* The sample as a byte string, written through a memory stream. */
static VSTRING *
sample_bytes(void)
{
	VSTRING *out = vstring_alloc(100);
	VSTREAM *fp = vstream_memopen(out, O_WRONLY);
	size_t  i;

	for (i = 0; i < SAMPLE_LEN; i++)
		assert_int_equal(rec_stream_put(fp, sample[i].type, sample[i].data,
						sample[i].len), 0);
	assert_int_equal(vstream_close(fp), 0);
	return (out);
}

static void
test_round_trip(void **unused)
{
	VSTRING *bytes = sample_bytes();
	VSTRING *data = vstring_alloc(10);
	VSTREAM *fp = vstream_memopen(bytes, O_RDONLY);
	size_t  i;

	(void) unused;
	for (i = 0; i < SAMPLE_LEN; i++) {
		assert_int_equal(rec_stream_get(fp, data, 65536), sample[i].type);
		assert_int_equal(vstring_len(data), sample[i].len);
		assert_memory_equal(vstring_str(data), sample[i].data, sample[i].len);
	}
	/* A clean end between records, again and again. */
	assert_int_equal(rec_stream_get(fp, data, 65536), REC_STREAM_EOF);
	assert_int_equal(rec_stream_get(fp, data, 65536), REC_STREAM_EOF);
	assert_int_equal(vstring_len(data), 0);
	vstream_close(fp);
	vstring_free(bytes);
	vstring_free(data);
}

/* The stream encoding is byte for byte the queue file encoding. */
static void
test_same_bytes_as_qfile(void **unused)
{
	VSTRING *bytes = sample_bytes();
	char    path[] = "/tmp/test_rec_stream.XXXXXX";
	int     fd = mkstemp(path);
	QFILE  *qf;
	char   *file;
	ssize_t n;
	size_t  i;

	(void) unused;
	assert_true(fd >= 0);
	unlink(path);
	qf = qfile_open(fd, QFILE_WRITE, 65536);
	for (i = 0; i < SAMPLE_LEN; i++)
		assert_int_equal(qfile_write_rec(qf, sample[i].type, sample[i].data,
						 sample[i].len), 0);
	assert_int_equal(qfile_close(qf), 0);
	file = malloc(vstring_len(bytes) + 1);
	n = pread(fd, file, vstring_len(bytes) + 1, 0);
	assert_int_equal(n, (ssize_t) vstring_len(bytes));
	assert_memory_equal(file, vstring_str(bytes), vstring_len(bytes));
	free(file);
	close(fd);
	vstring_free(bytes);
}

/* Every cut inside a record is reported as what it is, never as data. */
static void
test_truncated(void **unused)
{
	VSTRING *bytes = vstring_alloc(10);
	VSTRING *data = vstring_alloc(10);
	VSTREAM *fp;
	size_t  cut;
	int     st;

	(void) unused;
	/* 'R', length 300 (0xAC 0x02), 300 bytes. */
	vstring_memcpy(bytes, "R\xac\x02", 3);
	for (cut = 0; cut < 300; cut++)
		vstring_addch(bytes, 'x');
	for (cut = 0; cut < vstring_len(bytes); cut++) {
		fp = vstream_memopen_read(vstring_str(bytes), cut);
		st = rec_stream_get(fp, data, 65536);
		if (cut == 0)
			assert_int_equal(st, REC_STREAM_EOF);
		else if (cut < 3)
			assert_int_equal(st, QFILE_ERR_TRUNC_LEN);
		else
			assert_int_equal(st, QFILE_ERR_TRUNC_DATA);
		vstream_close(fp);
	}
	fp = vstream_memopen_read(vstring_str(bytes), vstring_len(bytes));
	assert_int_equal(rec_stream_get(fp, data, 65536), REC_TYPE_RCPT);
	assert_int_equal(vstring_len(data), 300);
	vstream_close(fp);
	vstring_free(bytes);
	vstring_free(data);
}

static void
test_bad_lengths(void **unused)
{
	static const struct {
		const char *bytes;
		size_t	len;
		size_t	max;
		int	want;
	} cases[] = {
		/* 65537 bytes announced, limit 65536: refused before any data. */
		{"N\x81\x80\x04", 4, 65536, QFILE_ERR_LEN_LIMIT},
		{"N\x05hello", 7, 4, QFILE_ERR_LEN_LIMIT},
		{"N\x05hello", 7, 5, REC_TYPE_NORMAL},
		/* Non-canonical: a trailing zero group. */
		{"N\x85\x00hello", 8, 65536, QFILE_ERR_BAD_LEN},
		/* Too many length bytes, all zero groups. */
		{"N\x80\x80\x80\x80\x80\x01", 7, QFILE_REC_LEN_LIMIT, QFILE_ERR_BAD_LEN},
		/* 2^30 + 1: over even the largest limit. */
		{"N\x81\x80\x80\x80\x04", 6, QFILE_REC_LEN_LIMIT, QFILE_ERR_LEN_LIMIT},
	};
	VSTRING *data = vstring_alloc(10);
	size_t  i;

	(void) unused;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		VSTREAM *fp = vstream_memopen_read(cases[i].bytes, cases[i].len);

		assert_int_equal(rec_stream_get(fp, data, cases[i].max), cases[i].want);
		vstream_close(fp);
	}
	vstring_free(data);
}

/* An unknown type is reported, but the stream stays in step. */
static void
test_bad_type(void **unused)
{
	static const char bytes[] = "\x01\x03" "abc" "\0\0" "S\x03" "a@b";
	VSTRING *data = vstring_alloc(10);
	VSTREAM *fp = vstream_memopen_read(bytes, sizeof(bytes) - 1);

	(void) unused;
	assert_int_equal(rec_stream_get(fp, data, 100), QFILE_ERR_TYPE);
	assert_int_equal(rec_stream_get(fp, data, 100), QFILE_ERR_TYPE);
	assert_int_equal(rec_stream_get(fp, data, 100), REC_TYPE_SENDER);
	assert_string_equal(vstring_str(data), "a@b");
	assert_int_equal(rec_stream_get(fp, data, 100), REC_STREAM_EOF);
	vstream_close(fp);
	vstring_free(data);
	assert_string_equal(rec_stream_strerror(QFILE_ERR_TYPE),
			    qfile_strerror(QFILE_ERR_TYPE));
	assert_string_equal(rec_stream_strerror(REC_STREAM_EOF), "end of stream");
}

static void
test_put_line_fragments(void **unused)
{
	VSTRING *out = vstring_alloc(100);
	VSTRING *data = vstring_alloc(10);
	VSTREAM *fp = vstream_memopen(out, O_WRONLY);
	static const size_t want[] = {2048, 2048, 904};
	size_t  i;

	(void) unused;
	assert_int_equal(rec_stream_put_line(fp, len20000, 5000, 2048), 0);
	assert_int_equal(rec_stream_put_line(fp, "", 0, 2048), 0);
	assert_int_equal(rec_stream_put_line(fp, len20000, 2048, 2048), 0);
	vstream_close(fp);
	fp = vstream_memopen(out, O_RDONLY);
	for (i = 0; i < 3; i++) {
		assert_int_equal(rec_stream_get(fp, data, 4096),
				 i < 2 ? REC_TYPE_FRAGMENT : REC_TYPE_NORMAL);
		assert_int_equal(vstring_len(data), want[i]);
		assert_memory_equal(vstring_str(data), len20000 + 2048 * i, want[i]);
	}
	assert_int_equal(rec_stream_get(fp, data, 4096), REC_TYPE_NORMAL);
	assert_int_equal(vstring_len(data), 0);
	/* Exactly one piece long: no empty fragment. */
	assert_int_equal(rec_stream_get(fp, data, 4096), REC_TYPE_NORMAL);
	assert_int_equal(vstring_len(data), 2048);
	assert_int_equal(rec_stream_get(fp, data, 4096), REC_STREAM_EOF);
	vstream_close(fp);
	vstring_free(out);
	vstring_free(data);
}

/* A silent peer: the read ends at the deadline as an I/O status. */
static void
test_timeout(void **unused)
{
	VSTRING *data = vstring_alloc(10);
	VSTREAM *fp;
	int     sv[2];

	(void) unused;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(write(sv[1], "S\x05" "ab", 4), 4);
	fp = vstream_fdopen(sv[0], O_RDWR);
	vstream_set_timeout(fp, 1);
	vstream_set_deadline(fp, 1);
	assert_int_equal(rec_stream_get(fp, data, 100), QFILE_ERR_IO);
	assert_true(vstream_ftimeout(fp));
	vstream_close(fp);
	close(sv[1]);
	vstring_free(data);
}

/* A closed peer: writing fails with an I/O status, not a signal. */
static void
test_write_error(void **unused)
{
	VSTREAM *fp;
	int     sv[2];
	int     st = 0;
	int     i;

	(void) unused;
	signal(SIGPIPE, SIG_IGN);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	close(sv[1]);
	fp = vstream_fdopen(sv[0], O_RDWR);
	for (i = 0; i < 10 && st == 0; i++) {
		st = rec_stream_put(fp, REC_TYPE_NORMAL, len20000, sizeof(len20000));
		if (st == 0 && vstream_fflush(fp) != 0)
			st = QFILE_ERR_IO;
	}
	assert_int_equal(st, QFILE_ERR_IO);
	vstream_close(fp);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_same_bytes_as_qfile),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_bad_lengths),
		cmocka_unit_test(test_bad_type),
		cmocka_unit_test(test_put_line_fragments),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_write_error),
	};

	msg_stderr_init("test_rec_stream");
	init_data();
	return (cmocka_run_group_tests(tests, NULL, NULL));
}
