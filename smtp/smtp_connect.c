/*
 * smtp_connect - connections to one server address
 *
 *	smtp_connect_addr(host, addr, sa, salen, port, why) connects to one
 *	TCP address with a non-blocking connect() bounded by
 *	smtp_connect_timeout (0: the kernel's limit), binding first to
 *	smtp_bind_address (IPv4) or smtp_bind_address6 (IPv6) when set.
 *	smtp_connect_unix(path, why) connects to a UNIX-domain socket
 *	(relative paths are under queue_directory, the daemon's cwd); the
 *	session's host is myhostname and its address the path, as Postfix
 *	logs relay=host[private/dovecot-lmtp].
 *	Both return a session with an open stream, or NULL with why set to
 *	Postfix's wording: "connect to host[addr]:port: Connection refused".
 *	smtp_session_free() closes the stream (TLS already stopped) and
 *	frees the session.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include "msg.h"
#include "mymalloc.h"
#include "iostuff.h"
#include "unix_sock.h"
#include "smtp.h"

static SMTP_SESSION *
smtp_session_alloc(VSTREAM *stream, const char *host, const char *addr,
		   unsigned port)
{
	SMTP_SESSION *session = mymalloc(sizeof(*session));
	VSTRING *buf = vstring_alloc(100);

	memset(session, 0, sizeof(*session));
	session->stream = stream;
	session->host = mystrdup(host);
	session->addr = mystrdup(addr);
	session->port = port;
	vstring_sprintf(buf, "%s[%s]", host, addr);
	session->namaddr = mystrdup(vstring_str(buf));
	if (port)
		vstring_sprintf_append(buf, ":%u", port);
	session->relay = mystrdup(vstring_str(buf));
	session->created = time(NULL);
	vstring_free(buf);
	return (session);
}

/* Bind to the configured source address of this family: 0 or -1. */
static int
smtp_bind(int sock, int family, VSTRING *why)
{
	const char *text = family == AF_INET ? smtp_var.bind_address :
		smtp_var.bind_address6;
	struct sockaddr_storage ss;
	socklen_t len;

	if (text == NULL || *text == 0)
		return (0);
	memset(&ss, 0, sizeof(ss));
	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *) &ss;

		sin->sin_family = AF_INET;
		if (inet_pton(AF_INET, text, &sin->sin_addr) != 1)
			msg_fatal("%s: bad numerical address: %s",
				  smtp_param("bind_address"), text);
		len = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *) &ss;

		sin6->sin6_family = AF_INET6;
		if (inet_pton(AF_INET6, text, &sin6->sin6_addr) != 1)
			msg_fatal("%s: bad numerical address: %s",
				  smtp_param("bind_address6"), text);
		len = sizeof(*sin6);
	}
	if (bind(sock, (struct sockaddr *) &ss, len) < 0) {
		vstring_sprintf(why, "bind %s: %s", text, strerror(errno));
		msg_warn("%s", vstring_str(why));
		return (-1);
	}
	return (0);
}

SMTP_SESSION *
smtp_connect_addr(const char *host, const char *addr, const void *sa,
		  unsigned salen, unsigned port, VSTRING *why)
{
	const struct sockaddr *sap = sa;
	int	sock;
	int	err = 0;
	int	on = 1;
	socklen_t errlen = sizeof(err);
	int	timeout_ms = smtp_var.connect_timeout > 0 ?
		smtp_var.connect_timeout * 1000 : -1;

	if ((sock = socket(sap->sa_family, SOCK_STREAM, 0)) < 0) {
		vstring_sprintf(why, "connect to %s[%s]:%u: %s", host, addr, port,
				strerror(errno));
		return (NULL);
	}
	close_on_exec(sock, CLOSE_ON_EXEC);
	if (smtp_bind(sock, sap->sa_family, why) < 0) {
		(void) close(sock);
		return (NULL);
	}
	non_blocking(sock, NON_BLOCKING);
	if (connect(sock, sap, salen) < 0) {
		if (errno != EINPROGRESS)
			err = errno;
		else if (write_wait(sock, timeout_ms) < 0)
			err = errno;
		else if (getsockopt(sock, SOL_SOCKET, SO_ERROR, &err, &errlen) < 0)
			err = errno;
	}
	if (err != 0) {
		vstring_sprintf(why, "connect to %s[%s]:%u: %s", host, addr, port,
				err == ETIMEDOUT ? "Connection timed out" :
				strerror(err));
		(void) close(sock);
		return (NULL);
	}
	non_blocking(sock, BLOCKING);

	/*
	 * Every write is a whole buffer that the server must see before it
	 * answers (a pipelined command group, the end of the message):
	 * Nagle's algorithm would hold the last short segment until the
	 * server's delayed ACK, about 40 ms per message.
	 */
	(void) setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
	return (smtp_session_alloc(vstream_fdopen(sock, O_RDWR), host, addr,
				   port));
}

SMTP_SESSION *
smtp_connect_unix(const char *path, VSTRING *why)
{
	int	sock;
	VSTRING *err = vstring_alloc(100);

	if ((sock = unix_connect(path, smtp_var.connect_timeout, err)) < 0) {
		vstring_sprintf(why, "connect to %s[%s]: %s",
				smtp_var.myhostname, path,
				strerror(errno));
		vstring_free(err);
		return (NULL);
	}
	vstring_free(err);
	return (smtp_session_alloc(vstream_fdopen(sock, O_RDWR),
				   smtp_var.myhostname, path, 0));
}

void
smtp_session_free(SMTP_SESSION *session)
{
	if (session->tls)
		tls_session_stop(session->tls, session->stream, session->broken);
	(void) vstream_close(session->stream);
	myfree(session->host);
	myfree(session->addr);
	myfree(session->namaddr);
	myfree(session->relay);
	if (session->dest)
		myfree(session->dest);
	if (session->dest_host)
		myfree(session->dest_host);
	if (session->cache_key)
		myfree(session->cache_key);
	if (session->auth_mechs)
		myfree(session->auth_mechs);
	myfree(session);
}
