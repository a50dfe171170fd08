/*
 * inet_sock - TCP listening, connecting and address text, IPv4 and IPv6
 *
 *	inet_addr_split() splits "host:port" text; inet_listen(),
 *	inet_connect() and inet_accept() make sockets; sockaddr_to_text(),
 *	inet_peer_text() and inet_local_text() print addresses.
 *
 * Errors: -1 with errno and, where there is a why argument, a reason.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE			/* accept4() */
#endif
#include <errno.h>
#include <netdb.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "iostuff.h"
#include "vstring.h"
#include "inet_sock.h"

/* Set the reason, keeping errno for the caller. */
static int
inet_fail(VSTRING *why, const char *action, const char *addr, const char *detail)
{
	int     saved_errno = errno;

	if (why)
		vstring_sprintf(why, "%s%s: %s", action, addr, detail);
	errno = saved_errno;
	return (-1);
}

int
inet_addr_split(const char *addr, VSTRING *host, VSTRING *port, VSTRING *why)
{
	const char *colon = NULL;
	const char *close;
	const char *problem = NULL;

	if (addr[0] == '[') {
		if ((close = strchr(addr, ']')) == NULL || close[1] != ':') {
			problem = "expected [address]:port";
		} else {
			vstring_strncpy(host, addr + 1, (size_t) (close - addr - 1));
			colon = close + 1;
		}
	} else if ((colon = strrchr(addr, ':')) != NULL) {
		if (strchr(addr, ':') != colon)
			problem = "an IPv6 address needs [brackets] before :port";
		else
			vstring_strncpy(host, addr, (size_t) (colon - addr));
	} else {
		VSTRING_RESET(host);
		colon = addr - 1;
	}
	if (problem == NULL) {
		vstring_strcpy(port, colon + 1);
		if (vstring_len(port) == 0)
			problem = "missing port";
	}
	if (problem != NULL) {
		errno = EINVAL;
		return (inet_fail(why, "", addr, problem));
	}
	return (0);
}

/* Look up host and port; numeric first, then as a name if allowed. */
static int
inet_lookup(const char *addr, const char *host, const char *port, int family,
	            int passive, struct addrinfo **res, VSTRING *why)
{
	struct addrinfo hints;
	int     err;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = family;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | (passive ? AI_PASSIVE : 0);
	err = getaddrinfo(*host ? host : NULL, port, &hints, res);
	if (err == EAI_NONAME && *host) {
		hints.ai_flags &= ~AI_NUMERICHOST;
		err = getaddrinfo(host, port, &hints, res);
	}
	if (err != 0) {
		if (err != EAI_SYSTEM)
			errno = EINVAL;
		return (inet_fail(why, "", addr, err == EAI_SYSTEM ?
				  strerror(errno) : gai_strerror(err)));
	}
	return (0);
}

static int
inet_listen_one(const char *addr, struct addrinfo *ai, int wildcard,
		        int backlog, VSTRING *why)
{
	int     fd;
	int     on = 1;
	int     v6only = !wildcard;
	int     saved_errno;

	if ((fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
			 ai->ai_protocol)) < 0)
		return (inet_fail(why, "socket for ", addr, strerror(errno)));
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) < 0
	    || (ai->ai_family == AF_INET6
		&& setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only,
			      sizeof(v6only)) < 0))
		goto bad;
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
		inet_fail(why, "bind ", addr, strerror(errno));
		goto close_fd;
	}
	if (listen(fd, backlog) < 0) {
		inet_fail(why, "listen ", addr, strerror(errno));
		goto close_fd;
	}
	return (fd);

bad:
	inet_fail(why, "setsockopt for ", addr, strerror(errno));
close_fd:
	saved_errno = errno;
	(void) close(fd);
	errno = saved_errno;
	return (-1);
}

int
inet_listen(const char *addr, int backlog, VSTRING *why)
{
	VSTRING *host = vstring_alloc(50);
	VSTRING *port = vstring_alloc(10);
	struct addrinfo *res = NULL;
	struct addrinfo *ai;
	int     wildcard;
	int     fd = -1;

	if (inet_addr_split(addr, host, port, why) < 0)
		goto out;
	wildcard = vstring_len(host) == 0;
	if (inet_lookup(addr, vstring_str(host), vstring_str(port),
			wildcard ? AF_INET6 : AF_UNSPEC, 1, &res, why) < 0)
		goto out;
	for (ai = res; ai != NULL && fd < 0; ai = ai->ai_next)
		fd = inet_listen_one(addr, ai, wildcard, backlog, why);
	/* A kernel without IPv6 still serves the IPv4 wildcard. */
	if (fd < 0 && wildcard && errno == EAFNOSUPPORT) {
		freeaddrinfo(res);
		res = NULL;
		if (inet_lookup(addr, "", vstring_str(port), AF_INET, 1,
				&res, why) == 0)
			fd = inet_listen_one(addr, res, 0, backlog, why);
	}
out:
	if (res)
		freeaddrinfo(res);
	vstring_free(host);
	vstring_free(port);
	return (fd);
}

/* One non-blocking connect attempt within the time left. */
static int
inet_connect_one(const char *addr, struct addrinfo *ai, long long deadline,
		         VSTRING *why)
{
	int     fd;
	int     err = 0;
	socklen_t len = sizeof(err);
	long long left = -1;

	if ((fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
			 ai->ai_protocol)) < 0)
		return (inet_fail(why, "socket for ", addr, strerror(errno)));
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
		if (errno != EINPROGRESS) {
			err = errno;
		} else {
			if (deadline >= 0 && (left = deadline - monotonic_ms()) < 0)
				left = 0;
			if (write_wait(fd, (int) left) < 0)
				err = errno;
			else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
				err = errno;
		}
	}
	if (err == 0 && non_blocking(fd, BLOCKING) < 0)
		err = errno;
	if (err != 0) {
		(void) close(fd);
		errno = err;
		return (inet_fail(why, "connect to ", addr, strerror(err)));
	}
	return (fd);
}

int
inet_connect(const char *addr, int timeout, VSTRING *why)
{
	VSTRING *host = vstring_alloc(50);
	VSTRING *port = vstring_alloc(10);
	struct addrinfo *res = NULL;
	struct addrinfo *ai;
	long long deadline = timeout > 0 ? monotonic_ms() + 1000LL * timeout : -1;
	int     fd = -1;

	if (inet_addr_split(addr, host, port, why) < 0)
		goto out;
	if (vstring_len(host) == 0) {
		errno = EINVAL;
		inet_fail(why, "", addr, "missing host");
		goto out;
	}
	if (inet_lookup(addr, vstring_str(host), vstring_str(port),
			AF_UNSPEC, 0, &res, why) < 0)
		goto out;
	for (ai = res; ai != NULL && fd < 0; ai = ai->ai_next) {
		fd = inet_connect_one(addr, ai, deadline, why);
		if (fd < 0 && errno == ETIMEDOUT)
			break;
	}
out:
	if (res)
		freeaddrinfo(res);
	vstring_free(host);
	vstring_free(port);
	return (fd);
}

int
inet_accept(int listen_fd)
{
	int     fd;

	while ((fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC)) < 0
	       && errno == EINTR)
		 /* retry */ ;
	return (fd);
}

int
sockaddr_to_text(const struct sockaddr *sa, socklen_t salen, VSTRING *addr,
		         unsigned *port)
{
	char    host[NI_MAXHOST];
	struct sockaddr_in sin;
	const struct sockaddr_in6 *sin6;
	int     err;

	if (sa->sa_family == AF_INET6 && salen >= sizeof(*sin6)) {
		sin6 = (const struct sockaddr_in6 *) sa;
		if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
			/* Show ::ffff:192.0.2.1 as the IPv4 address it is. */
			memset(&sin, 0, sizeof(sin));
			sin.sin_family = AF_INET;
			sin.sin_port = sin6->sin6_port;
			memcpy(&sin.sin_addr, sin6->sin6_addr.s6_addr + 12, 4);
			sa = (const struct sockaddr *) &sin;
			salen = sizeof(sin);
		}
	} else if (sa->sa_family != AF_INET || salen < sizeof(sin)) {
		errno = EAFNOSUPPORT;
		return (-1);
	}
	err = getnameinfo(sa, salen, host, sizeof(host), NULL, 0, NI_NUMERICHOST);
	if (err != 0) {
		if (err != EAI_SYSTEM)
			errno = EINVAL;
		return (-1);
	}
	vstring_strcpy(addr, host);
	if (port)
		*port = ntohs(sa->sa_family == AF_INET ?
			      ((const struct sockaddr_in *) sa)->sin_port :
			      ((const struct sockaddr_in6 *) sa)->sin6_port);
	return (0);
}

int
inet_peer_text(int fd, VSTRING *addr, unsigned *port)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getpeername(fd, (struct sockaddr *) &ss, &len) < 0)
		return (-1);
	return (sockaddr_to_text((struct sockaddr *) &ss, len, addr, port));
}

int
inet_local_text(int fd, VSTRING *addr, unsigned *port)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *) &ss, &len) < 0)
		return (-1);
	return (sockaddr_to_text((struct sockaddr *) &ss, len, addr, port));
}
