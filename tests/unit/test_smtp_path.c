/*
 * Unit tests for lib/global/smtp_path. Each case gives the argument, the
 * flags, and the expected address/parameters or the expected reason. Cases
 * marked "Postfix:" were compared with Debian's Postfix 3.7 smtpd -v
 * (extract_addr result) in both strict_rfc821_envelopes modes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "vstring.h"
#include "smtp_path.h"

#define S	SMTP_PATH_FLAG_STRICT
#define U	SMTP_PATH_FLAG_UTF8
#define N	SMTP_PATH_INFO_NULL
#define RT	SMTP_PATH_INFO_ROUTE
#define B	SMTP_PATH_INFO_BARE
#define E8	SMTP_PATH_INFO_8BIT
#define REJ	NULL

typedef struct {
	const char *arg;
	int	flags;
	const char *addr;		/* REJ: refused */
	const char *params_or_why;	/* params when accepted, reason if not */
	int	info;
} PATH_CASE;

static const PATH_CASE cases[] = {
	/* The plain forms; Postfix: same results in both modes. */
	{"<a@b>", 0, "a@b", "", 0},
	{"<a@b>", S, "a@b", "", 0},
	{"<>", 0, "", "", N},
	{"<>", S, "", "", N},
	{" <a@b>", S, "a@b", "", 0},
	{"<Postmaster>", S, "Postmaster", "", 0},
	{"<a@b> SIZE=10", S, "a@b", "SIZE=10", 0},
	{"<a@b>\tSIZE=10  BODY=8BITMIME  ", 0, "a@b", "SIZE=10  BODY=8BITMIME", 0},
	{"<> SIZE=10", S, "", "SIZE=10", N},
	{"<a@b> <c@d>", 0, "a@b", "<c@d>", 0},	/* Postfix: 555 for the param */
	{"<a@b>SIZE=10", 0, REJ, "garbage after '>'", 0},
	{"<a@b>>", 0, REJ, "garbage after '>'", 0},
	{"", 0, REJ, "missing address", 0},
	{"   ", 0, REJ, "missing address", 0},
	/* Without <>: lenient only. Postfix: same. */
	{"a@b", 0, "a@b", "", B},
	{"a@b SIZE=1", 0, "a@b", "SIZE=1", B},
	{"a@b", S, REJ, "address not enclosed in <>", 0},
	{"Name <a@b>", 0, "Name", "<a@b>", B},	/* Postfix: 555 for the param */
	{"a@b>", 0, REJ, "unexpected '>' after address", 0},
	/* Source routes are dropped. Postfix: same. */
	{"<@x,@y:a@b>", S, "a@b", "", RT},
	{"<@x:a@b>", 0, "a@b", "", RT},
	{"<@[1.2.3.4]:a@b>", S, "a@b", "", RT},
	{"<@x,@y:\"a b\"@c>", S, "a b@c", "", RT},
	{"<@a,b:c@d>", 0, REJ, "malformed source route", 0},
	{"<@b>", 0, REJ, "malformed source route", 0},
	{"<@a,@b:>", 0, REJ, "empty local part", 0},
	/* Quoted local parts come out unquoted. Postfix: same. */
	{"<\"a b\"@c>", S, "a b@c", "", 0},
	{"<\"a\\\"b\"@c>", S, "a\"b@c", "", 0},
	{"<\"a\\\\b\"@c>", S, "a\\b@c", "", 0},
	{"<\"a\\b\"@c>", 0, "ab@c", "", 0},
	{"<\"a@b\"@c>", S, "a@b@c", "", 0},
	{"<\"a@b\">", 0, REJ, "'@' in local part without domain", 0},
	{"<\"a(b)\"@c>", S, "a(b)@c", "", 0},
	{"<\"a>b\"@c> X=1", S, "a>b@c", "X=1", 0},
	{"<\"a\".\"b\"@c>", 0, "a.b@c", "", 0},
	{"<\"a\".\"b\"@c>", S, REJ, "quoted string is not the whole local part", 0},
	{"<a\"b\"@c>", 0, REJ, "missing '.' between words of local part", 0},
	{"<\"\"@b>", 0, REJ, "empty local part", 0},
	{"<\"a@b>", 0, REJ, "missing '>' or unbalanced quote, comment or literal", 0},
	{"<\"a\tb\"@c>", 0, REJ, "control character in address", 0},
	/* Dot-string details: lenient as Postfix, strict as RFC 5321. */
	{"<a..b@c>", 0, "a..b@c", "", 0},
	{"<a..b@c>", S, REJ, "misplaced '.' in local part", 0},
	{"<.a@c>", S, REJ, "misplaced '.' in local part", 0},
	{"<a.@c>", S, REJ, "local part ends in '.'", 0},
	{"<a.b+tag@c>", S, "a.b+tag@c", "", 0},
	{"<a%b!c@d>", S, "a%b!c@d", "", 0},
	{"<a\\ b@c>", 0, "a b@c", "", 0},
	{"<a\\ b@c>", S, REJ, "backslash outside quotes", 0},
	{"<a b@c>", 0, REJ, "missing '.' between words of local part", 0},
	/* Comments and whitespace. Postfix: lenient accepts, strict refuses. */
	{"<a@b (comment)>", 0, "a@b", "", 0},
	{"<a(comment)@b>", S, REJ, "comment not allowed", 0},
	{"(comment) <a@b>", 0, "a@b", "", 0},
	{"<a@b>(c) SIZE=1", 0, "a@b", "SIZE=1", 0},
	{"<(x)>", 0, "", "", N},
	{"<a@b (c>", 0, REJ, "missing '>' or unbalanced quote, comment or literal", 0},
	{"< a@b >", 0, "a@b", "", 0},
	{"< a@b >", S, REJ, "whitespace inside <>", 0},
	{"<a @b>", S, REJ, "whitespace inside address", 0},
	{"< >", S, REJ, "whitespace inside <>", 0},
	{"<Name <a@b>>", 0, REJ, "garbage after '>'", 0},
	/* Domains. */
	{"<a@b_c.d>", 0, "a@b_c.d", "", 0},
	{"<a@b_c.d>", S, REJ, "invalid character in domain", 0},
	{"<a@-b.c>", S, REJ, "domain label starts or ends with '-'", 0},
	{"<a@b.c.>", 0, "a@b.c.", "", 0},
	{"<a@b.c.>", S, REJ, "domain ends in '.'", 0},
	{"<a@b..c>", S, REJ, "empty domain label", 0},
	{"<a@>", 0, REJ, "empty domain", 0},
	{"<a@b@c>", 0, REJ, "unexpected '@' after address", 0},
	{"<a@\"b\">", 0, REJ, "invalid domain", 0},
	{"<a@b c>", 0, REJ, "invalid domain", 0},
	{"<a@b!c>", 0, REJ, "invalid character in domain", 0},
	{"<a:b@c>", 0, REJ, "unexpected ':' after address", 0},
	{"<a,b@c>", 0, REJ, "unexpected ',' after address", 0},
	/* Address literals. */
	{"<a@[1.2.3.4]>", S, "a@[1.2.3.4]", "", 0},
	{"<a@[IPv6:2001:db8::1]>", S, "a@[IPv6:2001:db8::1]", "", 0},
	{"<a@[ipv6:::1]>", S, "a@[ipv6:::1]", "", 0},
	{"<a@[x-tag:stuff]>", S, "a@[x-tag:stuff]", "", 0},
	{"<a@[999.1.1.1]>", 0, "a@[999.1.1.1]", "", 0},
	{"<a@[999.1.1.1]>", S, REJ, "invalid address literal", 0},
	{"<a@[01.2.3.4]>", S, REJ, "invalid address literal", 0},
	{"<a@[1.2.3]>", S, REJ, "invalid address literal", 0},
	{"<a@[IPv6:1:2]>", S, REJ, "invalid address literal", 0},
	{"<a@[foo]>", S, REJ, "invalid address literal", 0},
	{"<a@[]>", 0, REJ, "invalid address literal", 0},
	{"<a@[x:b@c]>", 0, REJ, "invalid character in address literal", 0},
	{"<a@[1.2.3.4]x>", 0, REJ, "unexpected 'x' after address", 0},
	{"<[1.2.3.4]>", 0, REJ, "empty local part", 0},
	/* SMTPUTF8. */
	{"<\xc3\xbcser@b\xc3\xbc.de>", 0, REJ, "non-ASCII address without SMTPUTF8", 0},
	{"<\xc3\xbcser@b\xc3\xbc.de>", U | S, "\xc3\xbcser@b\xc3\xbc.de", "", E8},
	{"<\"\xc3\xbc x\"@b>", U, "\xc3\xbc x@b", "", E8},
	{"<\xff@b>", U, REJ, "malformed UTF-8 in address", 0},
	{"<\xc0\xaf@b>", U, REJ, "malformed UTF-8 in address", 0},	/* overlong */
	{"<\xed\xa0\x80@b>", U, REJ, "malformed UTF-8 in address", 0},	/* surrogate */
	{"<a@[\xc3\xbc]>", U, REJ, "invalid character in address literal", 0},
	/* Control characters never pass. */
	{"<a@b\x01>", 0, REJ, "control character in address", 0},
	{"<a\x7f@b>", 0, REJ, "control character in address", 0},
	{"<a@b\\>", 0, REJ, "missing '>' or unbalanced quote, comment or literal", 0},
};

static void
test_table(void **state)
{
	SMTP_PATH *path = smtp_path_alloc();
	VSTRING *why = vstring_alloc(10);
	size_t  i;
	int     ret;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const PATH_CASE *cp = cases + i;

		VSTRING_RESET(why);
		ret = smtp_path_parse(path, cp->arg, cp->flags, why);
		if (cp->addr == REJ) {
			if (ret != -1)
				fail_msg("case %zu '%s': accepted as '%s'", i, cp->arg,
					 vstring_str(path->addr));
			if (strcmp(vstring_str(why), cp->params_or_why) != 0)
				fail_msg("case %zu '%s': reason '%s', want '%s'", i,
				      cp->arg, vstring_str(why), cp->params_or_why);
			assert_string_equal(vstring_str(path->addr), "");
		} else {
			if (ret != 0)
				fail_msg("case %zu '%s': refused: %s", i, cp->arg,
					 vstring_str(why));
			if (strcmp(vstring_str(path->addr), cp->addr) != 0
			    || strcmp(vstring_str(path->params), cp->params_or_why) != 0)
				fail_msg("case %zu '%s': got '%s' [%s]", i, cp->arg,
				      vstring_str(path->addr), vstring_str(path->params));
			if (path->info != cp->info)
				fail_msg("case %zu '%s': info 0x%x, want 0x%x", i,
					 cp->arg, path->info, cp->info);
		}
	}
	smtp_path_free(path);
	vstring_free(why);
}

/* Whatever strict mode accepts, lenient mode accepts the same way. */
static void
test_strict_subset(void **state)
{
	SMTP_PATH *strict = smtp_path_alloc();
	SMTP_PATH *lenient = smtp_path_alloc();
	size_t  i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int     fl = cases[i].flags & ~S;

		if (smtp_path_parse(strict, cases[i].arg, fl | S, NULL) != 0)
			continue;
		assert_int_equal(smtp_path_parse(lenient, cases[i].arg, fl, NULL), 0);
		assert_string_equal(vstring_str(strict->addr), vstring_str(lenient->addr));
		assert_string_equal(vstring_str(strict->params), vstring_str(lenient->params));
	}
	smtp_path_free(strict);
	smtp_path_free(lenient);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_strict_subset),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
