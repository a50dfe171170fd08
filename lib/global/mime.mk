# lib/global/mime.mk: 8bit -> quoted-printable downgrade for the SMTP client.
lib_global_libglobal_a_SOURCES += lib/global/mime_downgrade.c lib/global/mime_downgrade.h

check_PROGRAMS += tests/unit/test_mime_downgrade
tests_unit_test_mime_downgrade_SOURCES = tests/unit/test_mime_downgrade.c
tests_unit_test_mime_downgrade_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_mime_downgrade_LDADD = $(UNIT_TEST_LIBS)
