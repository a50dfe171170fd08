/* Unit tests for lib/global/qfile and rec_type. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "msg.h"
#include "mymalloc.h"
#include "vstring.h"
#include "rec_type.h"
#include "qfile.h"

/* A record as the tests expect to read it back. */
typedef struct {
	int	type;
	const char *data;
	size_t	len;
} REC;

#define R(t, s)	{t, s, sizeof(s) - 1}

static char long_line[20000];

static const REC sample[] = {
	R(REC_TYPE_SIZE, "            123             456               2"),
	R(REC_TYPE_TIME, "1700000000.123456"),
	R(REC_TYPE_ATTR, "rewrite_context=local"),
	R(REC_TYPE_SENDER, "sender@example.com"),
	R(REC_TYPE_DSN_ENVID, "QQ314159"),
	R(REC_TYPE_DSN_RET, "2"),
	R(REC_TYPE_ORCPT, "Rcpt@Example.COM"),
	R(REC_TYPE_DSN_ORCPT, "rfc822;Rcpt@Example.COM"),
	R(REC_TYPE_DSN_NOTIFY, "6"),
	R(REC_TYPE_RCPT, "rcpt@example.com"),
	R(REC_TYPE_RCPT, "a b@example.com"),
	R(REC_TYPE_MESSAGE, ""),
	R(REC_TYPE_NORMAL, "Subject: test"),
	R(REC_TYPE_NORMAL, ""),
	R(REC_TYPE_NORMAL, "bin\0ary\r\nE\x80\xff"),
	{REC_TYPE_NORMAL, long_line, sizeof(long_line)},	/* fragmented */
	R(REC_TYPE_NORMAL, "last line"),
	R(REC_TYPE_XTRA, ""),
	R(REC_TYPE_DSN_NOTIFY, "1"),
	R(REC_TYPE_RCPT, "extracted@example.com"),
	R(REC_TYPE_END, ""),
};

#define SAMPLE_LEN (sizeof(sample) / sizeof(sample[0]))
#define MAX_REC	1000

static void
init_long_line(void)
{
	size_t  i;

	for (i = 0; i < sizeof(long_line); i++)
		long_line[i] = (char) ('a' + i % 26);
}

/* A temporary file, already unlinked. */
static int
temp_fd(void)
{
	char    path[] = "/tmp/test_qfile.XXXXXX";
	int     fd = mkstemp(path);

	assert_true(fd >= 0);
	unlink(path);
	return (fd);
}

/* Write the sample; offsets[i] receives the offset of record i. */
static void
write_sample(int fd, off_t *offsets)
{
	QFILE  *qf = qfile_open(fd, QFILE_WRITE, MAX_REC);
	size_t  i;

	for (i = 0; i < SAMPLE_LEN; i++) {
		if (sample[i].type == REC_TYPE_NORMAL)
			assert_int_equal(qfile_write_line(qf, sample[i].data, sample[i].len), 0);
		else
			assert_int_equal(qfile_write_rec(qf, sample[i].type, sample[i].data,
							 sample[i].len), 0);
		if (offsets)
			offsets[i] = qfile_rec_offset(qf);
	}
	assert_int_equal(qfile_sync(qf), 0);
	assert_int_equal(qfile_close(qf), 0);
}

/* The whole file as bytes (caller frees). */
static unsigned char *
slurp(int fd, size_t *len)
{
	off_t   end = lseek(fd, 0, SEEK_END);
	unsigned char *buf = malloc((size_t) end + 1);

	assert_int_equal(pread(fd, buf, (size_t) end, 0), end);
	*len = (size_t) end;
	return (buf);
}

/* Read everything; returns the final status (<= 0) and the record count. */
static int
drain(QFILE *qf, size_t *count)
{
	VSTRING *buf = vstring_alloc(100);
	int     st;

	*count = 0;
	while ((st = qfile_read_line(qf, buf, 0)) > 0)
		(*count)++;
	vstring_free(buf);
	return (st);
}

static void
test_round_trip(void **state)
{
	int     fd = temp_fd();
	off_t   offsets[SAMPLE_LEN];
	VSTRING *buf = vstring_alloc(10);
	QFILE  *qf;
	size_t  i;

	init_long_line();
	write_sample(fd, offsets);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	qf = qfile_open(fd, QFILE_READ, MAX_REC);
	assert_int_equal(qfile_section(qf), REC_SEC_ENVELOPE);
	for (i = 0; i < SAMPLE_LEN; i++) {
		assert_int_equal(qfile_read_line(qf, buf, sizeof(long_line)), sample[i].type);
		assert_int_equal(vstring_len(buf), sample[i].len);
		assert_memory_equal(vstring_str(buf), sample[i].data, sample[i].len);
		/* Offsets agree between writer and reader, across buffer refills. */
		assert_int_equal(qfile_rec_offset(qf), offsets[i]);
	}
	assert_int_equal(qfile_section(qf), REC_SEC_DONE);
	assert_int_equal(qfile_read_rec(qf, buf), QFILE_EOF);
	assert_int_equal(qfile_read_rec(qf, buf), QFILE_EOF);
	assert_int_equal(qfile_close(qf), 0);
	close(fd);
	vstring_free(buf);
}

static void
test_byte_format(void **state)
{
	int     fd = temp_fd();
	QFILE  *qf = qfile_open(fd, QFILE_WRITE, 0);
	char    big[300];
	unsigned char *bytes;
	size_t  len;

	memset(big, 'x', sizeof(big));
	assert_int_equal(qfile_write_str(qf, REC_TYPE_RCPT, "a@b.com"), 0);
	assert_int_equal(qfile_write_fmt(qf, REC_TYPE_SIZE, "%3d", 7), 0);
	assert_int_equal(qfile_write_rec(qf, REC_TYPE_MESSAGE, "", 0), 0);
	assert_int_equal(qfile_write_rec(qf, REC_TYPE_NORMAL, big, sizeof(big)), 0);
	assert_int_equal(qfile_tell(qf), 9 + 5 + 2 + 3 + 300);
	assert_int_equal(qfile_close(qf), 0);
	bytes = slurp(fd, &len);
	assert_int_equal(len, 9 + 5 + 2 + 3 + 300);
	assert_memory_equal(bytes, "R\x07" "a@b.com" "C\x03" "  7" "M\x00" "N\xac\x02", 19);
	free(bytes);
	close(fd);
}

static void
test_truncation(void **state)
{
	int     fd = temp_fd();
	off_t   offsets[SAMPLE_LEN];
	VSTRING *buf = vstring_alloc(10);
	unsigned char *bytes;
	size_t  len;
	size_t  cut;
	size_t  count;
	QFILE  *qf;
	int     st;
	int     at_boundary;
	size_t  i;

	init_long_line();
	write_sample(fd, offsets);
	bytes = slurp(fd, &len);
	for (cut = 0; cut < len; cut++) {
		qf = qfile_open_mem(bytes, cut, MAX_REC);
		st = drain(qf, &count);
		at_boundary = 0;
		for (i = 0; i < SAMPLE_LEN; i++)
			if ((size_t) offsets[i] == cut)
				at_boundary = 1;
		if (st >= 0)
			fail_msg("cut at %zu of %zu: status %d", cut, len, st);
		/* Cuts between the long line's pieces are boundaries too. */
		if (at_boundary)
			assert_int_equal(st, QFILE_INCOMPLETE);
		else
			assert_true(st == QFILE_INCOMPLETE || st == QFILE_ERR_TRUNC_LEN
				    || st == QFILE_ERR_TRUNC_DATA);
		/* Errors are sticky. */
		assert_int_equal(qfile_read_rec(qf, buf), st);
		qfile_close(qf);
	}
	qf = qfile_open_mem(bytes, len, MAX_REC);
	assert_int_equal(drain(qf, &count), QFILE_EOF);
	assert_int_equal(count, SAMPLE_LEN);
	qfile_close(qf);
	free(bytes);
	close(fd);
	vstring_free(buf);
}

static const struct {
	const char *name;
	const char *bytes;
	size_t	len;
	size_t	max;
	int	status;
} corrupt_cases[] = {
#define C(n, b, m, s) {n, b, sizeof(b) - 1, m, s}
	C("empty", "", 0, QFILE_INCOMPLETE),
	C("complete minimal", "M\0X\0E\0", 0, QFILE_EOF),
	C("unknown type", "Q\0M\0X\0E\0", 0, QFILE_ERR_TYPE),
	C("NUL type", "\0\0", 0, QFILE_ERR_TYPE),
	C("length over limit", "S\x0b" "abcdefghijk", 10, QFILE_ERR_LEN_LIMIT),
	C("length at limit", "S\x0a" "abcdefghij" "M\0X\0E\0", 10, QFILE_EOF),
	C("huge length", "S\xff\xff\xff\xff\x0f", 0, QFILE_ERR_LEN_LIMIT),
	C("overlong zero", "S\x80\x00M\0X\0E\0", 0, QFILE_ERR_BAD_LEN),
	C("overlong one", "S\x81\x00x", 0, QFILE_ERR_BAD_LEN),
	C("too many length bytes", "S\x80\x80\x80\x80\x80\x01", QFILE_REC_LEN_LIMIT,
	  QFILE_ERR_BAD_LEN),
	C("length cut", "S\x80", 0, QFILE_ERR_TRUNC_LEN),
	C("data cut", "S\x05" "abc", 0, QFILE_ERR_TRUNC_DATA),
	C("content in envelope", "N\0", 0, QFILE_ERR_ORDER),
	C("end in envelope", "S\0E\0", 0, QFILE_ERR_ORDER),
	C("sender in content", "M\0S\0", 0, QFILE_ERR_ORDER),
	C("sender in extracted", "M\0X\0S\0E\0", 0, QFILE_ERR_ORDER),
	C("second message start", "M\0M\0", 0, QFILE_ERR_ORDER),
	C("end in content", "M\0E\0", 0, QFILE_ERR_ORDER),
	C("fragment then xtra", "M\0L\x01xX\0E\0", 0, QFILE_ERR_FRAGMENT),
	C("fragment at end", "M\0L\x01x", 0, QFILE_INCOMPLETE),
	C("fragment ok", "M\0L\x01xL\x01yN\0X\0E\0", 0, QFILE_EOF),
	C("trailing byte", "M\0X\0E\0E", 0, QFILE_ERR_TRAILING),
	C("trailing record", "M\0X\0E\0R\x01x", 0, QFILE_ERR_TRAILING),
	C("no end marker", "M\0X\0R\x01x", 0, QFILE_INCOMPLETE),
	C("done recipient", "D\x01xM\0X\0D\x01yE\0", 0, QFILE_EOF),
#undef C
};

static void
test_corruption(void **state)
{
	VSTRING *buf = vstring_alloc(10);
	size_t  count;
	QFILE  *qf;
	size_t  i;
	int     st;

	for (i = 0; i < sizeof(corrupt_cases) / sizeof(corrupt_cases[0]); i++) {
		qf = qfile_open_mem(corrupt_cases[i].bytes, corrupt_cases[i].len,
				    corrupt_cases[i].max);
		if ((st = drain(qf, &count)) != corrupt_cases[i].status)
			fail_msg("%s: status %d (%s), want %d", corrupt_cases[i].name,
				 st, qfile_reason(qf), corrupt_cases[i].status);
		if (st < 0)
			assert_true(strlen(qfile_reason(qf)) > 0);
		qfile_close(qf);
	}
	/* The reason names the offset of the bad record. */
	qf = qfile_open_mem("S\x01xQ\0", 5, 0);
	assert_int_equal(qfile_read_rec(qf, buf), REC_TYPE_SENDER);
	assert_int_equal(qfile_read_rec(qf, buf), QFILE_ERR_TYPE);
	assert_string_equal(qfile_reason(qf),
		    "offset 3: unknown record type: type 0x51 in envelope section");
	qfile_close(qf);
	vstring_free(buf);
}

static void
test_mark_done(void **state)
{
	int     fd = temp_fd();
	off_t   offsets[SAMPLE_LEN];
	VSTRING *buf = vstring_alloc(10);
	QFILE  *qf;
	int     type;
	size_t  rcpt = 0;
	size_t  done = 0;

	init_long_line();
	write_sample(fd, offsets);
	/* Records 9 and 19 are recipients; 3 is the sender. */
	assert_int_equal(qfile_mark_done(fd, offsets[9]), 0);
	assert_int_equal(qfile_mark_done(fd, offsets[19]), 0);
	assert_int_equal(qfile_mark_done(fd, offsets[19]), 0);	/* again: fine */
	assert_int_equal(qfile_mark_done(fd, offsets[3]), QFILE_ERR_MISMATCH);
	assert_int_equal(qfile_mark_done(fd, offsets[3] + 1), QFILE_ERR_MISMATCH);
	assert_int_equal(qfile_mark_done(fd, 1000000), QFILE_ERR_MISMATCH);
	assert_int_equal(qfile_mark_done(-1, 0), QFILE_ERR_IO);

	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	qf = qfile_open(fd, QFILE_READ, MAX_REC);
	while ((type = qfile_read_line(qf, buf, 0)) > 0) {
		if (type == REC_TYPE_RCPT) {
			rcpt++;
			assert_string_equal(vstring_str(buf), "a b@example.com");
		} else if (type == REC_TYPE_DONE) {
			done++;
			assert_true(qfile_rec_offset(qf) == offsets[9]
				    || qfile_rec_offset(qf) == offsets[19]);
		}
	}
	assert_int_equal(type, QFILE_EOF);
	assert_int_equal(rcpt, 1);
	assert_int_equal(done, 2);
	qfile_close(qf);
	close(fd);
	vstring_free(buf);
}

static void
test_fragments(void **state)
{
	static const struct {
		size_t	len;
		const char *types;	/* expected record letters */
	} cases[] = {
		{0, "N"}, {1, "N"}, {16, "N"}, {17, "LN"}, {32, "LN"},
		{33, "LLN"}, {50, "LLLN"},
	};
	VSTRING *buf = vstring_alloc(10);
	char    line[64];
	char    types[8];
	size_t  i;
	size_t  n;
	QFILE  *qf;
	int     fd;
	int     type;

	for (i = 0; i < sizeof(line); i++)
		line[i] = (char) ('0' + i % 10);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		fd = temp_fd();
		qf = qfile_open(fd, QFILE_READ | QFILE_WRITE, 16);
		assert_int_equal(qfile_write_rec(qf, REC_TYPE_MESSAGE, "", 0), 0);
		assert_int_equal(qfile_write_line(qf, line, cases[i].len), 0);
		assert_int_equal(qfile_rec_offset(qf), 2);	/* the first piece */
		assert_int_equal(qfile_write_rec(qf, REC_TYPE_XTRA, "", 0), 0);
		assert_int_equal(qfile_write_rec(qf, REC_TYPE_END, "", 0), 0);
		/* Raw records: fragments of the limit's size, then the rest. */
		assert_int_equal(qfile_seek(qf, 2, REC_SEC_CONTENT), 0);
		for (n = 0; (type = qfile_read_rec(qf, buf)) != REC_TYPE_XTRA; n++) {
			assert_true(n < strlen(cases[i].types));
			types[n] = (char) type;
			assert_int_equal(vstring_len(buf), type == REC_TYPE_FRAGMENT ? 16 :
					 cases[i].len - 16 * n);
		}
		types[n] = 0;
		assert_string_equal(types, cases[i].types);
		/* Joined, from the first piece, with and without a line limit. */
		assert_int_equal(qfile_seek(qf, 2, REC_SEC_CONTENT), 0);
		assert_int_equal(qfile_read_line(qf, buf, 0), REC_TYPE_NORMAL);
		assert_int_equal(vstring_len(buf), cases[i].len);
		assert_memory_equal(vstring_str(buf), line, cases[i].len);
		assert_int_equal(qfile_rec_offset(qf), 2);
		assert_int_equal(qfile_read_line(qf, buf, 0), REC_TYPE_XTRA);
		assert_int_equal(qfile_seek(qf, 2, REC_SEC_CONTENT), 0);
		if (cases[i].len > 20)
			assert_int_equal(qfile_read_line(qf, buf, 20), QFILE_ERR_LINE_LEN);
		else
			assert_int_equal(qfile_read_line(qf, buf, 20), REC_TYPE_NORMAL);
		qfile_close(qf);
		close(fd);
	}
	vstring_free(buf);
}

static void
test_update(void **state)
{
	int     fd = temp_fd();
	VSTRING *buf = vstring_alloc(10);
	QFILE  *qf = qfile_open(fd, QFILE_READ | QFILE_WRITE, 0);
	off_t   size_at;

	assert_int_equal(qfile_write_fmt(qf, REC_TYPE_SIZE, "%15d %15d", 0, 0), 0);
	size_at = qfile_rec_offset(qf);
	assert_int_equal(qfile_write_str(qf, REC_TYPE_SENDER, "s@x"), 0);
	assert_int_equal(qfile_write_rec(qf, REC_TYPE_MESSAGE, "", 0), 0);
	/* Same type and length: rewritten in place, pending output flushed. */
	assert_int_equal(qfile_update(qf, size_at, REC_TYPE_SIZE,
				      "            123               4", 31), 0);
	assert_int_equal(qfile_update(qf, size_at, REC_TYPE_SIZE, "123 4", 5),
			 QFILE_ERR_MISMATCH);
	assert_int_equal(qfile_update(qf, size_at, REC_TYPE_TIME,
				      "            123               4", 31),
			 QFILE_ERR_MISMATCH);
	assert_int_equal(qfile_update(qf, 1000, REC_TYPE_SIZE, "x", 1),
			 QFILE_ERR_MISMATCH);
	/* Writing continues at the end. */
	assert_int_equal(qfile_write_line(qf, "body", 4), 0);
	assert_int_equal(qfile_seek(qf, 0, REC_SEC_ENVELOPE), 0);
	assert_int_equal(qfile_read_rec(qf, buf), REC_TYPE_SIZE);
	assert_string_equal(vstring_str(buf), "            123               4");
	assert_int_equal(qfile_read_rec(qf, buf), REC_TYPE_SENDER);
	assert_int_equal(qfile_read_rec(qf, buf), REC_TYPE_MESSAGE);
	assert_int_equal(qfile_read_rec(qf, buf), REC_TYPE_NORMAL);
	assert_string_equal(vstring_str(buf), "body");
	assert_int_equal(qfile_read_rec(qf, buf), QFILE_INCOMPLETE);
	qfile_close(qf);
	close(fd);
	vstring_free(buf);
}

static void
test_write_limits(void **state)
{
	int     fd = temp_fd();
	QFILE  *qf = qfile_open(fd, QFILE_WRITE, 8);

	assert_int_equal(qfile_write_str(qf, REC_TYPE_SENDER, "123456789"),
			 QFILE_ERR_LEN_LIMIT);
	assert_int_equal(qfile_tell(qf), 0);
	assert_int_equal(qfile_write_str(qf, REC_TYPE_SENDER, "12345678"), 0);
	assert_int_equal(qfile_close(qf), 0);
	close(fd);
	/* A write error is reported, and again at close. */
	qf = qfile_open(fd, QFILE_WRITE, 8);
	assert_int_equal(qfile_write_str(qf, REC_TYPE_SENDER, "x"), 0);
	assert_int_equal(qfile_flush(qf), QFILE_ERR_IO);
	assert_int_equal(qfile_write_str(qf, REC_TYPE_SENDER, "x"), QFILE_ERR_IO);
	assert_int_equal(qfile_close(qf), QFILE_ERR_IO);
}

static jmp_buf panic_jmp;

static void
panic_cleanup(void)
{
	longjmp(panic_jmp, 1);
}

/*
 * Breaking the section order while writing is our bug: a panic. (msg.c
 * lets a test catch only one panic per process, so there is one case.)
 */
static void
test_writer_order_panics(void **state)
{
	int     fd = temp_fd();
	QFILE  *volatile qf = qfile_open(fd, QFILE_WRITE, 0);

	assert_int_equal(qfile_write_rec(qf, REC_TYPE_MESSAGE, "", 0), 0);
	assert_int_equal(qfile_write_rec(qf, REC_TYPE_FRAGMENT, "x", 1), 0);
	msg_cleanup(panic_cleanup);
	if (setjmp(panic_jmp) == 0) {
		qfile_write_rec(qf, REC_TYPE_XTRA, "", 0);
		fail_msg("no panic");
	}
	msg_cleanup(NULL);
	/* Nothing was written by the refused call. */
	assert_int_equal(qfile_tell(qf), 5);
	qfile_close(qf);
	close(fd);
}

static void
test_rec_type_table(void **state)
{
	static const char all[] = "CTSAiroOnRDMNLXE";
	const char *cp;
	int     ch;

	for (cp = all; *cp; cp++)
		assert_true(rec_type_known(*cp));
	for (ch = 0; ch < 256; ch++)
		if (strchr(all, ch) == NULL || ch == 0)
			assert_false(rec_type_known(ch));
	assert_string_equal(rec_type_name(REC_TYPE_RCPT), "recipient");
	assert_string_equal(rec_type_name('?'), "unknown");
	assert_true(rec_type_allowed(REC_SEC_EXTRACTED, REC_TYPE_RCPT));
	assert_false(rec_type_allowed(REC_SEC_CONTENT, REC_TYPE_RCPT));
	assert_false(rec_type_allowed(REC_SEC_DONE, REC_TYPE_END));
	assert_int_equal(rec_type_next_section(REC_SEC_ENVELOPE, REC_TYPE_MESSAGE),
			 REC_SEC_CONTENT);
	assert_string_equal(qfile_strerror(QFILE_INCOMPLETE),
			    "incomplete queue file (no end marker)");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_byte_format),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_corruption),
		cmocka_unit_test(test_mark_done),
		cmocka_unit_test(test_fragments),
		cmocka_unit_test(test_update),
		cmocka_unit_test(test_write_limits),
		cmocka_unit_test(test_writer_order_panics),
		cmocka_unit_test(test_rec_type_table),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
