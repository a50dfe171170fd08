# smtpd/local.mk: smtpd(8), the SMTP server. The restriction engine
# (smtpd_check.c) has its own fragment, smtpd/check.mk.
pkglibexec_PROGRAMS += smtpd/smtpd
smtpd_smtpd_SOURCES = smtpd/smtpd.c smtpd/smtpd.h \
	smtpd/smtpd_cmd.c smtpd/smtpd_cmd.h \
	smtpd/smtpd_data.c smtpd/smtpd_data.h \
	smtpd/smtpd_reply.c smtpd/smtpd_peer.c smtpd/smtpd_xclient.c \
	smtpd/smtpd_dsn.c smtpd/smtpd_dsn.h \
	smtpd/smtpd_trans.c smtpd/smtpd_tls.c smtpd/smtpd_tls.h \
	smtpd/smtpd_check.c smtpd/smtpd_check.h
smtpd_smtpd_CPPFLAGS = $(AM_CPPFLAGS) -I$(srcdir)/smtpd
smtpd_smtpd_LDADD = $(LIBTLS) $(POSTERN_LIBS) $(POSTERN_EXT_LIBS) $(OPENSSL_LIBS)
dist_man_MANS += man/man8/smtpd.8

check_PROGRAMS += tests/unit/test_smtpd_cmd
tests_unit_test_smtpd_cmd_SOURCES = tests/unit/test_smtpd_cmd.c \
	smtpd/smtpd_cmd.c smtpd/smtpd_cmd.h
tests_unit_test_smtpd_cmd_CPPFLAGS = $(AM_CPPFLAGS) -I$(srcdir)/smtpd
tests_unit_test_smtpd_cmd_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_smtpd_cmd_LDADD = $(UNIT_TEST_LIBS)

check_PROGRAMS += tests/unit/test_smtpd_data
tests_unit_test_smtpd_data_SOURCES = tests/unit/test_smtpd_data.c \
	smtpd/smtpd_data.c smtpd/smtpd_data.h
tests_unit_test_smtpd_data_CPPFLAGS = $(AM_CPPFLAGS) -I$(srcdir)/smtpd
tests_unit_test_smtpd_data_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_smtpd_data_LDADD = $(UNIT_TEST_LIBS)
