/* Unit tests for lib/util argv, htable and stringops. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "mymalloc.h"
#include "argv.h"
#include "htable.h"
#include "stringops.h"
#include "readlline.h"

static void
test_argv_split_sort_uniq(void **state)
{
	ARGV   *a = argv_split("  b, a,,c b\t a ", CHARS_COMMA_SP);

	assert_int_equal(a->len, 5);
	assert_null(a->argv[5]);
	argv_sort(a);
	argv_uniq(a);
	assert_int_equal(a->len, 3);
	assert_string_equal(a->argv[0], "a");
	assert_string_equal(a->argv[2], "c");
	argv_truncate(a, 1);
	assert_int_equal(a->len, 1);
	assert_null(a->argv[1]);
	argv_free(a);
}

static void
test_htable_many_and_delete(void **state)
{
	HTABLE *t = htable_create(1);
	char    key[32];
	HTABLE_INFO **list;
	int     i;

	for (i = 0; i < 2000; i++) {
		snprintf(key, sizeof(key), "k%04d", i);
		htable_enter(t, key, (void *) (intptr_t) (i + 1));
	}
	assert_int_equal(t->used, 2000);
	assert_int_equal((intptr_t) htable_find(t, "k1234"), 1235);
	assert_null(htable_find(t, "nope"));
	htable_delete(t, "k1234", NULL);
	assert_null(htable_find(t, "k1234"));
	list = htable_list_sorted(t);
	assert_string_equal(list[0]->key, "k0000");
	assert_string_equal(list[1998]->key, "k1999");
	assert_null(list[1999]);
	myfree(list);
	htable_free(t, NULL);
}

static void
test_mystrtok_and_brace(void **state)
{
	char    buf[] = " a, {b c, d} ,e";
	char   *bp = buf;
	const char *err;

	assert_string_equal(mystrtok_brace(&bp, CHARS_COMMA_SP, &err), "a");
	assert_string_equal(mystrtok_brace(&bp, CHARS_COMMA_SP, &err), "{b c, d}");
	assert_string_equal(mystrtok_brace(&bp, CHARS_COMMA_SP, &err), "e");
	assert_null(mystrtok_brace(&bp, CHARS_COMMA_SP, &err));
	assert_null(err);

	char    bad[] = "{unbalanced";
	bp = bad;
	assert_null(mystrtok_brace(&bp, CHARS_COMMA_SP, &err));
	assert_non_null(err);
}

static void
test_trim_split_digits(void **state)
{
	char    s[] = "  Key = Value  ";
	char   *rest;

	trim_space(s);
	assert_string_equal(s, "Key = Value");
	rest = split_at(s, '=');
	assert_string_equal(rest, " Value");
	assert_string_equal(lowercase(s), "key ");
	assert_true(alldig("0123"));
	assert_false(alldig(""));
	assert_false(alldig("12a"));
	assert_false(allascii("caf\xc3\xa9"));
}

static void
test_readlline_joins_and_skips(void **state)
{
	const char text[] = "# comment\n\nfoo  bar\n  cont # not comment\n"
	    "# skipped\n\n\tmore  \nnext\n  \n";
	FILE   *fp = fmemopen((void *) text, sizeof(text) - 1, "r");
	VSTRING *buf = vstring_alloc(10);
	int     lineno = 0;
	int     first = 0;

	assert_non_null(readlline(buf, fp, &lineno, &first));
	assert_string_equal(vstring_str(buf), "foo  bar  cont # not comment\tmore");
	assert_int_equal(first, 3);
	assert_non_null(readlline(buf, fp, &lineno, &first));
	assert_string_equal(vstring_str(buf), "next");
	assert_int_equal(first, 8);
	assert_null(readlline(buf, fp, &lineno, &first));
	assert_int_equal(lineno, 9);
	fclose(fp);
	vstring_free(buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_argv_split_sort_uniq),
		cmocka_unit_test(test_htable_many_and_delete),
		cmocka_unit_test(test_mystrtok_and_brace),
		cmocka_unit_test(test_trim_split_digits),
		cmocka_unit_test(test_readlline_joins_and_skips),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
