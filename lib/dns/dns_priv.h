#ifndef POSTERN_DNS_PRIV_H
#define POSTERN_DNS_PRIV_H

/*
 * dns_priv - internals of lib/dns exposed for unit tests
 *
 *	dns_parse_reply(buf, len, name, type, &list, why) turns one raw DNS
 *	reply (as res_nquery() returns it) into a list of records of the
 *	asked type, following CNAMEs inside the answer section. It maps the
 *	reply code (NXDOMAIN -> DNS_NOTFOUND, SERVFAIL -> DNS_RETRY, other
 *	errors -> DNS_FAIL), an answer without records of the type to
 *	DNS_NODATA and a malformed reply to DNS_FAIL, with why set as
 *	dns_lookup() sets it.
 *	dns_rr_sort_mx_seed(seed) reseeds the shuffle of dns_rr_sort_mx()
 *	(tests only; it otherwise seeds itself once from pid and time).
 */
#include "dns.h"

extern int dns_parse_reply(const unsigned char *buf, size_t len,
			   const char *name, int type, DNS_RR **list,
			   VSTRING *why);
extern void dns_rr_sort_mx_seed(unsigned long seed);

#endif
