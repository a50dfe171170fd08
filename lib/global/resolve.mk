# lib/global/resolve.mk: the trivial-rewrite(8) client (rewrite and
# resolve requests over private/rewrite).
lib_global_libglobal_a_SOURCES += \
	lib/global/resolve_client.c lib/global/resolve_client.h

# A tiny client for the integration tests: queries trivial-rewrite through
# resolve_client.c.
noinst_PROGRAMS += tests/daemons/resolve_query
tests_daemons_resolve_query_SOURCES = tests/daemons/resolve_query.c
tests_daemons_resolve_query_LDADD = $(POSTERN_LIBS) $(POSTERN_EXT_LIBS)
