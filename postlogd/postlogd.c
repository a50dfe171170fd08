/*
 * postlogd - append log lines from other postern processes to maillog_file
 *
 * Service: the unix-dgram socket public/$postlog_service_name, served by
 * dgram_server_main(). Request: one datagram holding one complete log
 * line, formatted by the sender (postlog_client.c) as
 *	"Mmm dd hh:mm:ss host syslog_name/service[pid]: text\n".
 * There is no reply. Each line is appended to $maillog_file with a single
 * write() on an O_APPEND descriptor, so lines never interleave; a missing
 * final newline is added, an empty datagram is dropped.
 *
 * The file is opened in PRE_INIT, before privileges are dropped, after
 * checking that it lies under one of $maillog_file_prefixes (fatal
 * otherwise, as with Postfix). "/dev/stdout" writes to standard output.
 * postlogd's own messages go straight to the same file (mail_server.c),
 * never through its own socket. Nothing but the file write can make it
 * wait; a failing write drops the line, since there is no place left to
 * report it.
 */
#include <sys/types.h>
#include <sys/uio.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "msg.h"
#include "vstring.h"
#include "safe_file.h"
#include "mail_conf.h"
#include "postlog_client.h"
#include "mail_server.h"

static int postlogd_fd = -1;

static void
postlogd_pre_init(const char *service, char **argv)
{
	const char *path = mail_conf_str("maillog_file");
	VSTRING *why = vstring_alloc(100);

	(void) service;
	(void) argv;
	if (*path == 0)
		msg_fatal("maillog_file is empty: postlogd has no file to "
			  "write to");
	if (postlog_path_allowed(path, mail_conf_str("maillog_file_prefixes"),
				 why) < 0)
		msg_fatal("%s", vstring_str(why));
	if (strcmp(path, "/dev/stdout") == 0)
		postlogd_fd = STDOUT_FILENO;
	else if ((postlogd_fd = safe_open(path, O_WRONLY | O_APPEND | O_CREAT
					  | O_CLOEXEC, 0644, (struct stat *) 0,
					  (uid_t) -1, (gid_t) -1, why)) < 0)
		msg_fatal("open maillog_file %s: %s", path, vstring_str(why));
	vstring_free(why);
}

static void
postlogd_line(char *buf, size_t len, const char *service, char **argv)
{
	struct iovec iov[2];
	ssize_t n;
	int     cnt = 1;

	(void) service;
	(void) argv;
	if (len == 0)
		return;
	iov[0].iov_base = buf;
	iov[0].iov_len = len;
	if (buf[len - 1] != '\n') {
		iov[1].iov_base = (void *) "\n";
		iov[1].iov_len = 1;
		cnt = 2;
	}
	while ((n = writev(postlogd_fd, iov, cnt)) < 0 && errno == EINTR)
		 /* retry */ ;
}

int
main(int argc, char **argv)
{
	dgram_server_main(argc, argv, postlogd_line,
			  MAIL_SERVER_PRE_INIT, postlogd_pre_init,
			  MAIL_SERVER_END);
	return (0);
}
