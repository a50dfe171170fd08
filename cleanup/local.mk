# cleanup/local.mk: cleanup(8), which writes new mail into the queue.
pkglibexec_PROGRAMS += cleanup/cleanup
cleanup_cleanup_SOURCES = cleanup/cleanup.c cleanup/cleanup.h \
	cleanup/cleanup_envelope.c cleanup/cleanup_message.c \
	cleanup/cleanup_out.c cleanup/cleanup_addr.c
cleanup_cleanup_LDADD = $(POSTERN_LIBS) $(POSTERN_EXT_LIBS)
dist_man_MANS += man/man8/cleanup.8
