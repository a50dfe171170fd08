#ifndef POSTERN_PROC_H
#define POSTERN_PROC_H

/*
 * proc - signal and process-hygiene helpers for daemons
 *
 *	signal_set() installs a handler (or SIG_IGN/SIG_DFL) with sigaction(),
 *		with SA_RESTART when "restart" is non-zero, so the caller
 *		chooses whether slow system calls resume or fail with EINTR.
 *	signal_ignore_pipe() ignores SIGPIPE: a write to a vanished peer
 *		then fails with EPIPE instead of killing the process.
 *	close_inherited_fds() closes every descriptor >= keep_from.
 *	sane_umask() sets umask 022 and returns the previous mask.
 *	sane_std_fds() opens /dev/null on any of descriptors 0, 1, 2 that is
 *		closed, so a file opened later never becomes stdout.
 *
 * Errors: signal_set(), signal_ignore_pipe() and sane_std_fds() return 0,
 * or -1 with errno; the others cannot fail in a way worth reporting.
 */
#include <sys/types.h>

typedef void (*SIGNAL_HANDLER_FN) (int);

extern int signal_set(int sig, SIGNAL_HANDLER_FN handler, int restart);
extern int signal_ignore_pipe(void);
extern void close_inherited_fds(int keep_from);
extern mode_t sane_umask(void);
extern int sane_std_fds(void);

#endif
