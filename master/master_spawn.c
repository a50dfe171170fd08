/*
 * master_spawn - child processes: fork/exec, the process table, reaping
 * and throttling
 *
 *	master_spawn() starts one process for a service, unless it is
 *		throttled or at its process limit. The program is checked
 *		first: a missing one (a service postern does not have yet)
 *		is logged once and the service throttled, never forked in a
 *		loop. The child gets what master_proto.h promises: the
 *		status pipe as MASTER_STATUS_FD, the listeners from
 *		MASTER_LISTEN_FD on, "-n -t -s [-u] [-c] [-v..] [-d]" and the
 *		master.cf arguments, and the environment of master_env.c.
 *		Every other master descriptor is close-on-exec.
 *	master_reap_children() collects exited children (after SIGCHLD),
 *		logs abnormal exits as Postfix does ("process PATH pid N exit
 *		status S", "... killed by signal S"), and throttles a service
 *		whose process failed before it ever reported its status
 *		("PATH: bad command startup -- throttling").
 *	master_throttle() stops forking for service_throttle_time seconds;
 *		master_unthrottle_cancel() ends that early (reload).
 *	master_proc_find(), master_proc_count(): the process table.
 *	master_serv_orphan() detaches a removed service's processes
 *		(optionally signalling them); master_serv_age() makes a
 *		service's processes an old generation at reload.
 *	master_signal_children() signals every child (stop, abort).
 */
#include <sys/types.h>
#include <sys/wait.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "msg.h"
#include "mymalloc.h"
#include "vstring.h"
#include "argv.h"
#include "htable.h"
#include "events.h"
#include "master_cf.h"
#include "master_proto.h"
#include "master.h"

static HTABLE *proc_table;		/* pid text -> MASTER_PROC */

static const char *
master_pid_key(pid_t pid, char *buf, size_t len)
{
	snprintf(buf, len, "%ld", (long) pid);
	return (buf);
}

MASTER_PROC *
master_proc_find(pid_t pid)
{
	char    key[32];

	if (proc_table == NULL)
		return (NULL);
	return (htable_find(proc_table, master_pid_key(pid, key, sizeof(key))));
}

int
master_proc_count(void)
{
	return (proc_table ? (int) proc_table->used : 0);
}

/* Visit every process; fn may not add or remove processes. */
static void
master_proc_walk(void (*fn) (MASTER_PROC *, void *), void *ctx)
{
	HTABLE_INFO **list;
	HTABLE_INFO **ht;

	if (proc_table == NULL)
		return;
	list = htable_list_sorted(proc_table);
	for (ht = list; *ht != NULL; ht++)
		fn((MASTER_PROC *) (*ht)->value, ctx);
	myfree(list);
}

static void
master_unthrottle_event(int event, void *ctx)
{
	MASTER_SERV *serv = ctx;

	(void) event;
	serv->throttled = 0;
	if (msg_verbose)
		msg_info("throttle released for command %s", serv->path);
	master_avail_listen(serv);
}

void
master_throttle(MASTER_SERV *serv)
{
	if (serv->throttled)
		return;
	serv->throttled = 1;
	event_request_timer(master_unthrottle_event, serv,
			    master_throttle_delay * 1000);
	master_avail_listen(serv);
}

void
master_unthrottle_cancel(MASTER_SERV *serv)
{
	event_cancel_timer(master_unthrottle_event, serv);
	serv->throttled = 0;
}

/* Is the program there? Say so once when it is not. */
static int
master_program_ok(MASTER_SERV *serv)
{
	if (access(serv->path, X_OK) == 0) {
		serv->missing = 0;
		return (1);
	}
	if (!serv->missing) {
		msg_warn("service %s (%s): cannot run %s: %m -- the service "
			 "is unavailable until that program is installed",
			 serv->name, master_type_name(serv->type), serv->path);
		serv->missing = 1;
	}
	return (0);
}

/* The command line of master_proto.h. */
static ARGV *
master_child_argv(const MASTER_SERV *serv)
{
	ARGV   *av = argv_alloc(serv->args->len + 10);
	char    count[32];
	size_t  i;
	int     v;

	argv_add(av, serv->args->argv[0]);
	argv_add(av, "-n");
	argv_add(av, serv->name);
	argv_add(av, "-t");
	argv_add(av, master_type_name(serv->type));
	snprintf(count, sizeof(count), "%d", serv->listen_count);
	argv_add(av, "-s");
	argv_add(av, count);
	if (serv->unpriv)
		argv_add(av, "-u");
	if (serv->chroot)
		argv_add(av, "-c");
	for (v = 0; v < master_verbose; v++)
		argv_add(av, "-v");
	if (master_debug)
		argv_add(av, "-d");
	for (i = 1; i < serv->args->len; i++)
		argv_add(av, serv->args->argv[i]);
	return (av);
}

/* In the child: arrange descriptors, then exec. Never returns. */
static void
master_child_exec(MASTER_SERV *serv, ARGV *av, char **envp, int *tmp)
{
	int     base = MASTER_LISTEN_FD + serv->listen_count;
	int     i;

	master_sig_child();

	/*
	 * First copy every descriptor above the target range, then put the
	 * copies in place: a source may sit where another target goes.
	 */
	if ((tmp[0] = fcntl(serv->status_fd[1], F_DUPFD_CLOEXEC, base)) < 0)
		msg_fatal("%s: dup status pipe: %m", serv->name);
	for (i = 0; i < serv->listen_count; i++)
		if ((tmp[i + 1] = fcntl(serv->listen_fds[i], F_DUPFD_CLOEXEC,
					base)) < 0)
			msg_fatal("%s: dup listener: %m", serv->name);
	if (dup2(tmp[0], MASTER_STATUS_FD) < 0)
		msg_fatal("%s: dup2 status pipe: %m", serv->name);
	for (i = 0; i < serv->listen_count; i++)
		if (dup2(tmp[i + 1], MASTER_LISTEN_FD + i) < 0)
			msg_fatal("%s: dup2 listener: %m", serv->name);
	execve(serv->path, av->argv, envp);
	msg_fatal("%s: exec %s: %m", serv->name, serv->path);
}

void
master_spawn(MASTER_SERV *serv)
{
	MASTER_PROC *proc;
	ARGV   *av;
	char  **envp;
	int    *tmp;
	pid_t   pid;
	char    key[32];

	if (serv->throttled || master_stopping)
		return;
	if (serv->max_proc > 0 && serv->total_proc >= serv->max_proc) {
		if (msg_verbose)
			msg_info("service %s: at process limit %d", serv->name,
				 serv->max_proc);
		return;
	}
	if (!master_program_ok(serv)) {
		master_throttle(serv);
		return;
	}
	av = master_child_argv(serv);
	envp = master_env_build(serv->gen);
	tmp = mymalloc_array((size_t) serv->listen_count + 1, sizeof(int));

	/* No signal handler may run in the child before exec. */
	master_sig_block();
	pid = fork();
	if (pid == 0)
		master_child_exec(serv, av, envp, tmp);
	master_sig_unblock();
	myfree(tmp);
	argv_free(av);
	master_env_free(envp);
	if (pid < 0) {
		msg_warn("%s: fork: %m -- throttling", serv->path);
		master_throttle(serv);
		return;
	}
	if (msg_verbose)
		msg_info("spawn command %s; pid %ld", serv->path, (long) pid);

	if (proc_table == NULL)
		proc_table = htable_create(100);
	proc = mycalloc(1, sizeof(*proc));
	proc->pid = pid;
	proc->gen = serv->gen;
	proc->serv = serv;
	proc->path = mystrdup(serv->path);
	htable_enter(proc_table, master_pid_key(pid, key, sizeof(key)), proc);
	serv->total_proc++;
	/* Available until it says otherwise: one connection, one fork. */
	master_avail_more(serv, proc);
	if (!serv->used) {
		serv->used = 1;
		if (serv->wakeup > 0 && serv->wakeup_after_use)
			master_wakeup_start(serv, serv->wakeup * 1000);
	}
}

static void
master_proc_free(void *ptr)
{
	MASTER_PROC *proc = ptr;

	myfree(proc->path);
	myfree(proc);
}

void
master_reap_children(void)
{
	MASTER_PROC *proc;
	MASTER_SERV *serv;
	pid_t   pid;
	int     status;
	int     normal;
	char    key[32];

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if ((proc = master_proc_find(pid)) == NULL) {
			if (!master_reload_reaped(pid, status) && msg_verbose)
				msg_info("master_reap: unknown pid: %ld", (long) pid);
			continue;
		}
		normal = WIFEXITED(status) && WEXITSTATUS(status) == 0;
		if (!normal && !proc->killed) {
			if (WIFEXITED(status))
				msg_warn("process %s pid %ld exit status %d",
					 proc->path, (long) pid,
					 WEXITSTATUS(status));
			else if (WIFSIGNALED(status))
				msg_warn("process %s pid %ld killed by signal %d",
					 proc->path, (long) pid, WTERMSIG(status));
		}
		if ((serv = proc->serv) != NULL) {
			if (proc->avail) {
				proc->avail = 0;
				serv->avail_proc--;
			}
			serv->total_proc--;
			if (!normal && !proc->reported && !proc->killed
			    && proc->gen == serv->gen && !master_stopping) {
				msg_warn("%s: bad command startup -- throttling",
					 proc->path);
				master_throttle(serv);
			}
			master_avail_listen(serv);
		}
		htable_delete(proc_table, master_pid_key(pid, key, sizeof(key)),
			      master_proc_free);
	}
}

static void
master_orphan_one(MASTER_PROC *proc, void *ctx)
{
	MASTER_SERV *serv = ((void **) ctx)[0];
	int     sig = *(int *) ((void **) ctx)[1];

	if (proc->serv != serv)
		return;
	proc->serv = NULL;
	proc->avail = 0;
	if (sig != 0) {
		proc->killed = 1;
		if (kill(proc->pid, sig) < 0 && errno != ESRCH)
			msg_warn("kill process %ld: %m", (long) proc->pid);
	}
}

void
master_serv_orphan(MASTER_SERV *serv, int sig)
{
	void   *ctx[2];

	ctx[0] = serv;
	ctx[1] = &sig;
	master_proc_walk(master_orphan_one, ctx);
	serv->total_proc = 0;
	serv->avail_proc = 0;
}

static void
master_age_one(MASTER_PROC *proc, void *ctx)
{
	if (proc->serv == (MASTER_SERV *) ctx)
		proc->avail = 0;
}

void
master_serv_age(MASTER_SERV *serv)
{
	master_proc_walk(master_age_one, serv);
	serv->avail_proc = 0;
}

static void
master_signal_one(MASTER_PROC *proc, void *ctx)
{
	int     sig = *(int *) ctx;

	proc->killed = 1;
	if (kill(proc->pid, sig) < 0 && errno != ESRCH)
		msg_warn("kill process %ld: %m", (long) proc->pid);
}

void
master_signal_children(int sig)
{
	master_proc_walk(master_signal_one, &sig);
}
