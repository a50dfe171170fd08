/*
 * iostuff - small descriptor helpers shared by streams, sockets and daemons
 *
 *	non_blocking() and close_on_exec() flip one descriptor flag and
 *	return the old setting. read_wait() and write_wait() wait for a
 *	descriptor with poll() and a timeout in milliseconds. io_kind(),
 *	timed_read() and timed_write() do one read or write that never
 *	waits longer than a timeout, whatever the descriptor's blocking
 *	mode. write_buf() writes a whole buffer within a total budget.
 *	monotonic_ms() reads the clock that deadlines are measured against.
 *
 * Errors: -1 with errno; a timeout is errno ETIMEDOUT. Nothing here logs.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "msg.h"
#include "iostuff.h"

long long
monotonic_ms(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) < 0)
		msg_fatal("clock_gettime(CLOCK_MONOTONIC): %m");
	return ((long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

int
non_blocking(int fd, int on)
{
	int     flags;
	int     want;

	if ((flags = fcntl(fd, F_GETFL, 0)) < 0)
		return (-1);
	want = on ? (flags | O_NONBLOCK) : (flags & ~O_NONBLOCK);
	if (want != flags && fcntl(fd, F_SETFL, want) < 0)
		return (-1);
	return ((flags & O_NONBLOCK) != 0);
}

int
close_on_exec(int fd, int on)
{
	int     flags;
	int     want;

	if ((flags = fcntl(fd, F_GETFD, 0)) < 0)
		return (-1);
	want = on ? (flags | FD_CLOEXEC) : (flags & ~FD_CLOEXEC);
	if (want != flags && fcntl(fd, F_SETFD, want) < 0)
		return (-1);
	return ((flags & FD_CLOEXEC) != 0);
}

/* Milliseconds left until deadline (-1: no deadline), never negative. */
static int
time_left(long long deadline)
{
	long long left;

	if (deadline < 0)
		return (-1);
	left = deadline - monotonic_ms();
	if (left < 0)
		return (0);
	if (left > INT_MAX)
		return (INT_MAX);
	return ((int) left);
}

static long long
deadline_after(int timeout_ms)
{
	return (timeout_ms < 0 ? -1 : monotonic_ms() + timeout_ms);
}

/* Wait for events on fd; EINTR restarts with the time that is left. */
static int
poll_wait(int fd, short events, int timeout_ms)
{
	struct pollfd pfd;
	long long deadline = deadline_after(timeout_ms);
	int     n;

	for (;;) {
		pfd.fd = fd;
		pfd.events = events;
		pfd.revents = 0;
		n = poll(&pfd, 1, time_left(deadline));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return (-1);
		}
		if (n == 0) {
			errno = ETIMEDOUT;
			return (-1);
		}
		if (pfd.revents & POLLNVAL) {
			errno = EBADF;
			return (-1);
		}
		/* POLLHUP and POLLERR count as ready: the next call reports them. */
		return (0);
	}
}

int
read_wait(int fd, int timeout_ms)
{
	return (poll_wait(fd, POLLIN, timeout_ms));
}

int
write_wait(int fd, int timeout_ms)
{
	return (poll_wait(fd, POLLOUT, timeout_ms));
}

int
io_kind(int fd)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return (IO_KIND_OTHER);
	if (S_ISSOCK(st.st_mode))
		return (IO_KIND_SOCKET);
	if (S_ISREG(st.st_mode) || S_ISBLK(st.st_mode))
		return (IO_KIND_FILE);
	return (IO_KIND_OTHER);
}

ssize_t
timed_read(int fd, void *buf, size_t len, int kind, int timeout_ms)
{
	long long deadline = deadline_after(timeout_ms);
	int     waited = 0;
	ssize_t n;

	for (;;) {
		if (kind == IO_KIND_SOCKET) {
			n = recv(fd, buf, len, MSG_DONTWAIT);
		} else {
			/* A blocking pipe must be polled before read() may wait. */
			if (kind == IO_KIND_OTHER && deadline >= 0 && !waited
			    && read_wait(fd, time_left(deadline)) < 0)
				return (-1);
			n = read(fd, buf, len);
		}
		if (n >= 0)
			return (n);
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return (-1);
		if (read_wait(fd, time_left(deadline)) < 0)
			return (-1);
		waited = 1;
	}
}

ssize_t
timed_write(int fd, const void *buf, size_t len, int kind, int timeout_ms)
{
	long long deadline = deadline_after(timeout_ms);
	size_t  chunk = len;
	ssize_t n;

	if (len == 0)
		return (0);
	for (;;) {
		if (kind == IO_KIND_SOCKET) {
			n = send(fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
		} else {
			if (kind == IO_KIND_OTHER && deadline >= 0) {
				if (write_wait(fd, time_left(deadline)) < 0)
					return (-1);
				if (chunk > PIPE_BUF)
					chunk = PIPE_BUF;
			}
			n = write(fd, buf, chunk);
		}
		if (n > 0)
			return (n);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
			return (-1);
		if (write_wait(fd, time_left(deadline)) < 0)
			return (-1);
	}
}

ssize_t
write_buf(int fd, const void *buf, size_t len, int timeout_ms)
{
	const char *cp = buf;
	long long deadline = deadline_after(timeout_ms);
	int     kind = io_kind(fd);
	size_t  done = 0;
	ssize_t n;

	while (done < len) {
		if (deadline >= 0 && time_left(deadline) == 0) {
			errno = ETIMEDOUT;
			return (-1);
		}
		n = timed_write(fd, cp + done, len - done, kind, time_left(deadline));
		if (n < 0)
			return (-1);
		done += (size_t) n;
	}
	return ((ssize_t) len);
}
