/* Unit tests for lib/util/attr and base64. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "msg.h"
#include "mymalloc.h"
#include "vstring.h"
#include "vstream.h"
#include "htable.h"
#include "iostuff.h"
#include "base64.h"
#include "attr.h"

/* Warnings are captured, so that tests can check them. */
static VSTRING *warnings;

static void
capture(int level, const char *text)
{
	vstring_sprintf_append(warnings, "%s%s\n", msg_level_prefix(level), text);
}

static int
setup(void **state)
{
	warnings = vstring_alloc(100);
	msg_output(capture);
	return (0);
}

static int
teardown(void **state)
{
	msg_output_reset();
	vstring_free(warnings);
	return (0);
}

/* Each test starts with the default limits, whatever the last one did. */
static int
reset_limits(void **state)
{
	attr_set_limits(ATTR_DEF_NAME_MAX, ATTR_DEF_VALUE_MAX, ATTR_DEF_COUNT_MAX);
	VSTRING_RESET(warnings);
	return (0);
}

#define TEST(f)	cmocka_unit_test_setup(f, reset_limits)

static void
test_base64_vectors(void **state)
{
	static const char *vectors[][2] = {
		{"", ""}, {"f", "Zg=="}, {"fo", "Zm8="}, {"foo", "Zm9v"},
		{"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"},
	};
	static const char *bad[] = {
		"Zg=", "Zg", "Z===", "Zm9v!A==", "Zg==Zg==", "Zh==", "Zm9=",
		"Zm 9v", "=Zm9", "Zg=a",
	};
	VSTRING *out = vstring_alloc(10);
	VSTRING *back = vstring_alloc(10);
	unsigned char all[256];
	size_t  i;

	for (i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		base64_encode(out, vectors[i][0], strlen(vectors[i][0]));
		assert_string_equal(vstring_str(out), vectors[i][1]);
		assert_int_equal(base64_decode(back, vectors[i][1], strlen(vectors[i][1])), 0);
		assert_string_equal(vstring_str(back), vectors[i][0]);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(base64_decode(back, bad[i], strlen(bad[i])), -1);
	for (i = 0; i < 256; i++)
		all[i] = (unsigned char) (255 - i);
	base64_encode(out, all, sizeof(all));
	assert_int_equal(base64_decode(back, vstring_str(out), vstring_len(out)), 0);
	assert_int_equal(vstring_len(back), 256);
	assert_memory_equal(vstring_str(back), all, 256);
	vstring_free(out);
	vstring_free(back);
}

static HTABLE *
make_table(void)
{
	HTABLE *t = htable_create(4);

	htable_enter(t, "k1", mystrdup("v1"));
	htable_enter(t, "k0", mystrdup(""));
	return (t);
}

typedef int (*PRINT_FN) (VSTREAM *, int,...);
typedef int (*SCAN_FN) (VSTREAM *, int,...);

/* Every type out and back in; the wire bytes must be exactly want. */
static void
round_trip(PRINT_FN print, SCAN_FN scan, const char *want, size_t want_len)
{
	VSTRING *wire = vstring_alloc(100);
	VSTRING *str = vstring_alloc(10);
	VSTRING *data = vstring_alloc(10);
	HTABLE *out = make_table();
	HTABLE *in = htable_create(4);
	VSTREAM *vp;
	int     ival = 0;
	long    lval = 0;

	vp = vstream_memopen(wire, O_WRONLY);
	assert_int_equal(print(vp, ATTR_FLAG_NONE,
			       SEND_ATTR_STR("sender", "a@b"),
			       SEND_ATTR_INT("status", INT_MIN),
			       SEND_ATTR_LONG("size", LONG_MAX),
			       SEND_ATTR_DATA("blob", 3, "\0\1\n"),
			       SEND_ATTR_HASH(out),
			       ATTR_TYPE_END), 0);
	vstream_close(vp);
	assert_int_equal(vstring_len(wire), want_len);
	assert_memory_equal(vstring_str(wire), want, want_len);

	vp = vstream_memopen(wire, O_RDONLY);
	assert_int_equal(scan(vp, ATTR_FLAG_MISSING,
			      RECV_ATTR_STR("sender", str),
			      RECV_ATTR_INT("status", &ival),
			      RECV_ATTR_LONG("size", &lval),
			      RECV_ATTR_DATA("blob", data),
			      RECV_ATTR_HASH(in),
			      ATTR_TYPE_END), 6);
	assert_string_equal(vstring_str(str), "a@b");
	assert_int_equal(ival, INT_MIN);
	assert_true(lval == LONG_MAX);
	assert_int_equal(vstring_len(data), 3);
	assert_memory_equal(vstring_str(data), "\0\1\n", 3);
	assert_int_equal(in->used, 2);
	assert_string_equal(htable_find(in, "k0"), "");
	assert_string_equal(htable_find(in, "k1"), "v1");
	/* Nothing left behind. */
	assert_int_equal(vstream_getc(vp), VSTREAM_EOF);
	vstream_close(vp);
	assert_int_equal(vstring_len(warnings), 0);
	htable_free(out, myfree);
	htable_free(in, myfree);
	vstring_free(wire);
	vstring_free(str);
	vstring_free(data);
}

static void
test_attr0_round_trip(void **state)
{
	static const char want[] =
	"sender\0a@b\0status\0-2147483648\0size\0009223372036854775807\0"
	"blob\0AAEK\0k0\0\0k1\0v1\0";

	round_trip(attr_print0, attr_scan0, want, sizeof(want));
}

static void
test_plain_round_trip(void **state)
{
	static const char want[] =
	"sender=a@b\nstatus=-2147483648\nsize=9223372036854775807\n"
	"blob=AAEK\nk0=\nk1=v1\n\n";

	round_trip(attr_print_plain, attr_scan_plain, want, sizeof(want) - 1);
}

/* Malformed input: what a scan of (STR a, INT n) must make of it. */
struct bad_case {
	int     plain;
	const char *input;
	size_t  len;
	int     flags;
	int     want;
	const char *warning;		/* NULL: no warning expected */
};

#define IN(s)	s, sizeof(s) - 1

static const struct bad_case bad_cases[] = {
	/* attr0 */
	{0, IN("a\0x\0n\0005\0\0"), 0, 2, NULL},
	{0, IN("a\0x\0n\0005\0"), 0, -1, "premature end of input while reading attribute name"},
	{0, IN("a\0x\0n\0005"), 0, -1, "premature end of input while reading attribute value"},
	{0, IN("a\0xx"), 0, -1, "premature end of input"},
	{0, IN(""), 0, -1, NULL},
	{0, IN("a\0x\0n\0five\0\0"), 0, -1, "bad numerical value for attribute \"n\""},
	{0, IN("a\0x\0n\0\0\0"), 0, -1, "bad numerical value"},
	{0, IN("a\0x\0n\0+5\0\0"), 0, -1, "bad numerical value"},
	{0, IN("a\0x\0n\0 5\0\0"), 0, -1, "bad numerical value"},
	{0, IN("a\0x\0n\0-\0\0"), 0, -1, "bad numerical value"},
	{0, IN("a\0x\0n\0002147483648\0\0"), 0, -1, "bad numerical value"},
	{0, IN("a\0x\0n\0-0005\0\0"), 0, 2, NULL},
	{0, IN("a\0x\0z\0001\0\0"), 0, -1, "unexpected attribute \"z\" (expected \"n\")"},
	{0, IN("a\0x\0z\0001\0n\0005\0\0"), ATTR_FLAG_EXTRA, 2, NULL},
	{0, IN("a\0x\0n\0005\0z\0\0\0"), 0, -1, "unexpected attribute \"z\" (expected end of request)"},
	{0, IN("a\0x\0n\0005\0z\0\0\0"), ATTR_FLAG_EXTRA, 2, NULL},
	{0, IN("a\0x\0\0"), 0, 1, NULL},
	{0, IN("a\0x\0\0"), ATTR_FLAG_MISSING, -1, "missing attribute \"n\""},
	{0, IN("\0"), ATTR_FLAG_MISSING, -1, "missing attribute \"a\""},
	{0, IN("a\0xxxxxxxxxx\0n\0001\0\0"), 0, 2, NULL},
	{0, IN("a\0xxxxxxxxxxx\0n\0001\0\0"), 0, -1, "attribute value longer than 10 bytes"},
	{0, IN("aaaaaaaaaaaaaaaaaaaaa\0x\0\0"), 0, -1, "attribute name longer than 20 bytes"},
	/* plain */
	{1, IN("a=x\nn=5\n\n"), 0, 2, NULL},
	{1, IN("a=x\nn=5\n"), 0, -1, "premature end of input"},
	{1, IN("a=x\nn=5"), 0, -1, "premature end of input"},
	{1, IN(""), 0, -1, NULL},
	{1, IN("a=x\nnoequals\n\n"), 0, -1, "missing '=' in attribute line"},
	{1, IN("a=x\n=5\n\n"), 0, -1, "empty attribute name"},
	{1, IN("a=x\nn=5x\n\n"), 0, -1, "bad numerical value for attribute \"n\""},
	{1, IN("a=x\0y\nn=5\n\n"), 0, -1, "NUL byte in attribute line"},
	{1, IN("a=x\nz=1\n\n"), 0, -1, "unexpected attribute \"z\""},
	{1, IN("a=x\nn=5\nz=1\n\n"), ATTR_FLAG_EXTRA, 2, NULL},
	{1, IN("a=x\n\n"), ATTR_FLAG_MISSING, -1, "missing attribute \"n\""},
	{1, IN("a=xxxxxxxxxxx\nn=1\n\n"), 0, -1, "attribute value longer than 10 bytes"},
	{1, IN("a=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\nn=1\n\n"), 0, -1, "attribute line longer than"},
	{1, IN("a=x=y\nn=1\n\n"), 0, 2, NULL},
};

static void
test_malformed_inputs(void **state)
{
	VSTRING *str = vstring_alloc(10);
	VSTREAM *vp;
	size_t  i;
	int     n;
	int     got;

	attr_set_limits(20, 10, 0);
	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *c = bad_cases + i;

		VSTRING_RESET(warnings);
		vp = vstream_memopen_read(c->input, c->len);
		n = -99;
		got = (c->plain ? attr_scan_plain : attr_scan0) (vp, c->flags,
					       RECV_ATTR_STR("a", str),
					       RECV_ATTR_INT("n", &n),
					       ATTR_TYPE_END);
		if (got != c->want)
			fail_msg("case %zu: got %d, want %d (%s)", i, got, c->want,
				 vstring_str(warnings));
		if (c->warning == NULL) {
			assert_int_equal(vstring_len(warnings), 0);
		} else if (strstr(vstring_str(warnings), c->warning) == NULL) {
			fail_msg("case %zu: warning \"%s\" lacks \"%s\"", i,
				 vstring_str(warnings), c->warning);
		}
		if (got == 2)
			assert_true(n == 5 || n == 1 || n == -5);
		/* A scan that ended properly consumed the whole request. */
		if (got >= 0)
			assert_int_equal(vstream_getc(vp), VSTREAM_EOF);
		vstream_close(vp);
	}
	vstring_free(str);
}

static void
test_hash_count_limit(void **state)
{
	static const char input[] = "a\0001\0b\0002\0c\0003\0\0";
	HTABLE *t = htable_create(4);
	VSTREAM *vp = vstream_memopen_read(input, sizeof(input) - 1);

	attr_set_limits(0, 0, 2);
	VSTRING_RESET(warnings);
	assert_int_equal(attr_scan0(vp, 0, RECV_ATTR_HASH(t), ATTR_TYPE_END), -1);
	assert_non_null(strstr(vstring_str(warnings), "more than 2 attributes"));
	vstream_close(vp);
	htable_free(t, myfree);
}

/* The reply half of the policy protocol, and refusals when printing. */
static void
test_print_refuses_unencodable(void **state)
{
	VSTRING *wire = vstring_alloc(10);
	VSTREAM *vp = vstream_memopen(wire, O_WRONLY);
	HTABLE *t = htable_create(4);

	assert_int_equal(attr_print_plain(vp, 0, SEND_ATTR_STR("action", "DUNNO"),
					  ATTR_TYPE_END), 0);
	assert_string_equal(vstring_str(wire), "action=DUNNO\n\n");
	VSTRING_RESET(wire);
	VSTRING_RESET(warnings);
	assert_int_equal(attr_print_plain(vp, 0, SEND_ATTR_STR("ok", "fine"),
					  SEND_ATTR_STR("action", "REJECT\nx=y"),
					  ATTR_TYPE_END), -1);
	assert_int_equal(vstring_len(wire), 0);
	assert_non_null(strstr(vstring_str(warnings), "value contains newline"));
	htable_enter(t, "a=b", mystrdup("c"));
	assert_int_equal(attr_print_plain(vp, 0, SEND_ATTR_HASH(t), ATTR_TYPE_END), -1);
	assert_int_equal(vstring_len(wire), 0);
	/* attr0 carries '=' and newlines, but not an empty name. */
	assert_int_equal(attr_print0(vp, 0, SEND_ATTR_HASH(t),
				     SEND_ATTR_STR("x", "1\n2"), ATTR_TYPE_END), 0);
	assert_memory_equal(vstring_str(wire), "a=b\0c\0x\0001\n2\0\0", 15);
	VSTRING_RESET(wire);
	assert_int_equal(attr_print0(vp, 0, SEND_ATTR_STR("", "x"), ATTR_TYPE_END), -1);
	assert_int_equal(vstring_len(wire), 0);
	vstream_close(vp);
	htable_free(t, myfree);
	vstring_free(wire);
}

/* A request as Postfix's smtpd sends it to a policy server. */
static const char policy_request[] =
	"request=smtpd_access_policy\n"
	"protocol_state=RCPT\n"
	"protocol_name=ESMTP\n"
	"helo_name=mail.example.com\n"
	"queue_id=8045F2AB23\n"
	"sender=foo@example.com\n"
	"recipient=bar@example.org\n"
	"recipient_count=0\n"
	"client_address=192.0.2.1\n"
	"client_name=mail.example.com\n"
	"reverse_client_name=mail.example.com\n"
	"instance=123.456.7\n"
	"sasl_method=plain\n"
	"sasl_username=you\n"
	"sasl_sender=\n"
	"size=12345\n"
	"ccert_subject=\n"
	"ccert_issuer=\n"
	"ccert_fingerprint=\n"
	"ccert_pubkey_fingerprint=\n"
	"encryption_protocol=TLSv1.3\n"
	"encryption_cipher=TLS_AES_256_GCM_SHA384\n"
	"encryption_keysize=256\n"
	"etrn_domain=\n"
	"stress=\n"
	"client_port=54321\n"
	"policy_context=\n"
	"server_address=198.51.100.25\n"
	"server_port=25\n"
	"compatibility_level=3.6\n"
	"mail_version=3.7.11\n"
	"\n";

static void
test_plain_policy_request(void **state)
{
	VSTREAM *vp = vstream_memopen_read(policy_request, sizeof(policy_request) - 1);
	HTABLE *t = htable_create(40);
	VSTRING *request = vstring_alloc(10);
	VSTRING *client = vstring_alloc(10);
	VSTRING *state_name = vstring_alloc(10);
	long    size = 0;
	int     n;

	VSTRING_RESET(warnings);
	n = attr_scan_plain(vp, 0, RECV_ATTR_HASH(t), ATTR_TYPE_END);
	if (n != 31)
		fail_msg("got %d: %s", n, vstring_str(warnings));
	assert_string_equal(htable_find(t, "request"), "smtpd_access_policy");
	assert_string_equal(htable_find(t, "sender"), "foo@example.com");
	assert_string_equal(htable_find(t, "sasl_sender"), "");
	assert_string_equal(htable_find(t, "encryption_cipher"), "TLS_AES_256_GCM_SHA384");
	vstream_close(vp);

	/* The attributes we care about, in order, skipping the others. */
	vp = vstream_memopen_read(policy_request, sizeof(policy_request) - 1);
	assert_int_equal(attr_scan_plain(vp, ATTR_FLAG_EXTRA | ATTR_FLAG_MISSING,
					 RECV_ATTR_STR("request", request),
					 RECV_ATTR_STR("protocol_state", state_name),
					 RECV_ATTR_STR("client_address", client),
					 RECV_ATTR_LONG("size", &size),
					 ATTR_TYPE_END), 4);
	assert_string_equal(vstring_str(state_name), "RCPT");
	assert_string_equal(vstring_str(client), "192.0.2.1");
	assert_int_equal(size, 12345);
	assert_int_equal(vstream_getc(vp), VSTREAM_EOF);
	vstream_close(vp);
	htable_free(t, myfree);
	vstring_free(request);
	vstring_free(client);
	vstring_free(state_name);
}

/* Two requests back to back, one built in two parts (ATTR_FLAG_MORE). */
static void
test_socket_requests_and_more(void **state)
{
	int     fds[2];
	VSTREAM *client;
	VSTREAM *server;
	VSTRING *str = vstring_alloc(10);
	int     n = 0;

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
	client = vstream_fdopen(fds[0], O_RDWR);
	server = vstream_fdopen(fds[1], O_RDWR);
	vstream_set_timeout(client, 5);
	vstream_set_timeout(server, 5);
	assert_int_equal(attr_print(client, ATTR_FLAG_MORE,
				    SEND_ATTR_STR("queue_id", "ABC123"), ATTR_TYPE_END), 0);
	assert_int_equal(attr_print(client, ATTR_FLAG_FLUSH,
				    SEND_ATTR_INT("status", 7), ATTR_TYPE_END), 0);
	assert_int_equal(attr_print(client, ATTR_FLAG_FLUSH,
				    SEND_ATTR_INT("status", 8), ATTR_TYPE_END), 0);
	assert_int_equal(attr_scan(server, ATTR_FLAG_MORE | ATTR_FLAG_MISSING,
				   RECV_ATTR_STR("queue_id", str), ATTR_TYPE_END), 1);
	assert_string_equal(vstring_str(str), "ABC123");
	assert_int_equal(attr_scan(server, ATTR_FLAG_MISSING,
				   RECV_ATTR_INT("status", &n), ATTR_TYPE_END), 1);
	assert_int_equal(n, 7);
	assert_int_equal(attr_scan(server, ATTR_FLAG_MISSING,
				   RECV_ATTR_INT("status", &n), ATTR_TYPE_END), 1);
	assert_int_equal(n, 8);
	/* The peer hangs up between requests: -1, quietly. */
	VSTRING_RESET(warnings);
	vstream_close(client);
	assert_int_equal(attr_scan(server, 0, RECV_ATTR_INT("status", &n), ATTR_TYPE_END), -1);
	assert_true(vstream_feof(server));
	assert_int_equal(vstring_len(warnings), 0);
	vstream_close(server);
	vstring_free(str);
}

/* A peer that stops mid-request: the scan gives up at the deadline. */
static void
test_scan_timeout_mid_request(void **state)
{
	int     fds[2];
	VSTREAM *server;
	VSTRING *str = vstring_alloc(10);
	long long start;
	int     n;

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
	assert_int_equal(write(fds[0], "queue_id\0ABC\0stat", 17), 17);
	server = vstream_fdopen(fds[1], O_RDWR);
	vstream_set_timeout(server, 1);
	vstream_set_deadline(server, 1);
	VSTRING_RESET(warnings);
	start = monotonic_ms();
	assert_int_equal(attr_scan(server, 0, RECV_ATTR_STR("queue_id", str),
				   RECV_ATTR_INT("status", &n), ATTR_TYPE_END), -1);
	assert_true(monotonic_ms() - start < 3000);
	assert_true(vstream_ftimeout(server));
	assert_non_null(strstr(vstring_str(warnings), "timeout while reading attribute name"));
	vstream_close(server);
	close(fds[0]);
	vstring_free(str);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		TEST(test_base64_vectors),
		TEST(test_attr0_round_trip),
		TEST(test_plain_round_trip),
		TEST(test_malformed_inputs),
		TEST(test_hash_count_limit),
		TEST(test_print_refuses_unencodable),
		TEST(test_plain_policy_request),
		TEST(test_socket_requests_and_more),
		TEST(test_scan_timeout_mid_request),
	};

	return (cmocka_run_group_tests(tests, setup, teardown));
}
