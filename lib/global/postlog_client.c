/*
 * postlog_client - log through the postlog service when maillog_file is set
 *
 *	postlog_client_init()	send msg(3) lines to public/$postlog_service_name,
 *				else append to $maillog_file directly
 *	postlog_client_close()	stop sending
 *	postlog_path_allowed()	maillog_file vs. maillog_file_prefixes
 *
 * Each message becomes one complete line (log_line_format()) sent as one
 * datagram, so postlogd(8) only appends what it receives and lines from
 * many processes never interleave. Errors: see postlog_client.h; nothing
 * here is fatal.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <errno.h>
#include <string.h>
#include <time.h>
#include <syslog.h>
#include <unistd.h>

#include "msg.h"
#include "mymalloc.h"
#include "vstring.h"
#include "stringops.h"
#include "iostuff.h"
#include "unix_sock.h"
#include "log_output.h"
#include "mail_conf.h"
#include "master_proto.h"
#include "postlog_client.h"

#define POSTLOG_HOST_MAX	256
#define POSTLOG_SEND_WAIT_MS	10000	/* per line, socket queue full */
#define POSTLOG_STALLED_WAIT_MS	50	/* per line after a dropped one */

static int postlog_fd = -1;		/* connected unix-dgram socket */
static char *postlog_abs_path;		/* $queue_directory/public/NAME */
static char *postlog_rel_path;		/* public/NAME, works when chrooted */
static char *postlog_ident;		/* syslog_name/service */
static char postlog_host[POSTLOG_HOST_MAX];
static VSTRING *postlog_line;
static int postlog_busy;		/* no recursion from our own errors */
static int postlog_stalled;		/* last send found the socket full */

/* Reconnect after the socket stopped working (master restarted). */
static int
postlog_reconnect(void)
{
	if (postlog_fd >= 0)
		(void) close(postlog_fd);
	postlog_fd = unix_dgram_connect(postlog_abs_path, (VSTRING *) 0);
	if (postlog_fd < 0)
		postlog_fd = unix_dgram_connect(postlog_rel_path, (VSTRING *) 0);
	return (postlog_fd);
}

static ssize_t
postlog_send(const char *buf, size_t len)
{
	ssize_t n;

	while ((n = send(postlog_fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL)) < 0
	       && errno == EINTR)
		 /* retry */ ;
	return (n);
}

static void
postlog_output(int level, const char *text)
{
	const char *buf;
	size_t  len;
	int     reconnected = 0;
	long long deadline = 0;
	long long now;

	if (postlog_ident == NULL || postlog_busy)
		return;
	if (postlog_fd < 0 && postlog_reconnect() < 0)
		return;
	postlog_busy = 1;
	log_line_format(postlog_line, time((time_t *) 0), postlog_host,
			postlog_ident, (long) getpid(), level, text);
	buf = vstring_str(postlog_line);
	len = vstring_len(postlog_line);
	for (;;) {
		if (postlog_send(buf, len) >= 0) {
			postlog_stalled = 0;
			break;
		}
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) {

			/*
			 * postlogd is behind, or other processes took the free
			 * slots first: keep trying until one deadline for the
			 * whole line (many processes share a short socket
			 * queue, so one retry is not enough). After a line was
			 * dropped, wait only briefly until one gets through
			 * again: a dead postlogd must not cost a second per
			 * line.
			 */
			now = monotonic_ms();
			if (deadline == 0)
				deadline = now + (postlog_stalled ?
						  POSTLOG_STALLED_WAIT_MS :
						  POSTLOG_SEND_WAIT_MS);
			if (now >= deadline
			    || write_wait(postlog_fd, (int) (deadline - now)) < 0) {
				postlog_stalled = 1;
				break;
			}
		} else if (errno == ECONNREFUSED || errno == ENOTCONN
			   || errno == EPIPE || errno == ECONNRESET) {
			if (reconnected++ || postlog_reconnect() < 0)
				break;
		} else {
			break;
		}
	}
	postlog_busy = 0;
}

/* The first label of $myhostname, as Postfix puts it in maillog lines. */
static void
postlog_set_host(void)
{
	const char *name = mail_conf_str("myhostname");
	size_t  len = strcspn(name, ".");

	if (len == 0) {
		strcpy(postlog_host, "localhost");
		return;
	}
	if (len >= sizeof(postlog_host))
		len = sizeof(postlog_host) - 1;
	memcpy(postlog_host, name, len);
	postlog_host[len] = 0;
}

int
postlog_path_allowed(const char *path, const char *prefixes, VSTRING *why)
{
	char   *saved = mystrdup(prefixes);
	char   *bp = saved;
	char   *prefix;
	size_t  len;
	int     ok = 0;

	/* A ".." component would walk out of any prefix. */
	if (strcmp(path, "..") != 0 && strncmp(path, "../", 3) != 0
	    && strstr(path, "/../") == NULL
	    && (strlen(path) < 3 || strcmp(path + strlen(path) - 3, "/..") != 0)) {
		while (!ok && (prefix = mystrtok(&bp, CHARS_COMMA_SP)) != NULL) {
			len = strlen(prefix);
			while (len > 1 && prefix[len - 1] == '/')
				len--;
			if (strncmp(path, prefix, len) == 0
			    && (path[len] == 0 || path[len] == '/'
				|| prefix[len - 1] == '/'))
				ok = 1;
		}
	}
	myfree(saved);
	if (!ok && why != NULL)
		vstring_sprintf(why, "maillog_file value '%s' does not match any "
				"prefix in maillog_file_prefixes", path);
	return (ok ? 0 : -1);
}

void
postlog_client_close(void)
{
	if (postlog_fd >= 0)
		(void) close(postlog_fd);
	postlog_fd = -1;
	if (postlog_ident != NULL)
		myfree(postlog_ident);
	postlog_ident = NULL;
}

int
postlog_client_init(const char *syslog_name, const char *service,
		    VSTRING *why)
{
	const char *maillog = mail_conf_str("maillog_file");
	const char *queue_dir = mail_conf_str("queue_directory");
	const char *name = mail_conf_str("postlog_service_name");
	VSTRING *path;
	int     fd;

	postlog_client_close();
	if (*maillog == 0) {
		if (why != NULL)
			vstring_strcpy(why, "maillog_file is empty");
		return (-1);
	}
	path = vstring_alloc(100);
	if (postlog_abs_path != NULL)
		myfree(postlog_abs_path);
	if (postlog_rel_path != NULL)
		myfree(postlog_rel_path);
	vstring_sprintf(path, "%s/%s", MAIL_CLASS_PUBLIC, name);
	postlog_rel_path = mystrdup(vstring_str(path));
	vstring_sprintf(path, "%s/%s/%s", queue_dir, MAIL_CLASS_PUBLIC, name);
	postlog_abs_path = vstring_export(path);

	/*
	 * Any failure to reach the service (not running, no socket, master
	 * gone) sends us to the file, which is what a command run before
	 * "postfix start" needs too.
	 */
	if ((fd = unix_dgram_connect(postlog_abs_path, (VSTRING *) 0)) >= 0) {
		postlog_fd = fd;
		postlog_set_host();
		if (postlog_line == NULL)
			postlog_line = vstring_alloc(256);
		path = vstring_alloc(64);
		vstring_strcpy(path, syslog_name);
		if (service != NULL && *service != 0)
			vstring_sprintf_append(path, "/%s", service);
		postlog_ident = vstring_export(path);
		tzset();
		msg_output(postlog_output);
		return (POSTLOG_CLIENT_SERVICE);
	}
	if (postlog_path_allowed(maillog, mail_conf_str("maillog_file_prefixes"),
				 why) < 0)
		return (-1);
	if (msg_logfile_init(maillog, syslog_name, service, why) < 0)
		return (-1);
	msg_logfile_hostname(mail_conf_str("myhostname"));
	return (POSTLOG_CLIENT_FILE);
}

/* Commands log where daemons do: postlog (maillog_file) or syslog. */
void
postlog_command_init(const char *progname)
{
	const char *syslog_name = mail_conf_str("syslog_name");
	int     facility = msg_syslog_facility(mail_conf_str("syslog_facility"));
	VSTRING *why = vstring_alloc(100);

	if (facility < 0)
		facility = LOG_MAIL;
	if (*mail_conf_str("maillog_file") == 0
	    || postlog_client_init(syslog_name, progname, why) < 0)
		msg_syslog_init(syslog_name, progname, facility);
	vstring_free(why);
}
