/*
 * smtpd_peer - who is the client
 *
 *	smtpd_peer_init() fills state->peer from the connection: the
 *	numeric address and port (an IPv4-mapped IPv6 address becomes
 *	IPv4), our own address and port, and with lookup
 *	(smtpd_peername_lookup) the client name as Postfix finds it: the
 *	PTR name (reverse_name) must be a valid host name and must resolve
 *	forward to the client address, else the client name is "unknown"
 *	(with a warning saying why). A stream that is not an IP socket
 *	(stand-alone mode on a pipe) is "localhost[127.0.0.1]".
 *	smtpd_peer_set() replaces the identity (XCLIENT) and rebuilds the
 *	derived strings: rfc_addr ("IPv6:..." for headers) and namaddr
 *	("name[addr]", or "name[addr]:port" with port_logging).
 *	smtpd_peer_free() releases the strings.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "msg.h"
#include "mymalloc.h"
#include "vstring.h"
#include "inet_sock.h"
#include "smtpd.h"

#define UNKNOWN	"unknown"

/* valid_hostname - letters, digits, '-', '_' and dots, sane lengths */

static int
valid_hostname(const char *name)
{
	const char *cp;
	size_t	label = 0;
	int	alpha = 0;

	if (*name == 0 || strlen(name) > 255)
		return (0);
	for (cp = name; *cp; cp++) {
		if (*cp == '.') {
			if (label == 0)
				return (0);
			label = 0;
		} else if (isalnum((unsigned char) *cp) || *cp == '-'
			   || *cp == '_') {
			if (++label > 63)
				return (0);
			if (isalpha((unsigned char) *cp))
				alpha = 1;
		} else {
			return (0);
		}
	}
	/* A name of digits and dots would read as an address. */
	return (alpha);
}

/* same_addr - does the sockaddr hold the printable address? */

static int
same_addr(const struct sockaddr *sa, socklen_t len, const char *addr)
{
	VSTRING *text = vstring_alloc(64);
	int	same;

	same = sockaddr_to_text(sa, len, text, NULL) == 0
	    && strcmp(vstring_str(text), addr) == 0;
	vstring_free(text);
	return (same);
}

/* forward_confirm - the PTR name when it resolves back, else NULL */

static const char *
forward_confirm(const char *name, const char *addr)
{
	struct addrinfo hints;
	struct addrinfo *res;
	struct addrinfo *ai;
	int	err;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if ((err = getaddrinfo(name, NULL, &hints, &res)) != 0) {
		msg_warn("hostname %s does not resolve to address %s: %s",
			 name, addr, gai_strerror(err));
		return (NULL);
	}
	for (ai = res; ai; ai = ai->ai_next)
		if (same_addr(ai->ai_addr, ai->ai_addrlen, addr))
			break;
	freeaddrinfo(res);
	if (ai == NULL) {
		msg_warn("hostname %s does not resolve to address %s",
			 name, addr);
		return (NULL);
	}
	return (name);
}

void
smtpd_peer_set(SMTPD_PEER *peer, const char *name, const char *reverse_name,
	       const char *addr, const char *port, int port_logging)
{
	VSTRING *buf = vstring_alloc(100);
	char   *old;

	/* Copy first: the arguments may be our own fields. */
#define REPLACE(field, value) do { \
		old = (field); (field) = mystrdup(value); \
		if (old) myfree(old); \
	} while (0)
	REPLACE(peer->name, name);
	REPLACE(peer->reverse_name, reverse_name);
	REPLACE(peer->addr, addr);
	REPLACE(peer->port, port);
	if (strchr(peer->addr, ':') != NULL)
		vstring_sprintf(buf, "IPv6:%s", peer->addr);
	else
		vstring_strcpy(buf, peer->addr);
	REPLACE(peer->rfc_addr, vstring_str(buf));
	vstring_sprintf(buf, "%s[%s]", peer->name, peer->addr);
	if (port_logging)
		vstring_sprintf_append(buf, ":%s", peer->port);
	REPLACE(peer->namaddr, vstring_str(buf));
	vstring_free(buf);
}

void
smtpd_peer_init(SMTPD_STATE *state, int lookup, int port_logging)
{
	SMTPD_PEER *peer = &state->peer;
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	VSTRING *addr = vstring_alloc(64);
	char	host[NI_MAXHOST];
	const char *name = UNKNOWN;
	const char *reverse = UNKNOWN;
	char	port[16];
	unsigned uport;
	int	fd = vstream_fileno(state->client);

	memset(peer, 0, sizeof(*peer));
	if (getpeername(fd, (struct sockaddr *) &ss, &len) < 0
	    || (ss.ss_family != AF_INET && ss.ss_family != AF_INET6)
	    || sockaddr_to_text((struct sockaddr *) &ss, len, addr, &uport) < 0) {
		smtpd_peer_set(peer, "localhost", "localhost", "127.0.0.1", "0",
			       port_logging);
		peer->server_addr = mystrdup("127.0.0.1");
		peer->server_port = mystrdup("0");
		vstring_free(addr);
		return;
	}
	snprintf(port, sizeof(port), "%u", uport);
	if (lookup) {
		if (getnameinfo((struct sockaddr *) &ss, len, host, sizeof(host),
				NULL, 0, NI_NAMEREQD) == 0) {
			if (valid_hostname(host)) {
				reverse = host;
				if (forward_confirm(host, vstring_str(addr)))
					name = host;
			} else {
				msg_warn("%s: hostname %.100s is not valid",
					 vstring_str(addr), host);
			}
		}
	}
	smtpd_peer_set(peer, name, reverse, vstring_str(addr), port,
		       port_logging);
	len = sizeof(ss);
	if (inet_local_text(fd, addr, &uport) == 0) {
		peer->server_addr = mystrdup(vstring_str(addr));
		snprintf(port, sizeof(port), "%u", uport);
		peer->server_port = mystrdup(port);
	} else {
		peer->server_addr = mystrdup(UNKNOWN);
		peer->server_port = mystrdup(UNKNOWN);
	}
	vstring_free(addr);
}

void
smtpd_peer_free(SMTPD_PEER *peer)
{
	myfree(peer->name);
	myfree(peer->reverse_name);
	myfree(peer->addr);
	myfree(peer->port);
	myfree(peer->rfc_addr);
	myfree(peer->namaddr);
	myfree(peer->server_addr);
	myfree(peer->server_port);
}
