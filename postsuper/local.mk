# postsuper/local.mk: postsuper(1), queue maintenance.
sbin_PROGRAMS += postsuper/postsuper
postsuper_postsuper_SOURCES = postsuper/postsuper.c postsuper/postsuper.h \
	postsuper/postsuper_repair.c
postsuper_postsuper_LDADD = $(POSTERN_LIBS) $(POSTERN_EXT_LIBS)
dist_man_MANS += man/man1/postsuper.1
