# sendmail: the Sendmail-compatible interface (mailq, newaliases are links).
sbin_PROGRAMS += sendmail/sendmail
sendmail_sendmail_SOURCES = sendmail/sendmail.c sendmail/sendmail.h \
	sendmail/sendmail_opts.c sendmail/sendmail_queue.c
sendmail_sendmail_LDADD = $(POSTERN_LIBS) $(POSTERN_EXT_LIBS)
dist_man_MANS += man/man1/sendmail.1 man/man1/mailq.1 man/man1/newaliases.1

check_PROGRAMS += tests/unit/test_sendmail_opts
tests_unit_test_sendmail_opts_SOURCES = tests/unit/test_sendmail_opts.c \
	sendmail/sendmail_opts.c sendmail/sendmail.h
tests_unit_test_sendmail_opts_CPPFLAGS = $(AM_CPPFLAGS) -I$(srcdir)/sendmail
tests_unit_test_sendmail_opts_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_sendmail_opts_LDADD = $(UNIT_TEST_LIBS)
