# lib/util cidr_match: IPv4/IPv6 network/prefix matching (cidr tables,
# mynetworks).
lib_util_libutil_a_SOURCES += lib/util/cidr_match.c lib/util/cidr_match.h

check_PROGRAMS += tests/unit/test_cidr_match
tests_unit_test_cidr_match_SOURCES = tests/unit/test_cidr_match.c
tests_unit_test_cidr_match_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_cidr_match_LDADD = $(UTIL_TEST_LIBS)
