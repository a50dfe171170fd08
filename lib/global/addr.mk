# lib/global address modules: RFC 5322 tokens, SMTP paths (MAIL FROM/RCPT TO),
# header address lists, local-part quoting.
lib_global_libglobal_a_SOURCES += \
	lib/global/addr_tok.c lib/global/addr_tok.h \
	lib/global/smtp_path.c lib/global/smtp_path.h \
	lib/global/addr_list.c lib/global/addr_list.h \
	lib/global/addr_quote.c lib/global/addr_quote.h

check_PROGRAMS += tests/unit/test_smtp_path
tests_unit_test_smtp_path_SOURCES = tests/unit/test_smtp_path.c
tests_unit_test_smtp_path_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_smtp_path_LDADD = $(UNIT_TEST_LIBS)

check_PROGRAMS += tests/unit/test_addr_list
tests_unit_test_addr_list_SOURCES = tests/unit/test_addr_list.c
tests_unit_test_addr_list_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_addr_list_LDADD = $(UNIT_TEST_LIBS)

check_PROGRAMS += tests/unit/test_addr_quote
tests_unit_test_addr_quote_SOURCES = tests/unit/test_addr_quote.c
tests_unit_test_addr_quote_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_addr_quote_LDADD = $(UNIT_TEST_LIBS)
