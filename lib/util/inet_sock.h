#ifndef POSTERN_INET_SOCK_H
#define POSTERN_INET_SOCK_H

/*
 * inet_sock - TCP listening, connecting and address text, IPv4 and IPv6
 *
 *	Addresses are written "host:port", "[ipv6]:port", ":port" or "port";
 *	an IPv6 address needs the brackets when a port follows. The port is
 *	a number or a service name (/etc/services).
 *	inet_addr_split(addr, host, port, why) splits such text (host may
 *	come back empty): 0, or -1 with a reason.
 *	inet_listen(addr, backlog, why) returns a listening, close-on-exec,
 *	blocking socket with SO_REUSEADDR. The host is a numeric address or
 *	else a name (the first address that binds wins); an empty host
 *	binds the IPv6 wildcard with IPv4 accepted too (peers then show as
 *	plain IPv4 text, see below), or the IPv4 wildcard on a host without
 *	IPv6. An explicit IPv6 address binds IPv6 only.
 *	inet_connect(addr, timeout, why) connects with a non-blocking
 *	connect() that gives up after timeout seconds in total (0: no limit
 *	but the kernel's), trying each address of the host in turn, and
 *	returns a close-on-exec socket in blocking mode. Names are looked up
 *	with getaddrinfo(), whose own timeouts apply.
 *	inet_accept(listen_fd) accepts one connection (close-on-exec,
 *	blocking): the socket, or -1 with errno (EAGAIN on a non-blocking
 *	listener with nothing pending).
 *	sockaddr_to_text(sa, salen, addr, port) writes the numeric address
 *	into addr and the port into *port (port may be NULL); an
 *	IPv4-mapped IPv6 address comes out as dotted IPv4. 0, or -1 with
 *	errno (EAFNOSUPPORT for non-IP families).
 *	inet_peer_text(fd, addr, port) and inet_local_text(fd, addr, port)
 *	do the same for a socket's peer and local end.
 *
 * Errors: functions taking why return -1 and replace why (when not NULL)
 * with a reason such as "bind 127.0.0.1:25: Address already in use";
 * errno is also left set. Nothing here logs.
 */
#include <sys/socket.h>

#include "vstring.h"

extern int inet_addr_split(const char *addr, VSTRING *host, VSTRING *port,
			           VSTRING *why);
extern int inet_listen(const char *addr, int backlog, VSTRING *why);
extern int inet_connect(const char *addr, int timeout, VSTRING *why);
extern int inet_accept(int listen_fd);
extern int sockaddr_to_text(const struct sockaddr *sa, socklen_t salen,
			            VSTRING *addr, unsigned *port);
extern int inet_peer_text(int fd, VSTRING *addr, unsigned *port);
extern int inet_local_text(int fd, VSTRING *addr, unsigned *port);

#endif
