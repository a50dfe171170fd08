/*
 * Unit tests for lib/global/deliver_request: delay formatting as Postfix
 * logs it, the per-recipient log lines with a fixed clock, queue-file
 * updates, and strict decoding of requests (complete, truncated, bad).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "msg.h"
#include "vstream.h"
#include "vstring.h"
#include "attr.h"
#include "mail_conf.h"
#include "qfile.h"
#include "rec_type.h"
#include "deliver_request.h"
#include "deliver_request_priv.h"
#include "bounce_client.h"

#define QID	"C3CD21F3E90"

/* ---- captured log ------------------------------------------------------ */

static VSTRING *logged;

static void
capture(int level, const char *text)
{
	vstring_sprintf_append(logged, "%s%s\n", level == MSG_WARN ?
			       "warning: " : "", text);
}

/* ---- appender hook ----------------------------------------------------- */

static VSTRING *appended;
static int append_fails;

static int
fake_append(const char *service, int flags, const char *queue_id,
	    const RECIPIENT *rcpt, const DSN_INFO *dsn)
{
	(void) flags;
	vstring_sprintf_append(appended, "%s %s %s %s %s %s\n", service,
			       queue_id, rcpt->address, dsn->status,
			       dsn->action, dsn->reason);
	return (append_fails ? -1 : 0);
}

static int
setup(void **unused)
{
	(void) unused;
	mail_conf_reset();
	logged = vstring_alloc(100);
	appended = vstring_alloc(100);
	append_fails = 0;
	msg_output_reset();
	msg_output(capture);
	deliver_request_set_appender(fake_append);
	return (0);
}

static int
teardown(void **unused)
{
	(void) unused;
	deliver_request_set_appender(NULL);
	deliver_request_set_clock(NULL);
	msg_output_reset();
	vstring_free(logged);
	vstring_free(appended);
	return (0);
}

/* ---- delays ------------------------------------------------------------ */

static void
test_format_delay(void **unused)
{
	static const struct {
		long	sec;
		long	usec;
		int	res;
		const char *want;
	} cases[] = {
		{0, 0, 2, "0"},
		{0, 4000, 2, "0"},		/* below the resolution */
		{0, 5000, 2, "0.01"},		/* rounds up */
		{0, 12000, 2, "0.01"},
		{0, 12000, 3, "0.012"},
		{0, 123456, 2, "0.12"},
		{0, 100000, 2, "0.1"},		/* no trailing zero */
		{0, 995000, 2, "1"},
		{1, 0, 2, "1"},
		{1, 440000, 2, "1.4"},
		{2, 360000, 2, "2.4"},
		{9, 960000, 2, "10"},
		{10, 400000, 2, "10"},
		{15, 600000, 2, "16"},
		{123, 0, 2, "123"},
		{86400, 499999, 2, "86400"},
		{0, 123456, 0, "0"},
		{0, 623456, 0, "1"},
		{0, 1234, 6, "0.0012"},		/* two significant digits */
		{-1, 0, 2, "0"},
	};
	VSTRING *buf = vstring_alloc(10);
	size_t  i;

	(void) unused;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		VSTRING_RESET(buf);
		deliver_format_delay(buf, cases[i].sec, cases[i].usec,
				     cases[i].res);
		if (strcmp(vstring_str(buf), cases[i].want) != 0)
			fail_msg("%ld.%06ld res %d: got %s, want %s",
				 cases[i].sec, cases[i].usec, cases[i].res,
				 vstring_str(buf), cases[i].want);
	}
	vstring_free(buf);
}

static void
test_parse_time(void **unused)
{
	struct timeval tv;

	(void) unused;
	assert_int_equal(deliver_request_parse_time("1700000000.123456", &tv), 0);
	assert_int_equal(tv.tv_sec, 1700000000);
	assert_int_equal(tv.tv_usec, 123456);
	assert_int_equal(deliver_request_parse_time("5.1", &tv), 0);
	assert_int_equal(tv.tv_usec, 100000);
	assert_int_equal(deliver_request_parse_time("7", &tv), 0);
	assert_int_equal(tv.tv_usec, 0);
	assert_int_equal(deliver_request_parse_time("", &tv), -1);
	assert_int_equal(deliver_request_parse_time("5.", &tv), -1);
	assert_int_equal(deliver_request_parse_time("5.1234567", &tv), -1);
	assert_int_equal(deliver_request_parse_time("-5.1", &tv), -1);
	assert_int_equal(deliver_request_parse_time("5.1x", &tv), -1);
	assert_int_equal(deliver_request_parse_time(" 5", &tv), -1);
}

/* A request with fixed times: arrival 1000.0, active +0.05, dispatch
 * +0.01, now +0.12 after arrival. */
static DELIVER_REQUEST *
fixed_request(int fd)
{
	DELIVER_REQUEST *req = calloc(1, sizeof(*req));
	struct timeval now = {1000, 120000};

	req->fd = fd;
	req->queue_id = strdup(QID);
	req->arrival_time.tv_sec = 1000;
	req->active_time.tv_sec = 1000;
	req->active_time.tv_usec = 50000;
	req->dispatch_time.tv_sec = 1000;
	req->dispatch_time.tv_usec = 60000;
	deliver_request_set_clock(&now);
	return (req);
}

static void
free_fixed(DELIVER_REQUEST *req)
{
	free(req->queue_id);
	free(req);
}

static void
test_delays(void **unused)
{
	VSTRING *buf = vstring_alloc(10);
	DELIVER_REQUEST *req = fixed_request(-1);

	(void) unused;
	assert_string_equal(deliver_delays(buf, req),
			    "delay=0.12, delays=0.05/0.01/0/0.06");
	req->conn_setup = 0.02;
	assert_string_equal(deliver_delays(buf, req),
			    "delay=0.12, delays=0.05/0.01/0.02/0.04");
	req->conn_setup = 0;
	req->arrival_time.tv_sec = 900;		/* a hundred seconds earlier */
	assert_string_equal(deliver_delays(buf, req),
			    "delay=100, delays=100/0.01/0/0.06");
	free_fixed(req);
	vstring_free(buf);
}

/* ---- log lines and the queue file --------------------------------------- */

/* A scratch queue file with two RCPT records; their offsets. */
static int
scratch_file(char *path, off_t *off1, off_t *off2)
{
	int     fd;
	QFILE  *qf;

	strcpy(path, "/tmp/test_deliver_request.XXXXXX");
	assert_true((fd = mkstemp(path)) >= 0);
	qf = qfile_open(fd, QFILE_WRITE, 0);
	assert_int_equal(qfile_write_str(qf, REC_TYPE_SENDER, "a@example.org"), 0);
	assert_int_equal(qfile_write_str(qf, REC_TYPE_RCPT, "b@example.com"), 0);
	*off1 = qfile_rec_offset(qf);
	assert_int_equal(qfile_write_str(qf, REC_TYPE_RCPT, "c@example.com"), 0);
	*off2 = qfile_rec_offset(qf);
	assert_int_equal(qfile_write_rec(qf, REC_TYPE_MESSAGE, "", 0), 0);
	assert_int_equal(qfile_write_rec(qf, REC_TYPE_XTRA, "", 0), 0);
	assert_int_equal(qfile_write_rec(qf, REC_TYPE_END, "", 0), 0);
	assert_int_equal(qfile_close(qf), 0);
	return (fd);
}

static char
type_at(int fd, off_t off)
{
	char    c = 0;

	assert_int_equal(pread(fd, &c, 1, off), 1);
	return (c);
}

static void
test_log_lines(void **unused)
{
	char    path[64];
	off_t   off1;
	off_t   off2;
	int     fd = scratch_file(path, &off1, &off2);
	DELIVER_REQUEST *req = fixed_request(fd);
	RECIPIENT b = {"B@example.com", "b@example.com", 0, "", 0};
	RECIPIENT c = {"alias@example.com", "c@example.com", 0, "",
		DSN_NOTIFY_SUCCESS};
	DSN_INFO sent = {"2.0.0", "delivered", "delivered to maildir",
		"", "", "", ""};
	DSN_INFO tmp = {"4.2.2", "delayed", "mailbox full", "", "", "", ""};

	(void) unused;
	b.offset = (long) off1;
	c.offset = (long) off2;

	/* Same address in another case: no orig_to. */
	assert_int_equal(deliver_sent(req, &b, "local", &sent), DEL_STAT_OK);
	assert_string_equal(vstring_str(logged),
			    QID ": to=<b@example.com>, relay=local, delay=0.12, "
			    "delays=0.05/0.01/0/0.06, dsn=2.0.0, "
			    "status=sent (delivered to maildir)\n");
	assert_int_equal(type_at(fd, off1), REC_TYPE_DONE);
	assert_int_equal(type_at(fd, off2), REC_TYPE_RCPT);
	assert_string_equal(vstring_str(appended), "");

	/* NOTIFY=SUCCESS: the trace log gets it; orig_to differs. */
	VSTRING_RESET(logged);
	assert_int_equal(deliver_sent(req, &c, "local", &sent), DEL_STAT_OK);
	assert_string_equal(vstring_str(logged),
			    QID ": to=<c@example.com>, orig_to=<alias@example.com>, "
			    "relay=local, delay=0.12, delays=0.05/0.01/0/0.06, "
			    "dsn=2.0.0, status=sent (delivered to maildir)\n");
	assert_string_equal(vstring_str(appended),
			    "trace " QID " c@example.com 2.0.0 delivered "
			    "delivered to maildir\n");

	/* Deferred: the defer log, nothing marked, class forced to 4. */
	VSTRING_RESET(logged);
	VSTRING_RESET(appended);
	assert_int_equal(type_at(fd, off1), REC_TYPE_DONE);
	tmp.status = "5.2.2";
	assert_int_equal(deliver_defer(req, &b, "local", &tmp), DEL_STAT_DEFER);
	assert_string_equal(vstring_str(logged),
			    QID ": to=<b@example.com>, relay=local, delay=0.12, "
			    "delays=0.05/0.01/0/0.06, dsn=4.2.2, "
			    "status=deferred (mailbox full)\n");
	assert_string_equal(vstring_str(appended),
			    "defer " QID " b@example.com 4.2.2 delayed "
			    "mailbox full\n");
	free_fixed(req);
	(void) close(fd);
	(void) unlink(path);
}

static void
test_bounce_lines(void **unused)
{
	char    path[64];
	off_t   off1;
	off_t   off2;
	int     fd = scratch_file(path, &off1, &off2);
	DELIVER_REQUEST *req = fixed_request(fd);
	RECIPIENT b = {"", "b@example.com", 0, "", 0};
	RECIPIENT c = {"", "c@example.com", 0, "", DSN_NOTIFY_NEVER};
	DSN_INFO fail = {"5.1.1", "failed", "unknown user", "", "", "", ""};

	(void) unused;
	b.offset = (long) off1;
	c.offset = (long) off2;
	assert_int_equal(deliver_bounce(req, &b, "none", &fail), DEL_STAT_OK);
	assert_string_equal(vstring_str(logged),
			    QID ": to=<b@example.com>, relay=none, delay=0.12, "
			    "delays=0.05/0.01/0/0.06, dsn=5.1.1, "
			    "status=bounced (unknown user)\n");
	assert_string_equal(vstring_str(appended),
			    "bounce " QID " b@example.com 5.1.1 failed "
			    "unknown user\n");
	assert_int_equal(type_at(fd, off1), REC_TYPE_DONE);

	/* NOTIFY=NEVER: bounced and done, but nothing for a report. */
	VSTRING_RESET(appended);
	assert_int_equal(deliver_bounce(req, &c, "none", &fail), DEL_STAT_OK);
	assert_string_equal(vstring_str(appended), "");
	assert_int_equal(type_at(fd, off2), REC_TYPE_DONE);
	free_fixed(req);
	(void) close(fd);
	(void) unlink(path);
}

static void
test_bounce_log_failure_defers(void **unused)
{
	char    path[64];
	off_t   off1;
	off_t   off2;
	int     fd = scratch_file(path, &off1, &off2);
	DELIVER_REQUEST *req = fixed_request(fd);
	RECIPIENT b = {"", "b@example.com", 0, "", 0};
	DSN_INFO fail = {"5.1.1", "failed", "unknown user", "", "", "", ""};

	(void) unused;
	b.offset = (long) off1;
	append_fails = 1;
	assert_int_equal(deliver_bounce(req, &b, "none", &fail), DEL_STAT_DEFER);
	assert_non_null(strstr(vstring_str(logged), "dsn=4.3.0, status=deferred "
			       "(bounce or trace service failure)"));
	assert_int_equal(type_at(fd, off1), REC_TYPE_RCPT);
	free_fixed(req);
	(void) close(fd);
	(void) unlink(path);
}

static void
test_mark_failure_defers(void **unused)
{
	char    path[64];
	off_t   off1;
	off_t   off2;
	int     fd = scratch_file(path, &off1, &off2);
	DELIVER_REQUEST *req = fixed_request(fd);
	RECIPIENT b = {"", "b@example.com", 0, "", 0};
	DSN_INFO sent = {"2.0.0", "delivered", "ok", "", "", "", ""};

	(void) unused;
	b.offset = 1;			/* not a RCPT record */
	assert_int_equal(deliver_sent(req, &b, "local", &sent), DEL_STAT_DEFER);
	assert_null(strstr(vstring_str(logged), "status=sent"));
	assert_non_null(strstr(vstring_str(logged), "status=deferred"));
	free_fixed(req);
	(void) close(fd);
	(void) unlink(path);
}

/* ---- decoding ------------------------------------------------------------ */

static char scratch_dir[64];

static void
make_queue(void)
{
	char    path[128];
	int     fd;

	strcpy(scratch_dir, "/tmp/test_deliver_q.XXXXXX");
	assert_non_null(mkdtemp(scratch_dir));
	assert_int_equal(chdir(scratch_dir), 0);
	assert_int_equal(mkdir("active", 0700), 0);
	snprintf(path, sizeof(path), "active/%s", QID);
	assert_true((fd = open(path, O_CREAT | O_WRONLY, 0600)) >= 0);
	assert_int_equal(write(fd, "Sx", 2), 2);
	(void) close(fd);
}

static void
remove_queue(void)
{
	char    path[128];

	snprintf(path, sizeof(path), "active/%s", QID);
	(void) unlink(path);
	(void) rmdir("active");
	assert_int_equal(chdir("/"), 0);
	(void) rmdir(scratch_dir);
}

static void
put(VSTRING *buf, const char *name, const char *value)
{
	vstring_memcat(buf, name, strlen(name) + 1);
	vstring_memcat(buf, value, strlen(value) + 1);
}

/* A request as qmgr sends it; "skip" leaves out one attribute, "bad"
 * replaces one value. */
static void
build(VSTRING *buf, const char *skip, const char *bad_name,
      const char *bad_value, int end)
{
	static const char *const fields[][2] = {
		{"flags", "0"}, {"queue_name", "active"}, {"queue_id", QID},
		{"offset", "200"}, {"data_size", "10"},
		{"nexthop", "example.com"}, {"encoding", "7bit"},
		{"smtputf8", "0"}, {"sender", "a@example.org"},
		{"dsn_envid", ""}, {"dsn_ret", "0"},
		{"arrival_time", "1000.000000"}, {"active_time", "1000.050000"},
		{"dispatch_time", "1000.060000"},
		{"log_client_name", "localhost"},
		{"log_client_address", "127.0.0.1"}, {"log_client_port", "25"},
		{"log_helo_name", "h"}, {"log_protocol", "ESMTP"},
		{"sasl_method", ""}, {"sasl_username", ""},
		{"rewrite_context", "remote"}, {"rcpt_count", "2"},
		{"orig_rcpt", ""}, {"rcpt", "b@example.com"},
		{"rcpt_offset", "50"}, {"dsn_orcpt", ""}, {"dsn_notify", "0"},
		{"orig_rcpt", "x@example.com"}, {"rcpt", "c@example.com"},
		{"rcpt_offset", "70"}, {"dsn_orcpt", "rfc822;c@example.com"},
		{"dsn_notify", "6"},
	};
	size_t  i;

	VSTRING_RESET(buf);
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		if (skip && strcmp(fields[i][0], skip) == 0)
			continue;
		put(buf, fields[i][0], bad_name && strcmp(fields[i][0], bad_name)
		    == 0 ? bad_value : fields[i][1]);
	}
	if (end)
		vstring_addch(buf, 0);
}

/* Feed buf to deliver_request_read() through a socket pair. */
static DELIVER_REQUEST *
decode(VSTRING *buf, VSTREAM **streamp, int *peer)
{
	int     sv[2];
	VSTREAM *stream;

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(write(sv[1], vstring_str(buf), vstring_len(buf)),
			 (ssize_t) vstring_len(buf));
	assert_int_equal(shutdown(sv[1], SHUT_WR), 0);
	stream = vstream_fdopen(sv[0], O_RDWR);
	vstream_set_timeout(stream, 5);
	*streamp = stream;
	*peer = sv[1];
	return (deliver_request_read(stream));
}

static void
test_decode_good(void **unused)
{
	VSTRING *buf = vstring_alloc(500);
	VSTREAM *stream;
	DELIVER_REQUEST *req;
	char    reply[100];
	ssize_t n;
	int     peer;

	(void) unused;
	make_queue();
	build(buf, NULL, NULL, NULL, 1);
	req = decode(buf, &stream, &peer);
	assert_non_null(req);
	assert_true(req->fd >= 0);
	assert_string_equal(req->queue_id, QID);
	assert_string_equal(req->sender, "a@example.org");
	assert_string_equal(req->nexthop, "example.com");
	assert_int_equal(req->data_offset, 200);
	assert_int_equal(req->active_time.tv_usec, 50000);
	assert_int_equal(req->rcpt_count, 2);
	assert_string_equal(req->rcpt[1].address, "c@example.com");
	assert_string_equal(req->rcpt[1].orig_addr, "x@example.com");
	assert_string_equal(req->rcpt[1].dsn_orcpt, "rfc822;c@example.com");
	assert_int_equal(req->rcpt[1].dsn_notify, 6);
	assert_int_equal(req->rcpt[1].offset, 70);
	assert_int_equal(deliver_request_done(stream, NULL, DEL_STAT_DEFER, 1), 0);
	deliver_request_free(req);
	(void) vstream_close(stream);
	n = read(peer, reply, sizeof(reply));
	assert_int_equal(n, 27);
	assert_memory_equal(reply, "status\0" "0\0" "\0" "status\0" "1\0"
			    "dead\0" "1\0" "\0", 27);
	(void) close(peer);
	remove_queue();
	vstring_free(buf);
}

static void
test_decode_bad(void **unused)
{
	static const struct {
		const char *skip;
		const char *name;
		const char *value;
		int	end;
		const char *want;
	} cases[] = {
		{NULL, NULL, NULL, 0, "no end marker"},
		{"sender", NULL, NULL, 1, "malformed delivery request"},
		{"dsn_notify", NULL, NULL, 1, "malformed recipient 1"},
		{NULL, "queue_id", "../../etc/passwd", 1, "bad queue ID"},
		{NULL, "queue_name", "bounce", 1, "bad queue name"},
		{NULL, "queue_name", "nonesuch", 1, "bad queue name"},
		{NULL, "offset", "0", 1, "bad content offset"},
		{NULL, "offset", "12x", 1, "malformed delivery request"},
		{NULL, "flags", "1024", 1, "bad flags"},
		{NULL, "encoding", "binary", 1, "bad encoding"},
		{NULL, "dsn_ret", "3", 1, "bad dsn_ret"},
		{NULL, "arrival_time", "soon", 1, "bad time stamp"},
		{NULL, "rcpt_count", "0", 1, "bad recipient count"},
		{NULL, "rcpt_count", "1", 1, "malformed delivery request"},
		{NULL, "rcpt_count", "3", 1, "malformed recipient 3"},
		{NULL, "rcpt", "", 1, "bad recipient"},
		{NULL, "dsn_notify", "3", 1, "bad recipient"},
		{NULL, "rcpt_offset", "-4", 1, "bad recipient"},
	};
	VSTRING *buf = vstring_alloc(500);
	VSTREAM *stream;
	size_t  i;
	size_t  cut;
	int     peer;

	(void) unused;
	make_queue();
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		VSTRING_RESET(logged);
		build(buf, cases[i].skip, cases[i].name, cases[i].value,
		      cases[i].end);
		if (decode(buf, &stream, &peer) != NULL)
			fail_msg("case %zu accepted", i);
		if (strstr(vstring_str(logged), cases[i].want) == NULL)
			fail_msg("case %zu: log \"%s\" lacks \"%s\"", i,
				 vstring_str(logged), cases[i].want);
		(void) vstream_close(stream);
		(void) close(peer);
	}
	/* Every truncation of a good request is refused. */
	build(buf, NULL, NULL, NULL, 1);
	for (cut = 0; cut < vstring_len(buf); cut += 7) {
		VSTRING *part = vstring_alloc(500);

		vstring_memcpy(part, vstring_str(buf), cut);
		assert_null(decode(part, &stream, &peer));
		(void) vstream_close(stream);
		(void) close(peer);
		vstring_free(part);
	}
	remove_queue();
	vstring_free(buf);
}

static void
test_decode_missing_file_defers(void **unused)
{
	VSTRING *buf = vstring_alloc(500);
	VSTREAM *stream;
	char    reply[100];
	int     peer;

	(void) unused;
	make_queue();
	build(buf, NULL, "queue_id", "ABCDEF12345", 1);
	assert_null(decode(buf, &stream, &peer));
	assert_non_null(strstr(vstring_str(logged), "cannot open queue file"));
	(void) vstream_close(stream);
	assert_int_equal(read(peer, reply, sizeof(reply)), 27);
	assert_memory_equal(reply + 10, "status\0" "1\0" "dead\0" "0\0", 16);
	(void) close(peer);
	remove_queue();
	vstring_free(buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_format_delay, setup, teardown),
		cmocka_unit_test_setup_teardown(test_parse_time, setup, teardown),
		cmocka_unit_test_setup_teardown(test_delays, setup, teardown),
		cmocka_unit_test_setup_teardown(test_log_lines, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bounce_lines, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bounce_log_failure_defers,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_mark_failure_defers,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_decode_good, setup, teardown),
		cmocka_unit_test_setup_teardown(test_decode_bad, setup, teardown),
		cmocka_unit_test_setup_teardown(test_decode_missing_file_defers,
						setup, teardown),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
