#ifndef POSTERN_POSTFIX_H
#define POSTERN_POSTFIX_H

/*
 * postfix.h - what the parts of the postfix(1) command share
 *
 * postfix.c reads main.cf into a POSTFIX_ENV and dispatches the command;
 * postfix_dirs.c creates, checks and repairs the queue and data
 * directories; postfix_check.c holds the other checks (master.cf, the
 * configuration tree, the set-gid programs); postfix_ctl.c talks to the
 * master daemon (start, stop, status, ...).
 *
 * Messages go through msg(3), which postfix.c points at standard error
 * ("postfix/postfix-script: ...") and the log. Functions here report
 * trouble with msg_warn() and return a count or status; only the command
 * functions in postfix_ctl.c exit.
 */
#include <sys/types.h>

/* Everything the commands need from main.cf and the process. */
typedef struct POSTFIX_ENV {
	const char *config_dir;		/* -c, $MAIL_CONFIG or the default */
	const char *queue_dir;		/* queue_directory */
	const char *data_dir;		/* data_directory */
	const char *daemon_dir;		/* daemon_directory */
	const char *command_dir;	/* command_directory */
	const char *pid_dir;		/* process_id_directory: "pid" */
	const char *mail_owner;		/* mail_owner, as configured */
	const char *setgid_group;	/* setgid_group, as configured */
	int     as_root;		/* real user ID 0: owners are set */
	uid_t   root_uid;		/* owner of root's dirs: 0, or us */
	uid_t   owner_uid;		/* owner of the queue: mail_owner, or us */
	gid_t   setgid_gid;		/* group of public, maildrop (as_root) */
	const char *root_name;		/* "root", or our login, for messages */
	const char *owner_name;		/* mail_owner, or our login */
	int     verbose;		/* -v count, passed on to master */
} POSTFIX_ENV;

/* postfix_dirs.c */
extern void postfix_dirs_create(const POSTFIX_ENV *env);
extern int postfix_dirs_warn(const POSTFIX_ENV *env);
extern int postfix_dirs_set_permissions(const POSTFIX_ENV *env);
extern int postfix_dirs_warn_tree(const POSTFIX_ENV *env, const char *path);

/* postfix_check.c */
extern void postfix_check_fatal(const POSTFIX_ENV *env);
#define POSTFIX_CHECK_ALL	1	/* also main.cf values, programs */
extern int postfix_check_warn(const POSTFIX_ENV *env, int all);
extern int postfix_check_set_programs(const POSTFIX_ENV *env);

/* postfix_ctl.c: each returns the command's exit status. */
extern int postfix_ctl_start(const POSTFIX_ENV *env);
extern int postfix_ctl_start_fg(const POSTFIX_ENV *env);
extern int postfix_ctl_stop(const POSTFIX_ENV *env);
extern int postfix_ctl_abort(const POSTFIX_ENV *env);
extern int postfix_ctl_reload(const POSTFIX_ENV *env);
extern int postfix_ctl_status(const POSTFIX_ENV *env);

#endif
