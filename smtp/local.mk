# smtp/local.mk: smtp(8) and lmtp(8), one client with two protocols. The
# shared code is a private library; lmtp/lmtp.c is a thin front-end.
noinst_LIBRARIES += smtp/libsmtp.a
smtp_libsmtp_a_SOURCES = smtp/smtp.h smtp/smtp_addr.c smtp/smtp_addr.h \
	smtp/smtp_client.c smtp/smtp_dest.c smtp/smtp_params.c smtp/smtp_connect.c \
	smtp/smtp_proto.c smtp/smtp_reply.c smtp/smtp_data.c smtp/smtp_tls.c \
	smtp/smtp_sasl.c
smtp_libsmtp_a_CPPFLAGS = $(AM_CPPFLAGS) -I$(srcdir)/smtp
SMTP_CLIENT_LIBS = smtp/libsmtp.a $(LIBTLS) $(LIBDNS) $(LIBSASL) \
	$(POSTERN_LIBS) $(POSTERN_EXT_LIBS) $(OPENSSL_LIBS) $(RESOLV_LIBS)

pkglibexec_PROGRAMS += smtp/smtp lmtp/lmtp
smtp_smtp_SOURCES = smtp/smtp_main.c
smtp_smtp_CPPFLAGS = $(AM_CPPFLAGS) -I$(srcdir)/smtp
smtp_smtp_LDADD = $(SMTP_CLIENT_LIBS)
lmtp_lmtp_SOURCES = lmtp/lmtp.c
lmtp_lmtp_CPPFLAGS = $(AM_CPPFLAGS) -I$(srcdir)/smtp
lmtp_lmtp_LDADD = $(SMTP_CLIENT_LIBS)
dist_man_MANS += man/man8/smtp.8 man/man8/lmtp.8

check_PROGRAMS += tests/unit/test_smtp_addr
tests_unit_test_smtp_addr_SOURCES = tests/unit/test_smtp_addr.c
tests_unit_test_smtp_addr_CPPFLAGS = $(AM_CPPFLAGS) -I$(srcdir)/smtp
tests_unit_test_smtp_addr_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_smtp_addr_LDADD = smtp/libsmtp.a $(LIBDNS) $(UNIT_TEST_LIBS) $(RESOLV_LIBS)

check_PROGRAMS += tests/unit/test_smtp_proto
tests_unit_test_smtp_proto_SOURCES = tests/unit/test_smtp_proto.c
tests_unit_test_smtp_proto_CPPFLAGS = $(AM_CPPFLAGS) -I$(srcdir)/smtp
tests_unit_test_smtp_proto_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_smtp_proto_LDADD = $(SMTP_CLIENT_LIBS) $(CMOCKA_LIBS)
