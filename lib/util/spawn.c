/*
 * spawn - run a command without a shell, with input, output and a deadline
 *
 *	spawn_command()	fork + execve(argv), feed stdin, collect stdout and
 *			stderr, wait with a deadline, kill the group on timeout
 *
 * The child reports a failure before or at execve() through a close-on-
 * exec pipe, so "cannot execute" is told apart from a command that exits
 * 127. The parent waits on a pidfd where the kernel has one, else polls
 * waitpid() every 10 ms once the output is closed.
 *
 * Errors: the result codes and reasons are described in spawn.h.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE			/* pipe2(), dup3() */
#endif
#include <sys/types.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "msg.h"
#include "vstring.h"
#include "proc.h"
#include "spawn.h"

/* What the child tells the parent when it cannot get to the command. */
struct spawn_report {
	int     stage;
	int     err;
};

#define STAGE_SETUP	1
#define STAGE_GID	2
#define STAGE_UID	3
#define STAGE_EXEC	4

#define SPAWN_FD_BASE	10		/* parking place while rearranging */
#define SPAWN_REPORT_FD	3		/* the report pipe in the child */

/* Parent-side state of one running command. */
struct spawn_state {
	pid_t   pid;
	int     in_fd;			/* to the child's stdin, or -1 */
	int     out_fd;			/* from its stdout+stderr, or -1 */
	int     pidfd;			/* readable at exit, or -1 */
	const char *in_data;
	size_t  in_left;
	VSTRING *out;
	int     reaped;
	int     wstatus;
};

static void __attribute__((noreturn))
spawn_child(const char *const argv[], const char *const envp[], uid_t uid,
	    gid_t gid, int in_fd, int out_fd, int report_fd)
{
	static const char *const empty_env[] = {(char *) 0};
	struct spawn_report rep;
	sigset_t none;
	int     sig;

	/* Ignored signals survive execve(); the command gets defaults. */
	for (sig = 1; sig < NSIG; sig++)
		(void) signal(sig, SIG_DFL);
	sigemptyset(&none);
	(void) sigprocmask(SIG_SETMASK, &none, (sigset_t *) 0);
	(void) setpgid(0, 0);

	/* Park the descriptors high, so no dup2() clobbers a source. */
	rep.stage = STAGE_SETUP;
	if ((report_fd = fcntl(report_fd, F_DUPFD_CLOEXEC, SPAWN_FD_BASE)) < 0)
		_exit(127);
	if (in_fd < 0 && (in_fd = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0)
		goto fail;
	if ((in_fd = fcntl(in_fd, F_DUPFD_CLOEXEC, SPAWN_FD_BASE)) < 0
	    || (out_fd = fcntl(out_fd, F_DUPFD_CLOEXEC, SPAWN_FD_BASE)) < 0
	    || dup2(in_fd, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(out_fd, 2) < 0
	    || dup3(report_fd, SPAWN_REPORT_FD, O_CLOEXEC) < 0)
		goto fail;
	report_fd = SPAWN_REPORT_FD;
	close_inherited_fds(SPAWN_REPORT_FD + 1);

	rep.stage = STAGE_GID;
	if (gid != (gid_t) -1 && (setgroups(1, &gid) < 0 || setgid(gid) < 0))
		goto fail;
	rep.stage = STAGE_UID;
	if (uid != (uid_t) -1 && setuid(uid) < 0)
		goto fail;
	rep.stage = STAGE_EXEC;
	(void) execve(argv[0], (char *const *) argv,
		      (char *const *) (envp ? envp : empty_env));

fail:
	rep.err = errno;
	if (write(report_fd, &rep, sizeof(rep)) < 0) {
		/* The parent then sees exit status 127 without a reason. */
	}
	_exit(127);
}

static long long
now_ms(void)
{
	struct timespec ts;

	(void) clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

static void
close_fd(int *fd)
{
	if (*fd >= 0)
		(void) close(*fd);
	*fd = -1;
}

/* Move data both ways on poll() events. */
static void
spawn_io(struct spawn_state *sp, const struct pollfd *pfd, int nfds)
{
	char    buf[8192];
	ssize_t n;
	size_t  room;
	int     i;

	for (i = 0; i < nfds; i++) {
		if (pfd[i].revents == 0)
			continue;
		if (pfd[i].fd == sp->in_fd) {
			n = write(sp->in_fd, sp->in_data, sp->in_left);
			if (n > 0) {
				sp->in_data += n;
				sp->in_left -= (size_t) n;
			}
			/* Done, or the command stopped reading (EPIPE). */
			if (sp->in_left == 0 || (n < 0 && errno != EAGAIN
						 && errno != EINTR))
				close_fd(&sp->in_fd);
		} else if (pfd[i].fd == sp->out_fd) {
			n = read(sp->out_fd, buf, sizeof(buf));
			if (n > 0 && sp->out != NULL
			    && vstring_len(sp->out) < SPAWN_OUTPUT_MAX) {
				room = SPAWN_OUTPUT_MAX - vstring_len(sp->out);
				vstring_memcat(sp->out, buf,
					       (size_t) n < room ? (size_t) n : room);
			}
			if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
				close_fd(&sp->out_fd);
		}
	}
}

/* Run the I/O until the child is reaped and its output closed. */
static int
spawn_wait(struct spawn_state *sp, int timeout)
{
	long long deadline = now_ms() + (long long) timeout * 1000;
	long long left;
	struct pollfd pfd[3];
	int     nfds;
	int     wait_ms;
	pid_t   r;

	for (;;) {
		if (!sp->reaped) {
			r = waitpid(sp->pid, &sp->wstatus, WNOHANG);
			if (r == sp->pid)
				sp->reaped = 1;
			else if (r < 0 && errno != EINTR)
				return (SPAWN_STAT_ERROR);
		}
		if (sp->reaped && sp->out_fd < 0)
			return (SPAWN_STAT_EXITED);
		nfds = 0;
		if (sp->in_fd >= 0) {
			pfd[nfds].fd = sp->in_fd;
			pfd[nfds++].events = POLLOUT;
		}
		if (sp->out_fd >= 0) {
			pfd[nfds].fd = sp->out_fd;
			pfd[nfds++].events = POLLIN;
		}
		if (!sp->reaped && sp->pidfd >= 0) {
			pfd[nfds].fd = sp->pidfd;
			pfd[nfds++].events = POLLIN;
		}
		wait_ms = -1;
		if (timeout > 0) {
			if ((left = deadline - now_ms()) <= 0)
				return (SPAWN_STAT_TIMEOUT);
			wait_ms = left > INT_MAX ? INT_MAX : (int) left;
		}
		if (!sp->reaped && sp->pidfd < 0 && sp->out_fd < 0
		    && (wait_ms < 0 || wait_ms > 10))
			wait_ms = 10;
		if (poll(pfd, (nfds_t) nfds, wait_ms) < 0) {
			if (errno == EINTR)
				continue;
			return (SPAWN_STAT_ERROR);
		}
		spawn_io(sp, pfd, nfds);
	}
}

/* Start the child; returns its pid, or -1 with a reason. */
static pid_t
spawn_start(const char *const argv[], const char *const envp[], uid_t uid,
	    gid_t gid, struct spawn_state *sp, VSTRING *why)
{
	static const char *stages[] = {"", "set up", "set group ID for",
	"set user ID for", "execute"};
	int     in_pipe[2] = {-1, -1};
	int     out_pipe[2] = {-1, -1};
	int     rep_pipe[2] = {-1, -1};
	struct spawn_report rep;
	ssize_t n;
	pid_t   pid = -1;

	if ((sp->in_data != NULL && pipe2(in_pipe, O_CLOEXEC) < 0)
	    || pipe2(out_pipe, O_CLOEXEC) < 0 || pipe2(rep_pipe, O_CLOEXEC) < 0) {
		vstring_sprintf(why, "cannot create pipe for %s: %s",
				argv[0], strerror(errno));
		goto out;
	}
	if ((pid = fork()) < 0) {
		vstring_sprintf(why, "cannot fork for %s: %s",
				argv[0], strerror(errno));
		goto out;
	}
	if (pid == 0)
		spawn_child(argv, envp, uid, gid, in_pipe[0], out_pipe[1],
			    rep_pipe[1]);
	/* Also here, so a kill of the group cannot race the child's call. */
	(void) setpgid(pid, pid);
	close_fd(&rep_pipe[1]);
	while ((n = read(rep_pipe[0], &rep, sizeof(rep))) < 0 && errno == EINTR)
		 /* retry */ ;
	if (n == (ssize_t) sizeof(rep)) {
		while (waitpid(pid, (int *) 0, 0) < 0 && errno == EINTR)
			 /* retry */ ;
		if (rep.stage < STAGE_SETUP || rep.stage > STAGE_EXEC)
			rep.stage = STAGE_SETUP;
		vstring_sprintf(why, "cannot %s %s: %s", stages[rep.stage],
				argv[0], strerror(rep.err));
		pid = -1;
		goto out;
	}
	sp->in_fd = in_pipe[1];
	sp->out_fd = out_pipe[0];
	in_pipe[1] = out_pipe[0] = -1;

out:
	close_fd(&in_pipe[0]);
	close_fd(&in_pipe[1]);
	close_fd(&out_pipe[0]);
	close_fd(&out_pipe[1]);
	close_fd(&rep_pipe[0]);
	close_fd(&rep_pipe[1]);
	return (pid);
}

/* Interpret how it ended; the caller has restored signals by then. */
static int
spawn_result(struct spawn_state *sp, int status, const char *cmd,
	     int timeout, int *exit_status, VSTRING *why)
{
	if (status == SPAWN_STAT_TIMEOUT) {
		vstring_sprintf(why, "command %s timed out after %d seconds",
				cmd, timeout);
	} else if (status == SPAWN_STAT_ERROR) {
		vstring_sprintf(why, "cannot wait for %s: %s", cmd, strerror(errno));
	} else if (WIFEXITED(sp->wstatus)) {
		*exit_status = WEXITSTATUS(sp->wstatus);
		if (*exit_status != 0)
			vstring_sprintf(why, "command %s exited with status %d",
					cmd, *exit_status);
	} else if (WIFSIGNALED(sp->wstatus)) {
		*exit_status = WTERMSIG(sp->wstatus);
		vstring_sprintf(why, "command %s was killed by signal %d",
				cmd, *exit_status);
		status = SPAWN_STAT_SIGNALED;
	} else {
		msg_panic("spawn_command: unexpected wait status 0x%x",
			  (unsigned) sp->wstatus);
	}
	return (status);
}

int
spawn_command(const char *const argv[], const char *const envp[],
	      uid_t uid, gid_t gid, int timeout, const char *stdin_data,
	      VSTRING *stdout_out, int *exit_status, VSTRING *why)
{
	return (spawn_command_data(argv, envp, uid, gid, timeout, stdin_data,
				   stdin_data ? strlen(stdin_data) : 0,
				   stdout_out, exit_status, why));
}

int
spawn_command_data(const char *const argv[], const char *const envp[],
		   uid_t uid, gid_t gid, int timeout, const char *stdin_data,
		   size_t stdin_len, VSTRING *stdout_out, int *exit_status,
		   VSTRING *why)
{
	struct spawn_state state;
	struct sigaction ign;
	struct sigaction dfl;
	struct sigaction old_pipe;
	struct sigaction old_chld;
	sigset_t chld;
	sigset_t old_mask;
	VSTRING *my_why = why ? why : vstring_alloc(100);
	int     my_exit;
	int     status;
	int     saved_errno;

	if (argv == NULL || argv[0] == NULL)
		msg_panic("spawn_command: empty argument vector");
	if (exit_status == NULL)
		exit_status = &my_exit;
	*exit_status = -1;
	VSTRING_RESET(my_why);
	if (stdout_out != NULL)
		VSTRING_RESET(stdout_out);

	/* Our child is ours to reap: no handler, no auto-reaping, no SIGPIPE. */
	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	(void) sigprocmask(SIG_BLOCK, &chld, &old_mask);
	(void) sigaction(SIGCHLD, &dfl, &old_chld);
	(void) sigaction(SIGPIPE, &ign, &old_pipe);

	memset(&state, 0, sizeof(state));
	state.in_fd = state.out_fd = state.pidfd = -1;
	state.in_data = stdin_data;
	state.in_left = stdin_data ? stdin_len : 0;
	state.out = stdout_out;

	if ((state.pid = spawn_start(argv, envp, uid, gid, &state, my_why)) < 0) {
		status = SPAWN_STAT_ERROR;
	} else {
#ifdef SYS_pidfd_open
		state.pidfd = (int) syscall(SYS_pidfd_open, state.pid, 0);
#endif
		if (state.in_fd >= 0 && state.in_left == 0)
			close_fd(&state.in_fd);
		if (state.in_fd >= 0)
			(void) fcntl(state.in_fd, F_SETFL, O_NONBLOCK);
		(void) fcntl(state.out_fd, F_SETFL, O_NONBLOCK);
		status = spawn_wait(&state, timeout);
		saved_errno = errno;
		if (status != SPAWN_STAT_EXITED) {
			/* The whole group: children of the command go too. */
			(void) kill(-state.pid, SIGKILL);
			(void) kill(state.pid, SIGKILL);
			while (!state.reaped
			       && waitpid(state.pid, &state.wstatus, 0) < 0
			       && errno == EINTR)
				 /* retry */ ;
		}
		close_fd(&state.in_fd);
		close_fd(&state.out_fd);
		close_fd(&state.pidfd);
		errno = saved_errno;
		status = spawn_result(&state, status, argv[0], timeout,
				      exit_status, my_why);
	}

	(void) sigaction(SIGPIPE, &old_pipe, (struct sigaction *) 0);
	(void) sigaction(SIGCHLD, &old_chld, (struct sigaction *) 0);
	(void) sigprocmask(SIG_SETMASK, &old_mask, (sigset_t *) 0);
	if (why == NULL)
		vstring_free(my_why);
	return (status);
}
