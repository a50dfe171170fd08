/*
 * master_sig - signals, handled in the event loop through a self-pipe
 *
 *	master_sig_init() catches SIGCHLD, SIGHUP, SIGTERM, SIGINT and
 *		SIGQUIT. A handler only records the signal and writes a byte
 *		to a pipe; the event loop then reaps children (SIGCHLD),
 *		reloads (SIGHUP, master_reload_request()) or stops.
 *	master_stop() ends master: the listeners close, wakeups stop, and
 *		every child gets SIGTERM (SIGTERM, SIGINT: "postfix stop");
 *		master waits for them in the event loop, sends SIGKILL to
 *		what is left after MASTER_STOP_GRACE seconds, and exits 0
 *		when the last one is reaped. SIGQUIT ("abort") sends SIGKILL
 *		to every child at once. master.pid stays, unlocked, as
 *		Postfix leaves it.
 *	master_sig_block() and master_sig_unblock() bracket fork();
 *		master_sig_child() gives the child default dispositions and
 *		an empty signal mask before it executes its program.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE			/* pipe2() */
#endif
#include <sys/types.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "msg.h"
#include "events.h"
#include "proc.h"
#include "master.h"

#define MASTER_STOP_GRACE	10	/* seconds before SIGKILL */
#define MASTER_KILL_GRACE	5	/* seconds to reap after SIGKILL */

static int sig_pipe[2] = {-1, -1};
static volatile sig_atomic_t got_chld;
static volatile sig_atomic_t got_hup;
static volatile sig_atomic_t got_stop;	/* the stop signal's number */
static sigset_t saved_mask;

static const int master_signals[] = {SIGCHLD, SIGHUP, SIGTERM, SIGINT, SIGQUIT};

#define MASTER_SIGNAL_COUNT \
	(sizeof(master_signals) / sizeof(master_signals[0]))

static void
master_sig_handler(int sig)
{
	int     saved_errno = errno;

	if (sig == SIGCHLD)
		got_chld = 1;
	else if (sig == SIGHUP)
		got_hup = 1;
	else
		got_stop = sig;
	/* A full pipe already has a wakeup in it. */
	if (write(sig_pipe[1], "", 1) < 0) {
		/* nothing */ ;
	}
	errno = saved_errno;
}

static void
master_exit(void)
{
	exit(0);
}

/* The last step of a stop: give up on children that won't go. */
static void
master_kill_deadline(int event, void *ctx)
{
	(void) event;
	(void) ctx;
	msg_warn("%d child process(es) did not exit -- terminating anyway",
		 master_proc_count());
	master_exit();
}

/* Stop grace time is over: SIGKILL what is left. */
static void
master_stop_deadline(int event, void *ctx)
{
	(void) event;
	(void) ctx;
	msg_warn("%d child process(es) still running after %d seconds -- "
		 "sending SIGKILL", master_proc_count(), MASTER_STOP_GRACE);
	master_signal_children(SIGKILL);
	event_request_timer(master_kill_deadline, NULL, MASTER_KILL_GRACE * 1000);
}

void
master_stop(int sig)
{
	MASTER_SERV *serv;

	if (master_stopping) {
		/* "abort" after "stop": don't wait any longer. */
		if (sig == SIGQUIT && master_stopping != SIGQUIT) {
			master_stopping = sig;
			event_cancel_timer(master_stop_deadline, NULL);
			master_signal_children(SIGKILL);
			event_request_timer(master_kill_deadline, NULL,
					    MASTER_KILL_GRACE * 1000);
		}
		return;
	}
	master_stopping = sig;
	msg_info("terminating on signal %d", sig);
	for (serv = master_head; serv != NULL; serv = serv->next) {
		master_wakeup_cleanup(serv);
		master_unthrottle_cancel(serv);
		master_listen_cleanup(serv, 0);
	}
	if (sig == SIGQUIT) {
		master_signal_children(SIGKILL);
		event_request_timer(master_kill_deadline, NULL,
				    MASTER_KILL_GRACE * 1000);
	} else {
		master_signal_children(SIGTERM);
		event_request_timer(master_stop_deadline, NULL,
				    MASTER_STOP_GRACE * 1000);
	}
}

static void
master_sig_event(int event, void *ctx)
{
	char    buf[64];
	int     sig;

	(void) event;
	(void) ctx;
	while (read(sig_pipe[0], buf, sizeof(buf)) > 0)
		 /* drain */ ;
	if (got_chld) {
		got_chld = 0;
		master_reap_children();
	}
	if ((sig = got_stop) != 0) {
		got_stop = 0;
		master_stop(sig);
	}
	if (got_hup) {
		got_hup = 0;
		if (!master_stopping)
			master_reload_request();
	}
	if (master_stopping && master_proc_count() == 0)
		master_exit();
}

void
master_sig_init(void)
{
	size_t  i;

	if (pipe2(sig_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
		msg_fatal("pipe: %m");
	event_enable_read(sig_pipe[0], master_sig_event, NULL);
	for (i = 0; i < MASTER_SIGNAL_COUNT; i++)
		if (signal_set(master_signals[i], master_sig_handler, 1) < 0)
			msg_fatal("sigaction(%d): %m", master_signals[i]);
}

void
master_sig_block(void)
{
	sigset_t all;

	sigfillset(&all);
	if (sigprocmask(SIG_BLOCK, &all, &saved_mask) < 0)
		msg_fatal("sigprocmask: %m");
}

void
master_sig_unblock(void)
{
	if (sigprocmask(SIG_SETMASK, &saved_mask, (sigset_t *) 0) < 0)
		msg_fatal("sigprocmask: %m");
}

void
master_sig_child(void)
{
	sigset_t none;
	size_t  i;

	for (i = 0; i < MASTER_SIGNAL_COUNT; i++)
		(void) signal_set(master_signals[i], SIG_DFL, 0);
	(void) signal_set(SIGPIPE, SIG_DFL, 0);
	sigemptyset(&none);
	(void) sigprocmask(SIG_SETMASK, &none, (sigset_t *) 0);
}
