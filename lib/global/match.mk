# lib/global match lists (mydestination, relay_domains, mynetworks, ...),
# this machine's interface addresses, and the default mynetworks.
lib_global_libglobal_a_SOURCES += \
	lib/global/match_list.c lib/global/match_list.h \
	lib/global/inet_local.c lib/global/inet_local.h \
	lib/global/mynetworks.c lib/global/mynetworks.h

check_PROGRAMS += tests/unit/test_match_list
tests_unit_test_match_list_SOURCES = tests/unit/test_match_list.c
tests_unit_test_match_list_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_match_list_LDADD = $(UNIT_TEST_LIBS)

# Compares with Debian's /usr/sbin/postconf on this machine when present.
check_PROGRAMS += tests/unit/test_mynetworks
tests_unit_test_mynetworks_SOURCES = tests/unit/test_mynetworks.c
tests_unit_test_mynetworks_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_mynetworks_LDADD = $(UNIT_TEST_LIBS)
