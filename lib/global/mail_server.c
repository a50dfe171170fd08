/*
 * mail_server - start-up and bookkeeping shared by every server kind
 *
 *	mail_server_init()	options, main.cf, logging, chdir, PRE_INIT,
 *				chroot and privileges, POST_INIT, limits
 *	mail_server_status()	one MASTER_STATUS record on the status pipe
 *	mail_server_watch_master() notice master going away
 *	mail_server_idle_start/_stop() the max_idle timer
 *	mail_server_done()	MAIL_SERVER_EXIT, then exit 0
 *	mail_server_listen_nonblock()/_disable() the inherited listeners
 *	mail_server_accept()	pre-accept hook and accept on a listener
 *	mail_server_pass_fd()	the client descriptor of a "pass" connection
 *	mail_server_standalone_stream()/_end() the -S stream on fds 0 and 1
 *	mail_server_service(), mail_server_standalone() (mail_server.h)
 *
 * The kinds themselves live in single_server.c, multi_server.c,
 * trigger_server.c and dgram_server.c. The order of start-up is the one
 * documented in mail_server.h. Limits (max_use, max_idle) are read after
 * POST_INIT, so a daemon may override them from its init functions with
 * mail_conf_override() (a resident daemon sets max_use to 0).
 *
 * Errors: a broken environment (bad option, unknown mail_owner, a
 * descriptor master should have passed) is fatal.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "msg.h"
#include "mymalloc.h"
#include "vstring.h"
#include "argv.h"
#include "events.h"
#include "iostuff.h"
#include "log_output.h"
#include "priv.h"
#include "proc.h"
#include "unix_sock.h"
#include "mail_conf.h"
#include "master_proto.h"
#include "postlog_client.h"
#include "mail_server.h"
#include "mail_server_priv.h"

#define MAIL_SERVER_STATUS_WAIT_MS	60000

static MAIL_SERVER_CTX *ms_ctx;
static unsigned ms_gen;			/* MASTER_GEN */
static int ms_status_fd = -1;		/* -1: stand-alone */
static MAIL_SERVER_EXIT_FN ms_exit_fn;
static void (*ms_gone_fn)(void);
static int ms_fifo_keep[64];		/* extra writers on inherited fifos */
static pid_t ms_relay_pid = -1;		/* -S relay between fds 0/1 */

const char *
mail_server_service(void)
{
	return (ms_ctx != NULL ? ms_ctx->service : msg_progname());
}

int
mail_server_standalone(void)
{
	return (ms_ctx != NULL && ms_ctx->standalone);
}

static void __attribute__((noreturn))
mail_server_usage(void)
{
	msg_fatal("usage: %s [-cdSuv] [-n service] [-t type] [-s count] "
		  "[-o name=value]... [argument...]", msg_progname());
}

/* Logging (step 3): postlog/maillog_file or syslog, stderr with -d/-S. */
static void
mail_server_log_init(MAIL_SERVER_CTX *ctx, int debug, char *argv0)
{
	const char *syslog_name = mail_conf_str("syslog_name");
	const char *maillog = mail_conf_str("maillog_file");
	const char *facility_name = mail_conf_str("syslog_facility");
	const char *prog = msg_progname();
	VSTRING *why = vstring_alloc(100);
	int     facility;
	int     self_postlog;

	if ((facility = msg_syslog_facility(facility_name)) < 0)
		msg_fatal("unknown syslog_facility value: %s", facility_name);
	msg_output_reset();
	if (debug || ctx->standalone)
		msg_stderr_init(argv0);
	if (*maillog == 0) {
		msg_syslog_init(syslog_name, prog, facility);
	} else {

		/*
		 * The postlog service itself writes its own lines straight to
		 * the file instead of sending them to itself. When the file
		 * is not allowed it logs to syslog and stderr; postlogd then
		 * refuses to start with the reason.
		 */
		self_postlog = (ctx->kind == MAIL_SERVER_KIND_DGRAM
			 && strcmp(ctx->service,
				   mail_conf_str("postlog_service_name")) == 0);
		if (self_postlog) {
			if (postlog_path_allowed(maillog,
				      mail_conf_str("maillog_file_prefixes"),
						 why) < 0
			    || msg_logfile_init(maillog, syslog_name, prog,
						why) < 0) {
				msg_syslog_init(syslog_name, prog, facility);
				msg_stderr_init(argv0);
			} else {
				msg_logfile_hostname(mail_conf_str("myhostname"));
			}
		} else if (postlog_client_init(syslog_name, prog, why) < 0) {
			msg_syslog_init(syslog_name, prog, facility);
			msg_stderr_init(argv0);
			msg_warn("cannot log to maillog_file: %s; "
				 "logging to syslog", vstring_str(why));
		}
	}
	vstring_free(why);
}

/* Descriptors master must have passed (fds 3, 4..). */
static void
mail_server_check_fds(MAIL_SERVER_CTX *ctx)
{
	struct stat st;
	char    path[64];
	int     fd;
	int     keep;
	int     i;

	if (fstat(MASTER_STATUS_FD, &st) < 0)
		msg_fatal("status descriptor %d is not open: %s (started "
			  "without master(8)? use -S to run stand-alone)",
			  MASTER_STATUS_FD, strerror(errno));
	ms_status_fd = MASTER_STATUS_FD;
	(void) close_on_exec(ms_status_fd, CLOSE_ON_EXEC);
	for (i = 0; i < ctx->listen_count; i++) {
		fd = MASTER_LISTEN_FD + i;
		if (fstat(fd, &st) < 0)
			msg_fatal("listen descriptor %d is not open: %s",
				  fd, strerror(errno));
		(void) close_on_exec(fd, CLOSE_ON_EXEC);

		/*
		 * A fifo opened read-only reports end of file, for ever,
		 * once its last writer closes. Holding a writer of our own
		 * (reopened through /proc before any chroot) prevents that.
		 */
		if (S_ISFIFO(st.st_mode) && i < (int) (sizeof(ms_fifo_keep)
						    / sizeof(ms_fifo_keep[0]))
		    && (fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDONLY) {
			snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
			keep = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
			if (keep < 0)
				msg_warn("cannot keep fifo descriptor %d open "
					 "for writing: %s", fd, strerror(errno));
			ms_fifo_keep[i] = keep;
		}
	}
}

/* Step 6: chroot and mail_owner. */
static void
mail_server_drop_privileges(int unpriv, int do_chroot, int privileged)
{
	const char *owner = mail_conf_str("mail_owner");
	const char *queue_dir = mail_conf_str("queue_directory");
	uid_t   uid = 0;
	gid_t   gid = 0;
	VSTRING *why = vstring_alloc(100);

	/* Look mail_owner up while /etc/passwd is in sight. */
	if (unpriv && !privileged) {
		if (get_user_ids(owner, &uid, &gid, why) < 0)
			msg_fatal("file %s: parameter mail_owner: "
				  "unknown user name value: %s",
				  mail_conf_path(), owner);
		if (uid == 0)
			msg_fatal("file %s: parameter mail_owner: user %s has "
				  "privileged user ID", mail_conf_path(), owner);
		if (gid == 0)
			msg_fatal("file %s: parameter mail_owner: user %s has "
				  "privileged group ID", mail_conf_path(), owner);
	}
	vstring_free(why);
	if (do_chroot) {
		if (geteuid() == 0) {
			if (chroot(queue_dir) < 0)
				msg_fatal("chroot(%s): %s", queue_dir,
					  strerror(errno));
			if (chdir("/") < 0)
				msg_fatal("chdir(/) in %s: %s", queue_dir,
					  strerror(errno));
		} else if (msg_verbose) {
			msg_info("not running as root: no chroot to %s",
				 queue_dir);
		}
	}
	if (unpriv && !privileged && geteuid() == 0)
		set_ugid(uid, gid);
}

void
mail_server_init(MAIL_SERVER_CTX *ctx, int kind, int argc, char **argv,
		 va_list ap)
{
	MAIL_SERVER_INIT_FN pre_init = NULL;
	MAIL_SERVER_INIT_FN post_init = NULL;
	ARGV   *overrides = argv_alloc(4);
	const char *env;
	char   *end;
	char   *eq;
	int     privileged = 0;
	int     unpriv = 0;
	int     do_chroot = 0;
	int     debug = 0;
	int     verbose = 0;
	int     key;
	int     ch;
	long    count;
	size_t  i;

	memset(ctx, 0, sizeof(*ctx));
	ctx->kind = kind;
	ctx->listen_count = 1;
	ms_ctx = ctx;
	for (i = 0; i < sizeof(ms_fifo_keep) / sizeof(ms_fifo_keep[0]); i++)
		ms_fifo_keep[i] = -1;

	/* Step 1: a sane process. */
	(void) sane_std_fds();
	(void) sane_umask();
	(void) signal_ignore_pipe();
	(void) signal_set(SIGXFSZ, SIG_IGN, 1);
	(void) signal_set(SIGTERM, SIG_DFL, 1);
	(void) signal_set(SIGHUP, SIG_DFL, 1);
	(void) signal_set(SIGCHLD, SIG_DFL, 1);
	msg_stderr_init(argv[0]);

	for (;;) {
		key = va_arg(ap, int);
		if (key == MAIL_SERVER_END)
			break;
		switch (key) {
		case MAIL_SERVER_PRE_INIT:
			pre_init = va_arg(ap, MAIL_SERVER_INIT_FN);
			break;
		case MAIL_SERVER_POST_INIT:
			post_init = va_arg(ap, MAIL_SERVER_INIT_FN);
			break;
		case MAIL_SERVER_EXIT:
			ms_exit_fn = va_arg(ap, MAIL_SERVER_EXIT_FN);
			break;
		case MAIL_SERVER_PRE_ACCEPT:
			ctx->pre_accept = va_arg(ap, MAIL_SERVER_ACCEPT_FN);
			break;
		case MAIL_SERVER_PRIVILEGED:
			privileged = 1;
			break;
		case MAIL_SERVER_SOLITARY:
			ctx->solitary = 1;
			break;
		case MAIL_SERVER_IN_FLOW:
			break;
		default:
			msg_panic("mail_server: unknown option key %d", key);
		}
	}

	/* Step 2: master's options, then the master.cf arguments. */
	opterr = 0;
	while ((ch = getopt(argc, argv, "+cdn:o:s:St:uv")) != -1) {
		switch (ch) {
		case 'c':
			do_chroot = 1;
			break;
		case 'd':
			debug = 1;
			break;
		case 'n':
			ctx->service = optarg;
			break;
		case 'o':
			argv_add(overrides, optarg);
			break;
		case 's':
			errno = 0;
			count = strtol(optarg, &end, 10);
			if (errno != 0 || *end != 0 || end == optarg
			    || count < 1 || count > 1000)
				msg_fatal("bad listener count: -s %s", optarg);
			ctx->listen_count = (int) count;
			break;
		case 'S':
			ctx->standalone = 1;
			break;
		case 't':
			ctx->transport = optarg;
			break;
		case 'u':
			unpriv = 1;
			break;
		case 'v':
			verbose++;
			break;
		default:
			mail_server_usage();
		}
	}
	ctx->argv = argv + optind;
	if (ctx->service == NULL)
		ctx->service = msg_progname();
	if ((env = getenv(MASTER_GEN_NAME)) != NULL)
		ms_gen = (unsigned) strtoul(env, (char **) 0, 0);

	/* Step 3: main.cf, -o overrides (they win), logging. */
	mail_conf_init_flags((const char *) 0, MAIL_CONF_FLAG_NONE);
	mail_conf_override("service_name", ctx->service);
	for (i = 0; i < overrides->len; i++) {
		if ((eq = strchr(overrides->argv[i], '=')) == NULL
		    || eq == overrides->argv[i])
			msg_fatal("bad -o option: \"%s\": need name=value",
				  overrides->argv[i]);
		*eq = 0;
		mail_conf_override(overrides->argv[i], eq + 1);
		*eq = '=';
	}
	argv_free(overrides);
	msg_verbose = verbose;
	mail_server_log_init(ctx, debug, argv[0]);

	if (!ctx->standalone) {
		if (ctx->transport == NULL)
			msg_fatal("no transport type specified (-t)");
		mail_server_check_fds(ctx);
	}

	/* Step 4. */
	if (chdir(mail_conf_str("queue_directory")) < 0)
		msg_fatal("chdir(\"%s\"): %s", mail_conf_str("queue_directory"),
			  strerror(errno));

	/* Steps 5-7. */
	if (pre_init != NULL)
		pre_init(ctx->service, ctx->argv);
	if (!ctx->standalone)
		mail_server_drop_privileges(unpriv, do_chroot, privileged);
	if (post_init != NULL)
		post_init(ctx->service, ctx->argv);

	ctx->max_use = mail_conf_int("max_use");
	ctx->max_idle = mail_conf_time("max_idle");
	if (ctx->solitary) {
		ctx->max_use = 0;
		ctx->max_idle = 0;
	}
	if (msg_verbose)
		msg_info("daemon started: service %s type %s max_use %ld "
			 "max_idle %ld", ctx->service,
			 ctx->transport ? ctx->transport : "(stand-alone)",
			 ctx->max_use, ctx->max_idle);
}

int
mail_server_status(int avail)
{
	MASTER_STATUS rec;
	ssize_t n;

	if (ms_status_fd < 0 || ms_ctx->master_gone)
		return (ms_status_fd < 0 ? 0 : -1);
	memset(&rec, 0, sizeof(rec));
	rec.pid = (int) getpid();
	rec.gen = ms_gen;
	rec.avail = avail;
	/*
	 * The pipe is shared with master and siblings and may be
	 * non-blocking; a full pipe (master busy) is waited for, not taken
	 * for master's death.
	 */
	while ((n = write(ms_status_fd, &rec, sizeof(rec))) < 0
	       && (errno == EINTR || ((errno == EAGAIN || errno == EWOULDBLOCK)
			  && write_wait(ms_status_fd, MAIL_SERVER_STATUS_WAIT_MS) == 0)))
		 /* retry */ ;
	if (n != (ssize_t) sizeof(rec)) {
		if (msg_verbose)
			msg_info("status update to master failed: %s",
				 n < 0 ? strerror(errno) : "short write");
		ms_ctx->master_gone = 1;
		return (-1);
	}
	return (0);
}

static void
mail_server_master_event(int event, void *context)
{
	(void) event;
	(void) context;

	/* The write end of a pipe polls as error once nobody reads it. */
	event_disable_readwrite(ms_status_fd);
	ms_ctx->master_gone = 1;
	if (msg_verbose)
		msg_info("master disconnect");
	if (ms_gone_fn != NULL)
		ms_gone_fn();
	else
		mail_server_done();
}

void
mail_server_watch_master(void (*gone_fn)(void))
{
	ms_gone_fn = gone_fn;
	if (ms_status_fd >= 0)
		event_enable_read(ms_status_fd, mail_server_master_event, NULL);
}

static void
mail_server_idle_event(int event, void *context)
{
	(void) event;
	(void) context;
	if (msg_verbose)
		msg_info("idle timeout -- exiting");
	mail_server_done();
}

void
mail_server_idle_start(void)
{
	long    ms;

	if (ms_ctx->max_idle <= 0 || ms_ctx->standalone)
		return;
	ms = ms_ctx->max_idle > INT_MAX / 1000 ? INT_MAX : ms_ctx->max_idle * 1000;
	event_request_timer(mail_server_idle_event, NULL, (int) ms);
}

void
mail_server_idle_stop(void)
{
	event_cancel_timer(mail_server_idle_event, NULL);
}

void
mail_server_done(void)
{
	if (ms_exit_fn != NULL)
		ms_exit_fn();
	mail_server_standalone_end();
	exit(0);
}

void
mail_server_listen_nonblock(EVENT_FN cb)
{
	int     i;
	int     fd;

	for (i = 0; i < ms_ctx->listen_count; i++) {
		fd = MASTER_LISTEN_FD + i;
		if (non_blocking(fd, NON_BLOCKING) < 0)
			msg_fatal("listen descriptor %d: %s", fd, strerror(errno));
		event_enable_read(fd, cb, (void *) (long) fd);
	}
}

void
mail_server_listen_disable(void)
{
	int     i;

	for (i = 0; i < ms_ctx->listen_count; i++)
		event_disable_readwrite(MASTER_LISTEN_FD + i);
}

/* Accept failures that only mean "someone else got it" or a flaky peer. */
static int
mail_server_accept_transient(int err)
{
	return (err == EAGAIN || err == EWOULDBLOCK || err == EINTR
		|| err == ECONNABORTED || err == EPROTO || err == ECONNRESET);
}

int
mail_server_accept(int listen_fd)
{
	int     fd;

	if (ms_ctx->pre_accept != NULL)
		ms_ctx->pre_accept(ms_ctx->service, ms_ctx->argv);
	if ((fd = unix_accept(listen_fd)) < 0
	    && !mail_server_accept_transient(errno))
		msg_warn("accept connection: %s", strerror(errno));
	return (fd);
}

int
mail_server_pass_fd(int fd)
{
	int     client_fd = unix_recv_fd(fd);
	int     saved_errno = errno;

	(void) close(fd);
	if (client_fd < 0)
		msg_warn("receive connection from master: %s",
			 strerror(saved_errno));
	return (client_fd);
}

/*
 * The -S relay: copies fd 0 to the socket and the socket to fd 1 until
 * the daemon closes its end. Used only when fds 0 and 1 are not one
 * read-write socket or terminal (a VSTREAM has a single descriptor).
 */
static void __attribute__((noreturn))
mail_server_relay(int sock)
{
	struct pollfd pfd[2];
	char    buf[8192];
	ssize_t n;
	int     in_open = 1;

	for (;;) {
		pfd[0].fd = in_open ? 0 : -1;
		pfd[0].events = POLLIN;
		pfd[1].fd = sock;
		pfd[1].events = POLLIN;
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			_exit(1);
		}
		if (pfd[1].revents) {
			if ((n = read(sock, buf, sizeof(buf))) <= 0)
				_exit(0);
			if (write_buf(1, buf, (size_t) n, -1) < 0)
				_exit(1);
		}
		if (in_open && pfd[0].revents) {
			if ((n = read(0, buf, sizeof(buf))) <= 0) {
				in_open = 0;
				(void) shutdown(sock, SHUT_WR);
			} else if (write_buf(sock, buf, (size_t) n, -1) < 0) {
				in_open = 0;
			}
		}
	}
}

static int
mail_server_same_rw_file(void)
{
	struct stat st0;
	struct stat st1;
	int     fl;

	if (fstat(0, &st0) < 0 || fstat(1, &st1) < 0)
		return (0);
	if ((fl = fcntl(0, F_GETFL)) < 0 || (fl & O_ACCMODE) != O_RDWR)
		return (0);
	return ((S_ISSOCK(st0.st_mode) || S_ISCHR(st0.st_mode))
		&& st0.st_dev == st1.st_dev && st0.st_ino == st1.st_ino);
}

VSTREAM *
mail_server_standalone_stream(void)
{
	int     sv[2];
	int     null_fd;

	if (mail_server_same_rw_file())
		return (vstream_fdopen(0, O_RDWR));
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		msg_fatal("socketpair: %s", strerror(errno));
	switch (ms_relay_pid = fork()) {
	case -1:
		msg_fatal("fork: %s", strerror(errno));
	case 0:
		(void) close(sv[0]);
		mail_server_relay(sv[1]);
	default:
		(void) close(sv[1]);
		/* Only the relay holds the real stdin/stdout now. */
		if ((null_fd = open("/dev/null", O_RDWR)) >= 0) {
			(void) dup2(null_fd, 0);
			(void) dup2(null_fd, 1);
			if (null_fd > 1)
				(void) close(null_fd);
		}
		return (vstream_fdopen(sv[0], O_RDWR));
	}
}

void
mail_server_standalone_end(void)
{
	int     status;

	if (ms_relay_pid > 0) {
		while (waitpid(ms_relay_pid, &status, 0) < 0 && errno == EINTR)
			 /* retry */ ;
		ms_relay_pid = -1;
	}
}
