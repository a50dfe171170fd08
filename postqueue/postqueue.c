/*
 * postqueue - the unprivileged user interface to the mail queue
 *
 *	postqueue [-v] [-c config_dir] -p	mailq listing
 *	postqueue [-v] [-c config_dir] -j	JSON listing
 *	postqueue [-v] [-c config_dir] -f	flush: deliver all queued mail
 *	postqueue [-v] [-c config_dir] -i queue_id	deliver one message now
 *	postqueue [-v] [-c config_dir] -s site	(fast flush; not available)
 *
 * Listings come from the showq(8) service over public/$showq_service_name
 * and are printed by postqueue_list.c. When that service does not answer
 * and the invoking user may read the queue (root, or the owner of a
 * non-root instance), showq is run directly, stand-alone, as Postfix
 * does for root ("Mail system is down -- accessing queue directly").
 *
 * -f writes Postfix's wakeup requests (F A D I: forget dead destinations,
 * ignore retry times, scan deferred and incoming) to public/qmgr. -i sets
 * the modification time of deferred/ID to now, which is the retry time
 * qmgr(8) looks at, then asks qmgr to scan the deferred queue.
 *
 * Privileges: postqueue may be installed set-gid setgid_group (postfix
 * set-permissions does that), so that it can reach public/. When it runs
 * set-gid for another user than root, a configuration directory other
 * than the default one is accepted only when the default main.cf lists it
 * in alternate_config_directories or multi_instance_directories, as with
 * Postfix, and -v is refused.
 *
 * Messages go to standard error and to the mail log. Exit status: 0, 1 on
 * errors, 69 (EX_UNAVAILABLE) when the mail system is down.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <sysexits.h>
#include <unistd.h>
#include <utime.h>

#include "msg.h"
#include "mymalloc.h"
#include "vstring.h"
#include "vstream.h"
#include "argv.h"
#include "stringops.h"
#include "proc.h"
#include "log_output.h"
#include "mail_conf.h"
#include "mail_connect.h"
#include "mail_queue.h"
#include "postlog_client.h"
#include "queue_id.h"
#include "postqueue.h"


#define PQ_MODE_NONE	0
#define PQ_MODE_LIST	1
#define PQ_MODE_JSON	2
#define PQ_MODE_FLUSH	3
#define PQ_MODE_ID	4
#define PQ_MODE_SITE	5

static void
usage(void)
{
	msg_fatal_status(EX_USAGE,
			 "usage: postqueue -f | postqueue -i queueid | "
			 "postqueue -j | postqueue -p | postqueue -s site");
}

/* 1 when dir is listed in the parameter's value (as loaded now). */
static int
listed_in(const char *param, const char *dir)
{
	ARGV   *list = argv_split(mail_conf_str(param), CHARS_COMMA_SP);
	size_t  i;
	int     found = 0;

	for (i = 0; i < list->len && !found; i++)
		found = strcmp(list->argv[i], dir) == 0;
	argv_free(list);
	return (found);
}

/*
 * Set-gid for an ordinary user: only the administrator's choice of
 * configuration directories, else a user could point us elsewhere.
 */
static void
check_config_dir(const char *config_dir)
{
	if (config_dir == NULL || strcmp(config_dir, DEF_CONFIG_DIR) == 0)
		return;
	if (getuid() == 0 || getegid() == getgid())
		return;
	mail_conf_init_flags(DEF_CONFIG_DIR, MAIL_CONF_FLAG_NONE);
	if (!listed_in("alternate_config_directories", config_dir)
	    && !listed_in("multi_instance_directories", config_dir))
		msg_fatal("%s: parameter alternate_config_directories or "
			  "multi_instance_directories in %s/main.cf does not "
			  "list the configuration directory %s",
			  msg_progname(), DEF_CONFIG_DIR, config_dir);
	mail_conf_reset();
}

/* 1 when this user may read the queue without the showq service. */
static int
may_read_queue(void)
{
	struct stat st;

	if (getuid() == 0)
		return (1);
	return (stat(MAIL_QUEUE_DEFERRED, &st) == 0 && st.st_uid == getuid());
}

/* Run showq stand-alone on one end of a socket pair; the other end. */
static VSTREAM *
showq_direct(pid_t *pid)
{
	VSTRING *path = vstring_alloc(100);
	int     sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		msg_fatal("socketpair: %m");
	vstring_sprintf(path, "%s/showq", mail_conf_str("daemon_directory"));
	switch (*pid = fork()) {
	case -1:
		msg_fatal("fork: %m");
	case 0:
		(void) close(sv[0]);
		if (dup2(sv[1], STDIN_FILENO) < 0 || dup2(sv[1], STDOUT_FILENO) < 0)
			msg_fatal("dup2: %m");
		if (sv[1] > STDOUT_FILENO)
			(void) close(sv[1]);
		/* No set-gid privilege for the daemon. */
		if (setgid(getgid()) < 0)
			msg_fatal("setgid: %m");
		if (setenv("MAIL_CONFIG", mail_conf_dir(), 1) < 0)
			msg_fatal("setenv: %m");
		execl(vstring_str(path), "showq", "-S", (char *) 0);
		msg_fatal("execute %s: %m", vstring_str(path));
	default:
		(void) close(sv[1]);
		vstring_free(path);
		return (vstream_fdopen(sv[0], O_RDWR));
	}
}

static void
show_queue(int format)
{
	VSTRING *why = vstring_alloc(100);
	VSTREAM *showq;
	VSTREAM *out;
	pid_t   pid = 0;
	int     status;
	long    timeout = mail_conf_time("ipc_timeout");

	showq = mail_connect("public", mail_conf_str("showq_service_name"),
			     (int) timeout, why);
	if (showq == NULL) {
		if (!may_read_queue())
			msg_fatal_status(EX_UNAVAILABLE,
				   "Queue report unavailable - mail system is down");
		msg_warn("Mail system is down -- accessing queue directly");
		showq = showq_direct(&pid);
	}
	vstream_set_timeout(showq, (int) timeout);
	out = vstream_fdopen(STDOUT_FILENO, O_WRONLY);
	status = postqueue_list(showq, out, format == PQ_MODE_JSON ?
				POSTQUEUE_FMT_JSON : POSTQUEUE_FMT_MAILQ, why);
	if (vstream_fflush(out) != 0)
		msg_fatal("write standard output: %m");
	(void) vstream_close(showq);
	if (pid > 0)
		(void) waitpid(pid, (int *) 0, 0);
	if (status < 0)
		msg_fatal_status(EX_UNAVAILABLE, "%s", vstring_str(why));
	(void) vstream_fdclose(out);
	vstring_free(why);
}

/* Wake up qmgr; fatal when nobody listens. */
static void
qmgr_wakeup(const char *req, size_t len)
{
	if (mail_trigger("public", mail_conf_str("queue_service_name"),
			 req, len) < 0)
		msg_fatal_status(EX_UNAVAILABLE,
				 "Cannot flush mail queue - mail system is down");
}

static void
flush_queue(void)
{
	static const char req[] = {
		QMGR_REQ_FLUSH_DEAD, QMGR_REQ_SCAN_ALL,
		QMGR_REQ_SCAN_DEFERRED, QMGR_REQ_SCAN_INCOMING,
	};

	qmgr_wakeup(req, sizeof(req));
}

static void
flush_message(ARGV *ids)
{
	static const char req[] = {QMGR_REQ_FLUSH_DEAD, QMGR_REQ_SCAN_DEFERRED};
	VSTRING *path = vstring_alloc(100);
	size_t  i;

	for (i = 0; i < ids->len; i++) {
		mail_queue_path(path, MAIL_QUEUE_DEFERRED, ids->argv[i]);
		if (utime(vstring_str(path), (struct utimbuf *) 0) < 0) {
			if (errno == ENOENT)
				msg_warn("%s: no such message in the deferred queue",
					 ids->argv[i]);
			else
				msg_fatal("%s: cannot schedule delivery: %s: %m",
					  ids->argv[i], vstring_str(path));
		}
	}
	vstring_free(path);
	qmgr_wakeup(req, sizeof(req));
}

int
main(int argc, char **argv)
{
	const char *config_dir = NULL;
	ARGV   *ids = argv_alloc(2);
	const char *site = NULL;
	int     mode = PQ_MODE_NONE;
	int     ch;

	(void) sane_std_fds();
	(void) sane_umask();
	(void) signal_set(SIGPIPE, SIG_DFL, 1);
	msg_stderr_init(argv[0]);
	argv[0] = (char *) msg_progname();

	while ((ch = getopt(argc, argv, "c:fi:jps:v")) > 0) {
		switch (ch) {
		case 'c':
			if (*optarg != '/')
				msg_fatal("-c requires absolute pathname");
			config_dir = optarg;
			break;
		case 'f':
		case 'j':
		case 'p':
		case 'i':
		case 's':
			if (mode != PQ_MODE_NONE
			    && !(mode == PQ_MODE_ID && ch == 'i'))
				usage();
			mode = ch == 'f' ? PQ_MODE_FLUSH : ch == 'j' ? PQ_MODE_JSON
			    : ch == 'p' ? PQ_MODE_LIST : ch == 'i' ? PQ_MODE_ID
			    : PQ_MODE_SITE;
			if (ch == 'i') {
				if (!queue_id_ok(optarg))
					msg_fatal_status(EX_USAGE, "bad mail queue ID: %s",
							 optarg);
				argv_add(ids, optarg);
			}
			if (ch == 's')
				site = optarg;
			break;
		case 'v':
			if (getuid() != 0 && getegid() != getgid())
				msg_fatal("-v option requires super-user privileges");
			msg_verbose++;
			break;
		default:
			usage();
		}
	}
	if (optind != argc || mode == PQ_MODE_NONE)
		usage();
	if (config_dir == NULL && (config_dir = getenv("MAIL_CONFIG")) != NULL
	    && *config_dir != '/')
		msg_fatal("MAIL_CONFIG requires absolute pathname");
	check_config_dir(config_dir);
	mail_conf_init_flags(config_dir, MAIL_CONF_FLAG_NONE);
	postlog_command_init("postqueue");
	if (chdir(mail_conf_str("queue_directory")) < 0)
		msg_fatal("chdir %s: %m", mail_conf_str("queue_directory"));

	switch (mode) {
	case PQ_MODE_LIST:
	case PQ_MODE_JSON:
		show_queue(mode);
		break;
	case PQ_MODE_FLUSH:
		flush_queue();
		break;
	case PQ_MODE_ID:
		flush_message(ids);
		break;
	case PQ_MODE_SITE:
		msg_fatal_status(EX_UNAVAILABLE, "Cannot flush mail queue for "
				 "site %s: the fast flush service is not "
				 "available", site);
	}
	argv_free(ids);
	return (0);
}
