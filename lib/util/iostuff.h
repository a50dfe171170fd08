#ifndef POSTERN_IOSTUFF_H
#define POSTERN_IOSTUFF_H

/*
 * iostuff - small descriptor helpers shared by streams, sockets and daemons
 *
 *	non_blocking(fd, on) sets or clears O_NONBLOCK; close_on_exec(fd, on)
 *	sets or clears FD_CLOEXEC. Both return the previous setting (0 or 1),
 *	or -1 with errno set.
 *	read_wait(fd, timeout_ms) and write_wait(fd, timeout_ms) wait with
 *	poll() until fd is readable (or at end of file / in error) or
 *	writable: 0 when ready, -1 with errno ETIMEDOUT when the time ran
 *	out, -1 with another errno on error. A negative timeout waits
 *	without limit; EINTR restarts the wait with the remaining time.
 *	write_buf(fd, buf, len, timeout_ms) writes all of buf, waiting for
 *	the descriptor as needed (blocking or non-blocking); timeout_ms is a
 *	total budget for the whole call (negative: no limit). It returns len,
 *	or -1 with errno (ETIMEDOUT on timeout).
 *	monotonic_ms() is CLOCK_MONOTONIC in milliseconds, for deadlines.
 */
#include <stddef.h>
#include <sys/types.h>

#define BLOCKING	0
#define NON_BLOCKING	1
#define PASS_ON_EXEC	0
#define CLOSE_ON_EXEC	1

extern int non_blocking(int fd, int on);
extern int close_on_exec(int fd, int on);
extern int read_wait(int fd, int timeout_ms);
extern int write_wait(int fd, int timeout_ms);
extern ssize_t write_buf(int fd, const void *buf, size_t len, int timeout_ms);
extern long long monotonic_ms(void);

#endif
