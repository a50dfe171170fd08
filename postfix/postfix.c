/*
 * postfix - control the mail system: start, stop, check, ...
 *
 *	postfix [-Dv] [-c config_dir] command [name=value ...]
 *
 * Reads main.cf (from -c, else $MAIL_CONFIG, else the compiled-in
 * directory), then runs one command: start, start-fg, stop, abort,
 * reload, status, check, set-permissions or flush. The work Postfix does
 * in its postfix-script shell script is done here, in C, without a shell:
 * postfix_ctl.c talks to the master daemon, postfix_check.c and
 * postfix_dirs.c check and repair the installation. The man page
 * postfix(1) has the details.
 *
 * Messages: problems with the command line or main.cf are reported as
 * "postfix: fatal: ..." on standard error, as Postfix's postfix command
 * does. Everything the commands themselves say goes to standard error as
 * "postfix/postfix-script: ..." (with $syslog_name for "postfix") and to
 * the log: straight into $maillog_file when that is set, else to syslog,
 * with the ident $syslog_name/postfix-script.
 *
 * Exit status: 0 for success; 1 when the command failed, and for "status",
 * "stop", "abort" and "reload" when the mail system is not running.
 *
 * Privileges: run by root, the queue belongs to mail_owner and
 * setgid_group, both of which must exist and be unprivileged. Run by
 * another user, everything belongs to that user: mail_owner and
 * setgid_group do not apply (a warning says so when mail_owner names
 * someone else) and nothing is chowned. Postfix refuses to run for
 * anyone but root; postern allows it (DESIGN §5).
 */
#include <sys/types.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "msg.h"
#include "mymalloc.h"
#include "argv.h"
#include "vstring.h"
#include "stringops.h"
#include "log_output.h"
#include "proc.h"
#include "spawn.h"
#include "mail_conf.h"
#include "postlog_client.h"
#include "postfix.h"

extern char **environ;

#define POSTFIX_USAGE	"usage: %s [-c config_dir] [-Dv] command"
#define POSTFIX_COMMANDS "postfix start (or start-fg, stop, reload, abort, " \
	"flush, check, status, set-permissions)"

/* "postfix/postfix-script", the name in every message of a command. */
static char *script_ident;

static void
usage(const char *progname)
{
	msg_fatal(POSTFIX_USAGE, progname);
}

/* Standard error as Postfix's postlog writes it: no pid, no time. */
static void
script_stderr_output(int level, const char *text)
{
	fprintf(stderr, "%s: %s%s\n", script_ident, msg_level_prefix(level), text);
	fflush(stderr);
}

/* A main.cf directory must be absolute: we chdir, chown and exec there. */
static const char *
conf_dir_param(const char *name)
{
	const char *value = mail_conf_str(name);

	if (*value != '/')
		msg_fatal("file %s: parameter %s: value is not an absolute "
			  "pathname: %s", mail_conf_path(), name, value);
	return (value);
}

/* Who owns what: mail_owner and setgid_group as root, else ourselves. */
static void
load_owners(POSTFIX_ENV *env)
{
	struct passwd *pw;
	struct group *gr;
	const char *path = mail_conf_path();
	static char uid_buf[32];

	env->mail_owner = mail_conf_str("mail_owner");
	env->setgid_group = mail_conf_str("setgid_group");
	env->as_root = (getuid() == 0);
	if (!env->as_root) {
		env->root_uid = env->owner_uid = getuid();
		env->setgid_gid = getgid();
		if ((pw = getpwuid(getuid())) != NULL) {
			env->root_name = env->owner_name = mystrdup(pw->pw_name);
		} else {
			snprintf(uid_buf, sizeof(uid_buf), "%ld", (long) getuid());
			env->root_name = env->owner_name = uid_buf;
		}
		return;
	}
	env->root_uid = 0;
	env->root_name = "root";
	env->owner_name = env->mail_owner;
	if ((pw = getpwnam(env->mail_owner)) == NULL)
		msg_fatal("file %s: parameter mail_owner: unknown user name "
			  "value: %s", path, env->mail_owner);
	if (pw->pw_uid == 0)
		msg_fatal("file %s: parameter mail_owner: user %s has "
			  "privileged user ID", path, env->mail_owner);
	env->owner_uid = pw->pw_uid;
	if ((gr = getgrnam(env->setgid_group)) == NULL)
		msg_fatal("file %s: parameter setgid_group: unknown group name: "
			  "%s", path, env->setgid_group);
	if (gr->gr_gid == 0)
		msg_fatal("file %s: parameter setgid_group: group %s has "
			  "privileged group ID", path, env->setgid_group);
	/* Else every daemon could write where only postdrop may. */
	if (gr->gr_gid == pw->pw_gid)
		msg_fatal("file %s: parameters mail_owner and setgid_group: "
			  "user %s and group %s have the same group ID: %ld",
			  path, env->mail_owner, env->setgid_group,
			  (long) gr->gr_gid);
	env->setgid_gid = gr->gr_gid;
}

/* Everything the commands need from main.cf. */
static void
load_env(POSTFIX_ENV *env, int verbose)
{
	env->config_dir = mail_conf_dir();
	env->queue_dir = conf_dir_param("queue_directory");
	env->data_dir = conf_dir_param("data_directory");
	env->daemon_dir = conf_dir_param("daemon_directory");
	env->command_dir = conf_dir_param("command_directory");
	env->pid_dir = mail_conf_str("process_id_directory");
	env->verbose = verbose;
	load_owners(env);
}

/* maillog_file must be under one of $maillog_file_prefixes, as Postfix. */
static void
check_maillog_file(const char *path)
{
	VSTRING *why = vstring_alloc(100);

	if (postlog_path_allowed(path, mail_conf_str("maillog_file_prefixes"),
				 why) < 0)
		msg_fatal("%s", vstring_str(why));
	vstring_free(why);
}

/* From here on, messages go to stderr and the log, as the script's do. */
static void
log_init(void)
{
	const char *syslog_name = mail_conf_str("syslog_name");
	const char *maillog_file = mail_conf_str("maillog_file");
	VSTRING *why = vstring_alloc(100);
	VSTRING *ident = vstring_alloc(100);
	int     facility;

	if (*maillog_file != 0)
		check_maillog_file(maillog_file);
	vstring_sprintf(ident, "%s/postfix-script", syslog_name);
	script_ident = vstring_export(ident);
	msg_output_reset();
	msg_output(script_stderr_output);
	if (*maillog_file != 0) {
		msg_logfile_hostname(mail_conf_str("myhostname"));
		if (msg_logfile_init(maillog_file, syslog_name, "postfix-script",
				     why) < 0)
			msg_warn("cannot log to maillog_file: %s", vstring_str(why));
	} else {
		if ((facility = msg_syslog_facility(mail_conf_str("syslog_facility"))) < 0) {
			msg_warn("unknown syslog_facility: %s; using mail",
				 mail_conf_str("syslog_facility"));
			facility = LOG_MAIL;
		}
		msg_syslog_init(syslog_name, "postfix-script", facility);
	}
	vstring_free(why);
}

/* What every command needs in place; Postfix's messages. */
static void
check_installation(const POSTFIX_ENV *env)
{
	VSTRING *path = vstring_alloc(100);

	if (access(env->command_dir, X_OK) < 0)
		msg_fatal("no Postfix command directory %s!", env->command_dir);
	if (access(env->daemon_dir, X_OK) < 0)
		msg_fatal("no Postfix daemon directory %s!", env->daemon_dir);
	vstring_sprintf(path, "%s/master", env->daemon_dir);
	if (access(vstring_str(path), X_OK) < 0)
		msg_fatal("no Postfix master program %s!", vstring_str(path));
	if (access(env->config_dir, X_OK) < 0)
		msg_fatal("no Postfix configuration directory %s!", env->config_dir);
	vstring_free(path);
}

/* Not root: say so when main.cf names another mail_owner. */
static void
warn_not_root(const POSTFIX_ENV *env)
{
	if (!env->as_root && strcmp(env->mail_owner, env->owner_name) != 0)
		msg_warn("not running as root: mail_owner %s does not apply; "
			 "the mail system runs as %s", env->mail_owner,
			 env->owner_name);
}

/* "set-permissions name=value ...": update main.cf with postconf -e. */
static void
update_main_cf(POSTFIX_ENV *env, char **settings)
{
	VSTRING *path = vstring_alloc(100);
	VSTRING *out = vstring_alloc(100);
	VSTRING *why = vstring_alloc(100);
	ARGV   *argv = argv_alloc(10);
	int     status = 0;
	int     result;

	vstring_sprintf(path, "%s/postconf", env->command_dir);
	argv_add(argv, vstring_str(path));
	argv_add(argv, "-c");
	argv_add(argv, env->config_dir);
	argv_add(argv, "-e");
	for (; *settings != NULL; settings++) {
		if (strchr(*settings, '=') == NULL || **settings == '=')
			msg_fatal("set-permissions: expected name=value, not "
				  "'%s'", *settings);
		argv_add(argv, *settings);
	}
	result = spawn_command((const char *const *) argv->argv,
			       (const char *const *) environ, (uid_t) -1,
			       (gid_t) -1, 60, NULL, out, &status, why);
	if (vstring_len(out) > 0)
		fputs(vstring_str(out), stderr);
	if (result != SPAWN_STAT_EXITED || status != 0)
		msg_fatal("cannot update %s/main.cf: %s", env->config_dir,
			  vstring_str(why));
	/* Start over with the new values. */
	mail_conf_init_flags(env->config_dir, MAIL_CONF_FLAG_NONE);
	load_env(env, env->verbose);
	argv_free(argv);
	vstring_free(path);
	vstring_free(out);
	vstring_free(why);
}

/* "flush" is postqueue's job. */
static int
flush_queue(const POSTFIX_ENV *env)
{
	VSTRING *path = vstring_alloc(100);

	vstring_sprintf(path, "%s/postqueue", env->command_dir);
	if (access(vstring_str(path), X_OK) < 0)
		msg_fatal("flush: %s is not installed", vstring_str(path));
	execl(vstring_str(path), vstring_str(path), "-c", env->config_dir, "-f",
	      (char *) 0);
	msg_fatal("execute %s: %s", vstring_str(path), strerror(errno));
}

int
main(int argc, char **argv)
{
	POSTFIX_ENV env;
	const char *config_dir = NULL;
	const char *progname;
	const char *command;
	int     verbose = 0;
	int     errors;
	int     ch;

	(void) sane_std_fds();
	(void) sane_umask();
	msg_stderr_init(argv[0]);
	progname = msg_progname();
	argv[0] = (char *) progname;
	/* Like postfix-script: don't die when the terminal goes away. */
	(void) signal_set(SIGHUP, SIG_IGN, 1);
	if (getenv("MAIL_VERBOSE") != NULL)
		msg_verbose = 1;

	while ((ch = getopt(argc, argv, "c:Dv")) > 0) {
		switch (ch) {
		case 'c':
			if (*optarg != '/')
				msg_fatal("-c requires absolute pathname");
			config_dir = optarg;
			break;
		case 'D':
			/* debugger_command is not supported; see postfix(1). */
			break;
		case 'v':
			msg_verbose++;
			verbose++;
			break;
		default:
			usage(progname);
		}
	}
	if (config_dir == NULL && (config_dir = getenv("MAIL_CONFIG")) != NULL
	    && *config_dir != '/')
		msg_fatal("MAIL_CONFIG requires absolute pathname");
	command = optind < argc ? argv[optind++] : "";

	mail_conf_init_flags(config_dir, strcmp(command, "check") == 0 ?
			     MAIL_CONF_FLAG_CHECK : MAIL_CONF_FLAG_NONE);
	load_env(&env, verbose);

	/* The master and whatever we run find this instance again. */
	if (setenv("MAIL_CONFIG", env.config_dir, 1) < 0
	    || (verbose && setenv("MAIL_VERBOSE", "1", 1) < 0))
		msg_fatal("setenv: %s", strerror(errno));

	log_init();
	check_installation(&env);

	if (strcmp(command, "start") == 0) {
		warn_not_root(&env);
		exit(postfix_ctl_start(&env));
	} else if (strcmp(command, "start-fg") == 0) {
		warn_not_root(&env);
		exit(postfix_ctl_start_fg(&env));
	} else if (strcmp(command, "stop") == 0) {
		exit(postfix_ctl_stop(&env));
	} else if (strcmp(command, "abort") == 0) {
		exit(postfix_ctl_abort(&env));
	} else if (strcmp(command, "reload") == 0) {
		exit(postfix_ctl_reload(&env));
	} else if (strcmp(command, "status") == 0) {
		exit(postfix_ctl_status(&env));
	} else if (strcmp(command, "check") == 0) {
		warn_not_root(&env);
		postfix_check_fatal(&env);
		(void) postfix_check_warn(&env, POSTFIX_CHECK_ALL);
		exit(0);
	} else if (strcmp(command, "set-permissions") == 0) {
		if (optind < argc)
			update_main_cf(&env, argv + optind);
		warn_not_root(&env);
		errors = postfix_dirs_set_permissions(&env);
		errors += postfix_check_set_programs(&env);
		exit(errors ? 1 : 0);
	} else if (strcmp(command, "flush") == 0) {
		exit(flush_queue(&env));
	}
	msg_fatal("unknown command: '%s'. Usage: %s", command, POSTFIX_COMMANDS);
}
