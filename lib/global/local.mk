# lib/global: mail-specific, transport-neutral code on top of util and dict.
# This fragment owns the configuration core: main.cf syntax and loading
# (mail_conf*), the parameter table (mail_params), $name expansion
# (mac_expand). Other modules add themselves through the fragments
# included at the end.
noinst_LIBRARIES += lib/global/libglobal.a
lib_global_libglobal_a_SOURCES = \
	lib/global/mac_expand.c lib/global/mac_expand.h \
	lib/global/mail_params.c lib/global/mail_params.h \
	lib/global/mail_conf.c lib/global/mail_conf.h \
	lib/global/mail_conf_priv.h \
	lib/global/mail_conf_file.c lib/global/mail_conf_file.h \
	lib/global/mail_conf_type.c \
	lib/global/mail_conf_dyn.c \
	lib/global/mail_conf_check.c

check_PROGRAMS += tests/unit/test_mac_expand
tests_unit_test_mac_expand_SOURCES = tests/unit/test_mac_expand.c
tests_unit_test_mac_expand_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_mac_expand_LDADD = $(UNIT_TEST_LIBS)

check_PROGRAMS += tests/unit/test_mail_conf
tests_unit_test_mail_conf_SOURCES = tests/unit/test_mail_conf.c
tests_unit_test_mail_conf_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_mail_conf_LDADD = $(UNIT_TEST_LIBS)

include $(srcdir)/lib/global/master.mk
include $(srcdir)/lib/global/queue.mk
include $(srcdir)/lib/global/addr.mk
include $(srcdir)/lib/global/match.mk
include $(srcdir)/lib/global/server.mk
include $(srcdir)/lib/global/cleanup.mk
include $(srcdir)/lib/global/deliver.mk
include $(srcdir)/lib/global/resolve.mk
include $(srcdir)/lib/global/bounce.mk
include $(srcdir)/lib/global/maildrop.mk
include $(srcdir)/lib/global/mailbox.mk
include $(srcdir)/lib/global/mkmap.mk
include $(srcdir)/lib/global/mime.mk
