# postconf: show and edit main.cf (postconf.c, postconf_show.c,
# postconf_edit.c) and master.cf (postconf_master.c, its own module).
sbin_PROGRAMS += postconf/postconf
postconf_postconf_SOURCES = \
	postconf/postconf.c postconf/postconf.h \
	postconf/postconf_show.c \
	postconf/postconf_edit.c \
	postconf/postconf_master.c postconf/postconf_master.h
postconf_postconf_LDADD = $(POSTERN_LIBS) $(POSTERN_EXT_LIBS)
dist_man_MANS += man/man1/postconf.1 man/man5/postconf.5
EXTRA_DIST += postconf/mkman.py
