/*
 * Unit tests for lib/dict: dict_open() and the registry, inline:,
 * static:, texthash:, dict_split_entry(). Expected texts are those of
 * Debian's Postfix 3.7.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "argv.h"
#include "test_dict_util.h"

#define FOUND	DICT_STAT_SUCCESS
#define NONE	DICT_STAT_FAIL
#define NOOPEN	(-2)			/* tdu_get(): dict_open() failed */

#define NEED	"; need \"inline:{name=value...}\""

/* Tables given entirely by name: answer, or the open failure reason. */
static const struct name_case {
	const char *type_name;
	const char *key;
	int     status;
	const char *result;		/* value or open failure */
} name_cases[] = {
	{"inline:{ key1=value1, { key2 = value with, commas } }", "key2", FOUND,
		"value with, commas"},
	{"inline:{ key1=value1, { key2 = value with, commas } }", "KEY1", FOUND, "value1"},
	{"inline:{ key1=value1, { key2 = value with, commas } }", "foo", NONE, 0},
	{"inline:{ KEY1=value1 }", "Key1", FOUND, "value1"},
	{"inline:{k=v,k=w}", "k", FOUND, "w"},
	{"inline:{ { k = {v} } }", "k", FOUND, "{v}"},
	{"inline:{ {x = a=b} }", "x", FOUND, "a=b"},
	{"inline:{ {x = {a} b} }", "x", FOUND, "{a} b"},
	{"inline:{ {{x} = y} }", "{x}", FOUND, "y"},
	{"inline:{ =v }", "", FOUND, "v"},
	{"inline:{ {x=1} {y=2}}", "y", FOUND, "2"},
	{"inline:{ x=1 = }", "x", FOUND, "1"},
	{"inline:{ k }", "k", NOOPEN,
		"missing '=' after attribute name: \"inline:{ k }\"" NEED},
	{"inline:{ k = {v} }", "k", NOOPEN,
		"missing '=' after attribute name: \"inline:{ k = {v} }\"" NEED},
	{"inline:{k=v", "k", NOOPEN, "bad syntax: \"inline:{k=v\"" NEED},
	{"inline:{}", "k", NOOPEN, "bad syntax: \"inline:{}\"" NEED},
	{"inline:k=v", "k", NOOPEN, "bad syntax: \"inline:k=v\"" NEED},
	{"inline:{ x=y }z", "x", NOOPEN, "bad syntax: \"inline:{ x=y }z\"" NEED},
	{"inline:{x=1}}", "x", NOOPEN, "bad syntax: \"inline:{x=1}}\"" NEED},
	{"inline:{ }", "x", NOOPEN, "empty table: \"inline:{ }\"" NEED},
	{"inline:{ , }", "x", NOOPEN, "empty table: \"inline:{ , }\"" NEED},
	{"inline:{ {x=1}{y=2}}", "x", NOOPEN,
		"syntax error after '}' in \"{x=1}{y=2}\": \"inline:{ {x=1}{y=2}}\"" NEED},
	{"static:foo bar", "x", FOUND, "foo bar"},
	{"static:{ foo bar }", "x", FOUND, "foo bar"},
	{"static:{  a  b  }", "x", FOUND, "a  b"},
	{"static:  a  ", "x", FOUND, "  a  "},
	{"static:a}", "x", FOUND, "a}"},
	{"static:{ {a} }", "x", FOUND, "{a}"},
	{"static:{foo", "x", NOOPEN, "bad static:name syntax: missing '}' in \"{foo\""},
	{"static:{ a } b", "x", NOOPEN,
		"bad static:name syntax: syntax error after '}' in \"{ a } b\""},
	{"static:{a}}", "x", NOOPEN,
		"bad static:name syntax: syntax error after '}' in \"{a}}\""},
	{"static:", "x", NOOPEN,
		"open dictionary: expecting \"type:name\" form instead of \"static:\""},
	{":bar", "x", NOOPEN,
		"open dictionary: expecting \"type:name\" form instead of \":bar\""},
	{"nocolon", "x", NOOPEN,
		"open dictionary: expecting \"type:name\" form instead of \"nocolon\""},
	{"foo:bar", "x", NOOPEN, "unsupported dictionary type: foo"},
	{"texthash:/nonexistent/x", "x", NOOPEN,
		"open database /nonexistent/x: No such file or directory"},
	{"hash:/nonexistent/x", "x", NOOPEN,
		"open database /nonexistent/x.db: No such file or directory"},
	{"btree:/nonexistent/x", "x", NOOPEN,
		"open database /nonexistent/x.db: No such file or directory"},
};

static void
test_name_cases(void **state)
{
	VSTRING *result = vstring_alloc(100);
	size_t  i;
	int     status;

	for (i = 0; i < sizeof(name_cases) / sizeof(name_cases[0]); i++) {
		const struct name_case *c = name_cases + i;

		status = tdu_get(c->type_name, DICT_FLAG_FOLD_FIX, c->key, result);
		if (status != c->status)
			fail_msg("%s key \"%s\": status %d, want %d (%s)", c->type_name,
				 c->key, status, c->status, vstring_str(result));
		if (c->result && strcmp(vstring_str(result), c->result) != 0)
			fail_msg("%s key \"%s\": \"%s\", want \"%s\"", c->type_name,
				 c->key, vstring_str(result), c->result);
	}
	vstring_free(result);
}

/* An empty result is logged as a table bug, as Postfix does. */
static void
test_empty_result_warning(void **state)
{
	VSTRING *result = vstring_alloc(100);

	tdu_clear();
	assert_int_equal(tdu_get("inline:{ k= }", 0, "k", result), FOUND);
	assert_string_equal(vstring_str(result), "");
	assert_string_equal(tdu_warnings(),
		  "warning: table inline:{ k= }: key k: empty string result is not allowed\n"
		  "warning: table inline:{ k= } should return NO RESULT in case of NOT FOUND");
	vstring_free(result);
}

/* dict_seq() flags an empty value too, naming the key as stored. */
static void
test_empty_result_seq_warning(void **state)
{
	VSTRING *why = vstring_alloc(100);
	DICT   *dict = dict_open("inline:{ K=, j=x }", O_RDONLY,
				 DICT_FLAG_FOLD_FIX, why);
	const char *key;
	const char *value;
	int     func;
	int     n = 0;

	assert_non_null(dict);
	tdu_clear();
	for (func = DICT_SEQ_FUN_FIRST; dict_seq(dict, func, &key, &value) == FOUND;
	     func = DICT_SEQ_FUN_NEXT) {
		if (strcmp(key, "k") == 0)
			assert_string_equal(value, "");
		n++;
	}
	assert_int_equal(n, 2);
	assert_string_equal(tdu_warnings(),
	      "warning: table inline:{ K=, j=x }: key k: empty string result is not allowed\n"
		  "warning: table inline:{ K=, j=x } should return NO RESULT in case of NOT FOUND");
	dict_close(dict);
	vstring_free(why);
}

static void
test_inline_seq_and_readonly(void **state)
{
	VSTRING *why = vstring_alloc(100);
	DICT   *dict = dict_open("inline:{b=2, a=1, {c = 3}}", O_RDONLY, 0, why);
	const char *key;
	const char *value;

	assert_non_null(dict);
	assert_string_equal(dict_type(dict), "inline");
	assert_string_equal(dict_name(dict), "{b=2, a=1, {c = 3}}");
	assert_int_equal(dict_seq(dict, DICT_SEQ_FUN_FIRST, &key, &value), FOUND);
	assert_string_equal(key, "a");
	assert_string_equal(value, "1");
	assert_int_equal(dict_seq(dict, DICT_SEQ_FUN_NEXT, &key, &value), FOUND);
	assert_string_equal(key, "b");
	assert_int_equal(dict_seq(dict, DICT_SEQ_FUN_NEXT, &key, &value), FOUND);
	assert_string_equal(key, "c");
	assert_string_equal(value, "3");
	assert_int_equal(dict_seq(dict, DICT_SEQ_FUN_NEXT, &key, &value), NONE);
	assert_int_equal(dict_put(dict, "d", "4"), DICT_STAT_ERROR);
	assert_string_equal(dict_error_text(dict), "table inline:{b=2, a=1, {c = 3}}: "
			    "update operation is not supported");
	assert_int_equal(dict_del(dict, "a"), DICT_STAT_ERROR);
	dict_close(dict);
	assert_null(dict_open("inline:{a=1}", O_RDWR, 0, why));
	assert_string_equal(vstring_str(why), "inline:{a=1} map requires O_RDONLY access mode");
	assert_null(dict_open("static:x", O_RDWR | O_CREAT, 0, why));
	vstring_free(why);
}

/* Folding happens only when asked, and only for fixed-string tables. */
static void
test_fold(void **state)
{
	VSTRING *result = vstring_alloc(100);

	assert_int_equal(tdu_get("inline:{Key=v}", 0, "key", result), NONE);
	assert_int_equal(tdu_get("inline:{Key=v}", 0, "Key", result), FOUND);
	assert_int_equal(tdu_get("inline:{Key=v}", DICT_FLAG_FOLD_FIX, "KEY", result), FOUND);
	vstring_free(result);
}

#define THASH \
	"Foo bar\n" \
	"foo dup\n" \
	"\"a b\" quoted key\n" \
	"  cont\n" \
	"key value with  spaces\n" \
	"# c\n" \
	"k2\tv2\n" \
	"   more\n" \
	"\n" \
	"  \n" \
	"novalue\n" \
	"\"a\\\"b c\" v1\n" \
	"\"unterminated v3\n" \
	"\"AB\" v5\n"

static void
test_texthash(void **state)
{
	VSTRING *why = vstring_alloc(100);
	VSTRING *tn = vstring_alloc(100);
	const char *path = tdu_write("thash", THASH);
	const char *value;
	const char *key;
	DICT   *dict;
	int     n;

	vstring_sprintf(tn, "texthash:%s", path);
	tdu_clear();
	dict = dict_open(vstring_str(tn), O_RDONLY, DICT_FLAG_FOLD_FIX, why);
	assert_non_null(dict);
	vstring_sprintf(why, "warning: %s, line 2: duplicate entry: \"foo\"\n"
			"warning: %s, line 11: expected format: key whitespace value"
			" -- ignoring this line\n"
			"warning: %s, line 13: unbalanced '\"' in '\"unterminated v3'"
			" -- ignoring this line", path, path, path);
	assert_string_equal(tdu_warnings(), vstring_str(why));
	assert_int_equal(dict_get(dict, "FOO", &value), FOUND);
	assert_string_equal(value, "bar");
	assert_int_equal(dict_get(dict, "\"a b\"", &value), FOUND);
	assert_string_equal(value, "quoted key  cont");
	assert_int_equal(dict_get(dict, "a b", &value), NONE);
	assert_int_equal(dict_get(dict, "key", &value), FOUND);
	assert_string_equal(value, "value with  spaces");
	assert_int_equal(dict_get(dict, "k2", &value), FOUND);
	assert_string_equal(value, "v2   more");
	assert_int_equal(dict_get(dict, "novalue", &value), NONE);
	assert_int_equal(dict_get(dict, "\"a\\\"b c\"", &value), FOUND);
	assert_string_equal(value, "v1");
	assert_int_equal(dict_get(dict, "\"ab\"", &value), FOUND);
	for (n = 0, value = NULL; dict_seq(dict, n ? DICT_SEQ_FUN_NEXT :
				  DICT_SEQ_FUN_FIRST, &key, &value) == FOUND; n++)
		 /* void */ ;
	assert_int_equal(n, 6);
	dict_close(dict);

	/* Without folding, keys keep their case; DUP_REPLACE: last wins. */
	dict = dict_open(vstring_str(tn), O_RDONLY, DICT_FLAG_DUP_REPLACE, why);
	assert_non_null(dict);
	assert_int_equal(dict_get(dict, "Foo", &value), FOUND);
	assert_string_equal(value, "bar");
	assert_int_equal(dict_get(dict, "foo", &value), FOUND);
	assert_string_equal(value, "dup");
	dict_close(dict);

	vstring_sprintf(tn, "texthash:%s", tdu_dir);
	assert_null(dict_open(vstring_str(tn), O_RDONLY, 0, why));
	vstring_sprintf(tn, "read %s: Is a directory", tdu_dir);
	assert_string_equal(vstring_str(why), vstring_str(tn));
	vstring_free(why);
	vstring_free(tn);
}

/*
 * texthash: warns as Debian's Postfix does: alias-style keys, and
 * duplicates with the key as written (the stored key is folded).
 */
static const struct thash_warn_case {
	const char *text;
	const char *warnings;		/* "@F@" stands for the file name */
	const char *key;		/* then look this up */
	const char *value;		/* NULL: not found */
} thash_warn_cases[] = {
	{"  leading\nlonely\n\"unbalanced v\nalias: style\nok v\nOK again\n",
		"warning: @F@: logical line must not start with whitespace: \"  leading\"\n"
		"warning: @F@, line 2: expected format: key whitespace value"
		" -- ignoring this line\n"
		"warning: @F@, line 3: unbalanced '\"' in '\"unbalanced v'"
		" -- ignoring this line\n"
		"warning: @F@, line 4: record is in \"key: value\" format;"
		" is this an alias file?\n"
		"warning: @F@, line 6: duplicate entry: \"OK\"", "ok", "v"},
	{"a: b\nc:d e\nf:g\n: x\nAbc 1\naBC 2\n\"Q\" 1\n\"q\" 2\nh: \n",
		"warning: @F@, line 1: record is in \"key: value\" format;"
		" is this an alias file?\n"
		"warning: @F@, line 3: expected format: key whitespace value"
		" -- ignoring this line\n"
		"warning: @F@, line 4: record is in \"key: value\" format;"
		" is this an alias file?\n"
		"warning: @F@, line 6: duplicate entry: \"aBC\"\n"
		"warning: @F@, line 8: duplicate entry: \"\"q\"\"\n"
		"warning: @F@, line 9: expected format: key whitespace value"
		" -- ignoring this line", "ABC", "1"},
	{"a 1\nA\n  2\n  3\nb:\n  x\n",
		"warning: @F@, line 2: duplicate entry: \"A\"\n"
		"warning: @F@, line 5: record is in \"key: value\" format;"
		" is this an alias file?", "b:", "x"},
	{"a\\: v\n\"b:\" v\n",
		"warning: @F@, line 1: record is in \"key: value\" format;"
		" is this an alias file?", "\"b:\"", "v"},
	{"a: b\n", "warning: @F@, line 1: record is in \"key: value\" format;"
		" is this an alias file?", "a", NULL},
};

static void
expand_file_name(VSTRING *out, const char *pattern, const char *path)
{
	const char *cp;

	VSTRING_RESET(out);
	while ((cp = strstr(pattern, "@F@")) != NULL) {
		vstring_memcat(out, pattern, (size_t) (cp - pattern));
		vstring_strcat(out, path);
		pattern = cp + 3;
	}
	vstring_strcat(out, pattern);
}

static void
test_texthash_warnings(void **state)
{
	VSTRING *result = vstring_alloc(100);
	VSTRING *tn = vstring_alloc(100);
	VSTRING *want = vstring_alloc(100);
	const char *path;
	size_t  i;
	int     status;

	for (i = 0; i < sizeof(thash_warn_cases) / sizeof(thash_warn_cases[0]); i++) {
		const struct thash_warn_case *c = thash_warn_cases + i;

		path = tdu_write("thw", c->text);
		vstring_sprintf(tn, "texthash:%s", path);
		expand_file_name(want, c->warnings, path);
		tdu_clear();
		status = tdu_get(vstring_str(tn), DICT_FLAG_FOLD_FIX | DICT_FLAG_DUP_WARN,
				 c->key, result);
		if (strcmp(tdu_warnings(), vstring_str(want)) != 0)
			fail_msg("case %zu: warnings\n%s\nwant\n%s", i, tdu_warnings(),
				 vstring_str(want));
		if (c->value) {
			assert_int_equal(status, FOUND);
			assert_string_equal(vstring_str(result), c->value);
		} else {
			assert_int_equal(status, NONE);
		}
	}
	vstring_free(result);
	vstring_free(tn);
	vstring_free(want);
}

static const struct split_case {
	const char *line;
	const char *key;		/* NULL: error */
	const char *value_or_why;
} split_cases[] = {
	{"key value", "key", "value"},
	{"key \t value with  space", "key", "value with  space"},
	{"\"a b\" v", "\"a b\"", "v"},
	{"\"a\\\"b c\" v", "\"a\\\"b c\"", "v"},
	{"\"x y\"z v2", "\"x y\"z", "v2"},
	{"\"\" v6", "\"\"", "v6"},
	{"novalue", NULL, "expected format: key whitespace value"},
	{"\"unterminated v3", NULL, "unbalanced '\"' in '\"unterminated v3'"},
	{"\"a\\\" v", NULL, "unbalanced '\"' in '\"a\\\" v'"},
	/* A backslash outside quotes also makes the next character plain. */
	{"k\\ 5 v5", "k\\ 5", "v5"},
	{"k\\\"x v6", "k\\\"x", "v6"},
	{"ab\\\\ v7", "ab\\\\", "v7"},
	{"d\\\t v8", "d\\\t", "v8"},
	{"c\\\\\\ x y", "c\\\\\\ x", "y"},
	{"\\ h i", "\\ h", "i"},
	{"\"q2\" \\\" t", "\"q2\"", "\\\" t"},
	{"a\\ v", NULL, "expected format: key whitespace value"},
	{"b\\", NULL, "expected format: key whitespace value"},
	{"e\\\"f\" g", NULL, "unbalanced '\"' in 'e\\\"f\" g'"},
};

static void
test_split_entry(void **state)
{
	VSTRING *why = vstring_alloc(100);
	char    buf[100];
	char   *key;
	char   *value;
	size_t  i;

	for (i = 0; i < sizeof(split_cases) / sizeof(split_cases[0]); i++) {
		const struct split_case *c = split_cases + i;

		strcpy(buf, c->line);
		if (c->key) {
			assert_int_equal(dict_split_entry(buf, &key, &value, why), 0);
			assert_string_equal(key, c->key);
			assert_string_equal(value, c->value_or_why);
		} else {
			assert_int_equal(dict_split_entry(buf, &key, &value, why), -1);
			assert_string_equal(vstring_str(why), c->value_or_why);
		}
	}
	vstring_free(why);
}

static void
test_type_names(void **state)
{
	ARGV   *names = dict_type_names();
	const char *want[] = {"btree", "cidr", "hash", "inline", "pcre", "proxy",
	"regexp", "static", "texthash", "unix"};
	size_t  i;

	assert_int_equal(names->len, sizeof(want) / sizeof(want[0]));
	for (i = 0; i < names->len; i++)
		assert_string_equal(names->argv[i], want[i]);
	argv_free(names);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_name_cases, tdu_setup, tdu_teardown),
		cmocka_unit_test_setup_teardown(test_empty_result_warning, tdu_setup, tdu_teardown),
		cmocka_unit_test_setup_teardown(test_empty_result_seq_warning, tdu_setup, tdu_teardown),
		cmocka_unit_test_setup_teardown(test_inline_seq_and_readonly, tdu_setup, tdu_teardown),
		cmocka_unit_test_setup_teardown(test_fold, tdu_setup, tdu_teardown),
		cmocka_unit_test_setup_teardown(test_texthash, tdu_setup, tdu_teardown),
		cmocka_unit_test_setup_teardown(test_texthash_warnings, tdu_setup, tdu_teardown),
		cmocka_unit_test_setup_teardown(test_split_entry, tdu_setup, tdu_teardown),
		cmocka_unit_test_setup_teardown(test_type_names, tdu_setup, tdu_teardown),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
