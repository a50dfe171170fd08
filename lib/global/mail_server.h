#ifndef POSTERN_MAIL_SERVER_H
#define POSTERN_MAIL_SERVER_H

/*
 * mail_server - the skeleton every daemon started by master(8) runs
 *
 * A daemon's main() is one call:
 *
 *	int main(int argc, char **argv)
 *	{
 *		single_server_main(argc, argv, smtpd_service,
 *				   MAIL_SERVER_PRE_INIT, smtpd_pre_init,
 *				   MAIL_SERVER_POST_INIT, smtpd_post_init,
 *				   MAIL_SERVER_END);
 *	}
 *
 * The skeleton, in this order:
 *  1. sane_std_fds(), umask 022, SIGPIPE ignored, msg_stderr_init().
 *  2. parses the options master passes (master_proto.h) and the master.cf
 *     arguments: -o name=value (repeatable; applied with
 *     mail_conf_override() before any parameter is read), -S (stand-alone,
 *     below), -v, -d, -c, -u, -n, -t, -s; an unknown option is fatal.
 *  3. mail_conf_init_flags(MAIL_CONFIG or the default, MAIL_CONF_FLAG_NONE)
 *     and sets up logging: syslog_name/service to syslog, or, when
 *     maillog_file is set, to the postlog service (postlog_service_name,
 *     a unix-dgram socket in public/) so chrooted daemons can log; with
 *     -d or -S also to stderr. The service part of the ident is the
 *     program name ("smtpd"), as Postfix logs it.
 *  4. chdir(queue_directory) (fatal if impossible).
 *  5. calls MAIL_SERVER_PRE_INIT(service, argv): still privileged and not
 *     chrooted; open secrets and tables here.
 *  6. with -c: chroot(queue_directory); with -u, when running as root:
 *     switch to mail_owner (fatal: "mail_owner NAME: no such user" or
 *     "mail_owner must not be root ..."); not root: keeps its ids.
 *     MAIL_SERVER_PRIVILEGED keeps root (local, pipe), -u notwithstanding.
 *     Not root, -c is skipped (logged with -v): a user cannot chroot.
 *  7. calls MAIL_SERVER_POST_INIT(service, argv).
 *  8. reads max_use and max_idle (so init functions may override them)
 *     and serves until max_use requests/connections (0: unlimited; the
 *     -o max_use override applies), until max_idle seconds pass with
 *     nothing to do (MAIL_SERVER_SOLITARY daemons ignore both limits:
 *     qmgr stays resident), or until master goes away; then
 *     calls MAIL_SERVER_EXIT() and exits 0.
 *
 * Kinds:
 *	single_server_main() one connection at a time: accept, report
 *		busy, call service(stream, service, argv), close the
 *		stream (services never close it), report available. For
 *		"pass" services the accepted connection carries a
 *		descriptor (unix_recv_fd) and that descriptor is served.
 *		smtpd, cleanup, local, smtp.
 *	multi_server_main() many connections at once in the event loop:
 *		service() is called whenever a client stream has input and
 *		must handle exactly one request; the connection stays open
 *		until the client closes it or multi_server_disconnect().
 *		trivial-rewrite, anvil, showq.
 *	trigger_server_main() the listener receives short wakeup requests
 *		(fifo bytes, or a unix connection carrying a few bytes):
 *		trigger(buf, len, service, argv) per request; the event loop
 *		also runs timers the daemon registers. qmgr, pickup.
 *	dgram_server_main() a unix-dgram socket: trigger(buf, len, ...)
 *		per datagram. postlogd.
 *
 * Stand-alone mode (-S), for tests and fuzzing: no master, no status
 * pipe, no privileges changed; single_server_main() serves exactly one
 * connection on a VSTREAM made of stdin/stdout, then exits.
 *
 * Errors: a broken environment is fatal (exit 1; master restarts and
 * throttles); the service function reports peer errors on the wire.
 */

#include "vstream.h"

typedef void (*MAIL_SERVER_STREAM_FN)(VSTREAM *stream, const char *service,
				      char **argv);
typedef void (*MAIL_SERVER_TRIGGER_FN)(char *buf, size_t len,
				       const char *service, char **argv);
typedef void (*MAIL_SERVER_INIT_FN)(const char *service, char **argv);
typedef void (*MAIL_SERVER_EXIT_FN)(void);
typedef void (*MAIL_SERVER_ACCEPT_FN)(const char *service, char **argv);

/* Options, as (key, value) pairs after the service function. */
#define MAIL_SERVER_END		0
#define MAIL_SERVER_PRE_INIT	1	/* MAIL_SERVER_INIT_FN */
#define MAIL_SERVER_POST_INIT	2	/* MAIL_SERVER_INIT_FN */
#define MAIL_SERVER_EXIT	3	/* MAIL_SERVER_EXIT_FN */
#define MAIL_SERVER_PRE_ACCEPT	4	/* MAIL_SERVER_ACCEPT_FN, before each */
#define MAIL_SERVER_PRIVILEGED	5	/* no value: stay root */
#define MAIL_SERVER_SOLITARY	6	/* no value: never exits on max_idle */
#define MAIL_SERVER_IN_FLOW	7	/* reserved */

extern void single_server_main(int argc, char **argv,
			       MAIL_SERVER_STREAM_FN service, ...);
extern void multi_server_main(int argc, char **argv,
			      MAIL_SERVER_STREAM_FN service, ...);
extern void trigger_server_main(int argc, char **argv,
				MAIL_SERVER_TRIGGER_FN trigger, ...);
extern void dgram_server_main(int argc, char **argv,
			      MAIL_SERVER_TRIGGER_FN trigger, ...);

/* multi_server: close a client connection from inside service(). */
extern void multi_server_disconnect(VSTREAM *stream);

/* The service name (-n) and the program name, for log lines. */
extern const char *mail_server_service(void);

/* 1 when stand-alone (-S). */
extern int mail_server_standalone(void);

#endif
