# lib/sasl: SMTP AUTH client mechanisms (PLAIN, LOGIN).
noinst_LIBRARIES += lib/sasl/libsasl.a
lib_sasl_libsasl_a_SOURCES = lib/sasl/sasl_client.h lib/sasl/sasl_client.c

check_PROGRAMS += tests/unit/test_sasl_client
tests_unit_test_sasl_client_SOURCES = tests/unit/test_sasl_client.c
tests_unit_test_sasl_client_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_sasl_client_LDADD = $(LIBSASL) $(UNIT_TEST_LIBS)
