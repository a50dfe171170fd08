/*
 * test_showq - showq(8)'s queue-file and defer-log readers
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "mymalloc.h"
#include "vstring.h"
#include "vstream.h"
#include "htable.h"
#include "qfile.h"
#include "rec_type.h"
#include "showq.h"

/* A queue file written through qfile into a temporary file. */
typedef struct {
	int     fd;
	QFILE  *qf;
} TMPQ;

static void
tq_open(TMPQ *tq)
{
	FILE   *fp = tmpfile();

	assert_non_null(fp);
	tq->fd = dup(fileno(fp));
	fclose(fp);
	tq->qf = qfile_open(tq->fd, QFILE_WRITE, 0);
}

static void
tq_rec(TMPQ *tq, int type, const char *data)
{
	assert_int_equal(qfile_write_str(tq->qf, type, data), 0);
}

/* Close the writer and read the file back. */
static int
tq_read(TMPQ *tq, SHOWQ_MSG *msg)
{
	QFILE  *qf;
	off_t   size;
	int     st;

	assert_int_equal(qfile_close(tq->qf), 0);
	size = lseek(tq->fd, 0, SEEK_END);
	assert_true(lseek(tq->fd, 0, SEEK_SET) == 0);
	qf = qfile_open(tq->fd, QFILE_READ, 0);
	showq_msg_init(msg);
	st = showq_read_message(qf, msg, size, 0);
	(void) qfile_close(qf);
	close(tq->fd);
	return (st);
}

/* A complete message as cleanup writes it, with a correct SIZE record. */
static void
write_message(TMPQ *tq, const char *sender, int good_size)
{
	char    size[REC_SIZE_LEN + 1];
	off_t   data_offset;
	off_t   xtra_offset;

	tq_open(tq);
	snprintf(size, sizeof(size), REC_SIZE_FORMAT, 0L, 0L, 0L);
	tq_rec(tq, REC_TYPE_SIZE, size);
	tq_rec(tq, REC_TYPE_TIME, "1700000000.123456");
	tq_rec(tq, REC_TYPE_SENDER, sender);
	tq_rec(tq, REC_TYPE_ATTR, "rewrite_context=local");
	tq_rec(tq, REC_TYPE_ORCPT, "a@example.org");
	tq_rec(tq, REC_TYPE_RCPT, "a@example.org");
	tq_rec(tq, REC_TYPE_DONE, "done@example.org");
	tq_rec(tq, REC_TYPE_RCPT, "b\001@example.org");
	tq_rec(tq, REC_TYPE_MESSAGE, "");
	data_offset = qfile_tell(tq->qf);
	tq_rec(tq, REC_TYPE_NORMAL, "Subject: test");
	tq_rec(tq, REC_TYPE_NORMAL, "");
	/* A body line that looks like an envelope recipient record. */
	tq_rec(tq, REC_TYPE_NORMAL, "R\007x@y.org");
	xtra_offset = qfile_tell(tq->qf);
	tq_rec(tq, REC_TYPE_XTRA, "");
	tq_rec(tq, REC_TYPE_RCPT, "c@example.org");
	tq_rec(tq, REC_TYPE_END, "");
	snprintf(size, sizeof(size), REC_SIZE_FORMAT,
		 (long) (xtra_offset - data_offset),
		 good_size ? (long) data_offset : 3L, 3L);
	assert_int_equal(qfile_update(tq->qf, 0, REC_TYPE_SIZE, size,
				      strlen(size)), 0);
}

static void
test_complete_message(void **state)
{
	SHOWQ_MSG msg;
	TMPQ    tq;

	(void) state;
	write_message(&tq, "sender@example.com", 1);
	assert_int_equal(tq_read(&tq, &msg), 0);
	assert_int_equal(msg.arrival, 1700000000L);
	assert_true(msg.size > 0);
	assert_string_equal(vstring_str(msg.sender), "sender@example.com");
	/* DONE is not listed; control characters become '?'. */
	assert_int_equal(msg.rcpts->len, 3);
	assert_string_equal(msg.rcpts->argv[0], "a@example.org");
	assert_string_equal(msg.rcpts->argv[1], "b?@example.org");
	assert_string_equal(msg.rcpts->argv[2], "c@example.org");
	showq_msg_free(&msg);
}

static void
test_null_sender_and_bad_size(void **state)
{
	SHOWQ_MSG msg;
	TMPQ    tq;

	(void) state;
	/* A SIZE record with a wrong offset: read through the content. */
	write_message(&tq, "", 0);
	assert_int_equal(tq_read(&tq, &msg), 0);
	assert_string_equal(vstring_str(msg.sender), "MAILER-DAEMON");
	assert_int_equal(msg.rcpts->len, 3);
	showq_msg_free(&msg);
}

static void
test_maildrop_file_without_size(void **state)
{
	SHOWQ_MSG msg;
	TMPQ    tq;

	(void) state;
	tq_open(&tq);
	tq_rec(&tq, REC_TYPE_SENDER, "u@example.com");
	tq_rec(&tq, REC_TYPE_RCPT, "r@example.org");
	tq_rec(&tq, REC_TYPE_MESSAGE, "");
	tq_rec(&tq, REC_TYPE_NORMAL, "hello");
	tq_rec(&tq, REC_TYPE_XTRA, "");
	tq_rec(&tq, REC_TYPE_END, "");
	assert_int_equal(tq_read(&tq, &msg), 0);
	assert_int_equal(msg.arrival, -1);
	assert_int_equal(msg.size, -1);
	assert_int_equal(msg.rcpts->len, 1);
	showq_msg_free(&msg);
}

static void
test_incomplete_file_is_an_error(void **state)
{
	SHOWQ_MSG msg;
	TMPQ    tq;

	(void) state;
	tq_open(&tq);
	tq_rec(&tq, REC_TYPE_SENDER, "u@example.com");
	tq_rec(&tq, REC_TYPE_RCPT, "r@example.org");
	tq_rec(&tq, REC_TYPE_MESSAGE, "");
	tq_rec(&tq, REC_TYPE_NORMAL, "hello");
	assert_true(tq_read(&tq, &msg) < 0);
	showq_msg_free(&msg);
}

static void
test_defer_log_reasons(void **state)
{
	static const char log[] =
	"recipient=a@example.org\n"
	"offset=100\n"
	"status=4.4.1\n"
	"reason=connect to example.org: Connection refused\n"
	"\n"
	"recipient=b@example.org\n"
	"status=4.0.0\n"
	"\n"
	"recipient=a@example.org\n"
	"reason=later \001 reason\n"
	"\n"
	"reason=no recipient\n"
	"\n"
	"orig_rcpt=c@example.org\n"
	"rcpt=c@example.org\n"
	"reason=postern's own format\n"
	"\n"
	"rcpt=d@example.org\n"
	"reason=last record cut short";
	VSTREAM *fp = vstream_memopen_read(log, sizeof(log) - 1);
	HTABLE *reasons = htable_create(10);

	(void) state;
	assert_int_equal(showq_read_reasons(fp, reasons), 4);
	assert_string_equal(htable_find(reasons, "a@example.org"),
			    "later ? reason");
	assert_string_equal(htable_find(reasons, "b@example.org"), "");
	assert_string_equal(htable_find(reasons, "c@example.org"),
			    "postern's own format");
	assert_null(htable_find(reasons, "d@example.org"));
	htable_free(reasons, myfree);
	vstream_close(fp);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_complete_message),
		cmocka_unit_test(test_null_sender_and_bad_size),
		cmocka_unit_test(test_maildrop_file_without_size),
		cmocka_unit_test(test_incomplete_file_is_an_error),
		cmocka_unit_test(test_defer_log_reasons),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
