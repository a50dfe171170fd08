# pickup: feeds maildrop files to cleanup.
pkglibexec_PROGRAMS += pickup/pickup
pickup_pickup_SOURCES = pickup/pickup.c
pickup_pickup_LDADD = $(POSTERN_LIBS) $(POSTERN_EXT_LIBS)
dist_man_MANS += man/man8/pickup.8
