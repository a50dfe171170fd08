#ifndef POSTERN_DNS_H
#define POSTERN_DNS_H

/*
 * dns - DNS lookups through libresolv (res_nquery, ns_parserr)
 *
 *	dns_lookup(name, type, flags, &list, why) queries name for one
 *	record type (T_MX, T_A, T_AAAA, T_TXT, T_PTR, T_CNAME) through the
 *	system resolver (/etc/resolv.conf, as every program on the machine)
 *	and returns a list of records of that type in answer order,
 *	following CNAMEs the server put in the answer. The caller frees the
 *	list with dns_rr_free(). Result codes:
 *	  DNS_OK	records found (list non-NULL)
 *	  DNS_NOTFOUND	NXDOMAIN: the name does not exist (permanent)
 *	  DNS_NODATA	the name exists but has no record of that type
 *	  DNS_RETRY	SERVFAIL, timeout, no server: try again later
 *	  DNS_FAIL	any other permanent failure (malformed reply,
 *			invalid name)
 *	why gets Postfix's wording for the failure, e.g. "Host or domain
 *	name not found. Name service error for name=example.invalid
 *	type=MX: Host not found" (NOTFOUND) or "... : Host not found, try
 *	again" (RETRY).
 *	flags: DNS_FLAG_NONE, or DNS_FLAG_NO_SEARCH (default: the name is
 *	used as is, no search list: res_nquery with RES_DEFNAMES and
 *	RES_DNSRCH off, as an MTA wants).
 *	An MX record's exchange "." with preference 0 (RFC 7505 null MX) is
 *	returned as a record with host "" so the caller can bounce.
 *
 *	dns_lookup_addr(name, families, &list, why) looks up A and/or AAAA
 *	(families: DNS_FAMILY_INET4 | DNS_FAMILY_INET6), both when both are
 *	asked; OK when either has records; RETRY when one failed
 *	temporarily and the other found nothing; NOTFOUND when the name
 *	does not exist.
 *
 *	dns_rr_sort_mx(&list) orders MX records by preference, shuffling
 *	records of equal preference (random order among equals).
 *	dns_strtype(type) "MX", "A", ...; dns_strerror(status).
 */
#include <stddef.h>
#include <netinet/in.h>
#include <arpa/nameser.h>
#include "vstring.h"

#define DNS_OK		0
#define DNS_NOTFOUND	1
#define DNS_NODATA	2
#define DNS_RETRY	3
#define DNS_FAIL	4

#define DNS_FLAG_NONE		0
#define DNS_FLAG_NO_SEARCH	(1 << 0)

#define DNS_FAMILY_INET4	(1 << 0)
#define DNS_FAMILY_INET6	(1 << 1)

typedef struct DNS_RR {
	char   *qname;			/* name asked for */
	char   *rname;			/* owner of this record (after CNAMEs) */
	int	type;			/* T_MX, T_A, ... */
	unsigned ttl;
	unsigned pref;			/* MX preference */
	char   *host;			/* MX exchange / CNAME / PTR target;
					 * TXT text; "" for null MX */
	int	family;			/* AF_INET / AF_INET6 for A / AAAA */
	unsigned char addr[16];		/* network order */
	struct DNS_RR *next;
} DNS_RR;

extern int dns_lookup(const char *name, int type, int flags, DNS_RR **list,
		      VSTRING *why);
extern int dns_lookup_addr(const char *name, int families, DNS_RR **list,
			   VSTRING *why);
extern void dns_rr_sort_mx(DNS_RR **list);
extern void dns_rr_free(DNS_RR *list);
extern const char *dns_strtype(int type);
extern const char *dns_strerror(int status);

#endif
