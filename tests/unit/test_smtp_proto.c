/*
 * Unit tests for the smtp(8)/lmtp(8) client's protocol helpers:
 * next-hop syntax (smtp_dest), reply parsing with enhanced status codes
 * (smtp_get_reply), RFC 3461 xtext, envelope quoting, and the content
 * writer (smtp_data_send: CR LF, dot-stuffing, long lines from
 * FRAGMENT records) against a real queue file.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "mymalloc.h"
#include "vstring.h"
#include "vstream.h"
#include "qfile.h"
#include "smtp.h"

#define STR(x)	vstring_str(x)

typedef struct DEST_CASE {
	const char *text;
	int	lmtp;
	int	ok;
	const char *host;
	const char *path;
	unsigned port;
	int	no_mx;
} DEST_CASE;

static const DEST_CASE dest_cases[] = {
	{"example.com", 0, 0, "example.com", NULL, 25, 0},
	{"example.com:587", 0, 0, "example.com", NULL, 587, 0},
	{"[mail.example.com]", 0, 0, "mail.example.com", NULL, 25, 1},
	{"[192.0.2.1]:2525", 0, 0, "192.0.2.1", NULL, 2525, 1},
	{"[2001:db8::1]:26", 0, 0, "2001:db8::1", NULL, 26, 1},
	{"inet:mx.example.com:24", 1, 0, "mx.example.com", NULL, 24, 1},
	{"mx.example.com", 1, 0, "mx.example.com", NULL, 24, 1},
	{"unix:private/dovecot-lmtp", 1, 0, "me.example", "private/dovecot-lmtp",
	 0, 1},
	{"[]", 0, -1, NULL, NULL, 0, 0},
	{"[host", 0, -1, NULL, NULL, 0, 0},
	{"[host]x", 0, -1, NULL, NULL, 0, 0},
	{"host:99999", 0, -1, NULL, NULL, 0, 0},
	{"host:nosuchservice", 0, -1, NULL, NULL, 0, 0},
	{"unix:", 1, -1, NULL, NULL, 0, 0},
};

static void
test_dest_parse(void **unused)
{
	VSTRING *why = vstring_alloc(10);
	SMTP_DEST dest;
	size_t	i;

	(void) unused;
	smtp_var.myhostname = "me.example";
	for (i = 0; i < sizeof(dest_cases) / sizeof(dest_cases[0]); i++) {
		const DEST_CASE *c = dest_cases + i;

		smtp_lmtp = c->lmtp;
		smtp_var.default_port = c->lmtp ? 24 : 25;
		assert_int_equal(smtp_dest_parse(c->text, &dest, why), c->ok);
		if (c->ok < 0) {
			assert_non_null(strstr(STR(why), c->text));
			continue;
		}
		assert_string_equal(dest.host, c->host);
		if (c->path)
			assert_string_equal(dest.path, c->path);
		else
			assert_null(dest.path);
		assert_int_equal(dest.port, c->port);
		assert_int_equal(dest.no_mx, c->no_mx);
		smtp_dest_free(&dest);
	}
	smtp_lmtp = 0;
	vstring_free(why);
}

typedef struct REPLY_CASE {
	const char *wire;
	int	status;
	int	code;
	const char *dsn;
	const char *text;
	int	lines;
} REPLY_CASE;

static const REPLY_CASE reply_cases[] = {
	{"250 2.0.0 Ok: queued as ABC\r\n", 0, 250, "2.0.0",
	 "250 2.0.0 Ok: queued as ABC", 1},
	{"550-5.1.1 first\r\n550 5.1.1 second\r\n", 0, 550, "5.1.1",
	 "550-5.1.1 first 550 5.1.1 second", 2},
	{"450 mailbox busy\r\n", 0, 450, "4.0.0", "450 mailbox busy", 1},
	/* An enhanced code of another class is not taken. */
	{"451 5.1.1 odd\r\n", 0, 451, "4.0.0", "451 5.1.1 odd", 1},
	{"250\r\n", 0, 250, "2.0.0", "250", 1},
	{"250 4.5.6.7 x\r\n", 0, 250, "2.0.0", "250 4.5.6.7 x", 1},
	{"250-sink.test\n250-PIPELINING\n250 SIZE 100\n", 0, 250, "2.0.0",
	 "250-sink.test 250-PIPELINING 250 SIZE 100", 3},
	{"garbage\r\n", 0, 0, "4.0.0", "garbage", 1},
	{"250-partial\r\n", -1, 0, "", "", 0},
	{"", -1, 0, "", "", 0},
};

static void
test_get_reply(void **unused)
{
	SMTP_SESSION session;
	SMTP_REPLY *reply = smtp_reply_alloc();
	size_t	i;

	(void) unused;
	for (i = 0; i < sizeof(reply_cases) / sizeof(reply_cases[0]); i++) {
		const REPLY_CASE *c = reply_cases + i;

		memset(&session, 0, sizeof(session));
		session.stream = vstream_memopen_read(c->wire, strlen(c->wire));
		assert_int_equal(smtp_get_reply(&session, reply), c->status);
		if (c->status == 0) {
			assert_int_equal(reply->code, c->code);
			assert_string_equal(reply->dsn, c->dsn);
			assert_string_equal(STR(reply->text), c->text);
			assert_int_equal(reply->lines->len, c->lines);
		}
		vstream_close(session.stream);
	}
	smtp_reply_free(reply);
}

static void
test_ehlo_features(void **unused)
{
	static const char wire[] = "250-mx.example Hello\r\n"
		"250-PIPELINING\r\n250-SIZE 10240000\r\n250-8bitmime\r\n"
		"250-AUTH PLAIN LOGIN\r\n250-DSN\r\n"
		"250 STARTTLS\r\n"
		"250-x\r\n250-SIZE\r\n250 AUTH\r\n";
	SMTP_SESSION session;
	SMTP_REPLY *reply = smtp_reply_alloc();

	(void) unused;
	memset(&session, 0, sizeof(session));
	session.stream = vstream_memopen_read(wire, strlen(wire));
	assert_int_equal(smtp_get_reply(&session, reply), 0);
	smtp_ehlo_features(&session, reply);
	assert_int_equal(session.features, SMTP_FEATURE_ESMTP
			 | SMTP_FEATURE_PIPELINING | SMTP_FEATURE_SIZE
			 | SMTP_FEATURE_8BITMIME | SMTP_FEATURE_AUTH
			 | SMTP_FEATURE_DSN | SMTP_FEATURE_STARTTLS);
	assert_int_equal(session.size_limit, 10240000);
	assert_string_equal(session.auth_mechs, "PLAIN LOGIN");

	/* SIZE without a number: no limit; AUTH without mechanisms: none. */
	assert_int_equal(smtp_get_reply(&session, reply), 0);
	smtp_ehlo_features(&session, reply);
	assert_int_equal(session.features, SMTP_FEATURE_ESMTP
			 | SMTP_FEATURE_SIZE);
	assert_int_equal(session.size_limit, 0);
	assert_null(session.auth_mechs);
	vstream_close(session.stream);
	smtp_reply_free(reply);
}

static void
test_xtext_and_quote(void **unused)
{
	VSTRING *out = vstring_alloc(10);

	(void) unused;
	smtp_xtext(out, "a+b=c d\001\xc3\xa9");
	assert_string_equal(STR(out), "a+2Bb+3Dc+20d+01+C3+A9");
	smtp_xtext(out, "user@example.com");
	assert_string_equal(STR(out), "user@example.com");

	smtp_var.quote_rfc821_envelope = 1;
	smtp_quote_addr(out, "plain@example.com");
	assert_string_equal(STR(out), "plain@example.com");
	smtp_quote_addr(out, "john doe@example.com");
	assert_string_equal(STR(out), "\"john doe\"@example.com");
	smtp_quote_addr(out, "a..b@example.com");
	assert_string_equal(STR(out), "\"a..b\"@example.com");
	smtp_quote_addr(out, "a\"b@example.com");
	assert_string_equal(STR(out), "\"a\\\"b\"@example.com");
	smtp_quote_addr(out, "");
	assert_string_equal(STR(out), "");
	smtp_var.quote_rfc821_envelope = 0;
	smtp_quote_addr(out, "john doe@example.com");
	assert_string_equal(STR(out), "john doe@example.com");
	vstring_free(out);
}

static void
test_data_send(void **unused)
{
	char	path[] = "/tmp/test_smtp_proto.XXXXXX";
	int	fd = mkstemp(path);
	QFILE  *qf;
	DELIVER_REQUEST req;
	SMTP_SESSION session;
	VSTRING *wire = vstring_alloc(100);
	VSTRING *why = vstring_alloc(100);
	char	big[70000];
	VSTRING *expect = vstring_alloc(100);

	(void) unused;
	assert_true(fd >= 0);
	(void) unlink(path);
	memset(big, 'x', sizeof(big));
	big[0] = '.';
	qf = qfile_open(fd, QFILE_WRITE, 0);
	assert_int_equal(qfile_write_str(qf, REC_TYPE_MESSAGE, ""), 0);
	memset(&req, 0, sizeof(req));
	req.fd = fd;
	req.data_offset = (long) qfile_tell(qf);
	assert_int_equal(qfile_write_str(qf, REC_TYPE_NORMAL, "Subject: t"), 0);
	assert_int_equal(qfile_write_str(qf, REC_TYPE_NORMAL, ""), 0);
	assert_int_equal(qfile_write_str(qf, REC_TYPE_NORMAL, "."), 0);
	assert_int_equal(qfile_write_str(qf, REC_TYPE_NORMAL, "..x"), 0);
	assert_int_equal(qfile_write_str(qf, REC_TYPE_NORMAL, "a.b"), 0);
	assert_int_equal(qfile_write_line(qf, big, sizeof(big)), 0);
	assert_int_equal(qfile_write_str(qf, REC_TYPE_XTRA, ""), 0);
	assert_int_equal(qfile_write_str(qf, REC_TYPE_END, ""), 0);
	assert_int_equal(qfile_close(qf), 0);

	memset(&session, 0, sizeof(session));
	session.stream = vstream_memopen(wire, O_WRONLY);
	assert_int_equal(smtp_data_send(&session, &req, 0, why), 0);
	vstream_fflush(session.stream);
	vstring_strcpy(expect, "Subject: t\r\n\r\n..\r\n...x\r\na.b\r\n.");
	vstring_memcat(expect, big, sizeof(big));
	vstring_strcat(expect, "\r\n");
	assert_int_equal(vstring_len(wire), vstring_len(expect));
	assert_memory_equal(STR(wire), STR(expect), vstring_len(expect));
	vstream_close(session.stream);

	/* Long lines are broken with CR LF SPACE at the limit. */
	VSTRING_RESET(wire);
	session.stream = vstream_memopen(wire, O_WRONLY);
	smtp_var.line_length_limit = 4;
	assert_int_equal(smtp_data_send(&session, &req, 0, why), 0);
	vstream_fflush(session.stream);
	smtp_var.line_length_limit = 0;
	{
		const char *want = "Subj\r\n ect\r\n : t\r\n\r\n..\r\n"
			"...x\r\na.b\r\n..xx\r\n xxx\r\n xxx\r\n";

		assert_memory_equal(STR(wire), want, strlen(want));
	}
	vstream_close(session.stream);

	/* A bad offset is a queue file error, not a network one. */
	VSTRING_RESET(wire);
	session.stream = vstream_memopen(wire, O_WRONLY);
	req.data_offset = 1;
	assert_int_equal(smtp_data_send(&session, &req, 0, why), -2);
	vstream_close(session.stream);
	(void) close(fd);
	vstring_free(wire);
	vstring_free(why);
	vstring_free(expect);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dest_parse),
		cmocka_unit_test(test_get_reply),
		cmocka_unit_test(test_ehlo_features),
		cmocka_unit_test(test_xtext_and_quote),
		cmocka_unit_test(test_data_send),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
