/*
 * log_output - msg(3) outputs for daemons: syslog and maillog_file
 *
 *	msg_syslog_init()	log to syslog as "syslog_name/service[pid]"
 *	msg_syslog_priority()	MSG_* level -> LOG_* level
 *	msg_syslog_facility()	"mail" -> LOG_MAIL, -1 when unknown
 *	msg_logfile_init()	append Postfix-shaped lines to a file
 *	msg_logfile_hostname()	host name for logfile lines (first label)
 *	msg_logfile_close()	stop logfile output
 *	log_line_format()	format one logfile line
 *
 * The severity prefix ("warning: ") comes from msg_level_prefix(), so
 * syslog and logfile lines read like Postfix's. Errors: see log_output.h.
 */
#include <sys/types.h>
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "msg.h"
#include "mymalloc.h"
#include "vstring.h"
#include "safe_file.h"
#include "log_output.h"

#define LOG_HOSTNAME_MAX	256

static char *syslog_ident;		/* openlog() keeps the pointer */
static char *logfile_ident;
static char logfile_host[LOG_HOSTNAME_MAX];
static int logfile_fd = -1;
static int logfile_is_stdout;
static VSTRING *logfile_line;
static int logfile_busy;		/* a handler that logs must not recurse */

/* "syslog_name/service", or just syslog_name without a service. */
static char *
make_ident(const char *syslog_name, const char *service)
{
	VSTRING *vp = vstring_alloc(32);

	vstring_strcpy(vp, syslog_name);
	if (service != NULL && *service != 0)
		vstring_sprintf_append(vp, "/%s", service);
	return (vstring_export(vp));
}

int
msg_syslog_priority(int level)
{
	switch (level) {
	case MSG_INFO:
		return (LOG_INFO);
	case MSG_WARN:
		return (LOG_WARNING);
	case MSG_ERROR:
		return (LOG_ERR);
	case MSG_FATAL:
	case MSG_PANIC:
	default:
		return (LOG_CRIT);
	}
}

int
msg_syslog_facility(const char *name)
{
	static const struct {
		const char *name;
		int     facility;
	}       table[] = {
		{"auth", LOG_AUTH}, {"authpriv", LOG_AUTHPRIV},
		{"cron", LOG_CRON}, {"daemon", LOG_DAEMON},
		{"ftp", LOG_FTP}, {"kern", LOG_KERN}, {"lpr", LOG_LPR},
		{"mail", LOG_MAIL}, {"news", LOG_NEWS},
		{"syslog", LOG_SYSLOG}, {"user", LOG_USER},
		{"uucp", LOG_UUCP},
		{"local0", LOG_LOCAL0}, {"local1", LOG_LOCAL1},
		{"local2", LOG_LOCAL2}, {"local3", LOG_LOCAL3},
		{"local4", LOG_LOCAL4}, {"local5", LOG_LOCAL5},
		{"local6", LOG_LOCAL6}, {"local7", LOG_LOCAL7},
	};
	size_t  i;

	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (strcasecmp(name, table[i].name) == 0)
			return (table[i].facility);
	return (-1);
}

static void
msg_syslog_output(int level, const char *text)
{
	syslog(msg_syslog_priority(level), "%s%s", msg_level_prefix(level), text);
}

void
msg_syslog_init(const char *syslog_name, const char *service, int facility)
{
	char   *old = syslog_ident;

	/*
	 * LOG_NDELAY connects now, so a daemon that chroots later keeps its
	 * connection to /dev/log. Local time must also be set up before a
	 * chroot hides /etc/localtime.
	 */
	tzset();
	syslog_ident = make_ident(syslog_name, service);
	openlog(syslog_ident, LOG_PID | LOG_NDELAY, facility);
	if (old != NULL)
		myfree(old);
	msg_output(msg_syslog_output);
}

VSTRING *
log_line_format(VSTRING *out, time_t when, const char *hostname,
		const char *ident, long pid, int level, const char *text)
{
	static const char months[12][4] = {
		"Jan", "Feb", "Mar", "Apr", "May", "Jun",
		"Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
	};
	struct tm tm;

	/* Month names are English whatever the locale, as in syslog. */
	if (localtime_r(&when, &tm) == NULL || tm.tm_mon < 0 || tm.tm_mon > 11)
		memset(&tm, 0, sizeof(tm));
	vstring_sprintf(out, "%s %02d %02d:%02d:%02d %s %s[%ld]: %s%s\n",
			months[tm.tm_mon], tm.tm_mday, tm.tm_hour, tm.tm_min,
			tm.tm_sec, hostname, ident, pid,
			msg_level_prefix(level), text);
	return (out);
}

void
msg_logfile_hostname(const char *name)
{
	size_t  len = strcspn(name, ".");

	if (len == 0) {
		strcpy(logfile_host, "localhost");
		return;
	}
	if (len >= sizeof(logfile_host))
		len = sizeof(logfile_host) - 1;
	memcpy(logfile_host, name, len);
	logfile_host[len] = 0;
}

static void
msg_logfile_output(int level, const char *text)
{
	const char *cp;
	size_t  left;
	ssize_t n;

	if (logfile_fd < 0 || logfile_busy)
		return;
	logfile_busy = 1;
	log_line_format(logfile_line, time((time_t *) 0), logfile_host,
			logfile_ident, (long) getpid(), level, text);

	/*
	 * One write() per line: with O_APPEND the kernel places each line at
	 * the end as a whole. A short write (disk full) is finished if it
	 * can be; a failure is dropped, as there is nowhere to report it.
	 */
	cp = vstring_str(logfile_line);
	left = vstring_len(logfile_line);
	while (left > 0) {
		if ((n = write(logfile_fd, cp, left)) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		cp += n;
		left -= (size_t) n;
	}
	logfile_busy = 0;
}

void
msg_logfile_close(void)
{
	if (logfile_fd >= 0 && !logfile_is_stdout)
		(void) close(logfile_fd);
	logfile_fd = -1;
	logfile_is_stdout = 0;
}

int
msg_logfile_init(const char *path, const char *syslog_name,
		 const char *service, VSTRING *why)
{
	char    host[LOG_HOSTNAME_MAX];
	int     fd;

	if (strcmp(path, "/dev/stdout") == 0) {
		fd = STDOUT_FILENO;
	} else if ((fd = safe_open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
				   0644, (struct stat *) 0, (uid_t) -1,
				   (gid_t) -1, why)) < 0) {
		return (-1);
	}
	msg_logfile_close();
	logfile_fd = fd;
	logfile_is_stdout = (fd == STDOUT_FILENO);
	if (logfile_ident != NULL)
		myfree(logfile_ident);
	logfile_ident = make_ident(syslog_name, service);
	if (logfile_line == NULL)
		logfile_line = vstring_alloc(256);
	if (logfile_host[0] == 0) {
		if (gethostname(host, sizeof(host)) < 0)
			host[0] = 0;
		host[sizeof(host) - 1] = 0;
		msg_logfile_hostname(host);
	}
	tzset();
	msg_output(msg_logfile_output);
	return (0);
}
