/*
 * cidr_match - match IPv4/IPv6 addresses against network/prefix patterns
 *
 *	cidr_match_parse() compiles "net/len", "addr" or a bracketed form.
 *	cidr_addr_parse() converts address text to binary.
 *	cidr_match_exec() compares a binary address with a pattern.
 *	cidr_match_addr() parses address text and compares it.
 *
 * Errors: cidr_match_parse() returns -1 and a reason in why, worded as
 * Postfix words it so that table warnings read the same; the others only
 * answer yes or no. Conversions use inet_pton(), which rejects the
 * non-standard forms (octal or short IPv4) that inet_aton() would accept.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <string.h>

#include "mymalloc.h"
#include "vstring.h"
#include "stringops.h"
#include "cidr_match.h"

/* Number of address bytes for a family. */
static size_t
cidr_family_bytes(int family)
{
	return (family == AF_INET6 ? 16 : 4);
}

int
cidr_addr_parse(CIDR_ADDR *addr, const char *text)
{
	memset(addr, 0, sizeof(*addr));
	addr->family = strchr(text, ':') != NULL ? AF_INET6 : AF_INET;
	if (inet_pton(addr->family, text, addr->bytes) != 1)
		return (-1);
	return (0);
}

/*
 * Remove the brackets from "[net]/len", "[net/len]" or "[addr]" in place.
 * Returns 0, or -1 with a reason.
 */
static int
cidr_strip_brackets(char *pat, const char *orig, VSTRING *why)
{
	char   *close;

	if (*pat != '[')
		return (0);
	if ((close = strchr(pat, ']')) == NULL) {
		vstring_sprintf(why, "missing ']' character after \"%s\"", orig);
		return (-1);
	}
	if (close[1] != '\0' && close[1] != '/') {
		vstring_sprintf(why, "garbage after \"%.*s\"",
				(int) (close - pat + 1), pat);
		return (-1);
	}
	memmove(close, close + 1, strlen(close + 1) + 1);
	memmove(pat, pat + 1, strlen(pat + 1) + 1);
	return (0);
}

/* Parse the decimal prefix length; -1 when it is not all digits. */
static int
cidr_parse_mask(const char *text, unsigned max, unsigned *len)
{
	unsigned long val = 0;

	if (!alldig(text))
		return (-1);
	for (; *text; text++) {
		val = val * 10 + (unsigned long) (*text - '0');
		if (val > max) {
			/* Too large; keep reading only to reject the rest. */
			*len = max + 1;
			return (0);
		}
	}
	*len = (unsigned) val;
	return (0);
}

static void
cidr_make_mask(unsigned char *mask, unsigned len, size_t nbytes)
{
	size_t  i;

	memset(mask, 0, CIDR_MATCH_ABYTES);
	for (i = 0; i < nbytes && len > 0; i++) {
		if (len >= 8) {
			mask[i] = 0xff;
			len -= 8;
		} else {
			mask[i] = (unsigned char) (0xff << (8 - len));
			len = 0;
		}
	}
}

int
cidr_match_parse(CIDR_MATCH *cm, const char *pattern, VSTRING *why)
{
	char   *copy = mystrdup(pattern);
	char   *mask_text;
	unsigned max;
	size_t  nbytes;
	size_t  i;
	int     bad_bits = 0;
	char    suggest[INET6_ADDRSTRLEN];
	int     ret = -1;

	memset(cm, 0, sizeof(*cm));
	if (cidr_strip_brackets(copy, pattern, why) < 0)
		goto done;
	cm->family = strchr(copy, ':') != NULL ? AF_INET6 : AF_INET;
	nbytes = cidr_family_bytes(cm->family);
	max = (unsigned) nbytes * 8;

	if ((mask_text = strchr(copy, '/')) != NULL) {
		if (cidr_parse_mask(mask_text + 1, max, &cm->mask_len) < 0) {
			vstring_sprintf(why, "bad mask value in \"%s\"", copy);
			goto done;
		}
		if (cm->mask_len > max) {
			vstring_sprintf(why, "bad mask length in \"%s\"", copy);
			goto done;
		}
		*mask_text = '\0';
		if (inet_pton(cm->family, copy, cm->net) != 1) {
			*mask_text = '/';
			vstring_sprintf(why, "bad network value in \"%s\"", copy);
			goto done;
		}
		*mask_text = '/';
	} else {
		if (inet_pton(cm->family, copy, cm->net) != 1) {
			vstring_sprintf(why, "bad address pattern: \"%s\"", copy);
			goto done;
		}
		cm->mask_len = max;
	}
	cidr_make_mask(cm->mask, cm->mask_len, nbytes);
	for (i = 0; i < nbytes; i++) {
		if (cm->net[i] & ~cm->mask[i])
			bad_bits = 1;
		cm->net[i] &= cm->mask[i];
	}
	if (bad_bits) {
		if (inet_ntop(cm->family, cm->net, suggest, sizeof(suggest)) == NULL)
			suggest[0] = '\0';
		vstring_sprintf(why, "non-null host address bits in \"%s\", "
				"perhaps you should use \"%s/%u\" instead",
				copy, suggest, cm->mask_len);
		goto done;
	}
	ret = 0;
done:
	myfree(copy);
	return (ret);
}

int
cidr_match_exec(const CIDR_MATCH *cm, const CIDR_ADDR *addr)
{
	size_t  nbytes;
	size_t  i;

	if (cm->family != addr->family)
		return (0);
	nbytes = cidr_family_bytes(cm->family);
	for (i = 0; i < nbytes; i++)
		if ((addr->bytes[i] & cm->mask[i]) != cm->net[i])
			return (0);
	return (1);
}

int
cidr_match_addr(const CIDR_MATCH *cm, const char *addr_text)
{
	CIDR_ADDR addr;

	if (cidr_addr_parse(&addr, addr_text) < 0)
		return (0);
	return (cidr_match_exec(cm, &addr));
}
