# lib/global/mailbox.mk: table lists and address lookups (maps,
# mail_addr_find: virtual_alias_maps, local_recipient_maps,
# virtual_mailbox_maps ...), and mailbox writing shared by local(8) and
# virtual(8) (mbox_write, maildir_write).
lib_global_libglobal_a_SOURCES += \
	lib/global/maps.c lib/global/maps.h \
	lib/global/mail_addr_find.c lib/global/mail_addr_find.h \
	lib/global/mbox_write.c lib/global/mbox_write.h \
	lib/global/maildir_write.c lib/global/maildir_write.h

check_PROGRAMS += tests/unit/test_mail_addr_find
tests_unit_test_mail_addr_find_SOURCES = tests/unit/test_mail_addr_find.c
tests_unit_test_mail_addr_find_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_mail_addr_find_LDADD = $(UNIT_TEST_LIBS)
