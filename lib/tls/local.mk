# lib/tls: TLS for smtpd (server) and smtp/lmtp (client) over OpenSSL.
noinst_LIBRARIES += lib/tls/libtls.a
lib_tls_libtls_a_SOURCES = lib/tls/tls.h lib/tls/tls_misc.c \
	lib/tls/tls_server.c lib/tls/tls_client.c lib/tls/tls_io.c lib/tls/tls_scache.c \
	lib/tls/tls_ticket.c lib/tls/tls_priv.h
lib_tls_libtls_a_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS)

check_PROGRAMS += tests/unit/test_tls
tests_unit_test_tls_SOURCES = tests/unit/test_tls.c
tests_unit_test_tls_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(OPENSSL_CFLAGS)
tests_unit_test_tls_LDADD = $(LIBTLS) $(UNIT_TEST_LIBS) $(OPENSSL_LIBS)
