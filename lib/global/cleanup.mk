# lib/global/cleanup.mk: the cleanup protocol's client and queue-file
# records over a stream (cleanup_client, rec_stream).
lib_global_libglobal_a_SOURCES += \
	lib/global/cleanup_client.c lib/global/cleanup_client.h \
	lib/global/rec_stream.c lib/global/rec_stream.h

check_PROGRAMS += tests/unit/test_rec_stream
tests_unit_test_rec_stream_SOURCES = tests/unit/test_rec_stream.c
tests_unit_test_rec_stream_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_rec_stream_LDADD = $(UNIT_TEST_LIBS)

check_PROGRAMS += tests/unit/test_cleanup_client
tests_unit_test_cleanup_client_SOURCES = tests/unit/test_cleanup_client.c
tests_unit_test_cleanup_client_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_cleanup_client_LDADD = $(UNIT_TEST_LIBS)
