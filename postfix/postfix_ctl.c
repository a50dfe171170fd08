/*
 * postfix_ctl - start, stop and query the master daemon
 *
 *	postfix_ctl_start()	checks, then "master -w": returns once the
 *				master runs in the background, or fails
 *	postfix_ctl_start_fg()	checks, then becomes "master -s" (exec)
 *	postfix_ctl_stop()	SIGTERM, wait until every process is gone
 *	postfix_ctl_abort()	SIGQUIT, wait likewise
 *	postfix_ctl_reload()	SIGHUP
 *	postfix_ctl_status()	"running: PID: N" (0) or "not running" (1)
 *
 * Whether a master runs for this configuration is what "master -t" says:
 * it exits 0 when $queue_directory/pid/master.pid is missing or not
 * locked. The master's process ID comes from that file (the directory is
 * $process_id_directory, relative to the queue directory unless absolute).
 *
 * The master stops only after its children have exited (master(8)), so
 * stop and abort wait until the master's process has gone (a zombie
 * counts as gone: it holds nothing) and "master -t" no longer sees a lock,
 * which a leftover process holding the lock file would keep. After a
 * generous deadline the master, its process group and its children are
 * killed, as Postfix does after its (shorter) wait.
 *
 * Each function returns the command's exit status; the ones that cannot
 * go on (not running, cannot signal) are fatal with Postfix's messages.
 */
#include <sys/types.h>
#include <sys/wait.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "msg.h"
#include "argv.h"
#include "vstring.h"
#include "iostuff.h"
#include "spawn.h"
#include "postfix.h"

extern char **environ;

#define STOP_WAIT_MS	(60 * 1000)	/* orderly stop, then force */
#define ABORT_WAIT_MS	(30 * 1000)
#define FORCE_WAIT_MS	(15 * 1000)	/* after SIGKILL */
#define POLL_MS		50
#define NAG_MS		5000		/* "waiting for ..." every so often */
#define MASTER_TEST_TIMEOUT 30		/* seconds for "master -t" */

/* "$daemon_directory/master -c DIR [-v ...] [flag]" */
static ARGV *
master_argv(const POSTFIX_ENV *env, const char *flag)
{
	VSTRING *path = vstring_alloc(100);
	ARGV   *argv = argv_alloc(8);
	int     i;

	vstring_sprintf(path, "%s/master", env->daemon_dir);
	argv_add(argv, vstring_str(path));
	argv_add(argv, "-c");
	argv_add(argv, env->config_dir);
	for (i = 0; i < env->verbose; i++)
		argv_add(argv, "-v");
	if (flag != NULL)
		argv_add(argv, flag);
	vstring_free(path);
	return (argv);
}

/* Does a master run for this configuration? Asks "master -t". */
static int
master_running(const POSTFIX_ENV *env)
{
	ARGV   *argv = master_argv(env, "-t");
	VSTRING *why = vstring_alloc(100);
	int     status = 0;
	int     result;

	result = spawn_command((const char *const *) argv->argv,
			       (const char *const *) environ, (uid_t) -1,
			       (gid_t) -1, MASTER_TEST_TIMEOUT, NULL, NULL,
			       &status, why);
	if (result != SPAWN_STAT_EXITED)
		msg_fatal("cannot run %s -t: %s", argv->argv[0], vstring_str(why));
	argv_free(argv);
	vstring_free(why);
	return (status != 0);
}

/*
 * Read master.pid. A master that has just taken the lock may not have
 * written its pid yet (start-fg has no -w handshake): an empty file is
 * read again for up to PID_WAIT_MS.
 */
#define PID_WAIT_MS	2000

static ssize_t
read_pid_text(int fd, char *buf, size_t size)
{
	long long deadline = monotonic_ms() + PID_WAIT_MS;
	ssize_t n;

	while ((n = pread(fd, buf, size - 1, 0)) == 0
	       && monotonic_ms() < deadline)
		(void) poll((struct pollfd *) 0, 0, 10);
	return (n);
}

/* The master's process ID from master.pid; 0 with a warning when none. */
static long
master_pid(const POSTFIX_ENV *env)
{
	VSTRING *path = vstring_alloc(100);
	char    buf[64];
	ssize_t n;
	char   *cp;
	char   *end;
	long    pid = 0;
	int     fd;

	if (*env->pid_dir == '/')
		vstring_sprintf(path, "%s/master.pid", env->pid_dir);
	else
		vstring_sprintf(path, "%s/%s/master.pid", env->queue_dir,
				env->pid_dir);
	if ((fd = open(vstring_str(path), O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		msg_warn("open %s: %s", vstring_str(path), strerror(errno));
	} else if ((n = read_pid_text(fd, buf, sizeof(buf))) < 0) {
		msg_warn("read %s: %s", vstring_str(path), strerror(errno));
	} else {
		buf[n] = 0;
		for (cp = buf; *cp == ' '; cp++)
			 /* void */ ;
		errno = 0;
		pid = strtol(cp, &end, 10);
		/* Never 0, 1 or negative: kill() would reach far too much. */
		if (end == cp || errno != 0 || (*end != '\n' && *end != 0)
		    || pid <= 1 || pid == (long) getpid()) {
			msg_warn("bad process ID in %s", vstring_str(path));
			pid = 0;
		}
	}
	if (fd >= 0)
		(void) close(fd);
	vstring_free(path);
	return (pid);
}

/* A process's state letter from /proc, or 0 when it does not exist. */
static int
proc_state(long pid, long *ppid)
{
	char    path[64];
	char    buf[512];
	ssize_t n;
	char   *cp;
	int     fd;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return (0);
	n = read(fd, buf, sizeof(buf) - 1);
	(void) close(fd);
	if (n <= 0)
		return (0);
	buf[n] = 0;
	/* "pid (comm) S ppid ...": comm may hold anything, even ")". */
	if ((cp = strrchr(buf, ')')) == NULL || cp[1] != ' ' || cp[2] == 0)
		return (0);
	if (ppid != NULL)
		*ppid = strtol(cp + 4, (char **) 0, 10);
	return ((unsigned char) cp[2]);
}

/* Gone, or a zombie, which holds no files and serves nothing. */
static int
process_gone(long pid)
{
	int     state;

	if (kill((pid_t) pid, 0) < 0 && errno == ESRCH)
		return (1);
	state = proc_state(pid, (long *) 0);
	return (state == 0 || state == 'Z' || state == 'X');
}

static void
pause_ms(int ms)
{
	(void) poll((struct pollfd *) 0, 0, ms);
}

/* Wait until the master and its lock are gone; 1 when they are. */
static int
wait_gone(const POSTFIX_ENV *env, long pid, int limit_ms, int nag)
{
	long    start = monotonic_ms();
	long    nag_at = start + 1000;
	long    now;

	for (;;) {
		if (process_gone(pid) && !master_running(env))
			return (1);
		now = monotonic_ms();
		if (now - start >= limit_ms)
			return (0);
		if (nag && now >= nag_at) {
			msg_info("waiting for the Postfix mail system to terminate");
			nag_at = now + NAG_MS;
		}
		pause_ms(POLL_MS);
	}
}

/* SIGKILL the master, its process group and its children. */
static void
kill_with_force(long pid)
{
	struct dirent *de;
	DIR    *dp;
	long    child;
	long    ppid;

	msg_warn("stopping the Postfix mail system with force");
	if ((dp = opendir("/proc")) != NULL) {
		while ((de = readdir(dp)) != NULL) {
			if (!isdigit((unsigned char) de->d_name[0]))
				continue;
			child = strtol(de->d_name, (char **) 0, 10);
			ppid = 0;
			if (child > 1 && proc_state(child, &ppid) != 0
			    && ppid == pid)
				(void) kill((pid_t) child, SIGKILL);
		}
		closedir(dp);
	}
	(void) kill((pid_t) - pid, SIGKILL);
	(void) kill((pid_t) pid, SIGKILL);
}

/* Signal the running master; returns its process ID. */
static long
signal_master(const POSTFIX_ENV *env, int sig)
{
	long    pid;

	if ((pid = master_pid(env)) == 0)
		msg_fatal("cannot find the master process ID");
	if (kill((pid_t) pid, sig) < 0)
		msg_fatal("cannot signal the master process %ld: %s",
			  pid, strerror(errno));
	return (pid);
}

/* Stop with "sig" and wait; force when the master takes too long. */
static int
stop_master(const POSTFIX_ENV *env, int sig, int limit_ms)
{
	long    pid;

	pid = signal_master(env, sig);
	if (wait_gone(env, pid, limit_ms, 1))
		return (0);
	kill_with_force(pid);
	if (wait_gone(env, pid, FORCE_WAIT_MS, 0))
		return (0);
	msg_fatal("the Postfix mail system did not terminate (master "
		  "process %ld)", pid);
}

int
postfix_ctl_stop(const POSTFIX_ENV *env)
{
	if (!master_running(env))
		msg_fatal("the Postfix mail system is not running");
	msg_info("stopping the Postfix mail system");
	return (stop_master(env, SIGTERM, STOP_WAIT_MS));
}

int
postfix_ctl_abort(const POSTFIX_ENV *env)
{
	if (!master_running(env))
		msg_fatal("the Postfix mail system is not running");
	msg_info("aborting the Postfix mail system");
	return (stop_master(env, SIGQUIT, ABORT_WAIT_MS));
}

int
postfix_ctl_reload(const POSTFIX_ENV *env)
{
	if (!master_running(env))
		msg_fatal("the Postfix mail system is not running");
	msg_info("refreshing the Postfix mail system");
	(void) signal_master(env, SIGHUP);
	return (0);
}

int
postfix_ctl_status(const POSTFIX_ENV *env)
{
	long    pid;

	if (!master_running(env)) {
		msg_info("the Postfix mail system is not running");
		return (1);
	}
	if ((pid = master_pid(env)) != 0)
		msg_info("the Postfix mail system is running: PID: %ld", pid);
	else
		msg_info("the Postfix mail system is running");
	return (0);
}

/* The checks that start and start-fg share. */
static void
start_checks(const POSTFIX_ENV *env)
{
	if (master_running(env))
		msg_fatal("the Postfix mail system is already running");
	postfix_check_fatal(env);
	(void) postfix_check_warn(env, 0);
	msg_info("starting the Postfix mail system");
}

/* The child side of starting the master: clean signals, no stdin. */
static void
exec_master(ARGV *argv)
{
	sigset_t mask;
	int     fd;

	(void) signal(SIGHUP, SIG_DFL);
	sigemptyset(&mask);
	(void) sigprocmask(SIG_SETMASK, &mask, (sigset_t *) 0);
	if ((fd = open("/dev/null", O_RDONLY)) >= 0 && fd != 0) {
		(void) dup2(fd, 0);
		(void) close(fd);
	}
	execv(argv->argv[0], argv->argv);
}

int
postfix_ctl_start(const POSTFIX_ENV *env)
{
	ARGV   *argv;
	pid_t   pid;
	int     status;

	start_checks(env);
	argv = master_argv(env, "-w");
	switch (pid = fork()) {
	case -1:
		msg_fatal("fork: %s", strerror(errno));
	case 0:
		exec_master(argv);
		msg_fatal("execute %s: %s", argv->argv[0], strerror(errno));
	default:
		break;
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			msg_fatal("waitpid: %s", strerror(errno));
	argv_free(argv);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		msg_fatal("mail system startup failed");
	return (0);
}

int
postfix_ctl_start_fg(const POSTFIX_ENV *env)
{
	ARGV   *argv;

	start_checks(env);
	/*
	 * Become the master, so that Ctrl-C, SIGTERM from a supervisor and
	 * "postfix stop" all reach it directly.
	 */
	argv = master_argv(env, "-s");
	exec_master(argv);
	msg_fatal("cannot start-fg the master daemon: execute %s: %s",
		  argv->argv[0], strerror(errno));
}
