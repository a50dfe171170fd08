# postlogd/local.mk: postlogd(8), the postlog service that appends log
# lines to maillog_file (helper H2).
pkglibexec_PROGRAMS += postlogd/postlogd
postlogd_postlogd_SOURCES = postlogd/postlogd.c
postlogd_postlogd_LDADD = $(POSTERN_LIBS) $(POSTERN_EXT_LIBS)
dist_man_MANS += man/man8/postlogd.8
