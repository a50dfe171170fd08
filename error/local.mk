# error/local.mk: the error (and retry) and discard delivery agents.
pkglibexec_PROGRAMS += error/error error/discard
error_error_SOURCES = error/error.c error/error_dsn.c error/error_dsn.h
error_error_LDADD = $(POSTERN_LIBS) $(POSTERN_EXT_LIBS)
error_discard_SOURCES = error/discard.c error/error_dsn.c error/error_dsn.h
error_discard_LDADD = $(POSTERN_LIBS) $(POSTERN_EXT_LIBS)
dist_man_MANS += man/man8/error.8 man/man8/discard.8
