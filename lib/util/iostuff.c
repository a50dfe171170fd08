/*
 * iostuff - small descriptor helpers shared by streams, sockets and daemons
 *
 *	non_blocking() and close_on_exec() flip one descriptor flag and
 *	return the old setting. read_wait() and write_wait() wait for a
 *	descriptor with poll() and a timeout in milliseconds. write_buf()
 *	writes a whole buffer within a total time budget. monotonic_ms()
 *	reads the clock that deadlines are measured against.
 *
 * Errors: -1 with errno; a timeout is errno ETIMEDOUT. Nothing here logs.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <time.h>
#include <unistd.h>

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

/* Wait for events on fd; the timeout is restarted with what is left. */
static int
poll_wait(int fd, short events, int timeout_ms)
{
	struct pollfd pfd;
	long long deadline = 0;
	long long left;
	int     n;

	if (timeout_ms >= 0)
		deadline = monotonic_ms() + timeout_ms;
	for (;;) {
		pfd.fd = fd;
		pfd.events = events;
		pfd.revents = 0;
		left = -1;
		if (timeout_ms >= 0) {
			left = deadline - monotonic_ms();
			if (left < 0)
				left = 0;
		}
		n = poll(&pfd, 1, (int) left);
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

ssize_t
write_buf(int fd, const void *buf, size_t len, int timeout_ms)
{
	const char *cp = buf;
	size_t  done = 0;
	long long deadline = 0;
	long long left;
	ssize_t n;

	if (timeout_ms >= 0)
		deadline = monotonic_ms() + timeout_ms;
	while (done < len) {
		n = write(fd, cp + done, len - done);
		if (n > 0) {
			done += (size_t) n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
			return (-1);
		/* Non-blocking descriptor is full (or write() returned 0). */
		left = -1;
		if (timeout_ms >= 0) {
			left = deadline - monotonic_ms();
			if (left <= 0) {
				errno = ETIMEDOUT;
				return (-1);
			}
		}
		if (write_wait(fd, (int) left) < 0)
			return (-1);
	}
	return ((ssize_t) len);
}
