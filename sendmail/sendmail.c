/*
 * sendmail - Sendmail-compatible interface (also mailq and newaliases)
 *
 *	sendmail [options] [recipient ...]
 *	mailq
 *	newaliases
 *
 * The configuration comes from -C (main.cf's directory, or main.cf
 * itself), else $MAIL_CONFIG, else the compiled-in directory; it is
 * passed on to every program run from here as MAIL_CONFIG and, where the
 * program takes it, as -c. Modes (sendmail(1) has the details):
 *
 *	enqueue (-bm, default)	sendmail_queue.c: the message on stdin goes
 *				to $command_directory/postdrop as maildrop
 *				records (maildrop.h); postdrop's failure
 *				becomes our exit status.
 *	-bp, mailq		exec postqueue -p
 *	-q, -qI, -qR		exec postqueue -f, -i ID, -s SITE
 *	-bi, -I, newaliases	postalias for each alias_database entry (or
 *				the -oA database)
 *	-bs			exec $daemon_directory/smtpd -S: SMTP on
 *				stdin/stdout
 *	-bd, -bl		exec postfix start
 *
 * sendmail needs no privilege: postdrop is set-gid. Exit statuses are
 * sysexits(3): EX_USAGE for a bad command line, EX_TEMPFAIL when the
 * message could not be queued, EX_UNAVAILABLE for a mode we do not have.
 */
#include <sys/types.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "msg.h"
#include "mymalloc.h"
#include "argv.h"
#include "vstring.h"
#include "stringops.h"
#include "proc.h"
#include "mail_conf.h"
#include "maildrop.h"
#include "sendmail.h"

static const char *
base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return (slash ? slash + 1 : path);
}

/* -C names a directory or the main.cf file in it. */
static char *
config_from_option(const char *path)
{
	struct stat st;
	char   *dir;
	char   *slash;

	if (*path != '/')
		msg_fatal_status(EX_USAGE, "-C requires absolute pathname");
	dir = mystrdup(path);
	if (stat(path, &st) == 0 && !S_ISDIR(st.st_mode)
	    && (slash = strrchr(dir, '/')) != NULL) {
		if (slash == dir)
			slash[1] = 0;
		else
			*slash = 0;
	}
	return (dir);
}

/* Replace this process with a program; never returns. */
static void
exec_program(char **args)
{
	execv(args[0], args);
	msg_fatal_status(EX_UNAVAILABLE, "execute %s: %s", args[0],
			 strerror(errno));
}

/* Run a program and wait; its exit status (EX_TEMPFAIL when signaled). */
static int
run_wait(char **args)
{
	pid_t   pid;
	int     status;

	if ((pid = fork()) < 0)
		msg_fatal_status(EX_TEMPFAIL, "fork: %s", strerror(errno));
	if (pid == 0) {
		execv(args[0], args);
		msg_fatal_status(EX_UNAVAILABLE, "execute %s: %s", args[0],
				 strerror(errno));
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			msg_fatal_status(EX_TEMPFAIL, "waitpid: %s", strerror(errno));
	if (WIFEXITED(status))
		return (WEXITSTATUS(status));
	return (EX_TEMPFAIL);
}

/* newaliases: postalias each database. */
static int
newaliases(const SENDMAIL_OPTS *opts, const char *config_dir)
{
	char   *list = mystrdup(opts->alias_db ? opts->alias_db :
				mail_conf_str("alias_database"));
	char   *cp = list;
	char   *db;
	VSTRING *path = vstring_alloc(100);
	int     status = 0;
	int     rc;

	vstring_sprintf(path, "%s/postalias", mail_conf_str("command_directory"));
	while ((db = mystrtok(&cp, CHARS_COMMA_SP)) != NULL) {
		char   *args[] = {vstring_str(path), (char *) "-c",
		(char *) config_dir, db, NULL};

		if ((rc = run_wait(args)) != 0 && status == 0)
			status = rc;
	}
	vstring_free(path);
	myfree(list);
	return (status);
}

int
main(int argc, char **argv)
{
	SENDMAIL_OPTS opts;
	/* Static: they live until exit(), which most paths below call. */
	static VSTRING *why;
	static VSTRING *path;
	static char *config_dir;
	const char *progname = argc > 0 ? base_name(argv[0]) : "sendmail";
	const char *env_dir;

	why = vstring_alloc(100);
	path = vstring_alloc(100);
	(void) sane_std_fds();
	(void) umask(022);
	msg_stderr_init(progname);
	if (getenv("MAIL_VERBOSE") != NULL)
		msg_verbose = 1;

	if (sendmail_opts_parse(&opts, argc, argv, why) < 0)
		msg_fatal_status(EX_USAGE, "%s; usage: %s [options] "
				 "[recipient ...]", vstring_str(why), progname);
	if (opts.verbose > 1)
		msg_verbose += opts.verbose - 1;
	if (opts.config != NULL)
		config_dir = config_from_option(opts.config);
	else if ((env_dir = getenv("MAIL_CONFIG")) != NULL && *env_dir)
		config_dir = mystrdup(env_dir);
	mail_conf_init_flags(config_dir, MAIL_CONF_FLAG_NONE);
	maildrop_log_init(progname);
	/* Everything run from here finds the same configuration. */
	if (setenv("MAIL_CONFIG", mail_conf_dir(), 1) < 0)
		msg_fatal_status(EX_TEMPFAIL, "setenv: %s", strerror(errno));

	switch (opts.mode) {
	case SM_MODE_ENQUEUE:
		exit(sendmail_queue(&opts, mail_conf_dir()));
	case SM_MODE_MAILQ:{
			char   *args[] = {NULL, (char *) "-c",
			(char *) mail_conf_dir(), (char *) "-p", NULL};

			vstring_sprintf(path, "%s/postqueue",
					mail_conf_str("command_directory"));
			args[0] = vstring_str(path);
			exec_program(args);
		}
		break;
	case SM_MODE_FLUSH:{
			char   *args[] = {NULL, (char *) "-c",
			(char *) mail_conf_dir(), (char *) "-f", NULL, NULL};

			vstring_sprintf(path, "%s/postqueue",
					mail_conf_str("command_directory"));
			args[0] = vstring_str(path);
			if (opts.flush_id) {
				args[3] = (char *) "-i";
				args[4] = (char *) opts.flush_id;
			} else if (opts.flush_site) {
				args[3] = (char *) "-s";
				args[4] = (char *) opts.flush_site;
			}
			exec_program(args);
		}
		break;
	case SM_MODE_NEWALIAS:
		exit(newaliases(&opts, mail_conf_dir()));
	case SM_MODE_SMTP:{
			char   *args[] = {NULL, (char *) "-S", NULL};

			vstring_sprintf(path, "%s/smtpd",
					mail_conf_str("daemon_directory"));
			args[0] = vstring_str(path);
			exec_program(args);
		}
		break;
	case SM_MODE_DAEMON:{
			char   *args[] = {NULL, (char *) "-c",
			(char *) mail_conf_dir(), (char *) "start", NULL};

			vstring_sprintf(path, "%s/postfix",
					mail_conf_str("command_directory"));
			args[0] = vstring_str(path);
			exec_program(args);
		}
		break;
	case SM_MODE_VERIFY:
		msg_fatal_status(EX_UNAVAILABLE, "-bv is not supported");
	case SM_MODE_IGNORE:
		exit(0);
	default:
		msg_panic("unknown mode %d", opts.mode);
	}
	return (0);
}
