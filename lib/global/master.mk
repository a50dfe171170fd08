# lib/global: master.cf parsing (master_cf, master_cf_args) and the
# "postconf -M" format of an entry (master_cf_format).
lib_global_libglobal_a_SOURCES += \
	lib/global/master_cf.c lib/global/master_cf.h \
	lib/global/master_cf_args.c lib/global/master_cf_args.h \
	lib/global/master_cf_format.c

check_PROGRAMS += tests/unit/test_master_cf
tests_unit_test_master_cf_SOURCES = tests/unit/test_master_cf.c
tests_unit_test_master_cf_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_master_cf_LDADD = $(UNIT_TEST_LIBS)
