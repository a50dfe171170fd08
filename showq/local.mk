# showq/local.mk: showq(8), the queue listing service behind postqueue -p/-j.
pkglibexec_PROGRAMS += showq/showq
showq_showq_SOURCES = showq/showq.c showq/showq.h showq/showq_read.c
showq_showq_LDADD = $(POSTERN_LIBS) $(POSTERN_EXT_LIBS)
dist_man_MANS += man/man8/showq.8

check_PROGRAMS += tests/unit/test_showq
tests_unit_test_showq_SOURCES = tests/unit/test_showq.c showq/showq_read.c \
	showq/showq.h
tests_unit_test_showq_CPPFLAGS = $(AM_CPPFLAGS) -I$(srcdir)/showq
tests_unit_test_showq_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_showq_LDADD = $(UNIT_TEST_LIBS)
