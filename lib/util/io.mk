# lib/util I/O modules (vstream, events, sockets, attr)
lib_util_libutil_a_SOURCES += \
	lib/util/iostuff.c lib/util/iostuff.h \
	lib/util/vstream.c lib/util/vstream.h \
	lib/util/events.c lib/util/events.h \
	lib/util/inet_sock.c lib/util/inet_sock.h \
	lib/util/unix_sock.c lib/util/unix_sock.h \
	lib/util/base64.c lib/util/base64.h \
	lib/util/attr.c lib/util/attr.h

check_PROGRAMS += tests/unit/test_vstream
tests_unit_test_vstream_SOURCES = tests/unit/test_vstream.c
tests_unit_test_vstream_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_vstream_LDADD = $(UTIL_TEST_LIBS)

check_PROGRAMS += tests/unit/test_events
tests_unit_test_events_SOURCES = tests/unit/test_events.c
tests_unit_test_events_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_events_LDADD = $(UTIL_TEST_LIBS)

check_PROGRAMS += tests/unit/test_sock
tests_unit_test_sock_SOURCES = tests/unit/test_sock.c
tests_unit_test_sock_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_sock_LDADD = $(UTIL_TEST_LIBS)

check_PROGRAMS += tests/unit/test_attr
tests_unit_test_attr_SOURCES = tests/unit/test_attr.c
tests_unit_test_attr_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_attr_LDADD = $(UTIL_TEST_LIBS)
