/*
 * Unit tests for lib/global/cleanup_client: SMTP replies for statuses, and
 * the client side of the protocol against a scripted cleanup server
 * (a child process listening on private/cleanup in a scratch directory).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "msg.h"
#include "vstream.h"
#include "vstring.h"
#include "attr.h"
#include "unix_sock.h"
#include "rec_type.h"
#include "rec_stream.h"
#include "cleanup_client.h"

/* ---- replies ---------------------------------------------------------- */

static void
test_stat_reply(void **unused)
{
	static const struct {
		int	status;
		const char *reason;
		const char *want;
	} cases[] = {
		{CLEANUP_STAT_WRITE, "", "451 4.3.0 Error: queue file write error"},
		{CLEANUP_STAT_NOSPACE, NULL, "452 4.3.1 Insufficient system storage"},
		{CLEANUP_STAT_SIZE, "", "552 5.3.4 Error: message file too big"},
		{CLEANUP_STAT_HOPS, "", "554 5.4.0 Error: too many hops"},
		{CLEANUP_STAT_BAD, "whatever", "451 4.3.0 Error: internal error"},
		{CLEANUP_STAT_RCPT, "", "554 5.5.1 Error: no valid recipients"},
		{CLEANUP_STAT_PROXY, "", "451 4.3.0 Error: queue file write error"},
		{CLEANUP_STAT_HEADER, "",
		 "552 5.6.0 Error: message header size exceeds limit"},
		{CLEANUP_STAT_DEFER, "", "451 4.3.0 Error: service unavailable"},
		{CLEANUP_STAT_CONT, "", "550 5.7.1 Error: message content rejected"},
		/* Content checks supply text, a DSN code, or a whole reply. */
		{CLEANUP_STAT_CONT, "no spam here", "550 5.7.1 no spam here"},
		{CLEANUP_STAT_CONT, "5.7.0 go away", "550 5.7.0 go away"},
		{CLEANUP_STAT_CONT, "554 5.7.9 policy", "554 5.7.9 policy"},
		{CLEANUP_STAT_DEFER, "4.7.1 try later", "451 4.7.1 try later"},
		/* Several bits: the most useful one wins. */
		{CLEANUP_STAT_WRITE | CLEANUP_STAT_NOSPACE, "",
		 "452 4.3.1 Insufficient system storage"},
		{CLEANUP_STAT_WRITE | CLEANUP_STAT_SIZE, "",
		 "552 5.3.4 Error: message file too big"},
		{CLEANUP_STAT_BAD | CLEANUP_STAT_SIZE, "",
		 "451 4.3.0 Error: internal error"},
		/* Unknown bits are an internal error, never success. */
		{1 << 20, "", "451 4.3.0 Error: internal error"},
	};
	VSTRING *out = vstring_alloc(10);
	size_t  i;

	(void) unused;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_string_equal(cleanup_stat_reply(cases[i].status,
					 cases[i].reason, out), cases[i].want);
	vstring_free(out);
	assert_string_equal(cleanup_stat_text(0), "success");
	assert_string_equal(cleanup_stat_text(CLEANUP_STAT_SIZE),
			    "message file too big");
	assert_string_equal(cleanup_stat_text(CLEANUP_STAT_NOSPACE),
			    "insufficient system storage");
}

/* ---- protocol --------------------------------------------------------- */

#define FAKE_OK		0	/* read to END, reply status 0 */
#define FAKE_BAD_ID	1	/* send an invalid queue ID */
#define FAKE_HANGUP	2	/* read to END, close without reply */
#define FAKE_REJECT	3	/* read to END, reply CONT with reason */
#define FAKE_CLOSE	4	/* close right after the flags */

static char scratch[] = "/tmp/test_cleanup_client.XXXXXX";
static int listen_fd = -1;

static int
setup(void **unused)
{
	VSTRING *why = vstring_alloc(10);

	(void) unused;
	assert_non_null(mkdtemp(scratch));
	assert_int_equal(chdir(scratch), 0);
	assert_int_equal(mkdir("private", 0700), 0);
	listen_fd = unix_listen("private/cleanup", 5, why);
	assert_true(listen_fd >= 0);
	vstring_free(why);
	return (0);
}

static int
teardown(void **unused)
{
	(void) unused;
	close(listen_fd);
	unlink("private/cleanup");
	rmdir("private");
	assert_int_equal(chdir("/"), 0);
	rmdir(scratch);
	return (0);
}

/*
 * The expected records, in order, as a scripted server checks them. The
 * long line arrives as fragments of line_length_limit (2048) bytes.
 */
static char long_line[5000];

/* Child: serve one connection as told; exit 0 when all was as expected. */
static void __attribute__((noreturn))
fake_server(int mode)
{
	static const int want_types[] = {
		REC_TYPE_SENDER, REC_TYPE_ATTR, REC_TYPE_RCPT, REC_TYPE_MESSAGE,
		REC_TYPE_NORMAL, REC_TYPE_FRAGMENT, REC_TYPE_FRAGMENT,
		REC_TYPE_NORMAL, REC_TYPE_XTRA, REC_TYPE_END,
	};
	VSTRING *data = vstring_alloc(100);
	VSTRING *joined = vstring_alloc(100);
	VSTREAM *fp;
	size_t  n;
	int     flags = -1;
	int     fd;
	int     type;

	if ((fd = unix_accept(listen_fd)) < 0)
		_exit(10);
	fp = vstream_fdopen(fd, O_RDWR);
	vstream_set_timeout(fp, 10);
	attr_print(fp, ATTR_FLAG_FLUSH, SEND_ATTR_STR("queue_id",
			   mode == FAKE_BAD_ID ? "../etc" : "4F2A31C0D1E"),
		   ATTR_TYPE_END);
	if (mode == FAKE_BAD_ID)
		_exit(0);
	if (attr_scan(fp, ATTR_FLAG_STRICT, RECV_ATTR_INT("flags", &flags),
		      ATTR_TYPE_END) != 1 || flags != CLEANUP_FLAG_FROM_SMTP)
		_exit(11);
	if (mode == FAKE_CLOSE)
		_exit(0);
	for (n = 0; n < sizeof(want_types) / sizeof(want_types[0]); n++) {
		if ((type = rec_stream_get(fp, data, 65536)) != want_types[n])
			_exit(20 + (int) n);
		if (n == 0 && strcmp(vstring_str(data), "s@example.com") != 0)
			_exit(40);
		if (n == 1 && strcmp(vstring_str(data), "log_client_port=25") != 0)
			_exit(41);
		if (n == 4 && strcmp(vstring_str(data), "Subject: x") != 0)
			_exit(42);
		if (n >= 5 && n <= 7) {
			if (vstring_len(data) > 2048)
				_exit(43);
			vstring_memcat(joined, vstring_str(data), vstring_len(data));
		}
	}
	if (vstring_len(joined) != sizeof(long_line)
	    || memcmp(vstring_str(joined), long_line, sizeof(long_line)) != 0)
		_exit(44);
	if (mode == FAKE_HANGUP)
		_exit(0);
	if (mode == FAKE_REJECT)
		attr_print(fp, ATTR_FLAG_FLUSH,
			   SEND_ATTR_INT("status", CLEANUP_STAT_CONT),
			   SEND_ATTR_STR("reason", "5.7.1 rejected by test"),
			   ATTR_TYPE_END);
	else
		attr_print(fp, ATTR_FLAG_FLUSH, SEND_ATTR_INT("status", 0),
			   SEND_ATTR_STR("reason", ""), ATTR_TYPE_END);
	/* The client closes after the reply. */
	if (rec_stream_get(fp, data, 100) != REC_STREAM_EOF)
		_exit(45);
	_exit(0);
}

static pid_t
start_server(int mode)
{
	pid_t   pid = fork();

	assert_true(pid >= 0);
	if (pid == 0)
		fake_server(mode);
	return (pid);
}

static void
expect_server_exit(pid_t pid)
{
	int     status;

	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* A whole message as smtpd sends it; returns finish()'s status. */
static int
send_message(VSTRING *reason)
{
	VSTRING *why = vstring_alloc(10);
	CLEANUP_CLIENT *cc;
	int     status;

	cc = cleanup_client_open("private", CLEANUP_SERVICE,
				 CLEANUP_FLAG_FROM_SMTP, 10, why);
	assert_non_null(cc);
	assert_string_equal(cleanup_client_id(cc), "4F2A31C0D1E");
	cleanup_client_rec(cc, REC_TYPE_SENDER, "s@example.com", 13);
	cleanup_client_fmt(cc, REC_TYPE_ATTR, "%s=%d", "log_client_port", 25);
	cleanup_client_rec(cc, REC_TYPE_RCPT, "r@example.com", 13);
	cleanup_client_rec(cc, REC_TYPE_MESSAGE, "", 0);
	cleanup_client_line(cc, "Subject: x", 10);
	cleanup_client_line(cc, long_line, sizeof(long_line));
	cleanup_client_rec(cc, REC_TYPE_XTRA, "", 0);
	cleanup_client_rec(cc, REC_TYPE_END, "", 0);
	status = cleanup_client_finish(cc, reason);
	vstring_free(why);
	return (status);
}

static void
test_queued(void **unused)
{
	VSTRING *reason = vstring_alloc(10);
	pid_t   pid = start_server(FAKE_OK);

	(void) unused;
	assert_int_equal(send_message(reason), 0);
	assert_string_equal(vstring_str(reason), "");
	expect_server_exit(pid);
	vstring_free(reason);
}

static void
test_rejected_with_reason(void **unused)
{
	VSTRING *reason = vstring_alloc(10);
	VSTRING *reply = vstring_alloc(10);
	pid_t   pid = start_server(FAKE_REJECT);

	(void) unused;
	assert_int_equal(send_message(reason), CLEANUP_STAT_CONT);
	assert_string_equal(cleanup_stat_reply(CLEANUP_STAT_CONT,
					       vstring_str(reason), reply),
			    "550 5.7.1 rejected by test");
	expect_server_exit(pid);
	vstring_free(reason);
	vstring_free(reply);
}

/* No reply after END: never success. */
static void
test_server_hangs_up(void **unused)
{
	VSTRING *reason = vstring_alloc(10);
	pid_t   pid = start_server(FAKE_HANGUP);

	(void) unused;
	assert_int_equal(send_message(reason), CLEANUP_STAT_WRITE);
	assert_string_equal(vstring_str(reason),
			    "lost connection with cleanup service");
	expect_server_exit(pid);
	vstring_free(reason);
}

/* A queue ID that could name another path is refused at the door. */
static void
test_bad_queue_id(void **unused)
{
	VSTRING *why = vstring_alloc(10);
	pid_t   pid = start_server(FAKE_BAD_ID);

	(void) unused;
	assert_null(cleanup_client_open("private", CLEANUP_SERVICE, 0, 10, why));
	assert_string_equal(vstring_str(why),
			    "private/cleanup service: no valid queue ID received");
	expect_server_exit(pid);
	vstring_free(why);
}

/* A record too long for cleanup is never sent; the message fails. */
static void
test_record_too_long(void **unused)
{
	VSTRING *why = vstring_alloc(10);
	VSTRING *big = vstring_alloc(70000);
	CLEANUP_CLIENT *cc;
	pid_t   pid = start_server(FAKE_CLOSE);

	(void) unused;
	while (vstring_len(big) < 65537)
		vstring_addch(big, 'r');
	cc = cleanup_client_open("private", CLEANUP_SERVICE,
				 CLEANUP_FLAG_FROM_SMTP, 10, why);
	assert_non_null(cc);
	cleanup_client_rec(cc, REC_TYPE_RCPT, vstring_str(big), vstring_len(big));
	assert_int_equal(cleanup_client_finish(cc, why), CLEANUP_STAT_BAD);
	expect_server_exit(pid);
	vstring_free(why);
	vstring_free(big);
}

/* cleanup went away while the message streamed: a write error, once. */
static void
test_write_error_is_remembered(void **unused)
{
	VSTRING *why = vstring_alloc(10);
	CLEANUP_CLIENT *cc;
	pid_t   pid = start_server(FAKE_CLOSE);
	int     i;

	(void) unused;
	cc = cleanup_client_open("private", CLEANUP_SERVICE,
				 CLEANUP_FLAG_FROM_SMTP, 10, why);
	assert_non_null(cc);
	expect_server_exit(pid);
	cleanup_client_rec(cc, REC_TYPE_SENDER, "", 0);
	cleanup_client_rec(cc, REC_TYPE_MESSAGE, "", 0);
	for (i = 0; i < 1000; i++)
		cleanup_client_line(cc, long_line, sizeof(long_line));
	assert_int_equal(cleanup_client_finish(cc, why), CLEANUP_STAT_WRITE);
	assert_string_equal(vstring_str(why),
			    "write error talking to cleanup service");
	vstring_free(why);
}

static void
test_no_service(void **unused)
{
	VSTRING *why = vstring_alloc(10);

	(void) unused;
	assert_null(cleanup_client_open("private", "nonexistent", 0, 10, why));
	assert_true(vstring_len(why) > 0);
	vstring_free(why);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stat_reply),
		cmocka_unit_test(test_queued),
		cmocka_unit_test(test_rejected_with_reason),
		cmocka_unit_test(test_server_hangs_up),
		cmocka_unit_test(test_bad_queue_id),
		cmocka_unit_test(test_record_too_long),
		cmocka_unit_test(test_write_error_is_remembered),
		cmocka_unit_test(test_no_service),
	};

	msg_stderr_init("test_cleanup_client");
	signal(SIGPIPE, SIG_IGN);
	memset(long_line, 'L', sizeof(long_line));
	return (cmocka_run_group_tests(tests, setup, teardown));
}
