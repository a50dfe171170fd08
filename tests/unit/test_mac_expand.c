/*
 * test_mac_expand - $name expansion, table-driven
 *
 * Expected results were checked against Postfix 3.7 (postconf -x) where
 * Postfix has the form; see tests/integration/test_postconf.py for the
 * side-by-side comparison.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "vstring.h"
#include "htable.h"
#include "mac_expand.h"

/* The names the test patterns refer to. */
static const char *const vars[][2] = {
	{"mydomain", "example.com"},
	{"myhostname", "mail.$mydomain"},
	{"empty", ""},
	{"ref_empty", "$nothing"},
	{"level", "3.6"},
	{"loop1", "$loop2"},
	{"loop2", "x$loop1"},
	{"self", "${self}"},
	{"dollar", "a$$b"},
	{"bad", "${oops"},
	{"fail", "FAIL"},
	{0, 0},
};

static const char *
lookup(const char *name, int mode, void *context, VSTRING *why)
{
	int     i;

	for (i = 0; vars[i][0]; i++) {
		if (strcmp(vars[i][0], name) == 0) {
			if (strcmp(vars[i][1], "FAIL") == 0) {
				vstring_strcpy(why, "lookup failed");
				return (mac_exp_lookup_error);
			}
			return (vars[i][1]);
		}
	}
	return (NULL);
}

typedef struct CASE {
	const char *pattern;
	const char *result;		/* expected output when no error */
	int     status;			/* expected status bits */
	const char *why;		/* substring of the error, or NULL */
} CASE;

static const CASE cases[] = {
	/* Plain text and $$. */
	{"plain text", "plain text", MAC_EXP_OK, 0},
	{"", "", MAC_EXP_OK, 0},
	{"a$$b", "a$b", MAC_EXP_OK, 0},
	{"$$mydomain $$", "$mydomain $", MAC_EXP_OK, 0},
	{"$$$mydomain", "$example.com", MAC_EXP_OK, 0},
	/* The three reference forms, recursion. */
	{"$mydomain", "example.com", MAC_EXP_OK, 0},
	{"${mydomain}x", "example.comx", MAC_EXP_OK, 0},
	{"$(mydomain)", "example.com", MAC_EXP_OK, 0},
	{"$myhostname", "mail.example.com", MAC_EXP_OK, 0},
	{"$mydomain.com-x", "example.com.com-x", MAC_EXP_OK, 0},
	{"${ mydomain }", "example.com", MAC_EXP_OK, 0},
	{"$dollar", "a$b", MAC_EXP_OK, 0},
	{"$undefined_name", "", MAC_EXP_UNDEF, 0},
	{"${mydomain}}b", "example.com}b", MAC_EXP_OK, 0},
	/* ?value and :value, braced and not. */
	{"${mydomain?set}", "set", MAC_EXP_OK, 0},
	{"${mydomain?{set}}", "set", MAC_EXP_OK, 0},
	{"${mydomain? x }", " x ", MAC_EXP_OK, 0},
	{"a${mydomain?{ x }}b", "a x b", MAC_EXP_OK, 0},
	{"${mydomain?{$mydomain}}", "example.com", MAC_EXP_OK, 0},
	{"${mydomain?$mydomain}", "example.com", MAC_EXP_OK, 0},
	{"${mydomain?{{x}}}", "{x}", MAC_EXP_OK, 0},
	{"${mydomain?{a{b}c}}", "a{b}c", MAC_EXP_OK, 0},
	{"${mydomain?x:y}", "x:y", MAC_EXP_OK, 0},
	{"${empty?set}", "", MAC_EXP_OK, 0},
	{"${mydomain:unset}", "", MAC_EXP_OK, 0},
	{"${empty:unset}", "unset", MAC_EXP_OK, 0},
	{"${empty:{unset}}", "unset", MAC_EXP_OK, 0},
	{"${nothing:{x}}", "x", MAC_EXP_UNDEF, 0},
	{"${nothing:${nothing:{deep}}}", "deep", MAC_EXP_UNDEF, 0},
	/* The test looks at the raw value: "$nothing" is not empty. */
	{"${ref_empty?{set}:{unset}}", "set", MAC_EXP_OK, 0},
	/* ?{a}:{b} and ?{a}:b. */
	{"${mydomain?{x}:{y}}", "x", MAC_EXP_OK, 0},
	{"${empty?{x}:{y}}", "y", MAC_EXP_OK, 0},
	{"${empty?{x}: y }", " y ", MAC_EXP_OK, 0},
	{"${empty?{x}: { y } }", " y ", MAC_EXP_OK, 0},
	{"${mydomain? {x} : {y} }", "x", MAC_EXP_OK, 0},
	{"${empty?{x}:}", "", MAC_EXP_OK, 0},
	{"$(mydomain?{x}:{y})", "x", MAC_EXP_OK, 0},
	{"$(mydomain?x)y)", "xy)", MAC_EXP_OK, 0},
	/* Relational expressions. */
	{"${{1} == {1}}", "true", MAC_EXP_OK, 0},
	{"${{x} == {y}}", "", MAC_EXP_OK, 0},
	{"${{x} != {y}}", "true", MAC_EXP_OK, 0},
	{"${{10} < {9}}", "", MAC_EXP_OK, 0},
	{"${{10} < {9a}}", "true", MAC_EXP_OK, 0},
	{"${{10} == {010}}", "true", MAC_EXP_OK, 0},
	{"${{99999999999999999999} > {99999999999999999998}}", "true",
	MAC_EXP_OK, 0},
	{"${{-1} < {-2}}", "true", MAC_EXP_OK, 0},
	{"${{2} <= {2}} ${{2} >= {3}} ${{3} > {2}}", "true  true", MAC_EXP_OK, 0},
	{"${{ x } == { x }}", "true", MAC_EXP_OK, 0},
	{"${{x} == { x }}", "", MAC_EXP_OK, 0},
	{"${{$mydomain} == {example.com} ? {match} : {nomatch}}", "match",
	MAC_EXP_OK, 0},
	{"${{1}=={1}?{yes}:{no}}", "yes", MAC_EXP_OK, 0},
	{"${{1} == {2} : {no}}", "no", MAC_EXP_OK, 0},
	{"${{1} == {2} ? yes : no}", "", MAC_EXP_OK, 0},
	{"${{1} == {1} ? yes : no}", " yes : no", MAC_EXP_OK, 0},
	{"${{1} == {1} ? {yes} : no}", "yes", MAC_EXP_OK, 0},
	{"${{x} == {y} ?}", "", MAC_EXP_OK, 0},
	{"${{{x}} == {{x}}}", "true", MAC_EXP_OK, 0},
	/* Compatibility levels. */
	{"${{$level} <level {3.10} ? {yes} : {no}}", "yes", MAC_EXP_OK, 0},
	{"${{3.6} <level {3.6}}", "", MAC_EXP_OK, 0},
	{"${{3.6} <=level {3.6}}", "true", MAC_EXP_OK, 0},
	{"${{3.6} >level {3}}", "true", MAC_EXP_OK, 0},
	{"${{3.6} >=level {3.6.1}}", "", MAC_EXP_OK, 0},
	{"${{3.1.2} ==level {3.1.02}}", "true", MAC_EXP_OK, 0},
	{"${{3} ==level {3.0.0}}", "true", MAC_EXP_OK, 0},
	{"${{3.6} !=level {3.6}}", "", MAC_EXP_OK, 0},
	{"${{ 3} <level {4}}", "true", MAC_EXP_OK, 0},
	{"${{1}<level{2}}", "true", MAC_EXP_OK, 0},
	/* Errors. */
	{"${mydomain", 0, MAC_EXP_ERROR, "truncated macro reference: \"${mydomain\""},
	{"$(mydomain", 0, MAC_EXP_ERROR, "truncated macro reference"},
	{"a $ b", 0, MAC_EXP_ERROR, "empty macro name: \"a $ b\""},
	{"a$", 0, MAC_EXP_ERROR, "empty macro name"},
	{"${}", 0, MAC_EXP_ERROR, "empty macro name: \"${}\""},
	{"${my-domain}", 0, MAC_EXP_ERROR, "attribute name syntax error at: \"...my>>>-domain\""},
	{"${mydomain x}", 0, MAC_EXP_ERROR, "attribute name syntax error"},
	{"${mydomain!x}", 0, MAC_EXP_ERROR, "attribute name syntax error"},
	{"${mydomain?{x} junk}", 0, MAC_EXP_ERROR, "\":\" expected at"},
	{"${empty:{x}y}", 0, MAC_EXP_ERROR, "unexpected input at"},
	{"${mydomain?{x}:{y}:{z}}", 0, MAC_EXP_ERROR, "unexpected input at"},
	{"${{x}}", 0, MAC_EXP_ERROR, "\"==\" or \"!=\""},
	{"${{1} === {1}}", 0, MAC_EXP_ERROR, "expected at"},
	{"${{2} <> {1}}", 0, MAC_EXP_ERROR, "expected at"},
	{"${{x} == }", 0, MAC_EXP_ERROR, "\"{expression}\" expected"},
	{"${{1}==$mydomain}", 0, MAC_EXP_ERROR, "\"{expression}\" expected"},
	{"${{x} == {x} {a}}", 0, MAC_EXP_ERROR, "\"?\" or \":\" expected"},
	{"${{3..1} ==level {3.1}}", 0, MAC_EXP_ERROR,
	"malformed compatibility level syntax: \"3..1\""},
	{"${{3.6.1.2} <level {4}}", 0, MAC_EXP_ERROR, "malformed compatibility level"},
	{"${{} <level {1}}", 0, MAC_EXP_ERROR, "malformed compatibility level"},
	{"$loop1", 0, MAC_EXP_ERROR, "unreasonable macro call nesting"},
	{"${self}", 0, MAC_EXP_ERROR, "unreasonable macro call nesting: \"self\""},
	{"$bad", 0, MAC_EXP_ERROR, "truncated macro reference: \"${oops\""},
	{"x $fail y", 0, MAC_EXP_ERROR, "lookup failed"},
	{0, 0, 0, 0},
};

static void
test_table(void **state)
{
	const CASE *cp;
	VSTRING *result = vstring_alloc(10);
	VSTRING *why = vstring_alloc(10);
	int     status;

	for (cp = cases; cp->pattern; cp++) {
		VSTRING_RESET(result);
		VSTRING_RESET(why);
		status = mac_expand(result, cp->pattern, MAC_EXP_FLAG_RECURSE,
				    lookup, NULL, why);
		if ((status & MAC_EXP_ERROR) != (cp->status & MAC_EXP_ERROR))
			fail_msg("%s: status %d, want %d (%s)", cp->pattern,
				 status, cp->status, vstring_str(why));
		if (cp->status & MAC_EXP_ERROR) {
			if (strstr(vstring_str(why), cp->why) == NULL)
				fail_msg("%s: why \"%s\", want \"%s\"", cp->pattern,
					 vstring_str(why), cp->why);
			continue;
		}
		if (status != cp->status)
			fail_msg("%s: status %d, want %d", cp->pattern, status,
				 cp->status);
		if (strcmp(vstring_str(result), cp->result) != 0)
			fail_msg("%s: got \"%s\", want \"%s\"", cp->pattern,
				 vstring_str(result), cp->result);
	}
	vstring_free(result);
	vstring_free(why);
}

/* Without MAC_EXP_FLAG_RECURSE a looked-up value is copied verbatim. */
static void
test_no_recursion(void **state)
{
	VSTRING *result = vstring_alloc(10);
	VSTRING *why = vstring_alloc(10);

	assert_int_equal(mac_expand(result, "<$myhostname>", MAC_EXP_FLAG_NONE,
				    lookup, NULL, why), MAC_EXP_OK);
	assert_string_equal(vstring_str(result), "<mail.$mydomain>");
	vstring_free(result);
	vstring_free(why);
}

/* Scan mode: every name in every branch, no output, syntax still checked. */
static const char *
collect(const char *name, int mode, void *context, VSTRING *why)
{
	VSTRING *seen = context;

	assert_int_equal(mode, MAC_EXP_MODE_SCAN);
	vstring_sprintf_append(seen, "%s,", name);
	return (NULL);
}

static void
test_scan(void **state)
{
	VSTRING *result = vstring_alloc(10);
	VSTRING *why = vstring_alloc(10);
	VSTRING *seen = vstring_alloc(10);

	assert_int_equal(mac_expand(result, "${abc?{$def}:{$ghi}} "
				    "${{$jkl} == {x} ? {$m} : {$n}} $(o) $$p",
				    MAC_EXP_FLAG_SCAN, collect, seen, why),
			 MAC_EXP_OK);
	assert_string_equal(vstring_str(seen), "abc,def,ghi,jkl,m,n,o,");
	assert_int_equal(vstring_len(result), 0);
	assert_true(mac_expand(result, "ok ${broken", MAC_EXP_FLAG_SCAN,
			       collect, seen, why) & MAC_EXP_ERROR);
	vstring_free(result);
	vstring_free(why);
	vstring_free(seen);
}

/* Exponential growth is cut off, not allowed to eat memory or time. */
static char doubles[26][8];

static const char *
doubling(const char *name, int mode, void *context, VSTRING *why)
{
	int     n = name[0] - 'a';

	if (n == 25)
		return ("0123456789abcdef0123456789abcdef");
	snprintf(doubles[n], sizeof(doubles[n]), "$%c$%c", name[0] + 1, name[0] + 1);
	return (doubles[n]);
}

/* Many references that produce nothing still end. */
static const char *
doubling_empty(const char *name, int mode, void *context, VSTRING *why)
{
	return (name[0] == 'z' ? "" : doubling(name, mode, context, why));
}

static void
test_limits(void **state)
{
	VSTRING *result = vstring_alloc(10);
	VSTRING *why = vstring_alloc(10);

	assert_true(mac_expand(result, "$a", MAC_EXP_FLAG_RECURSE, doubling,
			       NULL, why) & MAC_EXP_ERROR);
	assert_true(vstring_len(result) <= MAC_EXP_MAX_RESULT);
	assert_non_null(strstr(vstring_str(why), "expansion result is longer"));
	VSTRING_RESET(result);
	assert_true(mac_expand(result, "$a", MAC_EXP_FLAG_RECURSE, doubling_empty,
			       NULL, why) & MAC_EXP_ERROR);
	assert_non_null(strstr(vstring_str(why), "too many macro references"));
	vstring_free(result);
	vstring_free(why);
}

static void
test_level_cmp(void **state)
{
	VSTRING *why = vstring_alloc(10);
	int     cmp;

	assert_int_equal(mac_exp_level_cmp("3.6", "3.10", &cmp, why), 0);
	assert_true(cmp < 0);
	assert_int_equal(mac_exp_level_cmp("2", "1.9.9", &cmp, why), 0);
	assert_true(cmp > 0);
	assert_int_equal(mac_exp_level_cmp("3.6.0", "3.6", &cmp, why), 0);
	assert_int_equal(cmp, 0);
	assert_int_equal(mac_exp_level_cmp("3.", "3", &cmp, why), -1);
	assert_string_equal(vstring_str(why),
			    "malformed compatibility level syntax: \"3.\"");
	/* The forms and the range Postfix accepts. */
	assert_int_equal(mac_exp_level_cmp("+3.+6", "3.6", &cmp, why), 0);
	assert_int_equal(cmp, 0);
	assert_int_equal(mac_exp_level_cmp(" 3. 6", "3.6", &cmp, why), 0);
	assert_int_equal(cmp, 0);
	assert_int_equal(mac_exp_level_cmp("00000000000000000000003", "3", &cmp, why), 0);
	assert_int_equal(cmp, 0);
	assert_int_equal(mac_exp_level_cmp("8796093022207", "1", &cmp, why), 0);
	assert_true(cmp > 0);
	assert_int_equal(mac_exp_level_cmp("8796093022208", "1", &cmp, why), -1);
	assert_int_equal(mac_exp_level_cmp("3.1023.1023", "4", &cmp, why), 0);
	assert_true(cmp < 0);
	assert_int_equal(mac_exp_level_cmp("3.1024", "1", &cmp, why), -1);
	assert_int_equal(mac_exp_level_cmp("3.1.1024", "1", &cmp, why), -1);
	assert_int_equal(mac_exp_level_cmp("3.-6", "1", &cmp, why), -1);
	assert_int_equal(mac_exp_level_cmp("3 .6", "1", &cmp, why), -1);
	assert_int_equal(mac_exp_level_cmp("3.6a", "1", &cmp, why), -1);
	assert_int_equal(mac_exp_level_cmp("", "1", &cmp, why), -1);
	vstring_free(why);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_no_recursion),
		cmocka_unit_test(test_scan),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_level_cmp),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
