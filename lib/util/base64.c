/*
 * base64 - RFC 4648 base64 (standard alphabet, '=' padding)
 *
 *	base64_encode() encodes bytes; base64_decode() decodes canonical
 *	base64 and refuses anything else.
 *
 * Errors: base64_decode() returns -1 for bad input; out then holds junk.
 */
#include <stdint.h>

#include "msg.h"
#include "vstring.h"
#include "base64.h"

static const char base64_chars[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

VSTRING *
base64_encode(VSTRING *out, const void *in, size_t len)
{
	const unsigned char *cp = in;
	unsigned long v;
	char    quad[4];
	size_t  i;

	if (len / 3 >= SIZE_MAX / 4 - 1)
		msg_fatal("base64_encode: length %zu too large", len);
	VSTRING_RESET(out);
	vstring_reserve(out, (len + 2) / 3 * 4);
	for (i = 0; i + 3 <= len; i += 3) {
		v = (unsigned long) cp[i] << 16 | (unsigned long) cp[i + 1] << 8
			| cp[i + 2];
		quad[0] = base64_chars[(v >> 18) & 63];
		quad[1] = base64_chars[(v >> 12) & 63];
		quad[2] = base64_chars[(v >> 6) & 63];
		quad[3] = base64_chars[v & 63];
		vstring_memcat(out, quad, 4);
	}
	if (i < len) {
		v = (unsigned long) cp[i] << 16;
		if (i + 1 < len)
			v |= (unsigned long) cp[i + 1] << 8;
		quad[0] = base64_chars[(v >> 18) & 63];
		quad[1] = base64_chars[(v >> 12) & 63];
		quad[2] = i + 1 < len ? base64_chars[(v >> 6) & 63] : '=';
		quad[3] = '=';
		vstring_memcat(out, quad, 4);
	}
	return (out);
}

/* Value of one alphabet character, or -1. */
static int
base64_value(unsigned char ch)
{
	if (ch >= 'A' && ch <= 'Z')
		return (ch - 'A');
	if (ch >= 'a' && ch <= 'z')
		return (ch - 'a' + 26);
	if (ch >= '0' && ch <= '9')
		return (ch - '0' + 52);
	if (ch == '+')
		return (62);
	if (ch == '/')
		return (63);
	return (-1);
}

int
base64_decode(VSTRING *out, const char *in, size_t len)
{
	const unsigned char *cp = (const unsigned char *) in;
	unsigned long v;
	unsigned char triple[3];
	size_t  i;
	int     pad;
	int     j;
	int     d;

	VSTRING_RESET(out);
	if (len % 4 != 0)
		return (-1);
	for (i = 0; i < len; i += 4) {
		pad = 0;
		v = 0;
		for (j = 0; j < 4; j++) {
			/* '=' only in the last two places of the last quad. */
			if (cp[i + j] == '=' && i + 4 == len && j >= 2
			    && (j == 3 || cp[i + 3] == '=')) {
				pad++;
				d = 0;
			} else if (pad > 0 || (d = base64_value(cp[i + j])) < 0) {
				return (-1);
			}
			v = v << 6 | (unsigned long) d;
		}
		/* Canonical: the bits under the padding are zero. */
		if ((pad == 1 && (v & 0xff) != 0) || (pad == 2 && (v & 0xffff) != 0))
			return (-1);
		triple[0] = (unsigned char) (v >> 16);
		triple[1] = (unsigned char) (v >> 8);
		triple[2] = (unsigned char) v;
		vstring_memcat(out, triple, (size_t) (3 - pad));
	}
	return (0);
}
