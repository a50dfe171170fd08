# postdrop: the set-gid helper that writes maildrop files.
sbin_PROGRAMS += postdrop/postdrop
postdrop_postdrop_SOURCES = postdrop/postdrop.c
postdrop_postdrop_LDADD = $(POSTERN_LIBS) $(POSTERN_EXT_LIBS)
dist_man_MANS += man/man1/postdrop.1

check_PROGRAMS += tests/unit/test_maildrop
tests_unit_test_maildrop_SOURCES = tests/unit/test_maildrop.c
tests_unit_test_maildrop_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_maildrop_LDADD = $(UNIT_TEST_LIBS)
