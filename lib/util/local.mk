# lib/util: knows nothing about mail. Modules add themselves to
# lib_util_libutil_a_SOURCES here or in the fragments included below.
noinst_LIBRARIES += lib/util/libutil.a
lib_util_libutil_a_SOURCES = \
	lib/util/msg.c lib/util/msg.h \
	lib/util/mymalloc.c lib/util/mymalloc.h \
	lib/util/vstring.c lib/util/vstring.h \
	lib/util/argv.c lib/util/argv.h \
	lib/util/htable.c lib/util/htable.h \
	lib/util/stringops.c lib/util/stringops.h \
	lib/util/readlline.c lib/util/readlline.h

UTIL_TEST_LIBS = $(LIBUTIL) $(CMOCKA_LIBS)

check_PROGRAMS += tests/unit/test_vstring
tests_unit_test_vstring_SOURCES = tests/unit/test_vstring.c
tests_unit_test_vstring_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_vstring_LDADD = $(UTIL_TEST_LIBS)

check_PROGRAMS += tests/unit/test_containers
tests_unit_test_containers_SOURCES = tests/unit/test_containers.c
tests_unit_test_containers_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_containers_LDADD = $(UTIL_TEST_LIBS)

include $(srcdir)/lib/util/io.mk
include $(srcdir)/lib/util/sys.mk
include $(srcdir)/lib/util/cidr.mk
