/*
 * mynetworks - the default value of the mynetworks parameter
 *
 *	mynetworks_default() turns mynetworks_style, inet_protocols and
 *	inet_interfaces into the networks Postfix would trust by default.
 *
 * Errors: NULL with a reason in why (Postfix's wording); see mynetworks.h.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <string.h>

#include "mymalloc.h"
#include "vstring.h"
#include "argv.h"
#include "htable.h"
#include "stringops.h"
#include "inet_local.h"
#include "mynetworks.h"

#define MYNET_HOST	(1<<0)
#define MYNET_SUBNET	(1<<1)
#define MYNET_CLASS	(1<<2)

/* Parse mynetworks_style; exactly one known value. */
static int
mynetworks_style(const char *style, int *mask, VSTRING *why)
{
	ARGV   *names = argv_split(style, CHARS_COMMA_SP);
	size_t  i;
	int     bits = 0;

	for (i = 0; i < names->len; i++) {
		if (strcmp(names->argv[i], "host") == 0)
			bits |= MYNET_HOST;
		else if (strcmp(names->argv[i], "subnet") == 0)
			bits |= MYNET_SUBNET;
		else if (strcmp(names->argv[i], "class") == 0)
			bits |= MYNET_CLASS;
		else {
			vstring_sprintf(why, "unknown mynetworks mask style "
				      "value \"%s\" in \"%s\"", names->argv[i],
					style);
			argv_free(names);
			return (-1);
		}
	}
	argv_free(names);
	if (bits != MYNET_HOST && bits != MYNET_SUBNET && bits != MYNET_CLASS) {
		vstring_sprintf(why, "bad mynetworks_style value: %s; "
				"specify exactly one value", style);
		return (-1);
	}
	*mask = bits;
	return (0);
}

/* The historical class A/B/C/D prefix of an IPv4 address; 0 for class E. */
static unsigned
mynetworks_class_len(const unsigned char *addr)
{
	if (addr[0] < 128)
		return (8);
	if (addr[0] < 192)
		return (16);
	if (addr[0] < 224)
		return (24);
	if (addr[0] < 240)
		return (4);
	return (0);
}

/* Clear the host bits beyond len. */
static void
mynetworks_mask(unsigned char *addr, size_t nbytes, unsigned len)
{
	size_t  i;

	for (i = 0; i < nbytes; i++) {
		if (len >= 8) {
			len -= 8;
		} else {
			addr[i] &= (unsigned char) (0xff << (8 - len));
			len = 0;
		}
	}
}

/* Format one own address as a network; -1 for an unclassifiable address. */
static int
mynetworks_format(VSTRING *buf, const INET_LOCAL_ADDR *ap, int style,
		  VSTRING *why)
{
	unsigned char net[16];
	char    text[INET6_ADDRSTRLEN];
	size_t  nbytes = ap->family == AF_INET6 ? 16 : 4;
	unsigned len;

	memcpy(net, ap->addr, nbytes);
	if (style == MYNET_HOST) {
		len = (unsigned) nbytes * 8;
	} else if (style == MYNET_CLASS && ap->family == AF_INET) {
		if ((len = mynetworks_class_len(net)) == 0) {
			if (inet_ntop(AF_INET, net, text, sizeof(text)) == NULL)
				strcpy(text, "(unprintable)");
			vstring_sprintf(why, "unknown address class: %s", text);
			return (-1);
		}
	} else {
		len = ap->prefix_len;
	}
	mynetworks_mask(net, nbytes, len);
	if (inet_ntop(ap->family, net, text, sizeof(text)) == NULL) {
		vstring_strcpy(why, "mynetworks: cannot format an address");
		return (-1);
	}
	if (ap->family == AF_INET6)
		vstring_sprintf(buf, "[%s]/%u", text, len);
	else
		vstring_sprintf(buf, "%s/%u", text, len);
	return (0);
}

char   *
mynetworks_default(const char *style, const char *inet_protocols,
		   const char *inet_interfaces, VSTRING *why)
{
	INET_LOCAL_LIST *own;
	HTABLE *seen;
	VSTRING *result;
	VSTRING *net;
	size_t  i;
	int     protos;
	int     style_mask;

	/* Checks in Postfix's order: a bad later value may hide behind one. */
	if (inet_local_protocols(inet_protocols, &protos, why) < 0)
		return (NULL);
	if (protos == 0)
		return (mystrdup(""));
	if (mynetworks_style(style, &style_mask, why) < 0)
		return (NULL);
	if ((own = inet_local_interfaces(inet_interfaces, protos, why)) == NULL)
		return (NULL);

	result = vstring_alloc(100);
	net = vstring_alloc(50);
	seen = htable_create(own->len + 1);
	for (i = 0; i < own->len; i++) {
		if (mynetworks_format(net, own->addrs + i, style_mask, why) < 0) {
			vstring_free(result);
			result = NULL;
			break;
		}
		if (htable_locate(seen, vstring_str(net)) != NULL)
			continue;
		htable_enter(seen, vstring_str(net), NULL);
		if (vstring_len(result) > 0)
			vstring_addch(result, ' ');
		vstring_strcat(result, vstring_str(net));
	}
	htable_free(seen, NULL);
	vstring_free(net);
	inet_local_free(own);
	return (result ? vstring_export(result) : NULL);
}
