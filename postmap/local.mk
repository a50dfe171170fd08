# postmap: create, update, query or list lookup tables.
sbin_PROGRAMS += postmap/postmap
postmap_postmap_SOURCES = postmap/postmap.c postmap/postmap.h \
	postmap/postmap_file.c postmap/postmap_msg.c
postmap_postmap_LDADD = $(POSTERN_LIBS) $(POSTERN_EXT_LIBS)
dist_man_MANS += man/man1/postmap.1

check_PROGRAMS += tests/unit/test_postmap_parts
tests_unit_test_postmap_parts_SOURCES = tests/unit/test_postmap_parts.c \
	postmap/postmap_file.c postmap/postmap_msg.c postmap/postmap.h
tests_unit_test_postmap_parts_CPPFLAGS = $(AM_CPPFLAGS) -I$(srcdir)/postmap
tests_unit_test_postmap_parts_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_postmap_parts_LDADD = $(UNIT_TEST_LIBS)
