# bounce/local.mk: bounce(8), the bounce, defer and trace services.
pkglibexec_PROGRAMS += bounce/bounce
bounce_bounce_SOURCES = bounce/bounce.c bounce/bounce.h \
	bounce/bounce_log.c bounce/bounce_notify.c
bounce_bounce_LDADD = $(POSTERN_LIBS) $(POSTERN_EXT_LIBS)
dist_man_MANS += man/man8/bounce.8
