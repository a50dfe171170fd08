#ifndef POSTERN_MYNETWORKS_H
#define POSTERN_MYNETWORKS_H

/*
 * mynetworks - the default value of the mynetworks parameter
 *
 *	mynetworks_default() computes what Postfix computes for mynetworks
 *	when main.cf does not set it, from mynetworks_style ("host",
 *	"subnet" or "class"), inet_protocols and inet_interfaces (all
 *	three already $name-expanded). The result lists each own address
 *	(host: addr/32, [addr]/128), its interface network (subnet), or
 *	its class A/B/C/D network (class; IPv6 as subnet), IPv4 as
 *	"a.b.c.d/len" and IPv6 as "[addr]/len", separated by one space,
 *	without repeats, e.g. "127.0.0.0/8 192.0.2.0/24 [::1]/128". An
 *	empty inet_protocols gives "". Returns a string the caller frees
 *	with myfree(), or NULL with Postfix's wording of the reason in why
 *	(e.g. 'unknown mynetworks mask style value "x" in "x"', "bad
 *	mynetworks_style value: ...; specify exactly one value", or any
 *	inet_local error).
 */
#include "vstring.h"

extern char *mynetworks_default(const char *style, const char *inet_protocols,
				const char *inet_interfaces, VSTRING *why);

#endif
