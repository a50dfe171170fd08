# lib/global/bounce.mk - to be filled in
lib_global_libglobal_a_SOURCES += lib/global/bounce_client.c lib/global/bounce_client.h

check_PROGRAMS += tests/unit/test_deliver_request
tests_unit_test_deliver_request_SOURCES = tests/unit/test_deliver_request.c
tests_unit_test_deliver_request_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_deliver_request_LDADD = $(UNIT_TEST_LIBS)
