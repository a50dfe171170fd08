/*
 * unix_sock - UNIX-domain sockets and descriptor passing
 *
 *	unix_listen(), unix_connect(), unix_accept(), unix_dgram_listen()
 *	and unix_dgram_connect() make sockets; unix_send_fd() and
 *	unix_recv_fd() pass descriptors with SCM_RIGHTS.
 *
 * Errors: -1 with errno and, where there is a why argument, a reason.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE			/* accept4(), MSG_CMSG_CLOEXEC */
#endif
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>

#include "vstring.h"
#include "unix_sock.h"

#define UNIX_FD_MAX	4		/* room to see (and close) extras */

static int
unix_fail(VSTRING *why, const char *action, const char *path, int err)
{
	if (why)
		vstring_sprintf(why, "%s%s: %s", action, path, strerror(err));
	errno = err;
	return (-1);
}

/* Fill in sun; -1 when the path does not fit. */
static int
unix_addr(struct sockaddr_un *sun, const char *path, VSTRING *why)
{
	size_t  len = strlen(path);

	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (len == 0 || len >= sizeof(sun->sun_path))
		return (unix_fail(why, "socket path ", path, ENAMETOOLONG));
	memcpy(sun->sun_path, path, len + 1);
	return (0);
}

/* Remove a socket left by an earlier run; refuse other file types. */
static int
unix_remove_stale(const char *path, VSTRING *why)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return (errno == ENOENT ? 0 : unix_fail(why, "lstat ", path, errno));
	if (!S_ISSOCK(st.st_mode))
		return (unix_fail(why, "not a socket, not removed: ", path, EEXIST));
	if (unlink(path) < 0 && errno != ENOENT)
		return (unix_fail(why, "remove stale socket ", path, errno));
	return (0);
}

static int
unix_bound(const char *path, int type, int backlog, VSTRING *why)
{
	struct sockaddr_un sun;
	int     fd;
	int     err;

	if (unix_addr(&sun, path, why) < 0 || unix_remove_stale(path, why) < 0)
		return (-1);
	if ((fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0)) < 0)
		return (unix_fail(why, "socket for ", path, errno));
	if (bind(fd, (struct sockaddr *) &sun, sizeof(sun)) < 0) {
		err = errno;
		(void) close(fd);
		return (unix_fail(why, "bind ", path, err));
	}
	if (type == SOCK_STREAM && listen(fd, backlog) < 0) {
		err = errno;
		(void) close(fd);
		(void) unlink(path);
		return (unix_fail(why, "listen ", path, err));
	}
	return (fd);
}

int
unix_listen(const char *path, int backlog, VSTRING *why)
{
	return (unix_bound(path, SOCK_STREAM, backlog, why));
}

int
unix_dgram_listen(const char *path, VSTRING *why)
{
	return (unix_bound(path, SOCK_DGRAM, 0, why));
}

/* Connect; a full backlog waits at most timeout seconds (SO_SNDTIMEO). */
static int
unix_connected(const char *path, int type, int timeout, VSTRING *why)
{
	struct sockaddr_un sun;
	struct timeval tv;
	int     fd;
	int     err = 0;

	if (unix_addr(&sun, path, why) < 0)
		return (-1);
	if ((fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0)) < 0)
		return (unix_fail(why, "socket for ", path, errno));
	tv.tv_sec = timeout > 0 ? timeout : 0;
	tv.tv_usec = 0;
	if (timeout > 0 && setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0)
		err = errno;
	while (err == 0 && connect(fd, (struct sockaddr *) &sun, sizeof(sun)) < 0) {
		if (errno == EINTR)
			continue;
		/* Linux reports a backlog wait that timed out as EAGAIN. */
		err = (errno == EAGAIN || errno == EINPROGRESS) ? ETIMEDOUT : errno;
	}
	tv.tv_sec = 0;
	if (err == 0 && timeout > 0
	    && setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0)
		err = errno;
	if (err != 0) {
		(void) close(fd);
		return (unix_fail(why, "connect to ", path, err));
	}
	return (fd);
}

int
unix_connect(const char *path, int timeout, VSTRING *why)
{
	return (unix_connected(path, SOCK_STREAM, timeout, why));
}

int
unix_connect_nb(const char *path, VSTRING *why)
{
	struct sockaddr_un sun;
	int     fd;

	if (unix_addr(&sun, path, why) < 0)
		return (-1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
			 0)) < 0)
		return (unix_fail(why, "socket for ", path, errno));
	while (connect(fd, (struct sockaddr *) &sun, sizeof(sun)) < 0) {
		if (errno == EINTR)
			continue;
		(void) close(fd);
		/* EAGAIN: the listener's backlog is full right now. */
		return (unix_fail(why, "connect to ", path, errno));
	}
	return (fd);
}

int
unix_dgram_connect(const char *path, VSTRING *why)
{
	return (unix_connected(path, SOCK_DGRAM, 0, why));
}

int
unix_accept(int listen_fd)
{
	int     fd;

	while ((fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC)) < 0
	       && errno == EINTR)
		 /* retry */ ;
	return (fd);
}

int
unix_send_fd(int sock, int fd)
{
	union {
		struct cmsghdr align;
		char    buf[CMSG_SPACE(sizeof(int))];
	}       control;
	struct msghdr msg;
	struct cmsghdr *cmsg;
	struct iovec iov;
	char    byte = 0;
	ssize_t n;

	memset(&msg, 0, sizeof(msg));
	memset(&control, 0, sizeof(control));
	iov.iov_base = &byte;
	iov.iov_len = 1;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = control.buf;
	msg.msg_controllen = sizeof(control.buf);
	cmsg = CMSG_FIRSTHDR(&msg);
	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
	while ((n = sendmsg(sock, &msg, MSG_NOSIGNAL)) < 0 && errno == EINTR)
		 /* retry */ ;
	return (n == 1 ? 0 : -1);
}

int
unix_recv_fd(int sock)
{
	union {
		struct cmsghdr align;
		char    buf[CMSG_SPACE(UNIX_FD_MAX * sizeof(int))];
	}       control;
	struct msghdr msg;
	struct cmsghdr *cmsg;
	struct iovec iov;
	char    byte;
	ssize_t n;
	size_t  count;
	size_t  i;
	int     fds[UNIX_FD_MAX];
	int     result = -1;
	int     err = EBADMSG;

	memset(&msg, 0, sizeof(msg));
	iov.iov_base = &byte;
	iov.iov_len = 1;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = control.buf;
	msg.msg_controllen = sizeof(control.buf);
	while ((n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR)
		 /* retry */ ;
	if (n < 0)
		return (-1);
	if (n == 0) {
		errno = ECONNRESET;
		return (-1);
	}
	for (cmsg = CMSG_FIRSTHDR(&msg); cmsg; cmsg = CMSG_NXTHDR(&msg, cmsg)) {
		if (cmsg->cmsg_level != SOL_SOCKET || cmsg->cmsg_type != SCM_RIGHTS
		    || cmsg->cmsg_len < CMSG_LEN(0))
			continue;
		count = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		if (count > UNIX_FD_MAX)
			count = UNIX_FD_MAX;
		memcpy(fds, CMSG_DATA(cmsg), count * sizeof(int));
		for (i = 0; i < count; i++) {
			if (result < 0 && i == 0 && count == 1) {
				result = fds[i];
			} else {
				/* Exactly one descriptor per message, or none. */
				(void) close(fds[i]);
				err = EMSGSIZE;
			}
		}
	}
	if (msg.msg_flags & MSG_CTRUNC)
		err = EMSGSIZE;
	if (err == EMSGSIZE && result >= 0) {
		(void) close(result);
		result = -1;
	}
	if (result < 0)
		errno = err;
	return (result);
}
