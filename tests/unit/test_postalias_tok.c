/*
 * Unit tests for postalias/postalias_tok.c. Every expected result below
 * was produced by Debian's postalias 3.7 ("postalias -s") from the same
 * input line; the name is shown before case folding.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "vstring.h"
#include "postalias.h"

typedef struct CASE {
	const char *line;
	const char *key;		/* NULL: refused */
	const char *value;		/* or the reason */
} CASE;

static const CASE cases[] = {
	/* names */
	{"Root: admin, bob@example.com", "Root", "admin, bob@example.com"},
	{"postmaster:root", "postmaster", "root"},
	{"\"odd name\": x", "odd name", "x"},
	{"\"quoted:colon\": y", "quoted:colon", "y"},
	{"\"q@x\": r", "q@x", "r"},
	{"sp ace: z", "sp ace", "z"},
	{"m n : o", "m n", "o"},
	{"n(cm): x", "n (cm)", "x"},
	{"\"x\\y\": z", "xy", "z"},
	{"x!y: z", "x!y", "z"},
	{"\"q%x\": r", "q%x", "r"},
	/* refused lines */
	{"noval:", NULL, "need name:value pair"},
	{"nocolon value", NULL, "need name:value pair"},
	{",q: x", NULL, "need name:value pair"},
	{"r,s: x", NULL, "need name:value pair"},
	{": x", NULL, "need name:value pair"},
	{"p@dom: q", NULL, "name must be local"},
	{"o%p: x", NULL, "name must be local"},
	/* values: spacing */
	{"a: b  ,   c", "a", "b, c"},
	{"b: x(comment) , y", "b", "x (comment), y"},
	{"c: \"x y\"  <z@w> , Foo Bar <f@b>", "c", "\"x y\" <z@w>, Foo Bar <f@b>"},
	{"f: x,,y", "f", "x, , y"},
	{"g: ,", "g", ", "},
	{"h: :include: /foo", "h", ":include:/foo"},
	{"s:t:u", "s", "t:u"},
	{"a: x:<y>", "a", "x: <y>"},
	{"d: x . y", "d", "x.y"},
	{"g: <a> <b>;<c>", "g", "<a> <b>; <c>"},
	{"h: a<b>", "h", "a <b>"},
	{"k: a>b ; c", "k", "a>b;c"},
	{"l: group: a, b;", "l", "group:a, b;"},
	{"c: <a>(c)", "c", "<a>(c)"},
	{"j: <<x>>", "j", "< <x>>"},
	{"k: x@(c)y", "k", "x@(c) y"},
	{"a: \"x\" % \"y\"", "a", "\"x\"%\"y\""},
	{"b: \"x\" ! \"y\"", "b", "\"x\"!\"y\""},
	{"h: \"x\"|\"y\"", "h", "\"x\"|\"y\""},
	{"d: \"x\" = \"y\"", "d", "\"x\" = \"y\""},
	{"e: |exit 67", "e", "|exit 67"},
	{"e: \"|exit 67\"", "e", "\"|exit 67\""},
	/* values: quoting */
	{"b: \"a\\\"b\", a\\,b", "b", "\"a\\\"b\", \"a,b\""},
	{"a: a\\b", "a", "ab"},
	{"b: a\\ b", "b", "\"a b\""},
	{"e: a\\.b", "e", "\"a.b\""},
	{"f: \\@x", "f", "\"@x\""},
	{"g: x\\\\y", "g", "\"x\\\\y\""},
	{"h: \"a\\b\"", "h", "\"ab\""},
	{"a: x\\!y", "a", "\"x!y\""},
	{"d: x\\#y", "d", "x#y"},
	{"g: \\\"", "g", "\"\\\"\""},
	{"g: ab\001c", "g", "\"ab\001c\""},
	{"g: a\177\"b\"", "g", "\"a\177\" \"b\""},
	{"j: \303\234n\303\257code \303\251", "j", "\303\234n\303\257code \303\251"},
	/* values: comments, literals, unterminated text */
	{"e: (c1 (nested) \\) ) z", "e", "(c1 (nested) \\) ) z"},
	{"f: x(c", "f", "x (c"},
	{"k: (a", "k", "(a"},
	{"b: (c\tc)", "b", "(c\tc)"},
	{"c: [1.2.3.4] , x@[ 1.2 ]", "c", "[1.2.3.4], x@[ 1.2 ]"},
	{"i: [a\\]b]", "i", "[a]b]"},
	{"i: [a\\\\b]", "i", "[a\\\\b]"},
	{"j: [a", "j", "[a]"},
	{"c: [d\te]", "c", "[d e]"},
	{"u: \"a", "u", "\"a\""},
	{"m: \"", "m", "\"\""},
	{"w: a\\", "w", "a"},
	{"u: \\", "u", ""},
	{"a: \"x\t\ty\"", "a", "\"x  y\""},
	{"f: ab\\\tc", "f", "\"ab c\""},
	{"l: x\"y\"z", "l", "x \"y\" z"},
	{"o: x]y", "o", "x]y"},
	{"p: a)b", "p", "a)b"},
	{"v: 'x y'", "v", "'x y'"},
};

static void
test_postfix_cases(void **state)
{
	VSTRING *key = vstring_alloc(10);
	VSTRING *value = vstring_alloc(10);
	const char *why;
	size_t  i;
	int     status;

	(void) state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		why = NULL;
		status = postalias_split(cases[i].line, key, value, &why);
		if (cases[i].key == NULL) {
			if (status != -1)
				fail_msg("accepted: %s", cases[i].line);
			assert_string_equal(why, cases[i].value);
		} else {
			if (status != 0)
				fail_msg("refused: %s (%s)", cases[i].line, why);
			if (strcmp(vstring_str(key), cases[i].key) != 0
			    || strcmp(vstring_str(value), cases[i].value) != 0)
				fail_msg("%s: got [%s] [%s], want [%s] [%s]",
					 cases[i].line, vstring_str(key),
					 vstring_str(value), cases[i].key,
					 cases[i].value);
		}
	}
	vstring_free(key);
	vstring_free(value);
}

/* Results are replaced, not appended, when the buffers are reused. */
static void
test_buffers_reused(void **state)
{
	VSTRING *key = vstring_alloc(10);
	VSTRING *value = vstring_alloc(10);
	const char *why;

	(void) state;
	assert_int_equal(postalias_split("long-name: long, value", key, value,
					 &why), 0);
	assert_int_equal(postalias_split("a: b", key, value, &why), 0);
	assert_string_equal(vstring_str(key), "a");
	assert_string_equal(vstring_str(value), "b");
	vstring_free(key);
	vstring_free(value);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_postfix_cases),
		cmocka_unit_test(test_buffers_reused),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
