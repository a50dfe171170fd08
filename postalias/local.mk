# postalias: create, update, query or list alias databases.
sbin_PROGRAMS += postalias/postalias
postalias_postalias_SOURCES = postalias/postalias.c postalias/postalias.h \
	postalias/postalias_tok.c
postalias_postalias_LDADD = $(POSTERN_LIBS) $(POSTERN_EXT_LIBS)
dist_man_MANS += man/man1/postalias.1

check_PROGRAMS += tests/unit/test_postalias_tok
tests_unit_test_postalias_tok_SOURCES = tests/unit/test_postalias_tok.c \
	postalias/postalias_tok.c postalias/postalias.h
tests_unit_test_postalias_tok_CPPFLAGS = $(AM_CPPFLAGS) -I$(srcdir)/postalias
tests_unit_test_postalias_tok_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_postalias_tok_LDADD = $(UNIT_TEST_LIBS)
