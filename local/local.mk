# local/local.mk: local(8), final delivery to local recipients.
pkglibexec_PROGRAMS += local/local
local_local_SOURCES = local/local.c local/local.h local/local_alias.c \
	local/local_command.c local/local_file.c local/local_forward.c \
	local/local_token.c
local_local_LDADD = $(POSTERN_LIBS) $(POSTERN_EXT_LIBS)
dist_man_MANS += man/man8/local.8

check_PROGRAMS += tests/unit/test_local
tests_unit_test_local_SOURCES = tests/unit/test_local.c \
	local/local_token.c local/local.h
tests_unit_test_local_CPPFLAGS = $(AM_CPPFLAGS) -I$(srcdir)/local
tests_unit_test_local_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_local_LDADD = $(UNIT_TEST_LIBS)
