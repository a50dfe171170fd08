/*
 * master_status - status pipes and the decision to watch a listener
 *
 *	master_status_init() creates a service's status pipe (both ends
 *		close-on-exec; children get the write end as
 *		MASTER_STATUS_FD) and starts reading it.
 *	master_status_cleanup() closes both ends. Children of that
 *		generation see their status descriptor fail and exit once
 *		they are done with their current connection.
 *	master_avail_listen() watches the service's listeners exactly when
 *		a new process may be needed: no process of the current
 *		generation is available, the service is below its process
 *		limit, not throttled, and master is not stopping. When a
 *		listener becomes readable, one process is forked; it counts
 *		as available at once, so one connection forks one process.
 *	master_avail_more() and master_avail_less() move a process between
 *		available and busy.
 *
 * Records (master_proto.h) are fixed-size and written with one write(),
 * so a read returns whole records. A record from an unknown pid or with
 * another generation than the process got is ignored (verbose log).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE			/* pipe2() */
#endif
#include <sys/types.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "msg.h"
#include "events.h"
#include "iostuff.h"
#include "master_cf.h"
#include "master_proto.h"
#include "master.h"

#define MASTER_STATUS_BATCH	64	/* records per read */
#define MASTER_BUSY_WARN_TIME	1000	/* seconds between limit warnings */

/* A listener is readable: start one more process. */
static void
master_avail_event(int event, void *ctx)
{
	MASTER_SERV *serv = ctx;

	(void) event;
	master_spawn(serv);
	master_avail_listen(serv);
}

void
master_avail_listen(MASTER_SERV *serv)
{
	int     want;
	int     i;

	want = !master_stopping && serv->listen_count > 0 && !serv->throttled
	    && serv->avail_proc == 0
	    && (serv->max_proc == 0 || serv->total_proc < serv->max_proc);
	if (want && !serv->listening) {
		if (msg_verbose)
			msg_info("service %s (%s): watching listeners",
				 serv->name, master_type_name(serv->type));
		for (i = 0; i < serv->listen_count; i++)
			event_enable_read(serv->listen_fds[i], master_avail_event,
					  serv);
		serv->listening = 1;
	} else if (!want && serv->listening) {
		if (msg_verbose)
			msg_info("service %s (%s): not watching listeners",
				 serv->name, master_type_name(serv->type));
		for (i = 0; i < serv->listen_count; i++)
			event_disable_readwrite(serv->listen_fds[i]);
		serv->listening = 0;
	}
}

void
master_avail_more(MASTER_SERV *serv, MASTER_PROC *proc)
{
	if (proc->avail || proc->gen != serv->gen)
		return;
	proc->avail = 1;
	serv->avail_proc++;
	master_avail_listen(serv);
}

void
master_avail_less(MASTER_SERV *serv, MASTER_PROC *proc)
{
	if (!proc->avail)
		return;
	proc->avail = 0;
	serv->avail_proc--;
	/* Every process busy at the limit: clients now wait. Say so, rarely. */
	if (serv->avail_proc == 0 && serv->max_proc > 1
	    && serv->total_proc >= serv->max_proc
	    && event_time() - serv->busy_warn_time >= MASTER_BUSY_WARN_TIME) {
		serv->busy_warn_time = event_time();
		msg_warn("service \"%s\" (%s) has reached its process limit "
			 "\"%d\": new clients may experience noticeable delays",
			 serv->name, master_type_name(serv->type),
			 serv->max_proc);
		msg_warn("to avoid this condition, increase the process count "
			 "in master.cf or reduce the service time per client");
	}
	master_avail_listen(serv);
}

/* One record from a child of this service. */
static void
master_status_record(MASTER_SERV *serv, const MASTER_STATUS *stat)
{
	MASTER_PROC *proc;

	if ((proc = master_proc_find((pid_t) stat->pid)) == NULL
	    || proc->serv != serv) {
		if (msg_verbose)
			msg_info("service %s: status from unknown process %d",
				 serv->name, stat->pid);
		return;
	}
	if (stat->gen != proc->gen) {
		msg_info("ignoring status update from child pid %d generation %u",
			 stat->pid, stat->gen);
		return;
	}
	proc->reported = 1;
	switch (stat->avail) {
	case MASTER_STAT_AVAIL:
		master_avail_more(serv, proc);
		break;
	case MASTER_STAT_TAKEN:
		master_avail_less(serv, proc);
		break;
	default:
		msg_warn("service %s: ignoring unknown status %d from pid %d",
			 serv->name, stat->avail, stat->pid);
		break;
	}
}

static void
master_status_event(int event, void *ctx)
{
	MASTER_SERV *serv = ctx;
	MASTER_STATUS buf[MASTER_STATUS_BATCH];
	ssize_t n;
	size_t  i;

	(void) event;
	if ((n = read(serv->status_fd[0], buf, sizeof(buf))) < 0) {
		if (errno != EINTR && errno != EAGAIN)
			msg_warn("service %s: read status pipe: %m", serv->name);
		return;
	}
	if (n == 0)				/* can't happen: we hold the write end */
		return;
	if ((size_t) n % sizeof(buf[0]) != 0)
		msg_warn("service %s (%s): partial status update (%zd bytes)",
			 serv->name, master_type_name(serv->type), n);
	for (i = 0; i < (size_t) n / sizeof(buf[0]); i++)
		master_status_record(serv, buf + i);
}

void
master_status_init(MASTER_SERV *serv)
{
	/* Children write blocking (no record is ever dropped); we don't wait. */
	if (pipe2(serv->status_fd, O_CLOEXEC) < 0)
		msg_fatal("service %s: pipe: %m", serv->name);
	if (non_blocking(serv->status_fd[0], NON_BLOCKING) < 0)
		msg_fatal("service %s: fcntl status pipe: %m", serv->name);
	event_enable_read(serv->status_fd[0], master_status_event, serv);
}

void
master_status_cleanup(MASTER_SERV *serv)
{
	if (serv->status_fd[0] < 0)
		return;
	event_disable_readwrite(serv->status_fd[0]);
	if (close(serv->status_fd[0]) < 0)
		msg_warn("service %s: close status pipe: %m", serv->name);
	if (close(serv->status_fd[1]) < 0)
		msg_warn("service %s: close status pipe: %m", serv->name);
	serv->status_fd[0] = serv->status_fd[1] = -1;
}
