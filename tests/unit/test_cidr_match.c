/* Unit tests for lib/util cidr_match. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "vstring.h"
#include "cidr_match.h"

/* Pattern syntax: accepted patterns, and the reason for rejected ones. */
static const struct parse_case {
	const char *pattern;
	int     family;
	unsigned mask_len;
	const char *why;		/* NULL: accepted */
} parse_cases[] = {
	{"1.2.3.0/24", AF_INET, 24, NULL},
	{"1.2.3.4", AF_INET, 32, NULL},
	{"[1.2.3.4]", AF_INET, 32, NULL},
	{"[1.2.3.0]/24", AF_INET, 24, NULL},
	{"[1.2.3.0/24]", AF_INET, 24, NULL},
	{"1.2.3.0/024", AF_INET, 24, NULL},
	{"0.0.0.0/0", AF_INET, 0, NULL},
	{"2001:db8::/32", AF_INET6, 32, NULL},
	{"[2001:db8::]/32", AF_INET6, 32, NULL},
	{"2001:DB8::/32", AF_INET6, 32, NULL},
	{"[::1]", AF_INET6, 128, NULL},
	{"::/0", AF_INET6, 0, NULL},
	{"[::ffff:127.0.0.0]/104", AF_INET6, 104, NULL},
	{"1.2.3.4/24", 0, 0,
		"non-null host address bits in \"1.2.3.4/24\", "
		"perhaps you should use \"1.2.3.0/24\" instead"},
	{"1.2.3.4/0", 0, 0,
		"non-null host address bits in \"1.2.3.4/0\", "
		"perhaps you should use \"0.0.0.0/0\" instead"},
	{"[2001:DB8:0::1]/32", 0, 0,
		"non-null host address bits in \"2001:DB8:0::1/32\", "
		"perhaps you should use \"2001:db8::/32\" instead"},
	{"1.2.3.4/33", 0, 0, "bad mask length in \"1.2.3.4/33\""},
	{"1.2.3.0/99999999999999999999", 0, 0,
		"bad mask length in \"1.2.3.0/99999999999999999999\""},
	{"foo/99", 0, 0, "bad mask length in \"foo/99\""},
	{"[2001:db8::]/129", 0, 0, "bad mask length in \"2001:db8::/129\""},
	{"1.2.3.0/", 0, 0, "bad mask value in \"1.2.3.0/\""},
	{"1.2.3.0/24x", 0, 0, "bad mask value in \"1.2.3.0/24x\""},
	{"1.2.3.0/-1", 0, 0, "bad mask value in \"1.2.3.0/-1\""},
	{"1.2.3.0/+24", 0, 0, "bad mask value in \"1.2.3.0/+24\""},
	{"1.2.3.0//24", 0, 0, "bad mask value in \"1.2.3.0//24\""},
	{"/24", 0, 0, "bad network value in \"/24\""},
	{"01.2.3.0/24", 0, 0, "bad network value in \"01.2.3.0/24\""},
	{"1.2.3", 0, 0, "bad address pattern: \"1.2.3\""},
	{"1.2.3.300", 0, 0, "bad address pattern: \"1.2.3.300\""},
	{"1.2.3.4]", 0, 0, "bad address pattern: \"1.2.3.4]\""},
	{"fe80::1%eth0", 0, 0, "bad address pattern: \"fe80::1%eth0\""},
	{"[]", 0, 0, "bad address pattern: \"\""},
	{"[foo]", 0, 0, "bad address pattern: \"foo\""},
	{"", 0, 0, "bad address pattern: \"\""},
	{"[1.2.3.4", 0, 0, "missing ']' character after \"[1.2.3.4\""},
	{"[1.2.3.4]x", 0, 0, "garbage after \"[1.2.3.4]\""},
	{"[[1.2.3.4]]", 0, 0, "garbage after \"[[1.2.3.4]\""},
};

static void
test_parse_table(void **state)
{
	VSTRING *why = vstring_alloc(100);
	CIDR_MATCH cm;
	size_t  i;
	int     ret;

	for (i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++) {
		const struct parse_case *c = parse_cases + i;

		VSTRING_RESET(why);
		ret = cidr_match_parse(&cm, c->pattern, why);
		if (c->why == NULL) {
			if (ret != 0)
				fail_msg("\"%s\": unexpected error: %s", c->pattern,
					 vstring_str(why));
			assert_int_equal(cm.family, c->family);
			assert_int_equal(cm.mask_len, c->mask_len);
		} else {
			if (ret != -1)
				fail_msg("\"%s\": accepted", c->pattern);
			assert_string_equal(vstring_str(why), c->why);
		}
	}
	vstring_free(why);
}

/* Matching: pattern, address, expected answer. */
static const struct match_case {
	const char *pattern;
	const char *addr;
	int     match;
} match_cases[] = {
	{"1.2.3.0/24", "1.2.3.4", 1},
	{"1.2.3.0/24", "1.2.3.255", 1},
	{"1.2.3.0/24", "1.2.4.0", 0},
	{"1.2.3.4", "1.2.3.4", 1},
	{"1.2.3.4", "1.2.3.5", 0},
	{"1.2.3.128/25", "1.2.3.127", 0},
	{"1.2.3.128/25", "1.2.3.129", 1},
	{"10.0.0.0/9", "10.127.255.255", 1},
	{"10.0.0.0/9", "10.128.0.0", 0},
	{"0.0.0.0/0", "255.255.255.255", 1},
	{"0.0.0.0/0", "::1", 0},
	{"::/0", "1.2.3.4", 0},
	{"::/0", "::1", 1},
	{"[2001:db8::]/32", "2001:db8:ffff::1", 1},
	{"[2001:db8::]/32", "2001:DB8::1", 1},
	{"[2001:db8::]/32", "2001:0db8:0:0:0:0:0:1", 1},
	{"[2001:db8::]/32", "2001:db9::1", 0},
	{"[::1]", "::1", 1},
	{"[::1]", "::2", 0},
	/* IPv4-mapped addresses are IPv6 as far as patterns go (Postfix). */
	{"1.2.3.0/24", "::ffff:1.2.3.4", 0},
	{"[::ffff:1.2.3.0]/120", "::ffff:1.2.3.4", 1},
	{"[::ffff:1.2.3.0]/120", "1.2.3.4", 0},
	/* Malformed addresses never match. */
	{"0.0.0.0/0", "01.2.3.4", 0},
	{"0.0.0.0/0", "1.2.3.4 ", 0},
	{"0.0.0.0/0", "", 0},
	{"0.0.0.0/0", "foo", 0},
	{"::/0", "[::1]", 0},
	{"::/0", "fe80::1%eth0", 0},
};

static void
test_match_table(void **state)
{
	VSTRING *why = vstring_alloc(100);
	CIDR_MATCH cm;
	size_t  i;

	for (i = 0; i < sizeof(match_cases) / sizeof(match_cases[0]); i++) {
		const struct match_case *c = match_cases + i;

		if (cidr_match_parse(&cm, c->pattern, why) != 0)
			fail_msg("\"%s\": %s", c->pattern, vstring_str(why));
		if (cidr_match_addr(&cm, c->addr) != c->match)
			fail_msg("pattern \"%s\" address \"%s\": expected %d",
				 c->pattern, c->addr, c->match);
	}
	vstring_free(why);
}

static void
test_addr_parse(void **state)
{
	CIDR_ADDR a;

	assert_int_equal(cidr_addr_parse(&a, "192.0.2.1"), 0);
	assert_int_equal(a.family, AF_INET);
	assert_int_equal(a.bytes[0], 192);
	assert_int_equal(a.bytes[3], 1);
	assert_int_equal(cidr_addr_parse(&a, "2001:db8::1"), 0);
	assert_int_equal(a.family, AF_INET6);
	assert_int_equal(a.bytes[3], 0xb8);
	assert_int_equal(a.bytes[15], 1);
	assert_int_equal(cidr_addr_parse(&a, "192.0.2"), -1);
	assert_int_equal(cidr_addr_parse(&a, "2001:db8::g"), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_table),
		cmocka_unit_test(test_match_table),
		cmocka_unit_test(test_addr_parse),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
