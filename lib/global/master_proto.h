#ifndef POSTERN_MASTER_PROTO_H
#define POSTERN_MASTER_PROTO_H

/*
 * master_proto - the contract between master(8) and the daemons it forks
 *
 * This header is the whole interface; master/ implements the parent side,
 * lib/global/mail_server.c the child side. Nothing else may depend on it.
 *
 * Descriptors a child inherits (everything else is closed):
 *	0, 1, 2			master's own: /dev/null unless master runs with
 *				-d (stderr), -s or -i (stdout, for
 *				maillog_file = /dev/stdout)
 *	MASTER_STATUS_FD	write end of the service's status pipe
 *	MASTER_LISTEN_FD ..	MASTER_LISTEN_FD + count - 1: the listening
 *				sockets (or fifo) of the service, in the
 *				order master opened them; count is "-s".
 *
 * Environment: MAIL_CONFIG (the configuration directory master uses),
 * MAIL_LOGTAG (syslog_name), TZ and LANG copied from master's, and
 * whatever import_environment names; nothing else.
 *
 * Command line: argv[0] is the command name from master.cf; then, in this
 * order, the options master adds and the master.cf arguments:
 *	-n service	the service name, first column (e.g. "smtp",
 *			"127.0.0.1:2525", "cleanup")
 *	-t type		inet, unix, unix-dgram, fifo or pass
 *	-s count	number of listening descriptors inherited
 *	-u		the unpriv column is y: switch to mail_owner
 *	-c		the chroot column is y: chroot to queue_directory
 *	-v		once per master -v (verbose logging)
 *	-d		master runs with -d (keep stderr; log to it too)
 *	...		the master.cf arguments, e.g. "-o name=value"
 *
 * Status pipe: a child writes one MASTER_STATUS record (a single write(),
 * smaller than PIPE_BUF, so records never interleave) when it becomes
 * available (after start-up and after each completed connection or
 * request) and when it becomes busy (just before it serves a connection).
 * Master counts available processes per service and forks a new one
 * when a listener is readable and none is available (up to maxproc;
 * 0 means no limit). "gen" is the generation master put in the child's
 * environment as MASTER_GEN so that records of an old generation
 * (before a reload) are recognised; children copy it back unchanged.
 * A child that exits without ever reporting available counts as a
 * start-up failure for throttling.
 *
 * Wakeup: for services with a wakeup time, master writes the one byte
 * MASTER_TRIGGER_WAKEUP to the service every wakeup seconds: a fifo is
 * written to, a unix service is connected to (the byte is written and
 * the connection closed). Services served by trigger_server_main()
 * receive it as a trigger.
 *
 * Signals to a child: SIGTERM ends it at once (master stop, service
 * removed by reload). When master goes away the status pipe's read end
 * closes; children notice (the write end polls as error) and exit after
 * their current connection.
 */

#include <sys/types.h>

#define MASTER_STATUS_FD	3
#define MASTER_LISTEN_FD	4

#define MASTER_STAT_TAKEN	0	/* busy: serving a connection */
#define MASTER_STAT_AVAIL	1	/* idle: ready to accept */

typedef struct MASTER_STATUS {
	int	pid;			/* the child's pid */
	unsigned gen;			/* MASTER_GEN from the environment */
	int	avail;			/* MASTER_STAT_TAKEN or _AVAIL */
} MASTER_STATUS;

#define MASTER_GEN_NAME		"MASTER_GEN"	/* environment variable */

#define MASTER_TRIGGER_WAKEUP	'W'	/* periodic wakeup */

/* Where unix, unix-dgram and fifo services live, relative to
 * queue_directory: "public/NAME" when the private column is n, else
 * "private/NAME". */
#define MAIL_CLASS_PUBLIC	"public"
#define MAIL_CLASS_PRIVATE	"private"

#endif
