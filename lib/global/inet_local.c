/*
 * inet_local - this machine's own IP addresses
 *
 *	inet_local_protocols() parses inet_protocols into INET_PROTO_* bits.
 *	inet_local_scan() lists active interface addresses with netmasks.
 *	inet_local_interfaces() resolves inet_interfaces against that list.
 *	inet_local_free() releases a list.
 *
 * Errors: -1 or NULL with Postfix's wording of the reason in why; see
 * inet_local.h. Nothing here is fatal: the caller decides.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <ifaddrs.h>
#include <netdb.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "msg.h"
#include "mymalloc.h"
#include "vstring.h"
#include "argv.h"
#include "stringops.h"
#include "inet_local.h"

#define INET_LOCAL_ALL		"all"
#define INET_LOCAL_LOOPBACK	"loopback-only"

/* Drop a protocol the kernel cannot open sockets for, as Postfix does. */
static int
inet_local_probe(int protos, int bit, int family, const char *name)
{
	int     fd;

	if ((protos & bit) == 0)
		return (protos);
	if ((fd = socket(family, SOCK_STREAM, 0)) >= 0) {
		close(fd);
		return (protos);
	}
	if (errno != EAFNOSUPPORT && errno != EPROTONOSUPPORT)
		return (protos);
	msg_warn("inet_protocols: disabling %s name/address support: %s",
		 name, strerror(errno));
	return (protos & ~bit);
}

int
inet_local_protocols(const char *inet_protocols, int *protos, VSTRING *why)
{
	ARGV   *names = argv_split(inet_protocols, CHARS_COMMA_SP);
	size_t  i;
	int     bits = 0;

	for (i = 0; i < names->len; i++) {
		const char *name = names->argv[i];

		if (strcmp(name, "all") == 0)
			bits |= INET_PROTO_IPV4 | INET_PROTO_IPV6;
		else if (strcmp(name, "ipv4") == 0)
			bits |= INET_PROTO_IPV4;
		else if (strcmp(name, "ipv6") == 0)
			bits |= INET_PROTO_IPV6;
		else {
			vstring_sprintf(why, "unknown inet_protocols value "
					"\"%s\" in \"%s\"", name, inet_protocols);
			argv_free(names);
			return (-1);
		}
	}
	argv_free(names);
	bits = inet_local_probe(bits, INET_PROTO_IPV4, AF_INET, "IPv4");
	bits = inet_local_probe(bits, INET_PROTO_IPV6, AF_INET6, "IPv6");
	*protos = bits;
	return (0);
}

static INET_LOCAL_LIST *
inet_local_alloc(void)
{
	INET_LOCAL_LIST *list = mymalloc(sizeof(*list));

	list->len = 0;
	list->size = 8;
	list->addrs = mymalloc_array(list->size, sizeof(*list->addrs));
	return (list);
}

void
inet_local_free(INET_LOCAL_LIST *list)
{
	if (list == NULL)
		return;
	myfree(list->addrs);
	myfree(list);
}

static void
inet_local_append(INET_LOCAL_LIST *list, int family, const void *addr,
		  unsigned prefix_len)
{
	INET_LOCAL_ADDR *ap;

	if (list->len >= list->size) {
		list->size *= 2;
		list->addrs = myrealloc_array(list->addrs, list->size,
					      sizeof(*list->addrs));
	}
	ap = list->addrs + list->len++;
	memset(ap, 0, sizeof(*ap));
	ap->family = family;
	memcpy(ap->addr, addr, family == AF_INET6 ? 16 : 4);
	ap->prefix_len = prefix_len;
}

/* Length of the run of leading one bits in a netmask. */
static unsigned
inet_local_mask_len(const unsigned char *mask, size_t nbytes)
{
	unsigned len = 0;
	size_t  i;
	int     bit;

	for (i = 0; i < nbytes; i++) {
		for (bit = 7; bit >= 0; bit--) {
			if ((mask[i] & (1 << bit)) == 0)
				return (len);
			len++;
		}
	}
	return (len);
}

static int
inet_local_family_ok(int family, int protos)
{
	return ((family == AF_INET && (protos & INET_PROTO_IPV4))
		|| (family == AF_INET6 && (protos & INET_PROTO_IPV6)));
}

/* The address bytes of an AF_INET or AF_INET6 socket address. */
static const unsigned char *
inet_local_bytes(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET6)
		return ((const unsigned char *)
			&((const struct sockaddr_in6 *) sa)->sin6_addr);
	return ((const unsigned char *)
		&((const struct sockaddr_in *) sa)->sin_addr);
}

INET_LOCAL_LIST *
inet_local_scan(int protos, VSTRING *why)
{
	struct ifaddrs *ifap;
	struct ifaddrs *ifa;
	INET_LOCAL_LIST *list;
	unsigned len;
	int     family;

	if (getifaddrs(&ifap) < 0) {
		vstring_sprintf(why, "getifaddrs: %s", strerror(errno));
		return (NULL);
	}
	list = inet_local_alloc();
	for (ifa = ifap; ifa != NULL; ifa = ifa->ifa_next) {
		if (ifa->ifa_addr == NULL || (ifa->ifa_flags & IFF_UP) == 0)
			continue;
		family = ifa->ifa_addr->sa_family;
		if (!inet_local_family_ok(family, protos))
			continue;
		if (ifa->ifa_netmask != NULL)
			len = inet_local_mask_len(inet_local_bytes(ifa->ifa_netmask),
						  family == AF_INET6 ? 16 : 4);
		else if (family == AF_INET6)
			len = 128;		/* trust only the host itself */
		else
			continue;		/* never guess: 0 trusts the world */
		inet_local_append(list, family, inet_local_bytes(ifa->ifa_addr),
				  len);
	}
	freeifaddrs(ifap);
	return (list);
}

/*
 * Postfix sorts an explicit inet_interfaces list by family and then by
 * the address as the host's integer compare sees it (for IPv4, the 32-bit
 * network-order word read natively); we sort the same way so that the
 * default mynetworks comes out in the same order on the same machine.
 */
static int
inet_local_compare(const void *a, const void *b)
{
	const INET_LOCAL_ADDR *x = a;
	const INET_LOCAL_ADDR *y = b;
	uint32_t xw;
	uint32_t yw;

	if (x->family != y->family)
		return (x->family < y->family ? -1 : 1);
	if (x->family == AF_INET) {
		memcpy(&xw, x->addr, 4);
		memcpy(&yw, y->addr, 4);
		return (xw < yw ? -1 : xw > yw ? 1 : 0);
	}
	return (memcmp(x->addr, y->addr, 16));
}

static int
inet_local_same(const INET_LOCAL_ADDR *x, const INET_LOCAL_ADDR *y)
{
	return (x->family == y->family
		&& memcmp(x->addr, y->addr, x->family == AF_INET6 ? 16 : 4) == 0);
}

/* Append every address of host (a name or an address, brackets allowed). */
static int
inet_local_resolve(INET_LOCAL_LIST *list, const char *host, int protos,
		   VSTRING *why)
{
	struct addrinfo hints;
	struct addrinfo *res0;
	struct addrinfo *res;
	char   *name = mystrdup(host);
	size_t  len = strlen(name);
	unsigned char buf[sizeof(struct in6_addr)];
	int     found = 0;

	if (len >= 2 && name[0] == '[' && name[len - 1] == ']') {
		memmove(name, name + 1, len - 2);
		name[len - 2] = '\0';
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = (protos == INET_PROTO_IPV4 ? AF_INET :
			   protos == INET_PROTO_IPV6 ? AF_INET6 : AF_UNSPEC);
	hints.ai_socktype = SOCK_STREAM;
	/* An address literal of the wrong family must not become a DNS query. */
	if (inet_pton(AF_INET, name, buf) == 1 || inet_pton(AF_INET6, name, buf) == 1)
		hints.ai_flags = AI_NUMERICHOST;
	if (getaddrinfo(name, NULL, &hints, &res0) == 0) {
		for (res = res0; res != NULL; res = res->ai_next) {
			if (!inet_local_family_ok(res->ai_family, protos))
				continue;
			inet_local_append(list, res->ai_family,
					  inet_local_bytes(res->ai_addr),
					  res->ai_family == AF_INET6 ? 128 : 32);
			found = 1;
		}
		freeaddrinfo(res0);
	}
	myfree(name);
	if (!found) {
		vstring_sprintf(why, "config variable inet_interfaces: "
				"host not found: %s", host);
		return (-1);
	}
	return (0);
}

/* Keep the scanned addresses that are loopback addresses. */
static void
inet_local_keep_loopback(INET_LOCAL_LIST *list)
{
	static const unsigned char v6_loop[16] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1
	};
	size_t  in;
	size_t  out;

	for (in = out = 0; in < list->len; in++) {
		const INET_LOCAL_ADDR *ap = list->addrs + in;

		if ((ap->family == AF_INET && ap->addr[0] == 127)
		    || (ap->family == AF_INET6
			&& memcmp(ap->addr, v6_loop, 16) == 0))
			list->addrs[out++] = *ap;
	}
	list->len = out;
}

/* Give each wanted address the netmask of the interface that has it. */
static int
inet_local_masks(INET_LOCAL_LIST *wanted, const INET_LOCAL_LIST *local,
		 VSTRING *why)
{
	char    buf[INET6_ADDRSTRLEN];
	size_t  i;
	size_t  j;

	for (i = 0; i < wanted->len; i++) {
		INET_LOCAL_ADDR *ap = wanted->addrs + i;

		for (j = 0; j < local->len; j++)
			if (inet_local_same(ap, local->addrs + j))
				break;
		if (j >= local->len) {
			if (inet_ntop(ap->family, ap->addr, buf, sizeof(buf)) == NULL)
				strcpy(buf, "(unprintable)");
			vstring_sprintf(why, "parameter inet_interfaces: "
					"no local interface found for %s", buf);
			return (-1);
		}
		ap->prefix_len = local->addrs[j].prefix_len;
	}
	return (0);
}

INET_LOCAL_LIST *
inet_local_interfaces(const char *inet_interfaces, int protos, VSTRING *why)
{
	ARGV   *hosts = argv_split(inet_interfaces, CHARS_COMMA_SP);
	INET_LOCAL_LIST *wanted = NULL;
	INET_LOCAL_LIST *local = NULL;
	size_t  i;
	size_t  out;
	int     special;

	if (protos == 0) {
		argv_free(hosts);
		return (inet_local_alloc());
	}
	special = (hosts->len == 1
		   && (strcmp(hosts->argv[0], INET_LOCAL_ALL) == 0
		     || strcmp(hosts->argv[0], INET_LOCAL_LOOPBACK) == 0));

	/* Names are resolved before the interfaces are looked at. */
	if (!special) {
		wanted = inet_local_alloc();
		for (i = 0; i < hosts->len; i++)
			if (inet_local_resolve(wanted, hosts->argv[i], protos, why) < 0)
				goto fail;
	}
	if ((local = inet_local_scan(protos, why)) == NULL)
		goto fail;
	if (local->len == 0) {
		vstring_strcpy(why, "could not find any active network interfaces");
		goto fail;
	}
	if (special) {
		if (strcmp(hosts->argv[0], INET_LOCAL_LOOPBACK) == 0)
			inet_local_keep_loopback(local);
		argv_free(hosts);
		return (local);
	}
	if (wanted->len > 1)
		qsort(wanted->addrs, wanted->len, sizeof(*wanted->addrs),
		      inet_local_compare);
	for (i = out = 0; i < wanted->len; i++)
		if (out == 0 || !inet_local_same(wanted->addrs + out - 1,
						 wanted->addrs + i))
			wanted->addrs[out++] = wanted->addrs[i];
	wanted->len = out;
	if (inet_local_masks(wanted, local, why) < 0)
		goto fail;
	inet_local_free(local);
	argv_free(hosts);
	return (wanted);

fail:
	inet_local_free(wanted);
	inet_local_free(local);
	argv_free(hosts);
	return (NULL);
}
