/* Unit tests for lib/util/vstring. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "vstring.h"

static void
test_grows_and_terminates(void **state)
{
	VSTRING *vp = vstring_alloc(1);
	size_t  i;

	for (i = 0; i < 1000; i++)
		vstring_addch(vp, 'a' + (int) (i % 26));
	assert_int_equal(vstring_len(vp), 1000);
	assert_int_equal(strlen(vstring_str(vp)), 1000);
	assert_int_equal(vstring_str(vp)[27], 'b');
	vstring_free(vp);
}

static void
test_binary_safe(void **state)
{
	VSTRING *vp = vstring_alloc(4);

	vstring_memcpy(vp, "a\0b", 3);
	assert_int_equal(vstring_len(vp), 3);
	assert_memory_equal(vstring_str(vp), "a\0b", 3);
	vstring_strcat(vp, "cd");
	assert_int_equal(vstring_len(vp), 5);
	vstring_free(vp);
}

static void
test_sprintf_long(void **state)
{
	VSTRING *vp = vstring_alloc(2);
	char    big[5000];

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	vstring_sprintf(vp, "<%s>", big);
	assert_int_equal(vstring_len(vp), sizeof(big) + 1);
	vstring_sprintf_append(vp, "%d", 42);
	assert_string_equal(vstring_end(vp) - 2, "42");
	vstring_sprintf(vp, "%s", "short");
	assert_string_equal(vstring_str(vp), "short");
	vstring_free(vp);
}

static void
test_trim_truncate_lower(void **state)
{
	VSTRING *vp = vstring_alloc(8);

	vstring_strcpy(vp, " \t Hello World \n");
	vstring_trim_space(vp);
	assert_string_equal(vstring_str(vp), "Hello World");
	vstring_lower(vp);
	assert_string_equal(vstring_str(vp), "hello world");
	vstring_truncate(vp, 5);
	assert_string_equal(vstring_str(vp), "hello");
	vstring_truncate(vp, 50);
	assert_string_equal(vstring_str(vp), "hello");
	vstring_strncpy(vp, "abcdef", 3);
	assert_string_equal(vstring_str(vp), "abc");
	vstring_free(vp);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_grows_and_terminates),
		cmocka_unit_test(test_binary_safe),
		cmocka_unit_test(test_sprintf_long),
		cmocka_unit_test(test_trim_truncate_lower),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
