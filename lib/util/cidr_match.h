#ifndef POSTERN_CIDR_MATCH_H
#define POSTERN_CIDR_MATCH_H

/*
 * cidr_match - match IPv4/IPv6 addresses against network/prefix patterns
 *
 * Pattern syntax is that of Postfix's cidr tables and mynetworks:
 * "1.2.3.0/24", "1.2.3.4", "2001:db8::/32", "[2001:db8::]/32", "[::1]",
 * "[1.2.3.0/24]". A network with host bits set beyond the prefix is an
 * error, as in Postfix. Address families never mix: "::ffff:1.2.3.4" is an
 * IPv6 address and matches only IPv6 patterns (e.g. [::ffff:1.2.3.0]/120),
 * never 1.2.3.0/24; callers that want IPv4 treatment for IPv4-mapped client
 * addresses convert them first, as Postfix's SMTP server does.
 *
 *	cidr_match_parse() compiles a pattern; on error returns -1 and puts
 *	Postfix's wording of the reason into why (without "skipping this
 *	rule"), e.g. 'non-null host address bits in "1.2.3.4/24", perhaps
 *	you should use "1.2.3.0/24" instead'.
 *	cidr_addr_parse() converts an address (no brackets, no prefix)
 *	into binary; -1 when it is not a valid IPv4/IPv6 address.
 *	cidr_match_exec() tests a parsed address against a parsed pattern.
 *	cidr_match_addr() does both for address text: 1 match, 0 otherwise
 *	(an unparsable address never matches).
 */
#include "vstring.h"

#define CIDR_MATCH_ABYTES	16	/* enough for IPv6 */

typedef struct CIDR_ADDR {
	int     family;			/* AF_INET or AF_INET6 */
	unsigned char bytes[CIDR_MATCH_ABYTES];
} CIDR_ADDR;

typedef struct CIDR_MATCH {
	int     family;			/* AF_INET or AF_INET6 */
	unsigned mask_len;		/* prefix length in bits */
	unsigned char net[CIDR_MATCH_ABYTES];	/* host bits are zero */
	unsigned char mask[CIDR_MATCH_ABYTES];
} CIDR_MATCH;

extern int cidr_match_parse(CIDR_MATCH *cm, const char *pattern, VSTRING *why);
extern int cidr_addr_parse(CIDR_ADDR *addr, const char *text);
extern int cidr_match_exec(const CIDR_MATCH *cm, const CIDR_ADDR *addr);
extern int cidr_match_addr(const CIDR_MATCH *cm, const char *addr_text);

#endif
