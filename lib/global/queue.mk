# lib/global queue modules: queue IDs, queue file record types and I/O.
lib_global_libglobal_a_SOURCES += \
	lib/global/queue_id.c lib/global/queue_id.h \
	lib/global/rec_type.c lib/global/rec_type.h \
	lib/global/qfile.c lib/global/qfile.h

check_PROGRAMS += tests/unit/test_queue_id
tests_unit_test_queue_id_SOURCES = tests/unit/test_queue_id.c
tests_unit_test_queue_id_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_queue_id_LDADD = $(UNIT_TEST_LIBS)

check_PROGRAMS += tests/unit/test_qfile
tests_unit_test_qfile_SOURCES = tests/unit/test_qfile.c
tests_unit_test_qfile_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_qfile_LDADD = $(UNIT_TEST_LIBS)
