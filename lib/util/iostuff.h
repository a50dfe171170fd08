#ifndef POSTERN_IOSTUFF_H
#define POSTERN_IOSTUFF_H

/*
 * iostuff - small descriptor helpers shared by streams, sockets and daemons
 *
 *	non_blocking(fd, on) sets or clears O_NONBLOCK; close_on_exec(fd, on)
 *	sets or clears FD_CLOEXEC. Both return the previous setting (0 or 1),
 *	or -1 with errno set.
 *
 *	read_wait(fd, timeout_ms) and write_wait(fd, timeout_ms) wait with
 *	poll() until fd is readable (or at end of file, or in error) or
 *	writable: 0 when ready, -1 with errno ETIMEDOUT when the time ran
 *	out, -1 with another errno on error. A negative timeout waits
 *	without limit; EINTR restarts the wait with the time that is left.
 *
 *	io_kind(fd) classifies a descriptor once (IO_KIND_SOCKET, IO_KIND_FILE
 *	for regular files and block devices, which never make a reader
 *	wait, IO_KIND_OTHER for pipes, terminals, ...) so that timed_read()
 *	and timed_write() can pick a strategy without asking again.
 *	timed_read(fd, buf, len, kind, timeout_ms) does one read: >0 bytes,
 *	0 at end of file, -1 with errno (ETIMEDOUT after timeout_ms).
 *	timed_write(fd, buf, len, kind, timeout_ms) does one write of at
 *	least one byte: the count, or -1 with errno (ETIMEDOUT).
 *	Both work on blocking and non-blocking descriptors alike and never
 *	wait longer than the timeout (negative: no limit): sockets use
 *	MSG_DONTWAIT (and MSG_NOSIGNAL, so a closed peer gives EPIPE, not
 *	SIGPIPE); pipes are polled first and written at most PIPE_BUF bytes
 *	at a time, which a blocking pipe accepts without waiting once poll()
 *	said it is writable. Writing to a pipe without reader still raises
 *	SIGPIPE; daemons ignore that signal.
 *
 *	write_buf(fd, buf, len, timeout_ms) writes all of buf; timeout_ms is
 *	a total budget for the whole call (negative: no limit). It returns
 *	len, or -1 with errno (ETIMEDOUT on timeout).
 *
 *	monotonic_ms() is CLOCK_MONOTONIC in milliseconds, for deadlines.
 *
 * Errors: -1 with errno; nothing here logs.
 */
#include <stddef.h>
#include <sys/types.h>

#define BLOCKING	0
#define NON_BLOCKING	1
#define PASS_ON_EXEC	0
#define CLOSE_ON_EXEC	1

#define IO_KIND_SOCKET	1
#define IO_KIND_FILE	2
#define IO_KIND_OTHER	3

extern int non_blocking(int fd, int on);
extern int close_on_exec(int fd, int on);
extern int read_wait(int fd, int timeout_ms);
extern int write_wait(int fd, int timeout_ms);
extern int io_kind(int fd);
extern ssize_t timed_read(int fd, void *buf, size_t len, int kind,
			          int timeout_ms);
extern ssize_t timed_write(int fd, const void *buf, size_t len, int kind,
			           int timeout_ms);
extern ssize_t write_buf(int fd, const void *buf, size_t len, int timeout_ms);
extern long long monotonic_ms(void);

#endif
