# smtpd/check.mk: smtpd(8) restrictions (smtpd_check*.c). smtpd/local.mk
# lists smtpd/smtpd_check.c; the other parts of the engine are added here.
smtpd_smtpd_SOURCES += smtpd/smtpd_check_rest.c \
	smtpd/smtpd_check_access.c smtpd/smtpd_check_addr.c \
	smtpd/smtpd_check_maps.c smtpd/smtpd_check_priv.h

check_PROGRAMS += tests/unit/test_smtpd_check
tests_unit_test_smtpd_check_SOURCES = tests/unit/test_smtpd_check.c \
	smtpd/smtpd_check.c smtpd/smtpd_check_rest.c smtpd/smtpd_check_access.c \
	smtpd/smtpd_check_addr.c smtpd/smtpd_check_maps.c smtpd/smtpd_check.h \
	smtpd/smtpd_check_priv.h smtpd/smtpd_dsn.c smtpd/smtpd_dsn.h
tests_unit_test_smtpd_check_CPPFLAGS = $(AM_CPPFLAGS) -I$(srcdir)/smtpd
tests_unit_test_smtpd_check_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_smtpd_check_LDADD = $(UNIT_TEST_LIBS)
