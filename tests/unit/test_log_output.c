/* Unit tests for lib/util/log_output. */
#define _GNU_SOURCE			/* unshare() */
#include <sys/types.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <errno.h>
#include <fcntl.h>
#include <regex.h>
#include <sched.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include <setjmp.h>
#include <cmocka.h>

#include "msg.h"
#include "vstring.h"
#include "log_output.h"

static char tmpdir[64];
static char logpath[128];
static VSTRING *why;

/* Postfix 3.7 maillog_file shape, as observed from Debian's postlog. */
#define LINE_RE "^[A-Z][a-z]{2} [0-3][0-9] [0-2][0-9]:[0-5][0-9]:[0-6][0-9] " \
		"mx1 postfix/smtpd\\[%ld\\]: %s$"

static void
discard_output(int level, const char *text)
{
}

static int
setup(void **state)
{
	strcpy(tmpdir, "/tmp/test_log_output.XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return (-1);
	snprintf(logpath, sizeof(logpath), "%s/maillog", tmpdir);
	why = vstring_alloc(100);
	msg_output_reset();
	msg_output(discard_output);
	msg_logfile_hostname("mx1.example.test");
	return (0);
}

static int
teardown(void **state)
{
	msg_logfile_close();
	msg_output_reset();
	unlink(logpath);
	rmdir(tmpdir);
	vstring_free(why);
	return (0);
}

/* Read the log into a NUL-terminated heap buffer. */
static char *
read_log(void)
{
	struct stat st;
	char   *buf;
	int     fd = open(logpath, O_RDONLY);

	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	buf = malloc((size_t) st.st_size + 1);
	assert_non_null(buf);
	assert_int_equal(read(fd, buf, (size_t) st.st_size), st.st_size);
	buf[st.st_size] = 0;
	close(fd);
	return (buf);
}

static void
assert_line_matches(const char *line, long pid, const char *text_re)
{
	char    pattern[512];
	regex_t re;

	snprintf(pattern, sizeof(pattern), LINE_RE, pid, text_re);
	assert_int_equal(regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB), 0);
	if (regexec(&re, line, 0, (regmatch_t *) 0, 0) != 0)
		fail_msg("line \"%s\" does not match /%s/", line, pattern);
	regfree(&re);
}

static void
test_line_format(void **state)
{
	static const struct {
		time_t  when;
		int     level;
		const char *ident;
		long    pid;
		const char *text;
		const char *expect;
	}       cases[] = {
		{1698800405, MSG_INFO, "postfix/master", 8547, "daemon started",
		"Nov 01 01:00:05 mx1 postfix/master[8547]: daemon started\n"},
		{1698800405, MSG_WARN, "postfix/postlog", 1, "warn text",
		"Nov 01 01:00:05 mx1 postfix/postlog[1]: warning: warn text\n"},
		{1704067199, MSG_ERROR, "mytag", 42, "x",
		"Dec 31 23:59:59 mx1 mytag[42]: error: x\n"},
		{0, MSG_FATAL, "postfix/smtpd", 7, "bye",
		"Jan 01 00:00:00 mx1 postfix/smtpd[7]: fatal: bye\n"},
		{1709251200, MSG_PANIC, "p/q", 99999, "",
		"Mar 01 00:00:00 mx1 p/q[99999]: panic: \n"},
	};
	VSTRING *out = vstring_alloc(10);
	char   *old_tz = getenv("TZ") ? strdup(getenv("TZ")) : NULL;
	size_t  i;

	setenv("TZ", "UTC", 1);
	tzset();
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		log_line_format(out, cases[i].when, "mx1", cases[i].ident,
				cases[i].pid, cases[i].level, cases[i].text);
		assert_string_equal(vstring_str(out), cases[i].expect);
	}
	/* Local time, not UTC. */
	setenv("TZ", "EST5", 1);
	tzset();
	log_line_format(out, 1698800405, "h", "i", 1, MSG_INFO, "t");
	assert_string_equal(vstring_str(out), "Oct 31 20:00:05 h i[1]: t\n");
	if (old_tz) {
		setenv("TZ", old_tz, 1);
		free(old_tz);
	} else {
		unsetenv("TZ");
	}
	tzset();
	vstring_free(out);
}

static void
test_logfile_lines(void **state)
{
	char   *buf;
	char   *line;
	char   *save;

	assert_int_equal(msg_logfile_init(logpath, "postfix", "smtpd", why), 0);
	msg_info("connect from %s", "client[192.0.2.1]");
	msg_warn("hostname %s does not resolve", "bad.example");
	msg_logfile_close();
	msg_info("not logged after close");

	buf = read_log();
	line = strtok_r(buf, "\n", &save);
	assert_non_null(line);
	assert_line_matches(line, (long) getpid(),
			    "connect from client\\[192\\.0\\.2\\.1\\]");
	line = strtok_r((char *) 0, "\n", &save);
	assert_non_null(line);
	assert_line_matches(line, (long) getpid(),
			    "warning: hostname bad\\.example does not resolve");
	assert_null(strtok_r((char *) 0, "\n", &save));
	free(buf);
}

static void
test_logfile_refuses_symlink(void **state)
{
	char    target[160];

	snprintf(target, sizeof(target), "%s/target", tmpdir);
	assert_int_equal(symlink(target, logpath), 0);
	assert_int_equal(msg_logfile_init(logpath, "postfix", "smtpd", why), -1);
	assert_non_null(strstr(vstring_str(why), "symbolic link"));
	assert_int_equal(access(target, F_OK), -1);
}

#define WRITERS		3
#define LINES_EACH	2000

/* Lines from several processes arrive whole, none lost. */
static void
test_logfile_concurrent(void **state)
{
	char    filler[301];
	pid_t   pids[WRITERS];
	int     seen[WRITERS][LINES_EACH];
	char   *buf;
	char   *line;
	char   *save;
	int     status;
	int     w;
	int     n;
	int     count = 0;
	long    pid;
	char    text[400];

	memset(filler, 'x', sizeof(filler) - 1);
	filler[sizeof(filler) - 1] = 0;
	memset(seen, 0, sizeof(seen));
	for (w = 0; w < WRITERS; w++) {
		if ((pids[w] = fork()) == 0) {
			if (msg_logfile_init(logpath, "postfix", "smtpd", why) < 0)
				_exit(1);
			for (n = 0; n < LINES_EACH; n++)
				msg_info("writer=%d line=%d %s", w, n, filler);
			_exit(0);
		}
		assert_true(pids[w] > 0);
	}
	for (w = 0; w < WRITERS; w++) {
		assert_int_equal(waitpid(pids[w], &status, 0), pids[w]);
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	buf = read_log();
	for (line = strtok_r(buf, "\n", &save); line != NULL;
	     line = strtok_r((char *) 0, "\n", &save), count++) {
		char   *cp = strchr(line, '[');

		assert_non_null(cp);
		pid = strtol(cp + 1, (char **) 0, 10);
		assert_int_equal(sscanf(strstr(line, "writer="), "writer=%d line=%d",
					&w, &n), 2);
		assert_true(w >= 0 && w < WRITERS && n >= 0 && n < LINES_EACH);
		assert_int_equal(pid, (long) pids[w]);
		snprintf(text, sizeof(text), "writer=%d line=%d %s", w, n, filler);
		assert_line_matches(line, pid, text);
		seen[w][n]++;
	}
	assert_int_equal(count, WRITERS * LINES_EACH);
	for (w = 0; w < WRITERS; w++)
		for (n = 0; n < LINES_EACH; n++)
			assert_int_equal(seen[w][n], 1);
	free(buf);
}

/* "/dev/stdout" means standard output, for postfix start-fg. */
static void
test_logfile_stdout(void **state)
{
	pid_t   pid;
	int     status;
	int     fd;
	char   *buf;

	if ((pid = fork()) == 0) {
		fd = open(logpath, O_WRONLY | O_CREAT | O_APPEND, 0600);
		if (fd < 0 || dup2(fd, 1) < 0
		    || msg_logfile_init("/dev/stdout", "postfix", "smtpd", why) < 0)
			_exit(1);
		msg_error("to stdout");
		msg_logfile_close();
		/* Closing stdout logging leaves descriptor 1 open. */
		_exit(fcntl(1, F_GETFD) < 0 ? 2 : 0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	buf = read_log();
	buf[strcspn(buf, "\n")] = 0;
	assert_line_matches(buf, (long) pid, "error: to stdout");
	free(buf);
}

static void
test_syslog_mapping(void **state)
{
	assert_int_equal(msg_syslog_priority(MSG_INFO), LOG_INFO);
	assert_int_equal(msg_syslog_priority(MSG_WARN), LOG_WARNING);
	assert_int_equal(msg_syslog_priority(MSG_ERROR), LOG_ERR);
	assert_int_equal(msg_syslog_priority(MSG_FATAL), LOG_CRIT);
	assert_int_equal(msg_syslog_priority(MSG_PANIC), LOG_CRIT);
	assert_int_equal(msg_syslog_facility("mail"), LOG_MAIL);
	assert_int_equal(msg_syslog_facility("LOCAL3"), LOG_LOCAL3);
	assert_int_equal(msg_syslog_facility("daemon"), LOG_DAEMON);
	assert_int_equal(msg_syslog_facility("nosuch"), -1);
}

/*
 * End to end through syslog(3): in a private mount namespace, a datagram
 * socket at /dev/log (on a tmpfs that only the child sees) plays syslogd.
 * Skipped where namespaces are not allowed.
 */
static int
syslog_child(void)
{
	struct sockaddr_un sun;
	struct timeval tv = {5, 0};
	char    expect[200];
	char    buf[1024];
	ssize_t n;
	int     sock;

	if (unshare(CLONE_NEWNS) < 0
	    || mount("none", "/", (char *) 0, MS_REC | MS_PRIVATE, (void *) 0) < 0
	    || mount("tmpfs", "/dev", "tmpfs", 0, "size=64k,mode=755") < 0)
		return (77);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strcpy(sun.sun_path, "/dev/log");
	if ((sock = socket(AF_UNIX, SOCK_DGRAM, 0)) < 0
	    || bind(sock, (struct sockaddr *) &sun, sizeof(sun)) < 0
	    || setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0)
		return (3);
	msg_syslog_init("postfix", "smtpd", LOG_MAIL);
	msg_warn("disk %s", "full");
	if ((n = recv(sock, buf, sizeof(buf) - 1, 0)) <= 0)
		return (4);
	buf[n] = 0;
	/* <20> is LOG_MAIL|LOG_WARNING; the ident carries the pid. */
	if (strncmp(buf, "<20>", 4) != 0)
		return (5);
	snprintf(expect, sizeof(expect), "postfix/smtpd[%ld]: warning: disk full",
		 (long) getpid());
	return (strstr(buf, expect) != NULL ? 0 : 6);
}

static void
test_syslog_output(void **state)
{
	pid_t   pid;
	int     status;

	if ((pid = fork()) == 0)
		_exit(syslog_child());
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) == 77)
		skip();
	assert_int_equal(WEXITSTATUS(status), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_line_format),
		cmocka_unit_test_setup_teardown(test_logfile_lines, setup, teardown),
		cmocka_unit_test_setup_teardown(test_logfile_refuses_symlink, setup, teardown),
		cmocka_unit_test_setup_teardown(test_logfile_concurrent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_logfile_stdout, setup, teardown),
		cmocka_unit_test(test_syslog_mapping),
		cmocka_unit_test_setup_teardown(test_syslog_output, setup, teardown),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
