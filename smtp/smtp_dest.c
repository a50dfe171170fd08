/*
 * smtp_dest - next-hop destination syntax
 *
 *	smtp_dest_parse(text, dest, why) parses one next hop:
 *	"[host]" and "[host]:port" (no MX lookup), "host" and "host:port"
 *	(MX lookup for SMTP; LMTP never looks up MX), an optional "inet:"
 *	prefix, and "unix:path" (a UNIX-domain socket; the host is then
 *	myhostname, as Postfix logs it). The port is a number or a service
 *	name; without one it is smtp_tcp_port (lmtp_tcp_port). dest->text
 *	is the next hop as written without "inet:", the key for the TLS
 *	policy, SASL password and connection cache lookups.
 *	0, or -1 with why ("bad destination syntax: ...").
 *	smtp_dest_free() frees what a parsed destination holds.
 */
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <arpa/inet.h>

#include "mymalloc.h"
#include "smtp.h"

/* Parse one nexthop; 0 or -1 with why. */
int
smtp_dest_parse(const char *text, SMTP_DEST *dest, VSTRING *why)
{
	char   *buf = mystrdup(text);
	char   *cp = buf;
	char   *port = NULL;
	char   *end;
	struct servent *sp;
	long	num;

	memset(dest, 0, sizeof(*dest));
	dest->port = smtp_var.default_port;
	dest->no_mx = smtp_lmtp;
	if (strncasecmp(cp, "unix:", 5) == 0) {
		if (cp[5] == 0) {
			vstring_sprintf(why, "bad destination syntax: %s", text);
			myfree(buf);
			return (-1);
		}
		dest->path = mystrdup(cp + 5);
		dest->host = mystrdup(smtp_var.myhostname);
		dest->text = mystrdup(text);
		dest->port = 0;
		myfree(buf);
		return (0);
	}
	if (strncasecmp(cp, "inet:", 5) == 0)
		cp += 5;
	dest->text = mystrdup(cp);
	if (*cp == '[') {
		if ((end = strchr(cp, ']')) == NULL || end == cp + 1
		    || (end[1] != 0 && end[1] != ':')) {
			vstring_sprintf(why, "bad destination syntax: %s", text);
			goto bad;
		}
		*end = 0;
		dest->host = mystrdup(cp + 1);
		if (end[1] == ':')
			port = end + 2;
		dest->no_mx = 1;
	} else {
		if ((end = strrchr(cp, ':')) != NULL) {
			*end = 0;
			port = end + 1;
		}
		dest->host = mystrdup(cp);
	}
	if (*dest->host == 0) {
		vstring_sprintf(why, "bad destination syntax: %s", text);
		goto bad;
	}
	if (port) {
		num = strtol(port, &end, 10);
		if (*port && *end == 0 && num > 0 && num < 65536)
			dest->port = (unsigned) num;
		else if (*port && (sp = getservbyname(port, "tcp")) != NULL)
			dest->port = ntohs((unsigned short) sp->s_port);
		else {
			vstring_sprintf(why, "bad port in destination: %s", text);
			goto bad;
		}
	}
	myfree(buf);
	return (0);
bad:
	myfree(buf);
	if (dest->host)
		myfree(dest->host);
	myfree(dest->text);
	memset(dest, 0, sizeof(*dest));
	return (-1);
}

void
smtp_dest_free(SMTP_DEST *dest)
{
	myfree(dest->text);
	myfree(dest->host);
	if (dest->path)
		myfree(dest->path);
}

