/*
 * Unit tests for lib/dict regexp: and pcre: tables. Expected answers and
 * warnings are those of Debian's Postfix 3.7 postmap -q for the same
 * rules (test_dict_postfix.c re-checks many of them live).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "test_dict_util.h"

#define RE	1			/* regexp: */
#define PC	2			/* pcre: */
#define BOTH	(RE | PC)

#define FOUND	DICT_STAT_SUCCESS
#define NONE	DICT_STAT_FAIL

static const struct pat_case {
	int     types;
	const char *rules;
	const char *key;
	int     status;
	const char *value;		/* when FOUND */
	const char *warning;		/* substring of the warnings; "" none,
					 * NULL don't care */
} pat_cases[] = {
	/* Basics, first match wins, results keep inner white space. */
	{BOTH, "/a/ x\n/a/ y\n", "a", FOUND, "x", ""},
	{BOTH, "/a/  x  y  \n", "a", FOUND, "x  y", ""},
	{BOTH, "/a/x\ty\n", "a", FOUND, "y", ""},
	{BOTH, "/^postmaster@/ OK\n", "postmaster@example.com", FOUND, "OK", ""},
	{BOTH, "/^postmaster@/ OK\n", "root@example.com", NONE, 0, ""},
	/* Case: insensitive by default; i toggles. */
	{BOTH, "/AB/ up\n", "ab", FOUND, "up", ""},
	{BOTH, "/AB/i up\n", "ab", NONE, 0, ""},
	{BOTH, "/AB/ii up\n", "ab", FOUND, "up", ""},
	{BOTH, "/a/i\tx\n", "A", NONE, 0, ""},
	/* Substitution. */
	{BOTH, "/(a)(b)/ $2$1 ${1}x $(2)y $$\n", "ab", FOUND, "ba ax by $", ""},
	{BOTH, "/(a)|(b)/ [$1][$2]\n", "b", FOUND, "[][b]", ""},
	{BOTH, "/(a)(b)?/ [$2]\n", "a", FOUND, "[]", ""},
	{BOTH, "/(a)/ ${1}}\n", "a", FOUND, "a}", ""},
	{BOTH, "/(a)/ $01\n", "a", FOUND, "a", ""},
	{BOTH, "/^(.*)-outgoing@(.*)$/ 550 Use ${1}@${2} instead\n",
		"list-outgoing@example.com", FOUND, "550 Use list@example.com instead", ""},
	{BOTH, "/(.+)@(.+)/ user=$1 domain=$2\n", "Joe@Example.COM", FOUND,
		"user=Joe domain=Example.COM", ""},
	{BOTH, "/(a)(b)/ x $3\n/b/ y\n", "ab", FOUND, "y",
		"line 1: out of range replacement index \"3\": skipping this rule"},
	{BOTH, "/(a)(b)/ ${10}\n", "ab", NONE, 0,
		"out of range replacement index \"10\": skipping this rule"},
	{BOTH, "/a/ ${1}\n", "a", NONE, 0,
		"line 1: out of range replacement index \"1\": skipping this rule"},
	{RE, "/(a)(b)/ $0\n", "ab", NONE, 0,
		"line 1: out-of-range replacement index \"0\"\n"
		"warning: regexp map "},
	{PC, "/(a)(b)/ $0\n", "ab", NONE, 0,
		"line 1: out of range replacement index \"0\"\n"},
	{BOTH, "/(a)(b)/ a$x\n", "ab", NONE, 0,
		"line 1: non-numeric replacement index \"x\""},
	{BOTH, "/(a)(b)/ ${1:foo}\n", "ab", NONE, 0,
		"non-numeric replacement index \"1:foo\""},
	{BOTH, "/(a)/ ${{1}}\n", "a", NONE, 0,
		"non-numeric replacement index \"{1}\""},
	{BOTH, "/(a)/ $1_\n", "a", NONE, 0, "non-numeric replacement index \"1_\""},
	{BOTH, "/(a)(b)/ ${1\n", "ab", NONE, 0,
		"warning: truncated macro reference: \"${1\"\n"},
	{BOTH, "/(a)/ $(1}\n", "a", NONE, 0, "truncated macro reference: \"$(1}\""},
	{BOTH, "/(a)(b)/ a $ b\n", "ab", NONE, 0,
		"warning: empty macro name: \"a $ b\"\n"},
	{BOTH, "/a/ x ${}\n", "a", NONE, 0, "empty macro name: \"x ${}\""},
	{BOTH, "/(a)(b)/ a$x\n", "ab", NONE, 0,
		"line 1: bad replacement syntax: skipping this rule"},
	/* Negation. */
	{BOTH, "!/ab/ ok\n", "zz", FOUND, "ok", ""},
	{BOTH, "!/ab/ ok\n", "ab", NONE, 0, ""},
	{BOTH, "! /a/ x\n", "b", FOUND, "x", ""},
	{BOTH, "!!/b/ y\n", "b", FOUND, "y", ""},
	{BOTH, "!!/b/ y\n", "a", NONE, 0, ""},
	{BOTH, "!/(a)(b)/ $1\n", "zz", NONE, 0,
		"line 1: $number found in negative match replacement text: skipping this rule"},
	/* if/endif, nesting, case of keywords. */
	{BOTH, "if /a/\nif /b/\n/c/ abc\nendif\n/d/ ad\nendif\n/./ any\n",
		"abc", FOUND, "abc", ""},
	{BOTH, "if /a/\nif /b/\n/c/ abc\nendif\n/d/ ad\nendif\n/./ any\n",
		"ad", FOUND, "ad", ""},
	{BOTH, "if /a/\nif /b/\n/c/ abc\nendif\n/d/ ad\nendif\n/./ any\n",
		"bcd", FOUND, "any", ""},
	{BOTH, "if !/^owner-/\n/^(.*)-outgoing@(.*)$/ 550 Use ${1}@${2} instead\nendif\n",
		"owner-x-outgoing@y", NONE, 0, ""},
	{BOTH, "if/a/\n/a/ x\nendif\n", "a", FOUND, "x", ""},
	{BOTH, "if ! /a/\n/b/ x\nendif\n", "b", FOUND, "x", ""},
	{BOTH, "IF /a/\n/b/ x\nENDIF\n", "b", NONE, 0, ""},
	{BOTH, "if /a/\n/b/ x\n", "ab", FOUND, "x", "line 1: IF has no matching ENDIF"},
	{BOTH, "if /a/\n/b/ x\n", "b", NONE, 0, "line 1: IF has no matching ENDIF"},
	{BOTH, "endif\n/b/ x\n", "ab", FOUND, "x",
		"line 1: ignoring ENDIF without matching IF"},
	{BOTH, "if /a/\nendif junk\n/b/ y\n", "ab", FOUND, "y",
		"line 2: ignoring extra text after ENDIF"},
	{BOTH, "if /a/ junk\n/b/ y\nendif\n", "ab", FOUND, "y",
		"line 1: ignoring extra text after IF statement: \"junk\"\n"
		"warning: "},
	{BOTH, "if\n/a/ x\nendif\n", "a", FOUND, "x",
		"line 1: no regexp: skipping this rule"},
	/* Syntax errors skip the rule, the rest of the table works. */
	{BOTH, "/ab/q x\n/b/ y\n", "ab", FOUND, "y",
		"line 1: unknown regexp option \"q\": skipping this rule"},
	{RE, "/ab x\n", "ab", NONE, 0,
		"line 1: no closing regexp delimiter \"/\": skipping this rule"},
	{PC, "/ab x\n", "ab", NONE, 0,
		"line 1: no closing regexp delimiter \"/\": ignoring this rule"},
	{BOTH, "ab/ x\n/b/ y\n", "ab", FOUND, "y",
		"line 1: ignoring unrecognized request"},
	{BOTH, "/ab/\n", "ab", FOUND, "",
		"line 1: no replacement text: using empty string"},
	{BOTH, "/[/]/ x\n", "/", NONE, 0, "unknown regexp option \"]\""},
	{BOTH, "/a\\/b/ x\n", "a/b", FOUND, "x", ""},
	{BOTH, "#a#i x\n", "a", NONE, 0, ""},
	{BOTH, "/a/ 1\n\n/b/ $3\n  x\n\n  y\nok 2\n", "b", NONE, 0,
		"line 3: out of range replacement index \"3\": skipping this rule"},
	{BOTH, "  /a/ 1\n/b/ 2\n", "a", NONE, 0,
		"logical line must not start with whitespace: \"  /a/ 1\""},
	{BOTH, "endif junk\n/b/ x\n", "b", FOUND, "x",
		"line 1: ignoring ENDIF without matching IF"},
	/* Postfix quirk: in regexp: only, a last lone backslash ends the rule. */
	{RE, "/a\\\n", "ab", FOUND, "", "line 1: no replacement text: using empty string"},
	{RE, "/a\\\n", "b", NONE, 0, NULL},
	{PC, "/a\\\n", "ab", NONE, 0, "no closing regexp delimiter \"/\": ignoring this rule"},
	{RE, "\\a\\ x\n", "a", NONE, 0, "no closing regexp delimiter \"\\\""},
	{RE, "/a(b/ x\n/b/ y\n", "ab", FOUND, "y", "line 1: Unmatched ( or \\("},
	{PC, "/a(b/ x\n/b/ y\n", "ab", FOUND, "y",
		"line 1: error in regex at offset 3: missing closing parenthesis"},
	/* regexp: flags x (extended, default on) and m; "/p1/!/p2/" form. */
	{RE, "/a b/x sp\n", "a b", FOUND, "sp", ""},
	{RE, "/x{2/ y\n", "xx", NONE, 0, "Unmatched \\{"},
	{RE, "/^a$/m x\n", "b\na", FOUND, "x", ""},
	{RE, "/^a$/ x\n", "b\na", NONE, 0, ""},
	{RE, "/^a.b$/ x\n", "a\nb", FOUND, "x", ""},
	{RE, "/^a.b$/s x\n", "a\nb", NONE, 0, "unknown regexp option \"s\""},
	{RE, "/\\d/ y\n", "1", NONE, 0, ""},
	{RE, "/a/!/b/ x\n", "a", FOUND, "x", ""},
	{RE, "/a/!/b/ x\n", "ab", NONE, 0, ""},
	{RE, "!/a/!/b/ x\n", "c", FOUND, "x", ""},
	{RE, "!/a/!/b/ x\n", "b", NONE, 0, ""},
	{RE, "/(a)/!/(b)/ $1\n", "a", FOUND, "a", ""},
	{RE, "/(a)/!/(b)/ $2\n", "a", NONE, 0, "out of range replacement index \"2\""},
	{RE, "/a/! x\n", "a", NONE, 0, "no closing regexp delimiter \"x\""},
	/* pcre: flags m s x A E U X. */
	{PC, "/a b/x sp\n", "a b", NONE, 0, ""},
	{PC, "/a b/x sp\n", "ab", FOUND, "sp", ""},
	{PC, "/^a$/m x\n", "b\na", FOUND, "x", ""},
	{PC, "/^a.b$/ x\n", "a\nb", FOUND, "x", ""},
	{PC, "/^a.b$/s x\n", "a\nb", NONE, 0, ""},
	{PC, "/a/A x\n", "ba", NONE, 0, ""},
	{PC, "/a/A x\n", "ab", FOUND, "x", ""},
	{PC, "/a$/ x\n", "a\n", FOUND, "x", ""},
	{PC, "/a$/E x\n", "a\n", NONE, 0, ""},
	{PC, "/(a+)/ [$1]\n", "aaa", FOUND, "[aaa]", ""},
	{PC, "/(a+)/U [$1]\n", "aaa", FOUND, "[a]", ""},
	{PC, "/(?<n>a)/ [$1]\n", "aaa", FOUND, "[a]", ""},
	{PC, "/\\d/ y\n", "1", FOUND, "y", ""},
	{PC, "/a\\q/X x\n", "aq", NONE, 0,
		"line 1: ignoring obsolete regexp option \"X\"\n"
		"warning: pcre map "},
	{PC, "/a/!/b/ x\n", "a", NONE, 0, "unknown regexp option \"!\""},
	{PC, "/^(?!owner-)(.*)-outgoing@(.*)/ 550 Use ${1}@${2} instead\n",
		"a-outgoing@b", FOUND, "550 Use a@b instead", ""},
};

static void
test_pattern_cases(void **state)
{
	VSTRING *result = vstring_alloc(100);
	VSTRING *tn = vstring_alloc(100);
	const char *path;
	const char *types[] = {"regexp", "pcre"};
	size_t  i;
	int     t;
	int     status;

	for (i = 0; i < sizeof(pat_cases) / sizeof(pat_cases[0]); i++) {
		const struct pat_case *c = pat_cases + i;

		path = tdu_write("rules", c->rules);
		for (t = 0; t < 2; t++) {
			if ((c->types & (1 << t)) == 0)
				continue;
			vstring_sprintf(tn, "%s:%s", types[t], path);
			tdu_clear();
			status = tdu_get(vstring_str(tn), DICT_FLAG_FOLD_FIX, c->key, result);
			if (status != c->status)
				fail_msg("case %zu %s key \"%s\": status %d, want %d (%s)",
					 i, types[t], c->key, status, c->status,
					 vstring_str(result));
			if (status == FOUND && strcmp(vstring_str(result), c->value) != 0)
				fail_msg("case %zu %s key \"%s\": \"%s\", want \"%s\"",
					 i, types[t], c->key, vstring_str(result), c->value);
			if (c->warning != NULL
			    && (*c->warning == 0 ? *tdu_warnings() != 0
				: strstr(tdu_warnings(), c->warning) == NULL))
				fail_msg("case %zu %s: warnings \"%s\", want \"%s\"",
					 i, types[t], tdu_warnings(), c->warning);
		}
	}
	vstring_free(result);
	vstring_free(tn);
}

/* Postfix 3.7's inline form, with line numbers counted per rule. */
static void
test_pattern_inline(void **state)
{
	VSTRING *result = vstring_alloc(100);

	assert_int_equal(tdu_get("regexp:{ {/a/ x}, {/b/ y} }", 0, "ab", result), FOUND);
	assert_string_equal(vstring_str(result), "x");
	assert_int_equal(tdu_get("pcre:{ {/a/ x}, {/b/ y} }", 0, "b", result), FOUND);
	assert_string_equal(vstring_str(result), "y");
	assert_int_equal(tdu_get("regexp:{ {if /a/}, {/a/ in}, {endif} }", 0, "a", result), FOUND);
	assert_string_equal(vstring_str(result), "in");
	tdu_clear();
	assert_int_equal(tdu_get("pcre:{ {/a/ x}, {/b/ $1} }", 0, "b", result), NONE);
	assert_string_equal(tdu_warnings(), "warning: pcre map { {/a/ x}, {/b/ $1} }, "
			    "line 2: out of range replacement index \"1\": "
			    "skipping this rule");
	assert_int_equal(tdu_get("pcre:{}", 0, "b", result), NONE);
	assert_int_equal(tdu_get("pcre:{ /a/ x }", 0, "b", result), -2);
	assert_string_equal(vstring_str(result),
			    "pcre map: no '{' at start of text in \"/a/\"");
	assert_int_equal(tdu_get("pcre:{ {/a/ x}", 0, "b", result), -2);
	assert_string_equal(vstring_str(result),
			    "pcre map: missing '}' in \"{ {/a/ x}\"");
	vstring_free(result);
}

/* Open failures and the table's own flags. */
static void
test_pattern_open(void **state)
{
	VSTRING *why = vstring_alloc(100);
	VSTRING *tn = vstring_alloc(100);
	const char *key;
	const char *value;
	DICT   *dict;

	assert_null(dict_open("regexp:/nonexistent/x", O_RDONLY, 0, why));
	assert_string_equal(vstring_str(why),
			    "open /nonexistent/x: No such file or directory");
	vstring_sprintf(tn, "pcre:%s", tdu_dir);
	assert_null(dict_open(vstring_str(tn), O_RDONLY, 0, why));
	assert_non_null(strstr(vstring_str(why), ": read error: Is a directory"));
	assert_null(dict_open("pcre:{ {/a/ b} }", O_RDWR, 0, why));
	assert_string_equal(vstring_str(why),
			    "pcre:{ {/a/ b} } map requires O_RDONLY access mode");

	vstring_sprintf(tn, "regexp:%s", tdu_write("r", "/(A)/i $1\n"));
	dict = dict_open(vstring_str(tn), O_RDONLY, DICT_FLAG_FOLD_FIX, why);
	assert_non_null(dict);
	assert_true(dict_flags(dict) & DICT_FLAG_PATTERN);
	assert_true(dict_flags(dict) & DICT_FLAG_NO_SEQ);
	/* FOLD_FIX does not fold keys of pattern tables. */
	assert_int_equal(dict_get(dict, "a", &value), NONE);
	assert_int_equal(dict_get(dict, "A", &value), FOUND);
	assert_string_equal(value, "A");
	assert_int_equal(dict_seq(dict, DICT_SEQ_FUN_FIRST, &key, &value),
			 DICT_STAT_ERROR);
	assert_non_null(strstr(dict_error_text(dict),
			       "sequence operation is not supported"));
	assert_int_equal(dict_put(dict, "a", "b"), DICT_STAT_ERROR);
	dict_close(dict);
	vstring_free(why);
	vstring_free(tn);
}

/* A PCRE2 matching error is a lookup error, not "not found". */
static void
test_pcre_match_error(void **state)
{
	VSTRING *tn = vstring_alloc(100);
	VSTRING *key = vstring_alloc(100);
	const char *value;
	DICT   *dict;
	int     i;

	vstring_sprintf(tn, "pcre:%s", tdu_write("p", "/^(a|a?)+$/ REJECT\n"));
	dict = dict_open(vstring_str(tn), O_RDONLY, 0, key);
	assert_non_null(dict);
	VSTRING_RESET(key);
	for (i = 0; i < 64; i++)
		vstring_addch(key, 'a');
	vstring_addch(key, 'b');
	assert_int_equal(dict_get(dict, vstring_str(key), &value), DICT_STAT_ERROR);
	assert_non_null(strstr(dict_error_text(dict), "line 1: "));
	assert_int_equal(dict_get(dict, "aaa", &value), FOUND);
	assert_int_equal(dict_get(dict, "b", &value), NONE);
	dict_close(dict);
	vstring_free(tn);
	vstring_free(key);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_pattern_cases, tdu_setup, tdu_teardown),
		cmocka_unit_test_setup_teardown(test_pattern_inline, tdu_setup, tdu_teardown),
		cmocka_unit_test_setup_teardown(test_pattern_open, tdu_setup, tdu_teardown),
		cmocka_unit_test_setup_teardown(test_pcre_match_error, tdu_setup, tdu_teardown),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
