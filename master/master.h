#ifndef POSTERN_MASTER_H
#define POSTERN_MASTER_H

/*
 * master.h - state shared by the modules of master(8)
 *
 * A MASTER_SERV is one service from master.cf: its listening descriptors,
 * its status pipe and the process counts that decide when to fork. A
 * MASTER_PROC is one child process. The modules:
 *
 *	master.c	main(): options, -t, -w, start-up order, logging
 *	master_ent.c	master.cf -> service table; the reload diff
 *	master_listen.c	listening sockets and fifos
 *	master_spawn.c	fork/exec, the process table, reaping, throttling
 *	master_status.c	status pipes and the "watch the listener" decision
 *	master_wakeup.c	periodic wakeup triggers
 *	master_sig.c	signals through a self-pipe; stop, abort, reload
 *	master_lock.c	master.pid and master.lock
 *	master_env.c	the environment children get
 */
#include <sys/types.h>
#include <time.h>

#include "argv.h"
#include "vstring.h"

typedef struct MASTER_SERV {
	char   *name;			/* first column */
	int     type;			/* MASTER_CF_TYPE_* */
	int     private;		/* unix-like: private/ (1) or public/ */
	int     unpriv;			/* child switches to mail_owner */
	int     chroot;			/* child chroots to queue_directory */
	int     wakeup;			/* seconds; 0: never */
	int     wakeup_after_use;	/* "N?": only once the service ran */
	int     max_proc;		/* 0: no limit */
	char   *path;			/* program to execute */
	ARGV   *args;			/* argv[0] = command, master.cf args */
	char   *where;			/* "FILE, line N" for messages */
	/* Listeners. */
	int    *listen_fds;
	int     listen_count;
	char   *sock_path;		/* unix-like: relative to queue dir */
	int     listening;		/* read events enabled on listeners */
	/* Status pipe; gen is the generation of its current children. */
	int     status_fd[2];
	unsigned gen;
	/* Counts: total_proc includes older generations. */
	int     total_proc;
	int     avail_proc;
	/* State. */
	int     throttled;		/* no forks until the timer runs */
	int     missing;		/* program not found (logged once) */
	int     used;			/* a process was started at least once */
	int     wakeup_armed;		/* the wakeup timer is running */
	time_t  busy_warn_time;		/* last "process limit" warning */
	int     mark;			/* reload: not (yet) in the new master.cf */
	struct MASTER_SERV *next;
} MASTER_SERV;

typedef struct MASTER_PROC {
	pid_t   pid;
	unsigned gen;			/* MASTER_GEN the child got */
	MASTER_SERV *serv;		/* NULL after the service was removed */
	char   *path;			/* program, for exit-status messages */
	int     avail;			/* counted in serv->avail_proc */
	int     reported;		/* sent a valid status record */
	int     killed;			/* master signalled it: quiet exit */
} MASTER_PROC;

/* Settings fixed at start-up or refreshed by reload (master.c). */
extern MASTER_SERV *master_head;	/* the service table */
extern unsigned master_generation;	/* bumped by each reload */
extern int master_debug;		/* -d */
extern int master_verbose;		/* number of -v */
extern int master_stopping;		/* SIGTERM/SIGQUIT seen */
extern const char *master_config_dir;	/* the configuration in use */
extern uid_t master_owner_uid;		/* mail_owner when root, else -1 */
extern gid_t master_owner_gid;
extern int master_proc_limit;		/* default_process_limit */
extern int master_throttle_delay;	/* service_throttle_time, seconds */

/* master.c */
extern void master_log_init(void);
extern void master_read_params(void);

/* master_ent.c */
extern void master_config(void);
extern void master_refresh(void);
extern void master_reload_request(void);
extern int master_reload_reaped(pid_t pid, int status);
extern void master_serv_free(MASTER_SERV *serv);
extern const char *master_type_name(int type);

/* master_listen.c */
extern void master_listen_params(void);
extern int master_listen_init(MASTER_SERV *serv, VSTRING *why);
extern void master_listen_cleanup(MASTER_SERV *serv, int unlink_path);
extern void master_queue_dirs(void);

/* master_spawn.c */
extern void master_spawn(MASTER_SERV *serv);
extern void master_reap_children(void);
extern MASTER_PROC *master_proc_find(pid_t pid);
extern void master_throttle(MASTER_SERV *serv);
extern void master_unthrottle_cancel(MASTER_SERV *serv);
extern void master_serv_orphan(MASTER_SERV *serv, int sig);
extern void master_serv_age(MASTER_SERV *serv);
extern int master_proc_count(void);
extern void master_signal_children(int sig);

/* master_status.c */
extern void master_status_init(MASTER_SERV *serv);
extern void master_status_cleanup(MASTER_SERV *serv);
extern void master_avail_listen(MASTER_SERV *serv);
extern void master_avail_more(MASTER_SERV *serv, MASTER_PROC *proc);
extern void master_avail_less(MASTER_SERV *serv, MASTER_PROC *proc);

/* master_wakeup.c */
extern void master_wakeup_init(MASTER_SERV *serv);
extern void master_wakeup_start(MASTER_SERV *serv, int delay_ms);
extern void master_wakeup_cleanup(MASTER_SERV *serv);

/* master_sig.c */
extern void master_sig_init(void);
extern void master_sig_child(void);
extern void master_sig_block(void);
extern void master_sig_unblock(void);
extern void master_stop(int sig);

/* master_lock.c */
extern void master_lock_files(void);
extern void master_lock_write_pid(void);
extern int master_lock_test(void);

/* master_env.c */
extern char **master_env_build(unsigned gen);
extern void master_env_free(char **envp);

#endif
