# lib/dns: DNS lookups through libresolv.
noinst_LIBRARIES += lib/dns/libdns.a
lib_dns_libdns_a_SOURCES = lib/dns/dns.h lib/dns/dns_priv.h lib/dns/dns_lookup.c \
	lib/dns/dns_rr.c

check_PROGRAMS += tests/unit/test_dns
tests_unit_test_dns_SOURCES = tests/unit/test_dns.c
tests_unit_test_dns_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_dns_LDADD = $(LIBDNS) $(UNIT_TEST_LIBS) $(RESOLV_LIBS)
