# lib/dict: lookup tables behind one "type:name" interface, on lib/util.
noinst_LIBRARIES += lib/dict/libdict.a
lib_dict_libdict_a_CFLAGS = $(AM_CFLAGS) $(PCRE2_CFLAGS)
lib_dict_libdict_a_SOURCES = \
	lib/dict/dict.c lib/dict/dict.h lib/dict/dict_priv.h \
	lib/dict/dict_entry.c \
	lib/dict/dict_mem.c \
	lib/dict/dict_inline.c \
	lib/dict/dict_static.c \
	lib/dict/dict_thash.c \
	lib/dict/dict_db.c \
	lib/dict/dict_cidr.c \
	lib/dict/dict_pattern.c lib/dict/dict_pattern.h \
	lib/dict/dict_pattern_tmpl.c \
	lib/dict/dict_regexp.c \
	lib/dict/dict_pcre.c \
	lib/dict/dict_unix.c

DICT_TEST_LIBS = $(LIBDICT) $(LIBUTIL) $(PCRE2_LIBS) $(DB_LIBS) $(CMOCKA_LIBS)

check_PROGRAMS += tests/unit/test_dict_simple
tests_unit_test_dict_simple_SOURCES = tests/unit/test_dict_simple.c tests/unit/test_dict_util.h
tests_unit_test_dict_simple_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_dict_simple_LDADD = $(DICT_TEST_LIBS)

check_PROGRAMS += tests/unit/test_dict_db
tests_unit_test_dict_db_SOURCES = tests/unit/test_dict_db.c tests/unit/test_dict_util.h
tests_unit_test_dict_db_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_dict_db_LDADD = $(DICT_TEST_LIBS)

check_PROGRAMS += tests/unit/test_dict_cidr
tests_unit_test_dict_cidr_SOURCES = tests/unit/test_dict_cidr.c tests/unit/test_dict_util.h
tests_unit_test_dict_cidr_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_dict_cidr_LDADD = $(DICT_TEST_LIBS)

check_PROGRAMS += tests/unit/test_dict_pattern
tests_unit_test_dict_pattern_SOURCES = tests/unit/test_dict_pattern.c tests/unit/test_dict_util.h
tests_unit_test_dict_pattern_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_dict_pattern_LDADD = $(DICT_TEST_LIBS)

# Compares with Debian's /usr/sbin/postmap; skipped when it is absent.
check_PROGRAMS += tests/unit/test_dict_postfix
tests_unit_test_dict_postfix_SOURCES = tests/unit/test_dict_postfix.c tests/unit/test_dict_util.h
tests_unit_test_dict_postfix_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_dict_postfix_LDADD = $(DICT_TEST_LIBS)
