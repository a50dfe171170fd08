#ifndef POSTERN_SENDMAIL_H
#define POSTERN_SENDMAIL_H

/*
 * sendmail - the Sendmail-compatible command line (sendmail(1))
 *
 *	sendmail.c		main: configuration, modes, running others
 *	sendmail_opts.c		the command line into a SENDMAIL_OPTS
 *	sendmail_queue.c	a message from stdin to postdrop(1)
 *
 * sendmail_opts_parse() reads argv (argv[0] chooses mailq/newaliases
 * mode) into opts; returns 0, or -1 with a usage problem in why (the
 * caller exits EX_USAGE). Recipients are the arguments after the
 * options; they are not parsed here. sendmail_opts_free() releases what
 * parse allocated.
 */
#include "argv.h"
#include "vstring.h"

/* Modes (-b...). */
#define SM_MODE_ENQUEUE		1	/* -bm: read a message (default) */
#define SM_MODE_MAILQ		2	/* -bp, mailq */
#define SM_MODE_NEWALIAS	3	/* -bi, -I, newaliases */
#define SM_MODE_SMTP		4	/* -bs: smtpd(8) on stdin/stdout */
#define SM_MODE_DAEMON		5	/* -bd, -bl: postfix start */
#define SM_MODE_FLUSH		6	/* -q, -qI, -qR */
#define SM_MODE_VERIFY		7	/* -bv (not supported) */
#define SM_MODE_IGNORE		8	/* -q<interval>: nothing to do */

/* -N: notify bits; 0 when not given. */
#define SM_NOTIFY_NEVER		(1 << 0)
#define SM_NOTIFY_SUCCESS	(1 << 1)
#define SM_NOTIFY_FAILURE	(1 << 2)
#define SM_NOTIFY_DELAY		(1 << 3)

typedef struct SENDMAIL_OPTS {
	int	mode;
	const char *config;		/* -C: directory or main.cf path */
	const char *sender;		/* -f/-r, NULL: the user */
	const char *full_name;		/* -F / -oF */
	const char *envid;		/* -V */
	const char *ret;		/* -R: "FULL" or "HDRS" */
	const char *body_type;		/* -B: "7bit" or "8bit" */
	const char *alias_db;		/* -oA */
	const char *flush_id;		/* -qI */
	const char *flush_site;		/* -qR */
	int	notify;			/* -N: SM_NOTIFY_* */
	int	extract;		/* -t */
	int	dot_ends;		/* a "." line ends input (no -i/-oi) */
	int	verbose;		/* -v count */
	ARGV   *recipients;		/* operands */
} SENDMAIL_OPTS;

extern int sendmail_opts_parse(SENDMAIL_OPTS *opts, int argc, char **argv,
			       VSTRING *why);
extern void sendmail_opts_free(SENDMAIL_OPTS *opts);

/* sendmail_queue.c: enqueue the message on stdin; returns an exit status. */
extern int sendmail_queue(const SENDMAIL_OPTS *opts, const char *config_dir);

#endif
