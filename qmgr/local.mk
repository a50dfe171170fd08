# qmgr/local.mk: qmgr(8), the queue manager.
pkglibexec_PROGRAMS += qmgr/qmgr
qmgr_qmgr_SOURCES = qmgr/qmgr.c qmgr/qmgr.h qmgr/qmgr_message.c \
	qmgr/qmgr_queue.c qmgr/qmgr_deliver.c
qmgr_qmgr_LDADD = $(POSTERN_LIBS) $(POSTERN_EXT_LIBS)
dist_man_MANS += man/man8/qmgr.8

check_PROGRAMS += tests/unit/test_mail_queue
tests_unit_test_mail_queue_SOURCES = tests/unit/test_mail_queue.c
tests_unit_test_mail_queue_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_mail_queue_LDADD = $(UNIT_TEST_LIBS)
