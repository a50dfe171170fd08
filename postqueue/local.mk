# postqueue/local.mk: postqueue(1), the user interface to the queue.
sbin_PROGRAMS += postqueue/postqueue
postqueue_postqueue_SOURCES = postqueue/postqueue.c postqueue/postqueue.h \
	postqueue/postqueue_list.c
postqueue_postqueue_LDADD = $(POSTERN_LIBS) $(POSTERN_EXT_LIBS)
dist_man_MANS += man/man1/postqueue.1

check_PROGRAMS += tests/unit/test_postqueue
tests_unit_test_postqueue_SOURCES = tests/unit/test_postqueue.c \
	postqueue/postqueue_list.c postqueue/postqueue.h
tests_unit_test_postqueue_CPPFLAGS = $(AM_CPPFLAGS) -I$(srcdir)/postqueue
tests_unit_test_postqueue_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_postqueue_LDADD = $(UNIT_TEST_LIBS)
