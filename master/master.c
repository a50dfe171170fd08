/*
 * master - the postern supervisor: listens for every master.cf service and
 * forks its daemons on demand
 *
 *	master [-dinstvw] [-c config_dir] [-e exit_time]
 *
 * This file holds main(): the options, "master -t" (is a master running?),
 * "master -w" (initialize in a background process and tell the waiting
 * foreground process how it went), logging set-up and the start-up order:
 *
 *	1. main.cf; logging; the mail_owner check; chdir(queue_directory)
 *	2. master.pid and master.lock, locked (a second master stops here)
 *	3. master.cf: every listening socket is opened, as root when started
 *	   as root, before any child runs
 *	4. detach (setsid, standard descriptors to /dev/null), write the pid
 *	5. signals, "daemon started", wakeup timers, then the event loop.
 *
 * The rest lives in the modules listed in master.h. Errors at start-up
 * are fatal (exit 1, and with -w the foreground process reports them);
 * once running, master logs problems and stays up.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE			/* pipe2() */
#endif
#include "config.h"		/* PACKAGE_VERSION; first */
#include <sys/types.h>
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "msg.h"
#include "mymalloc.h"
#include "vstring.h"
#include "stringops.h"
#include "events.h"
#include "iostuff.h"
#include "log_output.h"
#include "priv.h"
#include "proc.h"
#include "mail_conf.h"
#include "postlog_client.h"
#include "master.h"

#define MASTER_INIT_TIMEOUT	60	/* seconds "master -w" waits */

MASTER_SERV *master_head;
unsigned master_generation = 1;
int     master_debug;
int     master_verbose;
int     master_stopping;
const char *master_config_dir;
uid_t   master_owner_uid = (uid_t) -1;
gid_t   master_owner_gid = (gid_t) -1;
int     master_proc_limit;
int     master_throttle_delay;

static int init_fd = -1;		/* -w: report to the foreground process */
static int init_stderr = 1;		/* log to stderr until detached */

static void
usage(const char *progname)
{
	msg_fatal("usage: %s [-c config_dir] [-d (don't detach from terminal)] "
		  "[-e exit_time] [-i (init mode)] [-s (keep stdout)] "
		  "[-t (test)] [-v] [-w (wait for initialization)]", progname);
}

static int log_ready;			/* master_log_init() was called */

/*
 * -w child: a fatal error during initialization goes to the parent, which
 * prints it; warnings before logging is set up (main.cf) go to stderr.
 */
static void
master_init_output(int level, const char *text)
{
	if (init_fd < 0)
		return;
	if (level < MSG_FATAL) {
		if (!log_ready)
			fprintf(stderr, "master: %s%s\n", msg_level_prefix(level),
				text);
		return;
	}
	(void) write_buf(init_fd, text, strlen(text), 1000);
	(void) close(init_fd);
	init_fd = -1;
}

/* -w parent: wait for the child's verdict, then exit. */
static void
master_wait_parent(int fd)
{
	long long deadline = monotonic_ms() + MASTER_INIT_TIMEOUT * 1000LL;
	VSTRING *buf = vstring_alloc(100);
	char    chunk[512];
	ssize_t n;
	long long left;

	for (;;) {
		if ((left = deadline - monotonic_ms()) < 0)
			left = 0;
		if (read_wait(fd, (int) left) < 0) {
			if (errno == ETIMEDOUT)
				msg_fatal("timeout while waiting for daemon "
					  "initialization -- see logs for details");
			msg_fatal("%m while waiting for daemon initialization");
		}
		if ((n = read(fd, chunk, sizeof(chunk))) < 0) {
			if (errno == EINTR)
				continue;
			msg_fatal("%m while waiting for daemon initialization");
		}
		if (n == 0)
			break;
		vstring_memcat(buf, chunk, (size_t) n);
		if (vstring_str(buf)[0] == 0)
			exit(0);
	}
	if (vstring_len(buf) > 0)
		msg_fatal("%s", vstring_str(buf));
	msg_fatal("daemon initialization failure -- see logs for details");
}

/* -w: fork; the child returns and initializes, the parent waits. */
static void
master_wait_fork(void)
{
	int     pipefd[2];

	if (pipe2(pipefd, O_CLOEXEC) < 0)
		msg_fatal("pipe: %m");
	switch (fork()) {
	case -1:
		msg_fatal("fork: %m");
	case 0:
		(void) close(pipefd[0]);
		init_fd = pipefd[1];
		/* The parent prints our fatal errors; don't say them twice. */
		init_stderr = 0;
		msg_output_reset();
		msg_output(master_init_output);
		return;
	default:
		(void) close(pipefd[1]);
		master_wait_parent(pipefd[0]);
	}
}

/* Tell the -w parent that all went well. */
static void
master_init_done(void)
{
	if (init_fd >= 0) {
		(void) write_buf(init_fd, "", 1, 1000);
		(void) close(init_fd);
		init_fd = -1;
	}
}

/*
 * Log as "syslog_name/master": to maillog_file when it is set (appended
 * directly: master is never chrooted), else to syslog; with -d (and before
 * detaching) to stderr as well. Called at start-up and by reload; at
 * reload a bad setting is a warning and the previous logging stays.
 */
void
master_log_init(void)
{
	static int initialized;		/* errors are fatal until then */
	const char *logfile = mail_conf_str("maillog_file");
	const char *syslog_name = mail_conf_str("syslog_name");
	const char *fac_name = mail_conf_str("syslog_facility");
	VSTRING *why = vstring_alloc(100);
	int     facility;

	if (*logfile && postlog_path_allowed(logfile,
				mail_conf_str("maillog_file_prefixes"), why) < 0) {
		if (!initialized)
			msg_fatal("%s", vstring_str(why));
		msg_warn("%s -- keeping the current logging", vstring_str(why));
		vstring_free(why);
		return;
	}
	if ((facility = msg_syslog_facility(fac_name)) < 0) {
		if (!initialized)
			msg_fatal("unknown syslog_facility value: %s", fac_name);
		msg_warn("unknown syslog_facility value: %s -- using mail",
			 fac_name);
		facility = LOG_MAIL;
	}
	msg_output_reset();
	if (*logfile) {
		msg_logfile_hostname(mail_conf_str("myhostname"));
		if (msg_logfile_init(logfile, syslog_name, "master", why) < 0) {
			if (!initialized) {
				msg_stderr_init("master");
				if (init_fd >= 0)
					msg_output(master_init_output);
				msg_fatal("open logfile %s: %s", logfile,
					  vstring_str(why));
			}
			msg_syslog_init(syslog_name, "master", facility);
			msg_warn("open logfile %s: %s -- logging to syslog",
				 logfile, vstring_str(why));
		}
	} else {
		msg_logfile_close();
		msg_syslog_init(syslog_name, "master", facility);
	}
	if (master_debug || init_stderr)
		msg_stderr_init("master");
	if (init_fd >= 0)
		msg_output(master_init_output);
	initialized = 1;
	log_ready = 1;
	vstring_free(why);
}

/* Parameters master itself uses, re-read by reload. */
void
master_read_params(void)
{
	master_proc_limit = (int) mail_conf_int("default_process_limit");
	master_throttle_delay = (int) mail_conf_time("service_throttle_time");
	if (master_throttle_delay < 1)
		master_throttle_delay = 1;
}

/* Point standard descriptors at /dev/null unless an option keeps them. */
static void
master_detach_std_fds(int keep_stdout)
{
	int     fd;

	if (master_debug)
		return;
	if ((fd = open("/dev/null", O_RDWR)) < 0)
		msg_fatal("open /dev/null: %m");
	if (dup2(fd, STDIN_FILENO) < 0
	    || (!keep_stdout && dup2(fd, STDOUT_FILENO) < 0)
	    || dup2(fd, STDERR_FILENO) < 0)
		msg_fatal("dup2 /dev/null: %m");
	if (fd > STDERR_FILENO)
		(void) close(fd);
}

/* The -e timer. Children notice master's absence and finish. */
static void
master_exit_event(int event, void *ctx)
{
	(void) event;
	(void) ctx;
	msg_info("master exit time has arrived");
	exit(0);
}

/* When root, mail_owner must be a real, unprivileged account. */
static void
master_check_owner(void)
{
	const char *owner = mail_conf_str("mail_owner");
	VSTRING *why = vstring_alloc(100);
	struct passwd *pw;

	if (geteuid() == 0) {
		if (get_unpriv_user_ids(owner, "mail_owner", &master_owner_uid,
					&master_owner_gid, why) < 0)
			msg_fatal("%s", vstring_str(why));
	} else {
		pw = getpwuid(geteuid());
		msg_info("not started as root: every daemon runs as user %s "
			 "(uid %ld), mail_owner %s is not used",
			 pw ? pw->pw_name : "(unknown)", (long) geteuid(), owner);
	}
	vstring_free(why);
}

int
main(int argc, char **argv)
{
	const char *config_dir = NULL;
	int     exit_time = 0;
	int     init_mode = 0;
	int     keep_stdout = 0;
	int     test_mode = 0;
	int     wait_mode = 0;
	const char *queue_dir;
	MASTER_SERV *serv;
	int     ch;

	/* Children inherit nothing by accident: all else is close-on-exec. */
	(void) sane_std_fds();
	close_inherited_fds(STDERR_FILENO + 1);
	(void) sane_umask();
	msg_stderr_init(argv[0]);
	(void) signal_ignore_pipe();

	if (getuid() != geteuid() || getgid() != getegid())
		msg_fatal("the master command must not run as a set-uid "
			  "or set-gid process");

	while ((ch = getopt(argc, argv, "c:de:istvw")) != -1) {
		switch (ch) {
		case 'c':
			config_dir = optarg;
			break;
		case 'd':
			master_debug = 1;
			break;
		case 'e':
			if (!alldig(optarg) || strlen(optarg) > 6
			    || (exit_time = atoi(optarg)) <= 0)
				msg_fatal("bad -e exit time: %s", optarg);
			break;
		case 'i':
			init_mode = 1;
			break;
		case 's':
			keep_stdout = 1;
			break;
		case 't':
			test_mode = 1;
			break;
		case 'v':
			master_verbose++;
			msg_verbose++;
			break;
		case 'w':
			wait_mode = 1;
			break;
		default:
			usage(argv[0]);
		}
	}
	if (optind < argc)
		usage(argv[0]);
	if (test_mode && wait_mode)
		msg_fatal("the -t and -w options cannot be used together");
	if (init_mode && (master_debug || wait_mode))
		msg_fatal("the -i option cannot be used with -d or -w");
	if (init_mode && getpid() != 1)
		msg_fatal("the -i (init mode) option is allowed only when master "
			  "runs as process ID 1, e.g. as a container's init");
	if (init_mode)
		keep_stdout = 1;

	/* Children read the same configuration (master_proto.h). */
	if (config_dir != NULL && setenv("MAIL_CONFIG", config_dir, 1) < 0)
		msg_fatal("setenv: %m");

	if (test_mode) {
		mail_conf_init_flags(config_dir, MAIL_CONF_FLAG_NONE);
		exit(master_lock_test() ? 1 : 0);
	}
	if (wait_mode)
		master_wait_fork();

	/* 1. main.cf, logging, the unprivileged user, the queue. */
	mail_conf_init(config_dir);
	master_config_dir = mystrdup(mail_conf_dir());
	master_read_params();
	master_log_init();
	master_check_owner();
	queue_dir = mail_conf_str("queue_directory");
	if (chdir(queue_dir) < 0)
		msg_fatal("chdir %s: %m", queue_dir);
	master_queue_dirs();
	master_listen_params();

	/* 2. Only one master per configuration. */
	master_lock_files();

	/* 3. Every listener, before any child runs. */
	master_config();

	/* 4. Detach, then record the final pid. */
	if (!master_debug && !init_mode && setsid() < 0 && getsid(0) != getpid())
		msg_fatal("unable to set session and process group ID: %m");
	master_detach_std_fds(keep_stdout);
	init_stderr = 0;
	master_log_init();
	master_lock_write_pid();

	/* 5. Run. */
	master_sig_init();
	if (exit_time > 0)
		event_request_timer(master_exit_event, NULL, exit_time * 1000);
	msg_info("daemon started -- version %s, configuration %s",
		 PACKAGE_VERSION, master_config_dir);
	master_init_done();
	for (serv = master_head; serv != NULL; serv = serv->next) {
		master_wakeup_init(serv);
		master_avail_listen(serv);
	}
	for (;;)
		event_loop(-1);
}
