/* Unit tests for lib/util/spawn, priv and proc. */
#include <sys/types.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <setjmp.h>
#include <cmocka.h>

#include "msg.h"
#include "vstring.h"
#include "spawn.h"
#include "priv.h"
#include "proc.h"

static VSTRING *out;
static VSTRING *why;

static void
discard_output(int level, const char *text)
{
}

static int
setup(void **state)
{
	out = vstring_alloc(100);
	why = vstring_alloc(100);
	msg_output_reset();
	msg_output(discard_output);
	return (0);
}

static int
teardown(void **state)
{
	vstring_free(out);
	vstring_free(why);
	msg_output_reset();
	return (0);
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec + ts.tv_nsec / 1e9);
}

/* Run a command with no input and a generous deadline. */
static int
run(const char *const *argv, const char *const *envp, int *code)
{
	return (spawn_command(argv, envp, (uid_t) -1, (gid_t) -1, 30,
			      (const char *) 0, out, code, why));
}

static void
test_spawn_literal_args(void **state)
{
	const char *nasty = "a; rm -rf /nonexistent $(id) `id` | cat & "
	"> /tmp/postern-spawn-canary *?\"'\\";
	const char *argv[] = {"/bin/echo", nasty, "$HOME", (char *) 0};
	char    expect[200];
	int     code;

	(void) unlink("/tmp/postern-spawn-canary");
	assert_int_equal(run(argv, (const char *const *) 0, &code),
			 SPAWN_STAT_EXITED);
	assert_int_equal(code, 0);
	snprintf(expect, sizeof(expect), "%s $HOME\n", nasty);
	assert_string_equal(vstring_str(out), expect);
	/* No shell ran the redirection. */
	assert_int_equal(access("/tmp/postern-spawn-canary", F_OK), -1);
}

static void
test_spawn_exit_status(void **state)
{
	static const struct {
		const char *script;
		int     result;
		int     code;
	}       cases[] = {
		{"exit 0", SPAWN_STAT_EXITED, 0},
		{"exit 3", SPAWN_STAT_EXITED, 3},
		{"exit 75", SPAWN_STAT_EXITED, 75},
		{"kill -TERM $$", SPAWN_STAT_SIGNALED, SIGTERM},
		{"kill -KILL $$", SPAWN_STAT_SIGNALED, SIGKILL},
	};
	const char *argv[] = {"/bin/sh", "-c", (char *) 0, (char *) 0};
	size_t  i;
	int     code;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		argv[2] = cases[i].script;
		assert_int_equal(run(argv, (const char *const *) 0, &code),
				 cases[i].result);
		assert_int_equal(code, cases[i].code);
		if (code != 0)
			assert_true(vstring_len(why) > 0);
	}
	assert_non_null(strstr(vstring_str(why), "killed by signal 9"));
}

static void
test_spawn_timeout(void **state)
{
	const char *argv[] = {"/bin/sleep", "30", (char *) 0};
	double  start = now();
	int     code;

	assert_int_equal(spawn_command(argv, (const char *const *) 0, (uid_t) -1,
				       (gid_t) -1, 1, (const char *) 0, out,
				       &code, why), SPAWN_STAT_TIMEOUT);
	assert_true(now() - start < 5.0);
	assert_true(now() - start >= 0.9);
	assert_non_null(strstr(vstring_str(why), "timed out after 1 seconds"));
}

/* True when a process is gone; PID 1 may leave a zombie behind. */
static int
process_gone(long pid)
{
	char    path[64];
	char    buf[256];
	char   *cp;
	FILE   *fp;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	if ((fp = fopen(path, "r")) == NULL)
		return (1);
	cp = fgets(buf, sizeof(buf), fp);
	fclose(fp);
	if (cp == NULL || (cp = strrchr(buf, ')')) == NULL)
		return (1);
	return (cp[2] == 'Z' || cp[2] == 'X');
}

static void
test_spawn_timeout_kills_group(void **state)
{
	const char *argv[] = {"/bin/sh", "-c",
	"/bin/sleep 30 & echo $!; exec /bin/sleep 30", (char *) 0};
	struct timespec tick = {0, 5000000};
	double  deadline;
	long    grandchild;
	int     code;

	assert_int_equal(spawn_command(argv, (const char *const *) 0, (uid_t) -1,
				       (gid_t) -1, 1, (const char *) 0, out,
				       &code, why), SPAWN_STAT_TIMEOUT);
	grandchild = atol(vstring_str(out));
	assert_true(grandchild > 1);
	/* SIGKILL takes effect quickly, but not necessarily at once. */
	for (deadline = now() + 5; !process_gone(grandchild) && now() < deadline;)
		nanosleep(&tick, (struct timespec *) 0);
	assert_true(process_gone(grandchild));
}

static void
test_spawn_stdin(void **state)
{
	const char *argv[] = {"/bin/cat", (char *) 0};
	size_t  len = 1024 * 1024;	/* more than a pipe holds both ways */
	char   *data = malloc(len + 1);
	size_t  i;
	int     code;

	assert_non_null(data);
	for (i = 0; i < len; i++)
		data[i] = (char) ('a' + i % 26);
	data[len] = 0;
	assert_int_equal(spawn_command(argv, (const char *const *) 0, (uid_t) -1,
				       (gid_t) -1, 30, data, out, &code, why),
			 SPAWN_STAT_EXITED);
	assert_int_equal(code, 0);
	assert_int_equal(vstring_len(out), len);
	assert_memory_equal(vstring_str(out), data, len);
	free(data);

	/* No input: /dev/null, so cat ends at once. */
	assert_int_equal(run(argv, (const char *const *) 0, &code),
			 SPAWN_STAT_EXITED);
	assert_int_equal(vstring_len(out), 0);

	/* A command that ignores its input does not hang or kill us. */
	argv[0] = "/bin/true";
	data = malloc(len + 1);
	memset(data, 'y', len);
	data[len] = 0;
	assert_int_equal(spawn_command(argv, (const char *const *) 0, (uid_t) -1,
				       (gid_t) -1, 30, data, out, &code, why),
			 SPAWN_STAT_EXITED);
	free(data);
}

static void
test_spawn_env_stderr_fds(void **state)
{
	const char *env_argv[] = {"/usr/bin/env", (char *) 0};
	const char *envp[] = {"FOO=bar baz", "PATH=/bin", (char *) 0};
	const char *err_argv[] = {"/bin/sh", "-c", "echo out; echo err >&2",
	(char *) 0};
	const char *fd_argv[] = {"/bin/sh", "-c",
	"if [ -e /proc/$$/fd/50 ]; then echo leaked; else echo clean; fi",
	(char *) 0};
	int     code;

	assert_int_equal(run(env_argv, envp, &code), SPAWN_STAT_EXITED);
	assert_string_equal(vstring_str(out), "FOO=bar baz\nPATH=/bin\n");
	assert_int_equal(run(env_argv, (const char *const *) 0, &code),
			 SPAWN_STAT_EXITED);
	assert_string_equal(vstring_str(out), "");

	assert_int_equal(run(err_argv, (const char *const *) 0, &code),
			 SPAWN_STAT_EXITED);
	assert_string_equal(vstring_str(out), "out\nerr\n");

	/* A descriptor without close-on-exec does not reach the command. */
	assert_int_equal(dup2(2, 50), 50);
	assert_int_equal(run(fd_argv, (const char *const *) 0, &code),
			 SPAWN_STAT_EXITED);
	close(50);
	assert_string_equal(vstring_str(out), "clean\n");
}

static void
test_spawn_cannot_execute(void **state)
{
	const char *argv[] = {"/nonexistent/program", "x", (char *) 0};
	int     code = 12345;

	assert_int_equal(run(argv, (const char *const *) 0, &code),
			 SPAWN_STAT_ERROR);
	assert_int_equal(code, -1);
	assert_string_equal(vstring_str(why), "cannot execute /nonexistent/"
			    "program: No such file or directory");
}

static void
test_spawn_as_user(void **state)
{
	const char *argv[] = {"/usr/bin/id", (char *) 0};
	char    expect[100];
	uid_t   uid;
	gid_t   gid;
	int     code;

	if (geteuid() != 0)
		skip();
	assert_int_equal(get_user_ids("nobody", &uid, &gid, why), 0);
	assert_int_equal(spawn_command(argv, (const char *const *) 0, uid, gid, 30,
				       (const char *) 0, out, &code, why),
			 SPAWN_STAT_EXITED);
	snprintf(expect, sizeof(expect), "uid=%ld(nobody) gid=%ld(", (long) uid,
		 (long) gid);
	assert_non_null(strstr(vstring_str(out), expect));
	/* The only group is the given one. */
	assert_null(strstr(vstring_str(out), ","));
}

static void
test_get_user_ids(void **state)
{
	uid_t   uid = 1;
	gid_t   gid = 1;

	assert_int_equal(get_user_ids("root", &uid, &gid, why), 0);
	assert_int_equal(uid, 0);
	assert_int_equal(gid, 0);
	assert_int_equal(get_user_ids("no-such-user-pstrn", &uid, &gid, why), -1);
	assert_string_equal(vstring_str(why), "unknown user: no-such-user-pstrn");

	/* A root mail_owner is refused with a reason naming the setting. */
	assert_int_equal(get_unpriv_user_ids("root", "mail_owner", &uid, &gid,
					     why), -1);
	assert_non_null(strstr(vstring_str(why), "mail_owner"));
	assert_non_null(strstr(vstring_str(why), "user ID 0"));
	assert_int_equal(get_unpriv_user_ids("no-such-user-pstrn", "mail_owner",
					     &uid, &gid, why), -1);
	assert_string_equal(vstring_str(why),
			    "mail_owner: unknown user: no-such-user-pstrn");
	assert_int_equal(get_unpriv_user_ids("nobody", "mail_owner", &uid, &gid,
					     why), 0);
	assert_true(uid != 0 && gid != 0);
}

/* Run fn in a child; its exit code is the test's verdict. */
static int
in_child(int (*fn) (void))
{
	pid_t   pid;
	int     status;

	if ((pid = fork()) == 0) {
		msg_output_reset();
		msg_output(discard_output);
		_exit(fn());
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFEXITED(status))
		return (-WTERMSIG(status));
	return (WEXITSTATUS(status));
}

static int
drop_to_nobody(void)
{
	uid_t   uid;
	gid_t   gid;
	gid_t   groups[4];

	if (get_user_ids("nobody", &uid, &gid, (VSTRING *) 0) < 0)
		return (10);
	set_ugid(uid, gid);
	if (getuid() != uid || geteuid() != uid)
		return (11);
	if (getgid() != gid || getegid() != gid)
		return (12);
	if (getgroups(4, groups) != 1 || groups[0] != gid)
		return (13);
	if (setuid(0) == 0 || seteuid(0) == 0 || setgid(0) == 0)
		return (14);
	return (0);
}

static void
test_set_ugid(void **state)
{
	if (geteuid() != 0)
		skip();
	assert_int_equal(in_child(drop_to_nobody), 0);
}

static char chroot_dir[64];

static int
chroot_to_nobody(void)
{
	char    cwd[PATH_MAX];

	chroot_uid(chroot_dir, "nobody");
	if (getcwd(cwd, sizeof(cwd)) == NULL || strcmp(cwd, "/") != 0)
		return (20);
	if (access("/marker", F_OK) != 0)
		return (21);
	if (geteuid() == 0 || getuid() == 0)
		return (22);
	if (setuid(0) == 0)
		return (23);
	return (0);
}

static int
chroot_to_root(void)
{
	chroot_uid((const char *) 0, "root");
	return (0);				/* not reached: fatal */
}

static void
test_chroot_uid(void **state)
{
	char    marker[128];
	int     status;
	int     fd;

	if (geteuid() != 0)
		skip();
	strcpy(chroot_dir, "/tmp/test_proc.XXXXXX");
	assert_non_null(mkdtemp(chroot_dir));
	assert_int_equal(chmod(chroot_dir, 0755), 0);
	snprintf(marker, sizeof(marker), "%s/marker", chroot_dir);
	fd = open(marker, O_WRONLY | O_CREAT, 0644);
	assert_true(fd >= 0);
	close(fd);
	status = in_child(chroot_to_nobody);
	unlink(marker);
	rmdir(chroot_dir);
	assert_int_equal(status, 0);

	/* Refusing root is fatal: exit status 1. */
	assert_int_equal(in_child(chroot_to_root), 1);
}

static volatile sig_atomic_t got_signal;

static void
on_signal(int sig)
{
	got_signal = sig;
}

static void
test_signal_set(void **state)
{
	struct sigaction sa;
	int     fds[2];

	assert_int_equal(signal_set(SIGUSR1, on_signal, 1), 0);
	assert_int_equal(sigaction(SIGUSR1, (struct sigaction *) 0, &sa), 0);
	assert_true(sa.sa_flags & SA_RESTART);
	raise(SIGUSR1);
	assert_int_equal(got_signal, SIGUSR1);
	assert_int_equal(signal_set(SIGUSR1, on_signal, 0), 0);
	assert_int_equal(sigaction(SIGUSR1, (struct sigaction *) 0, &sa), 0);
	assert_false(sa.sa_flags & SA_RESTART);
	assert_int_equal(signal_set(SIGUSR1, SIG_DFL, 0), 0);

	/* With SIGPIPE ignored, writing to a closed pipe is just EPIPE. */
	assert_int_equal(signal_ignore_pipe(), 0);
	assert_int_equal(pipe(fds), 0);
	close(fds[0]);
	assert_int_equal(write(fds[1], "x", 1), -1);
	assert_int_equal(errno, EPIPE);
	close(fds[1]);
	assert_int_equal(signal_set(SIGPIPE, SIG_DFL, 0), 0);
}

static int
close_fds_child(void)
{
	if (dup2(2, 20) != 20 || dup2(2, 300) != 300)
		return (30);
	close_inherited_fds(20);
	if (fcntl(20, F_GETFD) >= 0 || errno != EBADF)
		return (31);
	if (fcntl(300, F_GETFD) >= 0)
		return (32);
	if (fcntl(2, F_GETFD) < 0)
		return (33);
	return (0);
}

static int
std_fds_child(void)
{
	char    target[64];
	ssize_t n;

	close(0);
	close(2);
	if (sane_std_fds() < 0)
		return (40);
	n = readlink("/proc/self/fd/0", target, sizeof(target) - 1);
	if (n < 0)
		return (41);
	target[n] = 0;
	if (strcmp(target, "/dev/null") != 0 || fcntl(2, F_GETFD) < 0)
		return (42);
	return (0);
}

static void
test_daemon_hygiene(void **state)
{
	mode_t  old = umask(077);

	assert_int_equal(sane_umask(), 077);
	assert_int_equal(umask(old), 022);
	assert_int_equal(in_child(close_fds_child), 0);
	assert_int_equal(in_child(std_fds_child), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spawn_literal_args),
		cmocka_unit_test(test_spawn_exit_status),
		cmocka_unit_test(test_spawn_timeout),
		cmocka_unit_test(test_spawn_timeout_kills_group),
		cmocka_unit_test(test_spawn_stdin),
		cmocka_unit_test(test_spawn_env_stderr_fds),
		cmocka_unit_test(test_spawn_cannot_execute),
		cmocka_unit_test(test_spawn_as_user),
		cmocka_unit_test(test_get_user_ids),
		cmocka_unit_test(test_set_ugid),
		cmocka_unit_test(test_chroot_uid),
		cmocka_unit_test(test_signal_set),
		cmocka_unit_test(test_daemon_hygiene),
	};

	return (cmocka_run_group_tests(tests, setup, teardown));
}
