/*
 * Unit tests for lib/dict cidr: tables. Expected answers and warnings are
 * those of Debian's Postfix 3.7 postmap -q for the same rules.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "test_dict_util.h"

#define FOUND	DICT_STAT_SUCCESS
#define NONE	DICT_STAT_FAIL

#define MIXED \
	"1.2.3.4/24 bad\n" \
	"1.2.3.0/24 good\n" \
	"[2001:db8::]/32 v6\n" \
	"[::1] lo\n" \
	"::ffff:10.0.0.0/104 mapped\n" \
	"10.0.0.0/8 ten\n" \
	"0.0.0.0/0 all\n"

#define NESTED \
	"if 10.0.0.0/8\n" \
	"if !10.1.0.0/16\n" \
	"10.2.0.0/16 ten-two\n" \
	"0.0.0.0/0 ten-not-one\n" \
	"endif\n" \
	"10.1.2.3 ten-one-host\n" \
	"endif\n" \
	"if [2001:db8::]/32\n" \
	"2001:db8::1 doc-one\n" \
	"endif\n" \
	"::/0 v6-other\n"

static const struct cidr_case {
	const char *rules;
	const char *key;
	int     status;
	const char *value;
	const char *warning;		/* substring of the warnings; "" none */
} cidr_cases[] = {
	/* First match wins; a rule with host bits set is skipped. */
	{MIXED, "1.2.3.4", FOUND, "good",
		"line 1: non-null host address bits in \"1.2.3.4/24\", "
		"perhaps you should use \"1.2.3.0/24\" instead: skipping this rule"},
	{MIXED, "2001:db8::5", FOUND, "v6", NULL},
	{MIXED, "2001:DB8:0:0::5", FOUND, "v6", NULL},
	{MIXED, "::1", FOUND, "lo", NULL},
	{MIXED, "10.1.1.1", FOUND, "ten", NULL},
	{MIXED, "::ffff:10.1.1.1", FOUND, "mapped", NULL},
	/* IPv4-mapped keys do not match IPv4 patterns (Postfix). */
	{MIXED, "::ffff:1.2.3.5", NONE, 0, NULL},
	{MIXED, "9.9.9.9", FOUND, "all", NULL},
	{MIXED, "foo", NONE, 0, NULL},
	{MIXED, "", NONE, 0, NULL},
	{MIXED, "[::1]", NONE, 0, NULL},
	{MIXED, "01.2.3.4", NONE, 0, NULL},
	/* Nested if/endif, negation. */
	{NESTED, "10.2.3.4", FOUND, "ten-two", ""},
	{NESTED, "10.3.3.4", FOUND, "ten-not-one", ""},
	{NESTED, "10.1.2.3", FOUND, "ten-one-host", ""},
	{NESTED, "10.1.2.4", NONE, 0, ""},
	{NESTED, "11.0.0.1", NONE, 0, ""},
	{NESTED, "2001:db8::1", FOUND, "doc-one", ""},
	{NESTED, "2001:db8::2", FOUND, "v6-other", ""},
	{"!1.2.3.0/24 not\n", "1.2.4.4", FOUND, "not", ""},
	{"!1.2.3.0/24 not\n", "1.2.3.4", NONE, 0, ""},
	{"!1.2.3.0/24 not\n", "::1", NONE, 0, ""},
	{"! 1.2.3.0/24 n\n", "1.2.4.4", FOUND, "n", ""},
	{"!!1.2.3.4 x\n", "1.2.3.4", FOUND, "x", ""},
	{"if ! 1.2.3.0/24\n0.0.0.0/0 in\nendif\n", "1.2.4.4", FOUND, "in", ""},
	{"IF 1.2.3.0/24\n0.0.0.0/0 in\nENDIF\n", "1.2.3.4", FOUND, "in", ""},
	{"1.2.3.4 $1 a\n", "1.2.3.4", FOUND, "$1 a", ""},
	{"[1.2.3.0]/24 a\n", "1.2.3.4", FOUND, "a", ""},
	{"1.2.3.0/24\tspaced  value\n", "1.2.3.4", FOUND, "spaced  value", ""},
	/* Errors: logged, rule skipped, table still works. */
	{"1.2.3.4\n", "1.2.3.4", NONE, 0,
		"line 1: no lookup result: skipping this rule"},
	{"if 1.2.3.0/24 x\nendif\n", "1.2.3.4", NONE, 0,
		"line 1: bad mask value in \"1.2.3.0/24 x\": skipping this rule\n"
		"warning: cidr map "},
	{"if 1.2.3.0/24\n", "1.2.3.4", NONE, 0, "line 1: IF has no matching ENDIF"},
	{"endif\n", "1.2.3.4", NONE, 0, "line 1: ENDIF without IF: skipping this rule"},
	{"endif x\n", "1.2.3.4", NONE, 0, "line 1: garbage after ENDIF: skipping this rule"},
	{"if 1.2.3.0/33\n1.2.3.4 in\nendif\n", "1.2.3.4", FOUND, "in",
		"line 1: bad mask length in \"1.2.3.0/33\": skipping this rule\n"
		"warning: cidr map "},
	{"if\nendif\n", "1.2.3.4", NONE, 0, "line 1: no address pattern: skipping this rule"},
	{"iffy a\n", "1.2.3.4", NONE, 0, "line 1: bad address pattern: \"iffy\": skipping this rule"},
	{"if1.2.3.4\n", "1.2.3.4", NONE, 0,
		"line 1: bad address pattern: \"if1.2.3.4\": skipping this rule"},
	{"[1.2.3.4 b\n", "1.2.3.4", NONE, 0, "missing ']' character after \"[1.2.3.4\""},
	{"  1.2.3.4 1\n", "1.2.3.4", NONE, 0,
		"logical line must not start with whitespace: \"  1.2.3.4 1\""},
	{"# c\n\n1.2.3.4\n  one\n", "1.2.3.4", FOUND, "one", ""},
	{"!\n", "1.2.3.4", NONE, 0, "line 1: no address pattern: skipping this rule"},
	{"  1.2.3.0/24 0123456789012345678901234567890\n", "1.2.3.4", NONE, 0,
		"must not start with whitespace: \"  1.2.3.0/24 01234567890123456...\""},
	/* Postfix 3.7 takes a prefix length modulo 256 (/264 as /8): not us. */
	{"10.0.0.1/264 x\n", "10.0.0.1", NONE, 0,
		"bad mask length in \"10.0.0.1/264\": skipping this rule"},
};

static void
test_cidr_cases(void **state)
{
	VSTRING *result = vstring_alloc(100);
	VSTRING *tn = vstring_alloc(100);
	size_t  i;
	int     status;

	for (i = 0; i < sizeof(cidr_cases) / sizeof(cidr_cases[0]); i++) {
		const struct cidr_case *c = cidr_cases + i;

		vstring_sprintf(tn, "cidr:%s", tdu_write("cidr", c->rules));
		tdu_clear();
		status = tdu_get(vstring_str(tn), DICT_FLAG_FOLD_FIX, c->key, result);
		if (status != c->status)
			fail_msg("case %zu key \"%s\": status %d, want %d (%s)",
				 i, c->key, status, c->status, vstring_str(result));
		if (status == FOUND && strcmp(vstring_str(result), c->value) != 0)
			fail_msg("case %zu key \"%s\": \"%s\", want \"%s\"",
				 i, c->key, vstring_str(result), c->value);
		if (c->warning != NULL
		    && (*c->warning == 0 ? *tdu_warnings() != 0
			: strstr(tdu_warnings(), c->warning) == NULL))
			fail_msg("case %zu: warnings \"%s\", want \"%s\"",
				 i, tdu_warnings(), c->warning);
	}
	vstring_free(result);
	vstring_free(tn);
}

static void
test_cidr_open(void **state)
{
	VSTRING *why = vstring_alloc(100);
	VSTRING *tn = vstring_alloc(100);
	const char *value;
	DICT   *dict;

	assert_null(dict_open("cidr:/nonexistent/x", O_RDONLY, 0, why));
	assert_string_equal(vstring_str(why),
			    "open /nonexistent/x: No such file or directory");
	vstring_sprintf(tn, "cidr:%s", tdu_dir);
	assert_null(dict_open(vstring_str(tn), O_RDONLY, 0, why));
	vstring_sprintf(tn, "cidr map %s: read error: Is a directory", tdu_dir);
	assert_string_equal(vstring_str(why), vstring_str(tn));
	assert_null(dict_open("cidr:{ {1.2.3.4 x} }", O_RDWR | O_CREAT, 0, why));

	/* Inline form; line numbers count rules. */
	tdu_clear();
	dict = dict_open("cidr:{ {1.2.3.0/24 x}, {1.2.3.4/24 y} }", O_RDONLY, 0, why);
	assert_non_null(dict);
	assert_string_equal(tdu_warnings(), "warning: cidr map { {1.2.3.0/24 x}, "
			    "{1.2.3.4/24 y} }, line 2: non-null host address bits "
			    "in \"1.2.3.4/24\", perhaps you should use \"1.2.3.0/24\" "
			    "instead: skipping this rule");
	assert_true(dict_flags(dict) & DICT_FLAG_PATTERN);
	assert_int_equal(dict_get(dict, "1.2.3.9", &value), FOUND);
	assert_string_equal(value, "x");
	assert_int_equal(dict_get(dict, "1.2.4.9", &value), NONE);
	dict_close(dict);
	vstring_free(why);
	vstring_free(tn);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_cidr_cases, tdu_setup, tdu_teardown),
		cmocka_unit_test_setup_teardown(test_cidr_open, tdu_setup, tdu_teardown),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
