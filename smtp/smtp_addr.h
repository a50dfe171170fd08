#ifndef POSTERN_SMTP_ADDR_H
#define POSTERN_SMTP_ADDR_H

/*
 * smtp_addr - the ordered list of server addresses for one destination
 *
 *	smtp_addr_find(dest, port, opts, &list, dsn) turns a nexthop
 *	destination into the addresses to try, best first:
 *	  - opts->no_mx (the nexthop was [host] or [addr], or LMTP): dest
 *	    is an IP address literal (used as is) or a host name whose
 *	    A/AAAA records are used;
 *	  - otherwise MX records of dest, ordered by preference with
 *	    random order among equal preferences (dns_rr_sort_mx), each
 *	    MX host expanded to its A/AAAA addresses; without MX records
 *	    (DNS_NODATA) dest's own A/AAAA records (RFC 5321 5.1);
 *	  - a null MX (RFC 7505) is a permanent failure at once:
 *	    status 5.1.0 (as Postfix 3.7 logs it), "Domain DEST does not
 *	    accept mail (nullMX)";
 *	  - NXDOMAIN for dest is treated like no MX and the address
 *	    lookup's error is reported, as Postfix does: 5.4.4 "Host or
 *	    domain name not found. Name service error for name=DEST
 *	    type=A: Host not found";
 *	    a temporary DNS error: 4.4.3 "... Host not found, try again";
 *	    an MX host whose addresses fail temporarily is skipped but
 *	    remembered, so an empty result is then 4.4.3, not 5.x;
 *	  - MX hosts that are this machine (opts->own_names: host names,
 *	    or address literals matched against the MX addresses) with
 *	    preference at or above the best such MX are dropped, and a list left empty is 5.4.6 "mail for
 *	    DEST loops back to myself"; without MX records (no_mx, an
 *	    address literal, or A/AAAA only) an address of ours is the
 *	    same 5.4.6 (the caller passes own_names only where Postfix
 *	    detects loops: SMTP to port 25);
 *	  - address families follow opts->families (inet_protocols) and
 *	    within each MX preference opts->preference ("any", "ipv4",
 *	    "ipv6": smtp_address_preference) puts one family first;
 *	  - at most opts->mx_address_limit addresses (0 = no limit;
 *	    smtp_mx_address_limit);
 *	  - opts->host_lookup "dns" (default), "native" (getaddrinfo, with
 *	    /etc/hosts, for host addresses; MX records still come from
 *	    DNS, as in Postfix; no_mx with "native" avoids DNS entirely)
 *	    or "dns, native" (native when DNS finds no address).
 *	Returns SMTP_ADDR_OK with a non-empty list (free with
 *	smtp_addr_free), or SMTP_ADDR_DEFER / SMTP_ADDR_BOUNCE with
 *	dsn->status ("4.4.3") and dsn->reason set.
 */
#include <sys/socket.h>
#include "vstring.h"
#include "argv.h"

#define SMTP_ADDR_OK		0
#define SMTP_ADDR_DEFER		1
#define SMTP_ADDR_BOUNCE	2

typedef struct SMTP_ADDR_OPTS {
	int	no_mx;			/* [host] form or LMTP */
	int	families;		/* DNS_FAMILY_* from inet_protocols */
	const char *preference;		/* smtp_address_preference */
	int	mx_address_limit;	/* 0: none */
	const char *host_lookup;	/* smtp_host_lookup */
	const ARGV *own_names;		/* names that are this machine */
} SMTP_ADDR_OPTS;

typedef struct SMTP_ADDR {
	char   *host;			/* MX host name or the destination */
	char   *addr;			/* printable address "192.0.2.1" */
	unsigned pref;			/* MX preference (0 without MX) */
	struct sockaddr_storage sa;	/* address with the port set */
	socklen_t salen;
	struct SMTP_ADDR *next;
} SMTP_ADDR;

typedef struct SMTP_ADDR_DSN {
	VSTRING *status;		/* "4.4.3" */
	VSTRING *reason;		/* text for the log and the DSN */
} SMTP_ADDR_DSN;

extern int smtp_addr_find(const char *dest, unsigned port,
			  const SMTP_ADDR_OPTS *opts, SMTP_ADDR **list,
			  SMTP_ADDR_DSN *dsn);
extern void smtp_addr_free(SMTP_ADDR *list);
/* DNS_FAMILY_* bits for an inet_protocols value ("all", "ipv4, ipv6"). */
extern int smtp_addr_families(const char *inet_protocols);

#endif
