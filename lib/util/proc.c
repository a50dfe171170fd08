/*
 * proc - signal and process-hygiene helpers for daemons
 *
 *	signal_set()		sigaction() with an explicit SA_RESTART choice
 *	signal_ignore_pipe()	SIGPIPE -> SIG_IGN
 *	close_inherited_fds()	close descriptors >= keep_from
 *	sane_umask()		umask 022
 *	sane_std_fds()		make sure 0, 1 and 2 are open
 *
 * Errors: see proc.h.
 */
#include <sys/types.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "proc.h"

int
signal_set(int sig, SIGNAL_HANDLER_FN handler, int restart)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = handler;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = restart ? SA_RESTART : 0;
	return (sigaction(sig, &sa, (struct sigaction *) 0));
}

int
signal_ignore_pipe(void)
{
	return (signal_set(SIGPIPE, SIG_IGN, 1));
}

void
close_inherited_fds(int keep_from)
{
	long    max;
	long    fd;

	if (keep_from < 0)
		keep_from = 0;
#ifdef SYS_close_range
	if (syscall(SYS_close_range, (unsigned) keep_from, ~0U, 0U) == 0)
		return;
#endif
	/* Older kernels: close one by one up to the descriptor limit. */
	if ((max = sysconf(_SC_OPEN_MAX)) < 0 || max > INT_MAX)
		max = 1024;
	for (fd = keep_from; fd < max; fd++)
		(void) close((int) fd);
}

mode_t
sane_umask(void)
{
	return (umask(022));
}

int
sane_std_fds(void)
{
	int     fd;

	for (fd = 0; fd < 3; fd++) {
		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		/* open() returns the lowest free descriptor: this one. */
		if (open("/dev/null", O_RDWR) != fd)
			return (-1);
	}
	return (0);
}
