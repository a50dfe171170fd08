# master: the supervisor that listens for master.cf services and forks
# their daemons (master(8)).
pkglibexec_PROGRAMS += master/master
master_master_SOURCES = master/master.c master/master.h \
	master/master_ent.c master/master_listen.c master/master_spawn.c \
	master/master_status.c master/master_wakeup.c master/master_sig.c \
	master/master_lock.c master/master_env.c
master_master_LDADD = $(POSTERN_LIBS) $(POSTERN_EXT_LIBS)
dist_man_MANS += man/man8/master.8
