# postcat/local.mk: postcat(1), queue files in readable form.
sbin_PROGRAMS += postcat/postcat
postcat_postcat_SOURCES = postcat/postcat.c
postcat_postcat_LDADD = $(POSTERN_LIBS) $(POSTERN_EXT_LIBS)
dist_man_MANS += man/man1/postcat.1
