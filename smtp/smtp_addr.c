/*
 * smtp_addr - the ordered list of server addresses for one destination
 *
 *	smtp_addr_find() implements the routing contract of smtp_addr.h:
 *	address literals as is; [host] (no_mx) straight to the host's
 *	addresses; otherwise MX records (always through DNS) by
 *	preference (equal preferences shuffled), falling back to the
 *	destination's own A/AAAA when it has no MX (RFC 5321 5.1). A null
 *	MX (RFC 7505) bounces, MX hosts that are this machine cut the list
 *	(loop detection: by host name, or by address for own_names entries
 *	that are address literals, which is how Postfix decides; without
 *	MX records any address of ours is a loop),
 *	inet_protocols filters families,
 *	smtp_address_preference orders families within one preference,
 *	smtp_mx_address_limit truncates, duplicates are dropped.
 *	smtp_host_lookup ("dns", "native", "dns, native") chooses how host
 *	names become addresses; as in Postfix it does not turn MX lookups
 *	off (a caller with DNS disabled passes no_mx and "native").
 *	smtp_addr_free() releases a list. smtp_addr_families() maps an
 *	inet_protocols value to DNS_FAMILY_* bits (fatal on an unknown
 *	word: that is a broken main.cf).
 *
 *	Failures are results with a DSN status and reason: NXDOMAIN and
 *	"no address" bounce (5.4.4), temporary DNS trouble defers (4.4.3),
 *	a null MX bounces (5.1.0), a mail loop bounces (5.4.6). Status
 *	codes and texts are those Debian's Postfix 3.7 logs for the same
 *	DNS data (tests/integration/test_smtp_mx.py compares): 5.1.0 rather
 *	than RFC 7505's 5.1.10, and an NXDOMAIN destination is reported
 *	by its address lookup ("type=A: Host not found").
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "msg.h"
#include "mymalloc.h"
#include "vstring.h"
#include "argv.h"
#include "dns.h"
#include "smtp_addr.h"

#define SMTP_LOOKUP_DNS		(1 << 0)
#define SMTP_LOOKUP_NATIVE	(1 << 1)

typedef struct SMTP_ADDR_BUILD {
	SMTP_ADDR *head;
	SMTP_ADDR **tail;
} SMTP_ADDR_BUILD;

/* smtp_addr_lookup_mask - parse smtp_host_lookup ("dns, native") */

static int
smtp_addr_lookup_mask(const char *value)
{
	ARGV   *words;
	size_t	i;
	int	mask = 0;

	if (value == NULL || *value == 0)
		return (SMTP_LOOKUP_DNS);
	words = argv_split(value, ", \t\r\n");
	for (i = 0; i < words->len; i++) {
		if (strcasecmp(words->argv[i], "dns") == 0)
			mask |= SMTP_LOOKUP_DNS;
		else if (strcasecmp(words->argv[i], "native") == 0)
			mask |= SMTP_LOOKUP_NATIVE;
		else
			msg_warn("smtp_host_lookup: unknown mechanism \"%s\" ignored",
				 words->argv[i]);
	}
	argv_free(words);
	return (mask ? mask : SMTP_LOOKUP_DNS);
}

int
smtp_addr_families(const char *inet_protocols)
{
	ARGV   *words = argv_split(inet_protocols ? inet_protocols : "",
				   ", \t\r\n");
	size_t	i;
	int	families = 0;

	for (i = 0; i < words->len; i++) {
		if (strcasecmp(words->argv[i], "all") == 0)
			families |= DNS_FAMILY_INET4 | DNS_FAMILY_INET6;
		else if (strcasecmp(words->argv[i], "ipv4") == 0)
			families |= DNS_FAMILY_INET4;
		else if (strcasecmp(words->argv[i], "ipv6") == 0)
			families |= DNS_FAMILY_INET6;
		else
			msg_fatal("parameter inet_protocols: unknown protocol \"%s\"",
				  words->argv[i]);
	}
	argv_free(words);
	return (families);
}

/* smtp_addr_family_bit - DNS_FAMILY_* bit for an AF_* value */

static int
smtp_addr_family_bit(int family)
{
	return (family == AF_INET ? DNS_FAMILY_INET4 :
		family == AF_INET6 ? DNS_FAMILY_INET6 : 0);
}

/* smtp_addr_append - one address at the end of the list */

static void
smtp_addr_append(SMTP_ADDR_BUILD *bp, const char *host, unsigned pref,
		 int family, const void *addr, unsigned port)
{
	SMTP_ADDR *ap = mycalloc(1, sizeof(*ap));
	char	buf[INET6_ADDRSTRLEN];

	ap->host = mystrdup(host);
	ap->pref = pref;
	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *) &ap->sa;

		sin->sin_family = AF_INET;
		sin->sin_port = htons((unsigned short) port);
		memcpy(&sin->sin_addr, addr, 4);
		ap->salen = sizeof(*sin);
	} else if (family == AF_INET6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *) &ap->sa;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((unsigned short) port);
		memcpy(&sin6->sin6_addr, addr, 16);
		ap->salen = sizeof(*sin6);
	} else {
		msg_panic("smtp_addr_append: bad address family %d", family);
	}
	if (inet_ntop(family, addr, buf, sizeof(buf)) == NULL)
		msg_panic("smtp_addr_append: inet_ntop: %m");
	ap->addr = mystrdup(buf);
	ap->next = NULL;
	*bp->tail = ap;
	bp->tail = &ap->next;
}

void
smtp_addr_free(SMTP_ADDR *list)
{
	SMTP_ADDR *next;

	for (; list; list = next) {
		next = list->next;
		myfree(list->host);
		myfree(list->addr);
		myfree(list);
	}
}

/* smtp_addr_literal - IPv4 "192.0.2.1", "ipv6:2001:db8::1" or bare IPv6 */

static int
smtp_addr_literal(const char *dest, int *family, unsigned char *addr)
{
	char	buf[INET6_ADDRSTRLEN + 8];
	size_t	len = strlen(dest);
	const char *cp;

	if (len >= 2 && dest[0] == '[' && dest[len - 1] == ']') {
		dest++;
		len -= 2;
	}
	if (len >= sizeof(buf))
		return (0);
	memcpy(buf, dest, len);
	buf[len] = 0;
	if (inet_pton(AF_INET, buf, addr) == 1) {
		*family = AF_INET;
		return (1);
	}
	cp = strncasecmp(buf, "ipv6:", 5) == 0 ? buf + 5 : buf;
	if (strchr(cp, ':') != NULL && inet_pton(AF_INET6, cp, addr) == 1) {
		*family = AF_INET6;
		return (1);
	}
	return (0);
}

/* smtp_addr_native - getaddrinfo(), with /etc/hosts and nsswitch */

static int
smtp_addr_native(const char *host, unsigned pref, unsigned port,
		 int families, SMTP_ADDR_BUILD *bp, VSTRING *why)
{
	struct addrinfo hints;
	struct addrinfo *res;
	struct addrinfo *ai;
	int	err;
	int	found = 0;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = families == DNS_FAMILY_INET4 ? AF_INET :
		families == DNS_FAMILY_INET6 ? AF_INET6 : AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if ((err = getaddrinfo(host, NULL, &hints, &res)) != 0) {
		vstring_sprintf(why, "unable to look up host %s: %s", host,
				err == EAI_SYSTEM ? "system error" :
				gai_strerror(err));
		return (err == EAI_AGAIN || err == EAI_SYSTEM
			|| err == EAI_MEMORY ? DNS_RETRY : DNS_NOTFOUND);
	}
	for (ai = res; ai; ai = ai->ai_next) {
		if ((smtp_addr_family_bit(ai->ai_family) & families) == 0)
			continue;
		if (ai->ai_family == AF_INET)
			smtp_addr_append(bp, host, pref, AF_INET,
			   &((struct sockaddr_in *) ai->ai_addr)->sin_addr, port);
		else
			smtp_addr_append(bp, host, pref, AF_INET6,
			 &((struct sockaddr_in6 *) ai->ai_addr)->sin6_addr, port);
		found = 1;
	}
	freeaddrinfo(res);
	if (!found) {
		vstring_sprintf(why, "unable to look up host %s: %s", host,
				"No address associated with hostname");
		return (DNS_NODATA);
	}
	return (DNS_OK);
}

/* smtp_addr_host - the addresses of one host name, appended */

static int
smtp_addr_host(const char *host, unsigned pref, unsigned port, int mask,
	       int families, SMTP_ADDR_BUILD *bp, VSTRING *why)
{
	unsigned char addr[16];
	int	family;
	int	status = DNS_NOTFOUND;
	int	nstatus;
	DNS_RR *rr;
	DNS_RR *list;
	VSTRING *nwhy;

	/* An MX exchange may be an address; tolerate it as Postfix does. */
	if (smtp_addr_literal(host, &family, addr)) {
		if ((smtp_addr_family_bit(family) & families) == 0) {
			vstring_sprintf(why, "%s: address family not enabled "
					"with inet_protocols", host);
			return (DNS_NODATA);
		}
		smtp_addr_append(bp, host, pref, family, addr, port);
		return (DNS_OK);
	}
	if (mask & SMTP_LOOKUP_DNS) {
		status = dns_lookup_addr(host, families, &list, why);
		if (status == DNS_OK) {
			for (rr = list; rr; rr = rr->next)
				smtp_addr_append(bp, host, pref, rr->family,
						 rr->addr, port);
			dns_rr_free(list);
			return (DNS_OK);
		}
		if ((mask & SMTP_LOOKUP_NATIVE) == 0)
			return (status);
	}
	nwhy = vstring_alloc(100);
	nstatus = smtp_addr_native(host, pref, port, families, bp, nwhy);
	/* With "dns, native", a temporary DNS error outranks "not found". */
	if (nstatus == DNS_OK || (mask & SMTP_LOOKUP_DNS) == 0
	    || status != DNS_RETRY) {
		vstring_strcpy(why, vstring_str(nwhy));
		status = nstatus;
	}
	vstring_free(nwhy);
	return (status);
}

/* smtp_addr_is_me - MX host name is one of this machine's names */

static int
smtp_addr_is_me(const char *host, const ARGV *own_names)
{
	size_t	hl = strlen(host);
	size_t	i;

	if (own_names == NULL)
		return (0);
	if (hl > 0 && host[hl - 1] == '.')
		hl--;
	for (i = 0; i < own_names->len; i++) {
		const char *name = own_names->argv[i];
		size_t	nl = strlen(name);

		if (nl > 0 && name[nl - 1] == '.')
			nl--;
		if (nl == hl && strncasecmp(host, name, hl) == 0)
			return (1);
	}
	return (0);
}

/* smtp_addr_is_my_addr - address is one of the literals in own_names */

static int
smtp_addr_is_my_addr(const SMTP_ADDR *ap, const ARGV *own_names)
{
	unsigned char addr[16];
	const void *mine;
	size_t	len;
	size_t	i;
	int	family;

	if (own_names == NULL)
		return (0);
	if (ap->sa.ss_family == AF_INET) {
		mine = &((const struct sockaddr_in *) &ap->sa)->sin_addr;
		len = 4;
	} else {
		mine = &((const struct sockaddr_in6 *) &ap->sa)->sin6_addr;
		len = 16;
	}
	for (i = 0; i < own_names->len; i++)
		if (smtp_addr_literal(own_names->argv[i], &family, addr)
		    && family == ap->sa.ss_family && memcmp(addr, mine, len) == 0)
			return (1);
	return (0);
}

/* smtp_addr_order_family - within each preference, one family first */

static void
smtp_addr_order_family(SMTP_ADDR **list, const char *preference)
{
	static int seeded;
	SMTP_ADDR **pp = list;

	while (*pp) {
		SMTP_ADDR *group = *pp;
		SMTP_ADDR *end;
		SMTP_ADDR *first = NULL;
		SMTP_ADDR **ftail = &first;
		SMTP_ADDR *rest = NULL;
		SMTP_ADDR **rtail = &rest;
		SMTP_ADDR *ap;
		SMTP_ADDR *next;
		int	want;

		for (end = group; end && end->pref == group->pref; end = end->next)
			 /* void */ ;
		if (preference && strcasecmp(preference, "ipv4") == 0) {
			want = AF_INET;
		} else if (preference && strcasecmp(preference, "ipv6") == 0) {
			want = AF_INET6;
		} else {
			/* "any": pick a family at random for this preference. */
			if (!seeded) {
				srandom((unsigned) getpid() ^ (unsigned) time(NULL));
				seeded = 1;
			}
			want = (random() & 1) ? AF_INET6 : AF_INET;
		}
		for (ap = group; ap != end; ap = next) {
			next = ap->next;
			ap->next = NULL;
			if (ap->sa.ss_family == want) {
				*ftail = ap;
				ftail = &ap->next;
			} else {
				*rtail = ap;
				rtail = &ap->next;
			}
		}
		*rtail = end;
		*ftail = rest;
		*pp = first ? first : rest;
		while (*pp != end)
			pp = &(*pp)->next;
	}
}

/* smtp_addr_finish - drop duplicates, order families, apply the limit */

static SMTP_ADDR *
smtp_addr_finish(SMTP_ADDR *list, const SMTP_ADDR_OPTS *opts)
{
	SMTP_ADDR **pp;
	SMTP_ADDR *ap;
	SMTP_ADDR *seen;
	int	count;

	for (ap = list; ap; ap = ap->next) {
		pp = &ap->next;
		while (*pp) {
			seen = *pp;
			if (seen->sa.ss_family == ap->sa.ss_family
			    && strcmp(seen->addr, ap->addr) == 0) {
				*pp = seen->next;
				seen->next = NULL;
				smtp_addr_free(seen);
			} else {
				pp = &seen->next;
			}
		}
	}
	smtp_addr_order_family(&list, opts->preference);
	if (opts->mx_address_limit > 0) {
		for (count = 0, pp = &list; *pp; pp = &(*pp)->next)
			if (++count == opts->mx_address_limit)
				break;
		if (*pp) {
			smtp_addr_free((*pp)->next);
			(*pp)->next = NULL;
		}
	}
	return (list);
}

/* smtp_addr_result - set the DSN for a failed lookup */

static int
smtp_addr_result(SMTP_ADDR_DSN *dsn, int result, const char *status,
		 const char *reason)
{
	vstring_strcpy(dsn->status, status);
	vstring_strcpy(dsn->reason, reason);
	return (result);
}

/* smtp_addr_fail - DSN for a DNS_* failure of the destination itself */

static int
smtp_addr_fail(SMTP_ADDR_DSN *dsn, int status, VSTRING *why)
{
	switch (status) {
	case DNS_RETRY:
		return (smtp_addr_result(dsn, SMTP_ADDR_DEFER, "4.4.3",
					 vstring_str(why)));
	case DNS_FAIL:
		return (smtp_addr_result(dsn, SMTP_ADDR_BOUNCE, "5.4.3",
					 vstring_str(why)));
	default:
		return (smtp_addr_result(dsn, SMTP_ADDR_BOUNCE, "5.4.4",
					 vstring_str(why)));
	}
}

/* smtp_addr_mx - expand MX records into addresses */

static int
smtp_addr_mx(const char *dest, unsigned port, const SMTP_ADDR_OPTS *opts,
	     int mask, int families, DNS_RR *mx, SMTP_ADDR_BUILD *bp,
	     SMTP_ADDR_DSN *dsn, VSTRING *why)
{
	DNS_RR *rr;
	SMTP_ADDR *ap;
	VSTRING *retry_why = NULL;
	int	have_real = 0;
	int	have_me = 0;
	unsigned best_me = 0;
	int	status;

	for (rr = mx; rr; rr = rr->next) {
		if (*rr->host)
			have_real = 1;
	}
	if (!have_real) {
		dns_rr_free(mx);
		vstring_sprintf(why, "Domain %s does not accept mail (nullMX)",
				dest);
		return (smtp_addr_result(dsn, SMTP_ADDR_BOUNCE, "5.1.0",
					 vstring_str(why)));
	}
	dns_rr_sort_mx(&mx);

	/*
	 * Mail loop: when this machine is one of the MX hosts, only MX hosts
	 * better than our own best preference may receive the mail.
	 */
	for (rr = mx; rr; rr = rr->next) {
		if (*rr->host && smtp_addr_is_me(rr->host, opts->own_names)
		    && (!have_me || rr->pref < best_me)) {
			have_me = 1;
			best_me = rr->pref;
		}
	}
	for (rr = mx; rr; rr = rr->next) {
		if (*rr->host == 0 || (have_me && rr->pref >= best_me))
			continue;
		status = smtp_addr_host(rr->host, rr->pref, port, mask, families,
					bp, why);
		if (status == DNS_RETRY && retry_why == NULL) {
			retry_why = vstring_alloc(100);
			vstring_strcpy(retry_why, vstring_str(why));
		}
	}
	dns_rr_free(mx);

	/*
	 * The same by address, as Postfix does it: an MX address that is
	 * ours (an address literal in own_names) cuts the list at its
	 * preference. The list is in preference order.
	 */
	for (ap = bp->head; ap; ap = ap->next) {
		if (smtp_addr_is_my_addr(ap, opts->own_names)) {
			SMTP_ADDR **pp;

			for (pp = &bp->head; (*pp)->pref < ap->pref;)
				pp = &(*pp)->next;
			smtp_addr_free(*pp);
			*pp = NULL;
			bp->tail = pp;
			have_me = 1;
			break;
		}
	}
	if (bp->head)
		status = SMTP_ADDR_OK;
	else if (retry_why)
		status = smtp_addr_result(dsn, SMTP_ADDR_DEFER, "4.4.3",
					  vstring_str(retry_why));
	else if (have_me)
		status = smtp_addr_result(dsn, SMTP_ADDR_BOUNCE, "5.4.6",
					  vstring_str(vstring_sprintf(why,
				     "mail for %s loops back to myself", dest)));
	else
		status = smtp_addr_result(dsn, SMTP_ADDR_BOUNCE, "5.4.4",
					  vstring_str(why));
	if (retry_why)
		vstring_free(retry_why);
	return (status);
}

int
smtp_addr_find(const char *dest, unsigned port, const SMTP_ADDR_OPTS *opts,
	       SMTP_ADDR **list, SMTP_ADDR_DSN *dsn)
{
	SMTP_ADDR_BUILD build;
	VSTRING *why = vstring_alloc(100);
	unsigned char addr[16];
	int	family;
	int	families = opts->families ? opts->families :
		(DNS_FAMILY_INET4 | DNS_FAMILY_INET6);
	int	mask = smtp_addr_lookup_mask(opts->host_lookup);
	int	result;
	int	status;
	int	host_path = 1;		/* no MX records were used */
	DNS_RR *mx;

	build.head = NULL;
	build.tail = &build.head;
	*list = NULL;

	if (smtp_addr_literal(dest, &family, addr)) {
		if ((smtp_addr_family_bit(family) & families) == 0) {
			vstring_sprintf(why, "unable to deliver to %s: address "
					"family not enabled with inet_protocols",
					dest);
			result = smtp_addr_result(dsn, SMTP_ADDR_DEFER, "4.4.4",
						  vstring_str(why));
		} else {
			smtp_addr_append(&build, dest, 0, family, addr, port);
			result = SMTP_ADDR_OK;
		}
	} else if (opts->no_mx) {
		status = smtp_addr_host(dest, 0, port, mask, families, &build, why);
		result = status == DNS_OK ? SMTP_ADDR_OK :
			smtp_addr_fail(dsn, status, why);
	} else {
		status = dns_lookup(dest, T_MX, DNS_FLAG_NONE, &mx, why);
		switch (status) {
		case DNS_OK:
			host_path = 0;
			result = smtp_addr_mx(dest, port, opts, mask, families, mx,
					      &build, dsn, why);
			break;
		case DNS_NODATA:
		case DNS_NOTFOUND:

			/*
			 * No MX: the domain's own address (RFC 5321 5.1). For
			 * NXDOMAIN that lookup fails too, and its reason
			 * ("type=A: Host not found") is the one reported, as
			 * Postfix does.
			 */
			status = smtp_addr_host(dest, 0, port, mask, families,
						&build, why);
			result = status == DNS_OK ? SMTP_ADDR_OK :
				smtp_addr_fail(dsn, status, why);
			break;
		default:
			result = smtp_addr_fail(dsn, status, why);
			break;
		}
	}
	if (result != SMTP_ADDR_OK) {
		vstring_free(why);
		smtp_addr_free(build.head);
		return (result);
	}
	if (build.head == NULL)
		msg_panic("smtp_addr_find: empty list for %s", dest);

	/*
	 * Without MX records (a [host], an address literal, or a domain that
	 * has only A/AAAA records) any address of ours is a loop, as in
	 * Postfix.
	 */
	if (host_path && opts->own_names) {
		SMTP_ADDR *ap;

		for (ap = build.head; ap; ap = ap->next) {
			if (smtp_addr_is_my_addr(ap, opts->own_names)) {
				smtp_addr_free(build.head);
				vstring_sprintf(why, "mail for %s loops back "
						"to myself", dest);
				result = smtp_addr_result(dsn,
					SMTP_ADDR_BOUNCE, "5.4.6",
					vstring_str(why));
				vstring_free(why);
				return (result);
			}
		}
	}
	vstring_free(why);
	*list = smtp_addr_finish(build.head, opts);
	return (SMTP_ADDR_OK);
}
