/* Unit tests for lib/global/addr_quote and the helpers in addr_tok. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "vstring.h"
#include "addr_tok.h"
#include "addr_quote.h"

/* internal form -> external form; unquoting gives the internal form back. */
static const struct {
	const char *internal;
	const char *external;
} quote_cases[] = {
	{"", ""},			/* the null sender stays empty */
	{"user", "user"},
	{"user@example.com", "user@example.com"},
	{"first.last@example.com", "first.last@example.com"},
	{"a+tag@example.com", "a+tag@example.com"},
	{"!#$%&'*+-/=?^_`{|}~@x", "!#$%&'*+-/=?^_`{|}~@x"},
	{"a b@example.com", "\"a b\"@example.com"},
	{"a b", "\"a b\""},
	{"a..b@c", "\"a..b\"@c"},
	{".a@c", "\".a\"@c"},
	{"a.@c", "\"a.\"@c"},
	{".@c", "\".\"@c"},
	{"@c", "\"\"@c"},
	{"@", "\"\"@"},
	{"a@", "a@"},
	{"a\"b@c", "\"a\\\"b\"@c"},
	{"a\\b@c", "\"a\\\\b\"@c"},
	{"\"", "\"\\\"\""},
	{"\\", "\"\\\\\""},
	{"a@b@c", "\"a@b\"@c"},	/* the last '@' separates the domain */
	{"\"a\"@b", "\"\\\"a\\\"\"@b"},
	{"a(b)@c", "\"a(b)\"@c"},
	{"a<b>@c", "\"a<b>\"@c"},
	{"a,b@c", "\"a,b\"@c"},
	{"a;b@c", "\"a;b\"@c"},
	{"a:b@c", "\"a:b\"@c"},
	{"a[b]@c", "\"a[b]\"@c"},
	{"a\tb@c", "\"a\tb\"@c"},
	{"\xc3\xbcser@b\xc3\xbc.de", "\xc3\xbcser@b\xc3\xbc.de"},	/* SMTPUTF8 */
	{"\xc3\xbc ser@b", "\"\xc3\xbc ser\"@b"},
	{"a@[1.2.3.4]", "a@[1.2.3.4]"},
	{"a b@[1.2.3.4]", "\"a b\"@[1.2.3.4]"},
	{"a@b\"c", "a@b\"c"},		/* the domain is never touched */
	{"a b@c d", "\"a b\"@c d"},
	{"a\"@b", "\"a\\\"\"@b"},
	{"\"@\"", "\"\\\"\"@\""},
	{"x%y@z", "x%y@z"},
	{"x!y@z", "x!y@z"},
	{"-@z", "-@z"},
	{"a.b.c.d@e", "a.b.c.d@e"},
	{"a.b..c@e", "\"a.b..c\"@e"},
	{"  @x", "\"  \"@x"},
};

static void
test_quote_table(void **state)
{
	VSTRING *q = vstring_alloc(10);
	VSTRING *u = vstring_alloc(10);
	size_t  i;

	for (i = 0; i < sizeof(quote_cases) / sizeof(quote_cases[0]); i++) {
		addr_quote_local(q, quote_cases[i].internal);
		if (strcmp(vstring_str(q), quote_cases[i].external) != 0)
			fail_msg("case %zu: quote(%s) = %s, want %s", i,
				 quote_cases[i].internal, vstring_str(q),
				 quote_cases[i].external);
		addr_unquote_local(u, vstring_str(q));
		if (strcmp(vstring_str(u), quote_cases[i].internal) != 0)
			fail_msg("case %zu: unquote(%s) = %s", i, vstring_str(q),
				 vstring_str(u));
	}
	vstring_free(q);
	vstring_free(u);
}

/* Other external forms and what Postfix makes of them. */
static const struct {
	const char *external;
	const char *internal;
} unquote_cases[] = {
	{"\"a\".\"b\"@c", "a.b@c"},
	{"\"a\"b@c", "ab@c"},
	{"\"a\\b\"@c", "ab@c"},
	{"\"a@b\"@c@d", "a@b@c@d"},
	{"\"unterminated@c", "unterminated@c"},
	{"\"a\\", "a\\"},
	{"a\\b@c", "a\\b@c"},		/* backslash outside quotes is kept */
	{"plain", "plain"},
	{"@x", "@x"},
};

static void
test_unquote_table(void **state)
{
	VSTRING *u = vstring_alloc(10);
	size_t  i;

	for (i = 0; i < sizeof(unquote_cases) / sizeof(unquote_cases[0]); i++) {
		addr_unquote_local(u, unquote_cases[i].external);
		if (strcmp(vstring_str(u), unquote_cases[i].internal) != 0)
			fail_msg("case %zu: unquote(%s) = %s, want %s", i,
				 unquote_cases[i].external, vstring_str(u),
				 unquote_cases[i].internal);
	}
	vstring_free(u);
}

/* unquote(quote(x)) == x over random strings from a nasty alphabet. */
static void
test_round_trip_random(void **state)
{
	static const char alphabet[] = "a.@\"\\ (),:;<>[]\t\xc3\xbcz-";
	VSTRING *q = vstring_alloc(10);
	VSTRING *u = vstring_alloc(10);
	char    buf[16];
	size_t  len;
	size_t  i;
	int     n;

	srandom(4711);
	for (n = 0; n < 200000; n++) {
		len = (size_t) random() % (sizeof(buf) - 1);
		for (i = 0; i < len; i++)
			buf[i] = alphabet[random() % (sizeof(alphabet) - 1)];
		buf[len] = 0;
		addr_quote_local(q, buf);
		addr_unquote_local(u, vstring_str(q));
		if (strcmp(vstring_str(u), buf) != 0)
			fail_msg("'%s' -> '%s' -> '%s'", buf, vstring_str(q), vstring_str(u));
	}
	vstring_free(q);
	vstring_free(u);
}

static void
test_helpers(void **state)
{
	assert_false(addr_quote_needed("a.b", 3));
	assert_true(addr_quote_needed("a.b", 2));	/* "a." */
	assert_true(addr_quote_needed("", 0));
	assert_true(addr_tok_atext('~'));
	assert_false(addr_tok_atext('.'));
	assert_false(addr_tok_atext('@'));
	assert_false(addr_tok_atext(0));
	assert_true(addr_tok_utf8_ok("\xc3\xbc\xe2\x82\xac\xf0\x9f\x98\x80", 9));
	assert_false(addr_tok_utf8_ok("\xc3", 1));
	assert_false(addr_tok_utf8_ok("\xe0\x80\xaf", 3));	/* overlong */
	assert_false(addr_tok_utf8_ok("\xf4\x90\x80\x80", 4));	/* > U+10FFFF */
	assert_false(addr_tok_utf8_ok("\xed\xbf\xbf", 3));	/* surrogate */
	assert_false(addr_tok_utf8_ok("\x80", 1));
}

static void
test_tokenizer(void **state)
{
	static const char text[] = "\"a\\\"b\" (c (d)) [1.2] x\\ y.z@";
	ADDR_TOKS *toks = addr_tok_alloc();
	VSTRING *why = vstring_alloc(10);

	assert_int_equal(addr_tok_parse(toks, text, strlen(text), 0, why), 0);
	assert_int_equal(toks->len, 7);
	assert_int_equal(toks->tok[0].type, ADDR_TOK_QSTRING);
	assert_string_equal(toks->tok[0].text, "a\"b");
	assert_int_equal(toks->tok[1].type, ADDR_TOK_COMMENT);
	assert_string_equal(toks->tok[1].text, "c (d)");
	assert_true(toks->tok[1].flags & ADDR_TOK_FLAG_SPACE);
	assert_int_equal(toks->tok[2].type, ADDR_TOK_DLITERAL);
	assert_string_equal(toks->tok[2].text, "[1.2]");
	assert_int_equal(toks->tok[3].type, ADDR_TOK_ATOM);
	assert_string_equal(toks->tok[3].text, "x y");
	assert_true(toks->tok[3].flags & ADDR_TOK_FLAG_ESCAPED);
	assert_int_equal(toks->tok[4].type, '.');
	assert_int_equal(toks->tok[6].type, '@');
	assert_int_equal(addr_tok_parse(toks, "a (b", 4, 0, why), -1);
	assert_string_equal(vstring_str(why), "unterminated comment");
	assert_true(toks->tok[toks->len - 1].flags & ADDR_TOK_FLAG_OPEN);
	assert_int_equal(addr_tok_parse(toks, "a\r\n b", 5, 0, why), -1);
	assert_int_equal(addr_tok_parse(toks, "a\r\n b", 5, ADDR_TOK_PARSE_FOLD, why), 0);
	assert_int_equal(toks->len, 2);
	addr_tok_free(toks);
	vstring_free(why);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quote_table),
		cmocka_unit_test(test_unquote_table),
		cmocka_unit_test(test_round_trip_random),
		cmocka_unit_test(test_helpers),
		cmocka_unit_test(test_tokenizer),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
