/* Unit tests for lib/global/postlog_client: the maillog_file prefix check
 * and the datagrams sent to the postlog service. */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <setjmp.h>
#include <cmocka.h>

#include "msg.h"
#include "vstring.h"
#include "unix_sock.h"
#include "mail_conf.h"
#include "postlog_client.h"

static void
test_path_allowed(void **state)
{
	static const struct {
		const char *path;
		const char *prefixes;
		int     ok;
	}       cases[] = {
		{"/var/log/maillog", "/var, /dev/stdout", 1},
		{"/dev/stdout", "/var, /dev/stdout", 1},
		{"/var", "/var", 1},
		{"/var/log/x", "/var/", 1},
		{"/varx/log", "/var, /dev/stdout", 0},
		{"/dev/stdoutx", "/dev/stdout", 0},
		{"/etc/passwd", "/var, /dev/stdout", 0},
		{"/var/../etc/passwd", "/var", 0},
		{"/var/log/..", "/var", 0},
		{"var/log/maillog", "/var", 0},
		{"/srv/mail/log", "/var /srv/mail", 1},
		{"/anything", "/", 1},
		{"/var/log/x", "", 0},
	};
	VSTRING *why = vstring_alloc(100);
	size_t  i;

	(void) state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		vstring_strcpy(why, "");
		if (postlog_path_allowed(cases[i].path, cases[i].prefixes,
					 why) != (cases[i].ok ? 0 : -1))
			fail_msg("%s in \"%s\": expected %s", cases[i].path,
				 cases[i].prefixes, cases[i].ok ? "ok" : "refused");
		if (!cases[i].ok) {
			char    want[200];

			snprintf(want, sizeof(want), "maillog_file value '%s' does "
				 "not match any prefix in maillog_file_prefixes",
				 cases[i].path);
			assert_string_equal(vstring_str(why), want);
		}
	}
	vstring_free(why);
}

static void
test_client_sends_complete_lines(void **state)
{
	char    dir[] = "/tmp/test_postlog.XXXXXX";
	char    path[200];
	char    buf[1000];
	char    want[200];
	VSTRING *why = vstring_alloc(100);
	ssize_t n;
	int     fd;

	(void) state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/public", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/public/postlog", dir);
	fd = unix_dgram_listen(path, why);
	assert_true(fd >= 0);

	mail_conf_reset();
	mail_conf_override("queue_directory", dir);
	mail_conf_override("maillog_file", "/var/log/unused");
	mail_conf_override("myhostname", "mx1.example.com");
	msg_output_reset();
	assert_int_equal(postlog_client_init("postfix/sub", "smtpd", why),
			 POSTLOG_CLIENT_SERVICE);
	msg_warn("line %d", 1);
	msg_info("with\ncontrol");
	postlog_client_close();
	msg_info("not sent");

	n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
	assert_true(n > 16);
	buf[n] = 0;
	/* "Mmm dd hh:mm:ss " then host, ident, pid, level, text, newline. */
	snprintf(want, sizeof(want), "mx1 postfix/sub/smtpd[%ld]: warning: line 1\n",
		 (long) getpid());
	assert_string_equal(buf + 16, want);
	assert_int_equal(buf[3], ' ');
	n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
	assert_true(n > 16);
	buf[n] = 0;
	snprintf(want, sizeof(want), "mx1 postfix/sub/smtpd[%ld]: with?control\n",
		 (long) getpid());
	assert_string_equal(buf + 16, want);
	n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
	assert_int_equal(n, -1);
	assert_int_equal(errno, EAGAIN);

	/* No service: the file itself, if maillog_file_prefixes allows it. */
	close(fd);
	unlink(path);
	snprintf(path, sizeof(path), "%s/maillog", dir);
	mail_conf_override("maillog_file", path);
	mail_conf_override("maillog_file_prefixes", "/nowhere");
	assert_int_equal(postlog_client_init("postfix", "smtpd", why), -1);
	assert_non_null(strstr(vstring_str(why), "does not match any prefix"));
	mail_conf_override("maillog_file_prefixes", dir);
	assert_int_equal(postlog_client_init("postfix", "smtpd", why),
			 POSTLOG_CLIENT_FILE);
	msg_output_reset();
	unlink(path);
	snprintf(path, sizeof(path), "%s/public", dir);
	rmdir(path);
	rmdir(dir);
	vstring_free(why);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_path_allowed),
		cmocka_unit_test(test_client_sends_complete_lines),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
