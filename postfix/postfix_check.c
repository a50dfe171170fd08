/*
 * postfix_check - the health checks of "postfix check" and "postfix start"
 *
 *	postfix_check_fatal() checks what the mail system cannot run
 *		without: master.cf exists and parses, a postlog service is
 *		there when maillog_file is set; then creates missing queue
 *		directories. Fatal on the first problem.
 *	postfix_check_warn() warns about what deserves attention but does
 *		not stop the mail system: owners and modes of the queue, data,
 *		configuration and daemon directories, damaged messages and
 *		the set-gid programs. With POSTFIX_CHECK_ALL ("postfix
 *		check") also about main.cf numbers, booleans and times that
 *		do not parse or are out of bounds (a daemon would stop on
 *		them) and master.cf services whose program is not installed
 *		(the master only logs that when the service is first needed,
 *		so "postfix start" leaves both out). Returns the number of
 *		warnings.
 *	postfix_check_set_programs() gives postdrop and postqueue, when they
 *		are installed, group setgid_group and mode 2755 (as root);
 *		returns the number of failures, each warned about.
 */
#include <sys/types.h>
#include <sys/stat.h>
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

#include "msg.h"
#include "vstring.h"
#include "argv.h"
#include "mail_conf.h"
#include "mail_params.h"
#include "master_cf.h"
#include "postfix.h"

/* The set-gid programs, in command_directory. */
static const char *const setgid_programs[] = {"postdrop", "postqueue"};

#define SETGID_PROGRAM_COUNT \
	(sizeof(setgid_programs) / sizeof(setgid_programs[0]))

/* master.cf, read once: its warnings are worth saying only once. */
static MASTER_CF *master_cf;

/* Read master.cf; fatal when it is missing or does not parse. */
static const MASTER_CF *
read_master_cf(const POSTFIX_ENV *env)
{
	VSTRING *path;
	VSTRING *why;
	MASTER_CF *mc;

	if (master_cf != NULL)
		return (master_cf);
	path = vstring_alloc(100);
	why = vstring_alloc(100);
	vstring_sprintf(path, "%s/master.cf", env->config_dir);
	if (access(vstring_str(path), F_OK) < 0 && errno == ENOENT)
		msg_fatal("no %s file found", vstring_str(path));
	if ((mc = master_cf_read(vstring_str(path), why)) == NULL)
		msg_fatal("%s", vstring_str(why));
	vstring_free(path);
	vstring_free(why);
	return (master_cf = mc);
}

void
postfix_check_fatal(const POSTFIX_ENV *env)
{
	const MASTER_CF *mc;

	mc = read_master_cf(env);
	/* Without postlogd the daemons' maillog_file logging goes nowhere. */
	if (*mail_conf_str("maillog_file") != 0
	    && master_cf_find(mc, "postlog", MASTER_CF_TYPE_UNIX_DGRAM) == NULL)
		msg_fatal("missing 'postlog' service in master.cf - add "
			  "\"postlog unix-dgram n - n - 1 postlogd\"");
	postfix_dirs_create(env);
}

/* Warn about services whose program is not in daemon_directory. */
static int
warn_programs(const POSTFIX_ENV *env)
{
	VSTRING *path = vstring_alloc(100);
	const MASTER_CF_ENT *ent;
	const char *command;
	const MASTER_CF *mc;
	size_t  i;
	int     count = 0;

	mc = read_master_cf(env);
	for (i = 0; i < master_cf_count(mc); i++) {
		ent = master_cf_entry(mc, i);
		command = master_cf_command(ent);
		if (*command == '/')
			vstring_strcpy(path, command);
		else
			vstring_sprintf(path, "%s/%s", env->daemon_dir, command);
		if (access(vstring_str(path), X_OK) == 0)
			continue;
		msg_warn("%s, line %d: service %s/%s: program %s is not "
			 "installed",
			 master_cf_file(ent), master_cf_line(ent),
			 master_cf_service(ent),
			 master_cf_type_name(master_cf_type(ent)),
			 vstring_str(path));
		count++;
	}
	vstring_free(path);
	return (count);
}

/* Typed main.cf values that a daemon would refuse when it reads them. */
static int
warn_values(void)
{
	ARGV   *names = mail_conf_entry_names();
	VSTRING *value = vstring_alloc(100);
	VSTRING *why = vstring_alloc(100);
	const MAIL_PARAM *param;
	const char *name;
	size_t  i;
	long    max;
	long    lval;
	int     bval;
	int     status;
	int     line;
	int     count = 0;

	for (i = 0; i < names->len; i++) {
		name = names->argv[i];
		if ((param = mail_param_find(name)) == NULL
		    || param->type == MAIL_PARAM_STR
		    || (param->flags & MAIL_PARAM_FLAG_RAW))
			continue;
		max = param->max ? param->max
		    : param->type == MAIL_PARAM_INT ? INT_MAX : LONG_MAX;
		if ((status = mail_conf_eval(name, value, why)) == 0) {
			switch (param->type) {
			case MAIL_PARAM_BOOL:
				status = mail_conf_conv_bool(name, vstring_str(value),
							     &bval, why);
				break;
			case MAIL_PARAM_TIME:
				status = mail_conf_conv_time(name, vstring_str(value),
							     param->unit, param->min,
							     max, &lval, why);
				break;
			default:
				status = mail_conf_conv_int(name, vstring_str(value),
							    param->min, max, &lval,
							    why);
				break;
			}
		}
		if (status < 0) {
			(void) mail_conf_entry(name, &line);
			msg_warn("%s, line %d: %s", mail_conf_path(), line,
				 vstring_str(why));
			count++;
		}
	}
	argv_free(names);
	vstring_free(value);
	vstring_free(why);
	return (count);
}

/* Group and mode of the set-gid programs that are installed. */
static int
warn_setgid_programs(const POSTFIX_ENV *env)
{
	VSTRING *path = vstring_alloc(100);
	struct stat st;
	size_t  i;
	int     count = 0;

	for (i = 0; env->as_root && i < SETGID_PROGRAM_COUNT; i++) {
		vstring_sprintf(path, "%s/%s", env->command_dir, setgid_programs[i]);
		if (stat(vstring_str(path), &st) < 0)
			continue;
		if (st.st_gid != env->setgid_gid) {
			msg_warn("not owned by group %s: %s", env->setgid_group,
				 vstring_str(path));
			count++;
		}
		if ((st.st_mode & 02111) != 02111) {
			msg_warn("not set-gid or not owner+group+world "
				 "executable: %s", vstring_str(path));
			count++;
		}
	}
	vstring_free(path);
	return (count);
}

int
postfix_check_warn(const POSTFIX_ENV *env, int all)
{
	int     count = 0;

	count += postfix_dirs_warn(env);
	count += postfix_dirs_warn_tree(env, env->config_dir);
	if (strcmp(env->daemon_dir, env->config_dir) != 0)
		count += postfix_dirs_warn_tree(env, env->daemon_dir);
	if (all) {
		count += warn_values();
		count += warn_programs(env);
	}
	count += warn_setgid_programs(env);
	return (count);
}

int
postfix_check_set_programs(const POSTFIX_ENV *env)
{
	VSTRING *path = vstring_alloc(100);
	struct stat st;
	size_t  i;
	int     errors = 0;

	/* Without root there is no privilege to hand out. */
	for (i = 0; env->as_root && i < SETGID_PROGRAM_COUNT; i++) {
		vstring_sprintf(path, "%s/%s", env->command_dir, setgid_programs[i]);
		if (lstat(vstring_str(path), &st) < 0 || !S_ISREG(st.st_mode))
			continue;
		if (chown(vstring_str(path), 0, env->setgid_gid) < 0) {
			msg_warn("cannot change owner of %s: %s",
				 vstring_str(path), strerror(errno));
			errors++;
		} else if (chmod(vstring_str(path), 02755) < 0) {
			/* chmod after chown: chown clears the set-gid bit. */
			msg_warn("cannot change mode of %s: %s",
				 vstring_str(path), strerror(errno));
			errors++;
		}
	}
	vstring_free(path);
	return (errors);
}
