#ifndef POSTERN_INET_LOCAL_H
#define POSTERN_INET_LOCAL_H

/*
 * inet_local - this machine's own IP addresses, as inet_protocols and
 * inet_interfaces select them
 *
 *	inet_local_protocols() parses an inet_protocols value ("all",
 *	"ipv4", "ipv6", separated by commas and/or white space) into
 *	INET_PROTO_* bits. A protocol the kernel does not support is dropped
 *	with a warning, as Postfix degrades when IPv6 is unavailable.
 *	inet_local_scan() lists the addresses of the active (up) network
 *	interfaces in the order the kernel reports them (getifaddrs), each
 *	with the prefix length of its netmask; the list may be empty.
 *	inet_local_interfaces() resolves an inet_interfaces value: "all"
 *	(every active interface address), "loopback-only" (the active
 *	127.0.0.0/8 and ::1 addresses), or a list of host names and
 *	addresses ("[addr]" allowed), each of which must be an address of
 *	an active interface; the list is then sorted and has no duplicates.
 *	An empty value gives an empty list.
 *	inet_local_free() releases a list.
 *
 * Errors: functions return -1 or NULL and put Postfix's wording of the
 * reason into why, e.g. 'unknown inet_protocols value "x" in "x"',
 * "config variable inet_interfaces: host not found: NAME",
 * "parameter inet_interfaces: no local interface found for ADDR",
 * "could not find any active network interfaces".
 */
#include "vstring.h"

#define INET_PROTO_IPV4		(1<<0)
#define INET_PROTO_IPV6		(1<<1)

typedef struct INET_LOCAL_ADDR {
	int     family;			/* AF_INET or AF_INET6 */
	unsigned char addr[16];		/* network byte order */
	unsigned prefix_len;		/* netmask length in bits */
} INET_LOCAL_ADDR;

typedef struct INET_LOCAL_LIST {
	size_t  len;			/* addresses in use */
	size_t  size;			/* slots allocated */
	INET_LOCAL_ADDR *addrs;
} INET_LOCAL_LIST;

extern int inet_local_protocols(const char *inet_protocols, int *protos,
				VSTRING *why);
extern INET_LOCAL_LIST *inet_local_scan(int protos, VSTRING *why);
extern INET_LOCAL_LIST *inet_local_interfaces(const char *inet_interfaces,
					      int protos, VSTRING *why);
extern void inet_local_free(INET_LOCAL_LIST *list);

#endif
