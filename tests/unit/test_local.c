/*
 * Unit tests for local/local_token.c (alias value tokens, header section
 * and Delivered-To: loop detection, sysexits mapping, list and filter
 * helpers) and the lib/global helpers local uses: maildir_name() and
 * mailbox_from_line().
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "argv.h"
#include "vstring.h"
#include "mbox_write.h"
#include "maildir_write.h"
#include "local.h"

typedef struct TOK_CASE {
	const char *value;
	const char *expect[6];		/* "K" + text, NULL-terminated */
} TOK_CASE;

static const TOK_CASE tok_cases[] = {
	{"u1, u2", {"1u1", "1u2", NULL}},
	{"u1 u2,u3", {"1u1", "1u2", "1u3", NULL}},
	{"  bob@example.com ,", {"1bob@example.com", NULL}},
	{"/var/log/mail.archive", {"3/var/log/mail.archive", NULL}},
	{"/home/u/Maildir/", {"3/home/u/Maildir/", NULL}},
	{"|/usr/bin/procmail -f-", {"2/usr/bin/procmail -f-", NULL}},
	{"\"|/bin/cat > /tmp/x, y\", u1", {"2/bin/cat > /tmp/x, y", "1u1", NULL}},
	{"| cmd arg, u9", {"2cmd arg", "1u9", NULL}},
	{":include:/etc/list", {"4/etc/list", NULL}},
	{":INCLUDE: /etc/list2", {"4/etc/list2", NULL}},
	{"\\user, other", {"1\\user", "1other", NULL}},
	{"# comment only\nu5\n", {"1u5", NULL}},
	{"u1\n#x, y\nu2", {"1u1", "1u2", NULL}},
	{"\"odd user\"@example.com", {"1odd user@example.com", NULL}},
	{"", {NULL}},
	{" , ,", {NULL}},
};

static void
test_token_split(void **unused)
{
	size_t	i;
	size_t	j;

	(void) unused;
	for (i = 0; i < sizeof(tok_cases) / sizeof(tok_cases[0]); i++) {
		ARGV   *out = argv_alloc(4);

		local_token_split(out, tok_cases[i].value);
		for (j = 0; tok_cases[i].expect[j]; j++) {
			if (j >= out->len)
				fail_msg("case %zu: missing token %s", i,
					 tok_cases[i].expect[j]);
			assert_string_equal(out->argv[j], tok_cases[i].expect[j]);
		}
		assert_int_equal(out->len, j);
		argv_free(out);
	}
}

static void
test_token_kind(void **unused)
{
	ARGV   *out = argv_alloc(4);

	(void) unused;
	local_token_split(out, "|x, /f, :include:/i, a");
	assert_int_equal(LOCAL_TOK_KIND(out->argv[0]), LOCAL_TOK_COMMAND);
	assert_string_equal(LOCAL_TOK_TEXT(out->argv[0]), "x");
	assert_int_equal(LOCAL_TOK_KIND(out->argv[1]), LOCAL_TOK_FILE);
	assert_int_equal(LOCAL_TOK_KIND(out->argv[2]), LOCAL_TOK_INCLUDE);
	assert_string_equal(LOCAL_TOK_TEXT(out->argv[2]), "/i");
	assert_int_equal(LOCAL_TOK_KIND(out->argv[3]), LOCAL_TOK_ADDRESS);
	argv_free(out);
}

static void
test_maildir_name(void **unused)
{
	VSTRING *out = vstring_alloc(10);
	struct timeval tv = {1700000000, 42};

	(void) unused;
	assert_string_equal(maildir_name(out, &tv, 1234, 7, "mx.example"),
			    "1700000000.M000042P1234Q7.mx.example");
	/* '/' and ':' would break the name's structure (Maildir spec). */
	assert_string_equal(maildir_name(out, &tv, 1, 1, "a/b:c"),
			    "1700000000.M000042P1Q1.a\\057b\\072c");
	vstring_free(out);
}

static void
test_from_line(void **unused)
{
	VSTRING *out = vstring_alloc(10);
	time_t	when = 1700000000;

	(void) unused;
	setenv("TZ", "UTC", 1);
	tzset();
	assert_string_equal(mailbox_from_line(out, "a@b.c", when),
			    "From a@b.c  Tue Nov 14 22:13:20 2023\n");
	assert_string_equal(mailbox_from_line(out, "", 1700000000 - 13 * 86400),
			    "From MAILER-DAEMON  Wed Nov  1 22:13:20 2023\n");
	vstring_free(out);
}

static void
test_header_len_and_loop(void **unused)
{
	const char *msg = "Received: x\n\tcontinued\nDelivered-To:  U1@Example.COM \n"
	    "Subject: s\n\nDelivered-To: body@example.com\n";
	size_t	hlen = local_header_len(msg, strlen(msg));

	(void) unused;
	assert_int_equal(hlen, strstr(msg, "\n\n") + 1 - msg);
	assert_int_equal(local_delivered_seen(msg, hlen, "u1@example.com"), 1);
	assert_int_equal(local_delivered_seen(msg, hlen, "u2@example.com"), 0);
	/* A Delivered-To: line in the body is no header. */
	assert_int_equal(local_delivered_seen(msg, hlen, "body@example.com"), 0);
	/* No empty line: a non-header line ends the headers. */
	assert_int_equal(local_header_len("A: b\nbody line\n", 15), 5);
	assert_int_equal(local_header_len("A: b\n", 5), 5);
}

static void
test_sysexit(void **unused)
{
	const char *text;

	(void) unused;
	assert_string_equal(local_sysexit(75, &text), "4.3.0");
	assert_string_equal(text, "temporary failure");
	assert_string_equal(local_sysexit(67, &text), "5.1.1");
	assert_string_equal(text, "user unknown");
	assert_string_equal(local_sysexit(77, &text), "5.7.0");
	assert_null(local_sysexit(1, &text));
	assert_null(local_sysexit(100, &text));
}

static void
test_list_and_filter(void **unused)
{
	char	buf[] = "a;b`c$d e";

	(void) unused;
	assert_int_equal(local_list_has("alias, forward", "forward"), 1);
	assert_int_equal(local_list_has("alias,Forward", "forward"), 1);
	assert_int_equal(local_list_has("alias, forward", "include"), 0);
	assert_int_equal(local_list_has("", "alias"), 0);
	assert_int_equal(local_list_has("aliasx", "alias"), 0);
	assert_string_equal(local_filter(buf, "abcde"), "a_b_c_d_e");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_token_split),
		cmocka_unit_test(test_token_kind),
		cmocka_unit_test(test_maildir_name),
		cmocka_unit_test(test_from_line),
		cmocka_unit_test(test_header_len_and_loop),
		cmocka_unit_test(test_sysexit),
		cmocka_unit_test(test_list_and_filter),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
