/*
 * Unit tests for lib/global/maps.c and mail_addr_find.c (table lists and
 * Postfix's address lookup order) and lib/dict/dict_unix.c (unix:, proxy:).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "vstring.h"
#include "dict.h"
#include "maps.h"
#include "mail_addr_find.h"

typedef struct {
	const char *addr;
	int	flags;
	int	status;
	const char *value;
	const char *ext;
} FIND_CASE;

static void
test_order(void **unused)
{
	static const FIND_CASE cases[] = {
		{"joe@example.com", 0, DICT_STAT_SUCCESS, "exact", ""},
		{"JOE@Example.COM", 0, DICT_STAT_SUCCESS, "exact", ""},
		{"joe+x@example.com", 0, DICT_STAT_SUCCESS, "exact", "+x"},
		{"bob+tag@example.com", 0, DICT_STAT_SUCCESS, "tagged", ""},
		{"ann@example.com", 0, DICT_STAT_SUCCESS, "catchall", ""},
		{"postmaster@local.test", MAIL_ADDR_FIND_LOCAL,
		 DICT_STAT_SUCCESS, "pm", ""},
		{"postmaster@other.test", 0, DICT_STAT_FAIL, NULL, NULL},
		{"postmaster", 0, DICT_STAT_SUCCESS, "pm", ""},
		{"postmaster-x", 0, DICT_STAT_SUCCESS, "pm", "-x"},
		{"re42@other.test", 0, DICT_STAT_SUCCESS, "pattern", ""},
	};
	VSTRING *ext = vstring_alloc(10);
	MAPS   *maps;
	const char *value;
	size_t	i;
	int	status;

	(void) unused;
	maps = maps_create("test_maps", "inline:{joe@example.com=exact, "
			   "bob+tag@example.com=tagged, @example.com=catchall,"
			   " postmaster=pm}, regexp:{{/^re[0-9]+@/ pattern}}");
	assert_false(maps_empty(maps));
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		status = mail_addr_find(maps, cases[i].addr, cases[i].flags,
					"+-", &value, ext);
		assert_int_equal(status, cases[i].status);
		if (status == DICT_STAT_SUCCESS) {
			assert_string_equal(value, cases[i].value);
			assert_string_equal(vstring_str(ext), cases[i].ext);
		}
	}
	maps_free(maps);
	vstring_free(ext);
}

static void
test_errors(void **unused)
{
	MAPS   *maps;
	const char *value;

	(void) unused;
	maps = maps_create("test_maps", "hash:/nonexistent/table");
	assert_int_equal(maps_find(maps, "x", 0, &value), DICT_STAT_ERROR);
	assert_non_null(strstr(maps_error(maps), "hash:/nonexistent/table is "
			       "unavailable"));
	maps_free(maps);
	maps = maps_create("empty", "");
	assert_true(maps_empty(maps));
	assert_int_equal(maps_find(maps, "x", 0, &value), DICT_STAT_FAIL);
	maps_free(maps);
}

static void
test_unix_and_proxy(void **unused)
{
	VSTRING *why = vstring_alloc(100);
	DICT   *dict;
	const char *value;

	(void) unused;
	dict = dict_open("proxy:unix:passwd.byname", O_RDONLY,
			 DICT_FLAG_FOLD_FIX, why);
	assert_non_null(dict);
	assert_int_equal(dict_get(dict, "root", &value), DICT_STAT_SUCCESS);
	assert_memory_equal(value, "root:", 5);
	assert_non_null(strstr(value, ":0:0:"));
	assert_int_equal(dict_get(dict, "ROOT", &value), DICT_STAT_SUCCESS);
	assert_int_equal(dict_get(dict, "no-such-user-here", &value),
			 DICT_STAT_FAIL);
	dict_close(dict);
	dict = dict_open("unix:group.byname", O_RDONLY, 0, why);
	assert_non_null(dict);
	assert_int_equal(dict_get(dict, "root", &value), DICT_STAT_SUCCESS);
	dict_close(dict);
	assert_null(dict_open("unix:shadow.byname", O_RDONLY, 0, why));
	assert_string_equal(vstring_str(why), "unknown table: unix:shadow.byname");
	vstring_free(why);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_unix_and_proxy),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
