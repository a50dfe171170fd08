# postfix: the control command (start, stop, check, ...), postfix(1).
sbin_PROGRAMS += postfix/postfix
postfix_postfix_SOURCES = postfix/postfix.c postfix/postfix.h \
	postfix/postfix_ctl.c postfix/postfix_check.c postfix/postfix_dirs.c
postfix_postfix_LDADD = $(POSTERN_LIBS) $(POSTERN_EXT_LIBS)
dist_man_MANS += man/man1/postfix.1
