#ifndef POSTERN_UNIX_SOCK_H
#define POSTERN_UNIX_SOCK_H

/*
 * unix_sock - UNIX-domain sockets and descriptor passing
 *
 *	unix_listen(path, backlog, why) returns a listening stream socket
 *	bound to path (close-on-exec, blocking). A socket left at path by
 *	an earlier run is removed first; any other kind of file there is
 *	refused, never removed. The socket file gets the process umask;
 *	callers chmod() it (public/ sockets are world-writable).
 *	unix_connect(path, timeout, why) connects a stream socket; when the
 *	server's backlog is full it waits at most timeout seconds (0: no
 *	limit) and then fails with ETIMEDOUT. The socket is blocking and
 *	close-on-exec.
 *	unix_connect_nb(path, why) connects a non-blocking stream socket and
 *	never waits: a full backlog fails at once with EAGAIN.
 *	unix_accept(listen_fd) accepts one connection (close-on-exec): the
 *	socket, or -1 with errno (EAGAIN when non-blocking and none waits).
 *	unix_dgram_listen(path, why) binds a datagram socket to path (stale
 *	sockets removed as above); unix_dgram_connect(path, why) returns a
 *	datagram socket whose send() goes to path.
 *	unix_send_fd(sock, fd) sends one descriptor with SCM_RIGHTS (and a
 *	one-byte payload): 0 or -1 with errno. unix_recv_fd(sock) receives
 *	one: the new descriptor (close-on-exec), or -1 with errno: ECONNRESET
 *	at end of file, EBADMSG when the message carried no descriptor,
 *	EMSGSIZE when the peer sent more than fits (any extra descriptors
 *	that did arrive are closed, never leaked).
 *
 * Errors: functions taking why return -1 and replace why (when not NULL)
 * with a reason such as "connect to private/cleanup: No such file or
 * directory"; errno is also left set. Nothing here logs.
 */
#include "vstring.h"

extern int unix_listen(const char *path, int backlog, VSTRING *why);
extern int unix_connect(const char *path, int timeout, VSTRING *why);
extern int unix_connect_nb(const char *path, VSTRING *why);
extern int unix_accept(int listen_fd);
extern int unix_dgram_listen(const char *path, VSTRING *why);
extern int unix_dgram_connect(const char *path, VSTRING *why);
extern int unix_send_fd(int sock, int fd);
extern int unix_recv_fd(int sock);

#endif
