# lib/global/server.mk: the daemon skeleton (mail_server and its kinds),
# mail_connect/mail_trigger and the postlog client (helper H2), plus the
# test daemons the integration tests run under a fake master.
lib_global_libglobal_a_SOURCES += \
	lib/global/mail_server.c lib/global/mail_server.h \
	lib/global/mail_server_priv.h lib/global/master_proto.h \
	lib/global/single_server.c lib/global/multi_server.c \
	lib/global/trigger_server.c lib/global/dgram_server.c \
	lib/global/mail_connect.c lib/global/mail_connect.h \
	lib/global/postlog_client.c lib/global/postlog_client.h

noinst_PROGRAMS += tests/daemons/msrv_single
tests_daemons_msrv_single_SOURCES = tests/daemons/msrv_single.c
tests_daemons_msrv_single_LDADD = $(POSTERN_LIBS) $(POSTERN_EXT_LIBS)

noinst_PROGRAMS += tests/daemons/msrv_trigger
tests_daemons_msrv_trigger_SOURCES = tests/daemons/msrv_trigger.c
tests_daemons_msrv_trigger_LDADD = $(POSTERN_LIBS) $(POSTERN_EXT_LIBS)

noinst_PROGRAMS += tests/daemons/msrv_multi
tests_daemons_msrv_multi_SOURCES = tests/daemons/msrv_multi.c
tests_daemons_msrv_multi_LDADD = $(POSTERN_LIBS) $(POSTERN_EXT_LIBS)

noinst_PROGRAMS += tests/daemons/msrv_client
tests_daemons_msrv_client_SOURCES = tests/daemons/msrv_client.c
tests_daemons_msrv_client_LDADD = $(POSTERN_LIBS) $(POSTERN_EXT_LIBS)

check_PROGRAMS += tests/unit/test_mail_server_postlog
tests_unit_test_mail_server_postlog_SOURCES = tests/unit/test_mail_server_postlog.c
tests_unit_test_mail_server_postlog_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_mail_server_postlog_LDADD = $(UNIT_TEST_LIBS)
