/*
 * Unit tests for lib/global/addr_list. Expected items are written as
 * {name|address|group} with "-" for no group; several come from the
 * examples in RFC 5322 appendix A.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "vstring.h"
#include "addr_list.h"

#define OK	NULL

typedef struct {
	const char *text;
	int	flags;
	const char *items;		/* expected items */
	const char *why;		/* OK, or the first problem */
} LIST_CASE;

static const LIST_CASE cases[] = {
	/* Plain lists. */
	{"a@b", 0, "{|a@b|-}", OK},
	{"a@b, c@d", 0, "{|a@b|-}{|c@d|-}", OK},
	{"<a@b>", 0, "{|a@b|-}", OK},
	{"Name <a@b>", 0, "{Name|a@b|-}", OK},
	{"  Name   With  Spaces  <a@b>  ", 0, "{Name With Spaces|a@b|-}", OK},
	{"\"Quoted, Name\" <c@d>", 0, "{Quoted, Name|c@d|-}", OK},
	{"Name <a@b>, \"Quoted, Name\" <c@d>, group: e@f, g@h;, x@y (Comment)", 0,
	 "{Name|a@b|-}{Quoted, Name|c@d|-}{|e@f|group}{|g@h|group}{Comment|x@y|-}", OK},
	/* RFC 5322 appendix A. */
	{"\"Joe Q. Public\" <john.q.public@example.com>", 0,
	 "{Joe Q. Public|john.q.public@example.com|-}", OK},
	{"Mary Smith <mary@x.test>, jdoe@example.org, Who? <one@y.test>", 0,
	 "{Mary Smith|mary@x.test|-}{|jdoe@example.org|-}{Who?|one@y.test|-}", OK},
	{"<boss@nil.test>, \"Giant; \\\"Big\\\" Box\" <sysservices@example.net>", 0,
	 "{|boss@nil.test|-}{Giant; \"Big\" Box|sysservices@example.net|-}", OK},
	{"A Group:Ed Jones <c@a.test>,joe@where.test,John <jdoe@one.test>;", 0,
	 "{Ed Jones|c@a.test|A Group}{|joe@where.test|A Group}{John|jdoe@one.test|A Group}", OK},
	{"Undisclosed recipients:;", 0, "", OK},
	{"Pete(A nice \\) chap) <pete(his account)@silly.test(his host)>", 0,
	 "{Pete|pete@silly.test|-}", OK},
	{"Joe Q. Public <john.q.public@example.com>", 0,
	 "{Joe Q. Public|john.q.public@example.com|-}", OK},
	{"Mary Smith <@node.test:mary@example.net>, , jdoe@test  . example", 0,
	 "{Mary Smith|mary@example.net|-}{|jdoe@test.example|-}", OK},
	{"John Doe <jdoe@machine(comment).  example>", 0,
	 "{John Doe|jdoe@machine.example|-}", OK},
	{"Mary Smith\r\n     \r\n <mary@example.net>", 0,
	 "{Mary Smith|mary@example.net|-}", OK},
	/* Routes, literals, quoting. */
	{"John <@a,@b:jqp@example.com>", 0, "{John|jqp@example.com|-}", OK},
	{"a@[1.2.3.4]", 0, "{|a@[1.2.3.4]|-}", OK},
	{"\"a b\"@c", 0, "{|a b@c|-}", OK},
	{"<\"a@b\"@c>", 0, "{|a@b@c|-}", OK},
	{"\"a\\\\b\" <\"x\\\"y\"@z>", 0, "{a\\b|x\"y@z|-}", OK},
	{"root", 0, "{|root|-}", OK},
	{"<>", 0, "{||-}", OK},
	{"\"\" <a@b>", 0, "{|a@b|-}", OK},
	{"(Name In Comment) a@b", 0, "{Name In Comment|a@b|-}", OK},
	{"Phrase (not this) <a@b>", 0, "{Phrase|a@b|-}", OK},
	{"Folded\r\n\tName <a@b>,\r\n c@d", 0, "{Folded Name|a@b|-}{|c@d|-}", OK},
	{"\"folded\r\n quoted\" <a@b>", 0, "{folded quoted|a@b|-}", OK},
	{"=?utf-8?q?J=C3=B6rg?= <j@b>", 0, "{=?utf-8?q?J=C3=B6rg?=|j@b|-}", OK},
	/* Empty elements and comments between commas. */
	{"a@b,,c@d", 0, "{|a@b|-}{|c@d|-}", OK},
	{",a@b,", 0, "{|a@b|-}", OK},
	{"", 0, "", OK},
	{"(only comment)", 0, "", OK},
	{"a@b, (nothing), c@d", 0, "{|a@b|-}{|c@d|-}", OK},
	{"g: (c) a@b ;", 0, "{c|a@b|g}", OK},
	/* Non-ASCII: names always, addresses with the flag only. */
	{"\xc3\x9cn\xc3\xaf" "code <a@b>", 0, "{\xc3\x9cn\xc3\xaf" "code|a@b|-}", OK},
	{"<\xc3\xbc@b>", 0, "", "non-ASCII address without SMTPUTF8"},
	{"<\xc3\xbc@b>", ADDR_LIST_FLAG_UTF8, "{|\xc3\xbc@b|-}", OK},
	{"<\xc3@b>", ADDR_LIST_FLAG_UTF8, "", "malformed UTF-8 in address"},
	/* Broken input: what can be recovered is, the first problem is told. */
	{"a@b c@d, e@f", 0, "{|e@f|-}", "invalid domain"},
	{"Name <a@b", 0, "", "missing '>'"},
	{"Name <a@b, c@d", 0, "", "missing '>'"},
	{"Name a@b>, c@d", 0, "{|c@d|-}", "missing '.' between words of local part"},
	{"Name <a@b> trailing, c@d", 0, "{|c@d|-}", "unexpected text after '>'"},
	{"g1: a@b, g2: c@d;;, e@f", 0, "{|a@b|g1}{|e@f|-}", "unexpected ':' after address"},
	{"a@b; c@d", 0, "{|a@b|-}{|c@d|-}", "';' outside a group"},
	{"g: a@b, c@d", 0, "{|a@b|g}{|c@d|g}", "group without ';'"},
	{"\"open quote <a@b>, c@d", 0, "", "unterminated quoted string"},
	{"a@b, (open comment", 0, "{|a@b|-}", "unterminated comment"},
	{"a@b, x\x01y@z, c@d", 0, "{|a@b|-}{|c@d|-}", "control character in address"},
	{"a@, b@c", 0, "{|b@c|-}", "empty domain"},
	{"Na;me <a@b>", 0, "{|Na|-}{me|a@b|-}", "';' outside a group"},
};

static void
format_items(VSTRING *out, const ADDR_LIST *list)
{
	size_t  i;

	VSTRING_RESET(out);
	for (i = 0; i < list->len; i++)
		vstring_sprintf_append(out, "{%s|%s|%s}", list->items[i].name,
				       list->items[i].addr,
				       list->items[i].group ? list->items[i].group : "-");
}

static void
test_table(void **state)
{
	VSTRING *why = vstring_alloc(10);
	VSTRING *got = vstring_alloc(10);
	ADDR_LIST *list;
	size_t  i;
	int     ret;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		list = addr_list_alloc();
		VSTRING_RESET(why);
		ret = addr_list_parse(list, cases[i].text, cases[i].flags, why);
		format_items(got, list);
		if (strcmp(vstring_str(got), cases[i].items) != 0)
			fail_msg("case %zu '%s': items %s, want %s", i, cases[i].text,
				 vstring_str(got), cases[i].items);
		if (cases[i].why == OK && ret != 0)
			fail_msg("case %zu '%s': error %s", i, cases[i].text,
				 vstring_str(why));
		if (cases[i].why != OK
		    && (ret != -1 || strcmp(vstring_str(why), cases[i].why) != 0))
			fail_msg("case %zu '%s': ret %d why '%s', want '%s'", i,
				 cases[i].text, ret, vstring_str(why), cases[i].why);
		addr_list_free(list);
	}
	vstring_free(why);
	vstring_free(got);
}

/* Parsing appends: two headers can go into one list. */
static void
test_append(void **state)
{
	ADDR_LIST *list = addr_list_alloc();
	VSTRING *got = vstring_alloc(10);
	char    big[4000];
	size_t  i;

	assert_int_equal(addr_list_parse(list, "a@b", 0, NULL), 0);
	assert_int_equal(addr_list_parse(list, "c@d, e@f", 0, NULL), 0);
	format_items(got, list);
	assert_string_equal(vstring_str(got), "{|a@b|-}{|c@d|-}{|e@f|-}");
	addr_list_free(list);
	/* Many items grow the list. */
	list = addr_list_alloc();
	for (i = 0; i + 4 < sizeof(big); i += 4)
		memcpy(big + i, "x@y,", 4);
	big[i] = 0;
	assert_int_equal(addr_list_parse(list, big, 0, NULL), 0);
	assert_int_equal(list->len, i / 4);
	addr_list_free(list);
	vstring_free(got);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_append),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
