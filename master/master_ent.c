/*
 * master_ent - the service table: master.cf at start-up and at reload
 *
 *	master_config() reads master.cf at start-up and opens every
 *		service's listeners and status pipe; any error is fatal.
 *		Timers and listener events start later, in main().
 *	master_reload_request() is SIGHUP: a short-lived child first reads
 *		main.cf with every check (its errors are logged under its
 *		own pid); only when that succeeds does master_refresh() run.
 *		A main.cf with errors is reported and the running
 *		configuration stays, so a reload never ends master.
 *	master_reload_reaped() tells the reaper whether a pid was that
 *		check, and acts on its result.
 *	master_refresh() re-reads main.cf and master.cf and
 *		compares the services by name and type (and, for unix-like
 *		services, the private column, which moves the socket):
 *		- a service that is gone loses its listeners (and its
 *		  socket file) and its processes get SIGTERM;
 *		- a service that stays keeps its listening descriptors
 *		  (clients never see "connection refused"), takes the new
 *		  columns, command and arguments, and gets a new status
 *		  pipe and generation: its running processes finish their
 *		  current connection and then exit, since they see their
 *		  status pipe close; new processes run the new definition;
 *		- a new service gets listeners and may start.
 *		A master.cf that can't be read keeps the old service table;
 *		a new service that can't listen is left out with a warning.
 *	master_serv_free() releases a service that has no listeners left.
 *	master_type_name() is "inet", "unix", ... for messages.
 *
 * master_service_disable ("inet", "smtp/inet", "!foo/inet", first match
 * wins) drops services as if they were not in master.cf. Duplicate
 * service/type pairs: the last one counts, with a warning (master(5)).
 */
#include "config.h"		/* PACKAGE_VERSION; first */
#include <sys/types.h>
#include <sys/wait.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "msg.h"
#include "mymalloc.h"
#include "vstring.h"
#include "argv.h"
#include "stringops.h"
#include "mail_conf.h"
#include "master_cf.h"
#include "master_proto.h"
#include "master.h"

const char *
master_type_name(int type)
{
	const char *name = master_cf_type_name(type);

	return (name ? name : "unknown");
}

/* master_service_disable: is this service switched off? */
static int
master_disabled(const char *name, int type)
{
	char   *saved = mystrdup(mail_conf_str("master_service_disable"));
	char   *bp = saved;
	char   *pat;
	char   *slash;
	int     negate;
	int     match;
	int     result = 0;

	while ((pat = mystrtok(&bp, CHARS_COMMA_SP)) != NULL) {
		negate = (*pat == '!');
		if (negate)
			pat++;
		if ((slash = strrchr(pat, '/')) != NULL) {
			*slash = 0;
			match = strcmp(pat, name) == 0
			    && master_cf_type_code(slash + 1) == type;
		} else {
			match = master_cf_type_code(pat) == type;
		}
		if (match) {
			result = !negate;
			break;
		}
	}
	myfree(saved);
	return (result);
}

/* A service from its master.cf entry (not yet listening). */
static MASTER_SERV *
master_serv_from_ent(const MASTER_CF_ENT *ent)
{
	MASTER_SERV *serv = mycalloc(1, sizeof(*serv));
	const char *command = master_cf_command(ent);
	const ARGV *argv = master_cf_argv(ent);
	VSTRING *vp = vstring_alloc(100);
	size_t  i;

	serv->name = mystrdup(master_cf_service(ent));
	serv->type = master_cf_type(ent);
	serv->private = master_cf_private(ent);
	serv->unpriv = master_cf_unpriv(ent);
	serv->chroot = master_cf_chroot(ent);
	serv->wakeup = master_cf_wakeup(ent);
	serv->wakeup_after_use = master_cf_wakeup_after_use(ent);
	serv->max_proc = master_cf_maxproc(ent);
	if (serv->max_proc == MASTER_CF_MAXPROC_DEFAULT)
		serv->max_proc = master_proc_limit;
	vstring_sprintf(vp, "%s, line %d", master_cf_file(ent),
			master_cf_line(ent));
	serv->where = mystrdup(vstring_str(vp));
	if (*command == '/')
		vstring_strcpy(vp, command);
	else
		vstring_sprintf(vp, "%s/%s", mail_conf_str("daemon_directory"),
				command);
	serv->path = mystrdup(vstring_str(vp));
	serv->args = argv_alloc(argv->len + 1);
	for (i = 0; i < argv->len; i++)
		argv_add(serv->args, argv->argv[i]);
	if (serv->type != MASTER_CF_TYPE_INET) {
		vstring_sprintf(vp, "%s/%s", serv->private ? MAIL_CLASS_PRIVATE :
				MAIL_CLASS_PUBLIC, serv->name);
		serv->sock_path = mystrdup(vstring_str(vp));
	}
	if (serv->wakeup > 0 && (serv->type == MASTER_CF_TYPE_INET
				 || serv->type == MASTER_CF_TYPE_PASS)) {
		msg_warn("%s: service %s (%s): wakeup is not supported for "
			 "this service type -- ignored", serv->where, serv->name,
			 master_type_name(serv->type));
		serv->wakeup = 0;
	}
	serv->status_fd[0] = serv->status_fd[1] = -1;
	vstring_free(vp);
	return (serv);
}

void
master_serv_free(MASTER_SERV *serv)
{
	myfree(serv->name);
	myfree(serv->where);
	myfree(serv->path);
	argv_free(serv->args);
	if (serv->sock_path)
		myfree(serv->sock_path);
	if (serv->listen_fds)
		myfree(serv->listen_fds);
	myfree(serv);
}

/* Read master.cf; NULL and a reason when it can't be used. */
static MASTER_CF *
master_cf_load(VSTRING *why)
{
	VSTRING *path = vstring_alloc(100);
	MASTER_CF *mc;

	vstring_sprintf(path, "%s/master.cf", master_config_dir);
	mc = master_cf_read(vstring_str(path), why);
	vstring_free(path);
	return (mc);
}

/* The entries master uses: not disabled, last of duplicates. */
static int
master_ent_wanted(const MASTER_CF *mc, const MASTER_CF_ENT *ent)
{
	const char *name = master_cf_service(ent);
	int     type = master_cf_type(ent);

	if (master_cf_find(mc, name, type) != ent) {
		msg_warn("duplicate master.cf entry for service \"%s\" (%s) -- "
			 "using the last entry", name, master_type_name(type));
		return (0);
	}
	return (!master_disabled(name, type));
}

static void
master_serv_append(MASTER_SERV *serv)
{
	MASTER_SERV **tail = &master_head;

	while (*tail != NULL)
		tail = &(*tail)->next;
	serv->next = NULL;
	*tail = serv;
}

void
master_config(void)
{
	VSTRING *why = vstring_alloc(100);
	const MASTER_CF_ENT *ent;
	MASTER_SERV *serv;
	MASTER_CF *mc;
	size_t  i;

	if ((mc = master_cf_load(why)) == NULL)
		msg_fatal("%s", vstring_str(why));
	for (i = 0; i < master_cf_count(mc); i++) {
		ent = master_cf_entry(mc, i);
		if (!master_ent_wanted(mc, ent))
			continue;
		serv = master_serv_from_ent(ent);
		if (master_listen_init(serv, why) < 0)
			msg_fatal("%s", vstring_str(why));
		serv->gen = master_generation;
		master_status_init(serv);
		master_serv_append(serv);
	}
	master_cf_free(mc);
	vstring_free(why);
}

/* Does an existing service match a new master.cf entry? */
static int
master_serv_same(const MASTER_SERV *serv, const MASTER_SERV *fresh)
{
	return (strcmp(serv->name, fresh->name) == 0
		&& serv->type == fresh->type
		&& (serv->type == MASTER_CF_TYPE_INET
		    || serv->private == fresh->private));
}

/* Move the new definition into the existing service. */
static void
master_serv_update(MASTER_SERV *serv, MASTER_SERV *fresh)
{
	char   *cp;
	ARGV   *av;

	serv->unpriv = fresh->unpriv;
	serv->chroot = fresh->chroot;
	serv->wakeup = fresh->wakeup;
	serv->wakeup_after_use = fresh->wakeup_after_use;
	serv->max_proc = fresh->max_proc;
	cp = serv->path, serv->path = fresh->path, fresh->path = cp;
	cp = serv->where, serv->where = fresh->where, fresh->where = cp;
	av = serv->args, serv->args = fresh->args, fresh->args = av;
	/* A new program may be there now; say so again if it is not. */
	serv->missing = 0;
	master_serv_free(fresh);
}

/* Stop a service that left master.cf. */
static void
master_serv_remove(MASTER_SERV *serv)
{
	master_wakeup_cleanup(serv);
	master_unthrottle_cancel(serv);
	master_listen_cleanup(serv, 1);
	master_status_cleanup(serv);
	master_serv_orphan(serv, SIGTERM);
	master_serv_free(serv);
}

void
master_refresh(void)
{
	VSTRING *why = vstring_alloc(100);
	MASTER_SERV *fresh_head = NULL;
	MASTER_SERV **fresh_tail = &fresh_head;
	MASTER_SERV *fresh;
	MASTER_SERV *serv;
	MASTER_SERV **servp;
	const MASTER_CF_ENT *ent;
	MASTER_CF *mc;
	size_t  i;

	/* master_reload_request() checked it; don't repeat the warnings. */
	mail_conf_init_flags(master_config_dir, MAIL_CONF_FLAG_NONE);
	master_read_params();
	master_log_init();
	master_listen_params();
	master_generation++;

	if ((mc = master_cf_load(why)) == NULL) {
		msg_warn("%s -- keeping the current services", vstring_str(why));
		for (serv = master_head; serv != NULL; serv = serv->next)
			serv->mark = 0;
	} else {
		for (serv = master_head; serv != NULL; serv = serv->next)
			serv->mark = 1;
		for (i = 0; i < master_cf_count(mc); i++) {
			ent = master_cf_entry(mc, i);
			if (!master_ent_wanted(mc, ent))
				continue;
			fresh = master_serv_from_ent(ent);
			for (serv = master_head; serv != NULL; serv = serv->next)
				if (serv->mark && master_serv_same(serv, fresh))
					break;
			if (serv != NULL) {
				serv->mark = 0;
				master_serv_update(serv, fresh);
			} else {
				*fresh_tail = fresh;
				fresh_tail = &fresh->next;
			}
		}
		master_cf_free(mc);
	}

	/* Removals first: a changed type or class may reuse the path. */
	for (servp = &master_head; (serv = *servp) != NULL;) {
		if (serv->mark) {
			*servp = serv->next;
			master_serv_remove(serv);
		} else {
			servp = &serv->next;
		}
	}

	/* Services that stay: new generation, same listeners. */
	for (serv = master_head; serv != NULL; serv = serv->next) {
		master_wakeup_cleanup(serv);
		master_unthrottle_cancel(serv);
		master_status_cleanup(serv);
		master_serv_age(serv);
		serv->gen = master_generation;
		master_status_init(serv);
		master_wakeup_init(serv);
		master_avail_listen(serv);
	}

	/* New services. */
	while ((fresh = fresh_head) != NULL) {
		fresh_head = fresh->next;
		if (master_listen_init(fresh, why) < 0) {
			msg_warn("%s -- service not started", vstring_str(why));
			master_serv_free(fresh);
			continue;
		}
		fresh->gen = master_generation;
		master_status_init(fresh);
		master_serv_append(fresh);
		master_wakeup_init(fresh);
		master_avail_listen(fresh);
	}
	msg_info("reload -- version %s, configuration %s", PACKAGE_VERSION,
		 master_config_dir);
	vstring_free(why);
}

static pid_t check_pid;			/* the main.cf check running */
static int check_again;			/* SIGHUP while it ran */

void
master_reload_request(void)
{
	pid_t   pid;

	if (check_pid != 0) {
		check_again = 1;
		return;
	}
	master_sig_block();
	pid = fork();
	if (pid == 0) {
		master_sig_child();
		mail_conf_init(master_config_dir);	/* fatal on errors */
		master_read_params();
		_exit(0);
	}
	master_sig_unblock();
	if (pid < 0) {
		msg_warn("fork: %m -- reloading without checking main.cf first");
		master_refresh();
		return;
	}
	check_pid = pid;
}

int
master_reload_reaped(pid_t pid, int status)
{
	if (pid != check_pid || pid == 0)
		return (0);
	check_pid = 0;
	if (master_stopping)
		return (1);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		master_refresh();
	else
		msg_warn("%s/main.cf has errors (logged above) -- configuration "
			 "not reloaded; fix it and reload again",
			 master_config_dir);
	if (check_again) {
		check_again = 0;
		master_reload_request();
	}
	return (1);
}
