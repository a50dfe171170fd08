# lib/util system modules (files, logging, processes, privileges)
lib_util_libutil_a_SOURCES += \
	lib/util/safe_file.c lib/util/safe_file.h \
	lib/util/log_output.c lib/util/log_output.h \
	lib/util/priv.c lib/util/priv.h \
	lib/util/proc.c lib/util/proc.h \
	lib/util/spawn.c lib/util/spawn.h

check_PROGRAMS += tests/unit/test_safe_file
tests_unit_test_safe_file_SOURCES = tests/unit/test_safe_file.c
tests_unit_test_safe_file_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_safe_file_LDADD = $(UTIL_TEST_LIBS)

check_PROGRAMS += tests/unit/test_log_output
tests_unit_test_log_output_SOURCES = tests/unit/test_log_output.c
tests_unit_test_log_output_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_log_output_LDADD = $(UTIL_TEST_LIBS)

check_PROGRAMS += tests/unit/test_proc
tests_unit_test_proc_SOURCES = tests/unit/test_proc.c
tests_unit_test_proc_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_proc_LDADD = $(UTIL_TEST_LIBS)
