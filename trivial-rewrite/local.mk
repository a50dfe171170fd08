# trivial-rewrite: the address rewriting and resolving service.
pkglibexec_PROGRAMS += trivial-rewrite/trivial-rewrite
trivial_rewrite_trivial_rewrite_SOURCES = trivial-rewrite/trivial-rewrite.c \
	trivial-rewrite/rewrite.c trivial-rewrite/rewrite.h \
	trivial-rewrite/resolve.c trivial-rewrite/resolve.h
trivial_rewrite_trivial_rewrite_LDADD = $(POSTERN_LIBS) $(POSTERN_EXT_LIBS)
dist_man_MANS += man/man8/trivial-rewrite.8

check_PROGRAMS += tests/unit/test_trivial_rewrite
tests_unit_test_trivial_rewrite_SOURCES = tests/unit/test_trivial_rewrite.c \
	trivial-rewrite/rewrite.c trivial-rewrite/rewrite.h \
	trivial-rewrite/resolve.c trivial-rewrite/resolve.h
tests_unit_test_trivial_rewrite_CPPFLAGS = $(AM_CPPFLAGS) -I$(srcdir)/trivial-rewrite
tests_unit_test_trivial_rewrite_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_trivial_rewrite_LDADD = $(UNIT_TEST_LIBS)
