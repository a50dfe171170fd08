# lib/util: knows nothing about mail.
noinst_LIBRARIES += lib/util/libutil.a
lib_util_libutil_a_SOURCES = \
	lib/util/msg.c lib/util/msg.h \
	lib/util/mymalloc.c lib/util/mymalloc.h \
	lib/util/vstring.c lib/util/vstring.h

check_PROGRAMS += tests/unit/test_vstring
tests_unit_test_vstring_SOURCES = tests/unit/test_vstring.c
tests_unit_test_vstring_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_vstring_LDADD = $(LIBUTIL) $(CMOCKA_LIBS)
