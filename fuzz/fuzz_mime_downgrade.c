/*
 * fuzz_mime_downgrade - libFuzzer target for the 8bit -> 7bit converter
 *
 * The first input byte picks a piece size (lines are fed in pieces of
 * that size, 0 = whole lines); the rest is a message, lines separated by
 * LF (CR becomes a space: input lines hold no CR, as output lines must
 * not). Invariants, each an abort() when broken:
 *
 *	no output piece holds CR or LF;
 *	the output does not depend on how lines are cut into pieces;
 *	conversion never adds 8-bit bytes;
 *	converting the output again changes nothing (every part that
 *	needed conversion got it);
 *	for a message without MIME structure (our own header, the input as
 *	body): if the body has an 8-bit byte, the output body is valid
 *	quoted-printable (lines <= 76, 7-bit, no trailing white space, only
 *	=XX escapes in upper case, no line starting with "--" after a soft
 *	break) that decodes to the input; otherwise it is the input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vstring.h"
#include "mime_downgrade.h"

int     LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
collect(void *ctx, const char *text, size_t len, int is_cont)
{
	VSTRING *buf = ctx;

	if (memchr(text, '\n', len) || memchr(text, '\r', len))
		abort();
	vstring_memcat(buf, text, len);
	if (!is_cont)
		vstring_addch(buf, '\n');
}

/* Convert text (lines separated by LF) in pieces of piece bytes. */
static void
convert(VSTRING *out, const char *text, size_t size, size_t piece)
{
	MIME_DOWNGRADE *md = mime_downgrade_create(collect, out);
	const char *cp = text;
	const char *end = text + size;
	const char *nl;
	size_t  len;
	size_t  n;

	VSTRING_RESET(out);
	while (cp < end) {
		nl = memchr(cp, '\n', (size_t) (end - cp));
		len = nl ? (size_t) (nl - cp) : (size_t) (end - cp);
		if (piece == 0 || len == 0) {
			mime_downgrade_line(md, cp, len, 0);
		} else {
			for (n = 0; n < len; n += piece)
				mime_downgrade_line(md, cp + n,
					     len - n > piece ? piece : len - n,
						    n + piece < len);
		}
		cp += len + (nl != NULL);
	}
	mime_downgrade_finish(md);
}

static size_t
count_8bit(const char *text, size_t len)
{
	size_t  i;
	size_t  n = 0;

	for (i = 0; i < len; i++)
		n += ((unsigned char) text[i] >= 0x80);
	return (n);
}

static int
hexval(int ch)
{
	if (ch >= '0' && ch <= '9')
		return (ch - '0');
	if (ch >= 'A' && ch <= 'F')
		return (ch - 'A' + 10);
	abort();
}

/* Strict quoted-printable decoder for what we produce. */
static void
qp_decode(VSTRING *out, const char *in, size_t len)
{
	const char *cp = in;
	const char *end = in + len;
	const char *nl;
	size_t  n;
	size_t  i;
	int     soft = 0;

	VSTRING_RESET(out);
	while (cp < end) {
		nl = memchr(cp, '\n', (size_t) (end - cp));
		if (nl == NULL)
			abort();		/* every line ends */
		n = (size_t) (nl - cp);
		if (n > 76 || (n > 0 && (cp[n - 1] == ' ' || cp[n - 1] == '\t')))
			abort();
		if (soft && n >= 2 && cp[0] == '-' && cp[1] == '-')
			abort();
		soft = 0;
		for (i = 0; i < n; i++) {
			if ((unsigned char) cp[i] >= 0x80)
				abort();
			if (cp[i] != '=') {
				vstring_addch(out, cp[i]);
			} else if (i + 1 == n) {
				soft = 1;
			} else {
				if (i + 2 >= n)
					abort();
				vstring_addch(out, hexval(cp[i + 1]) * 16
					      + hexval(cp[i + 2]));
				i += 2;
			}
		}
		if (!soft)
			vstring_addch(out, '\n');
		cp = nl + 1;
	}
	if (soft)
		abort();
}

static const char plain_hdr[] = "Subject: fuzz\n\n";
static const char qp_hdr[] = "Subject: fuzz\nMIME-Version: 1.0\n"
	"Content-Transfer-Encoding: quoted-printable\n\n";

/* The input as the body of a message without MIME structure. */
static void
check_plain(const uint8_t *data, size_t size, size_t piece)
{
	VSTRING *in = vstring_alloc(size + 100);
	VSTRING *out = vstring_alloc(size * 3 + 100);
	VSTRING *dec = vstring_alloc(size + 100);
	size_t  hlen;

	vstring_strcpy(in, plain_hdr);
	vstring_memcat(in, data, size);
	if (size == 0 || data[size - 1] != '\n')
		vstring_addch(in, '\n');
	convert(out, vstring_str(in), vstring_len(in), piece);
	if (!mime_downgrade_needed((const char *) data, size)) {
		if (vstring_len(out) != vstring_len(in)
		    || memcmp(vstring_str(out), vstring_str(in), vstring_len(in)) != 0)
			abort();
	} else {
		hlen = sizeof(qp_hdr) - 1;
		if (vstring_len(out) < hlen
		    || memcmp(vstring_str(out), qp_hdr, hlen) != 0)
			abort();
		qp_decode(dec, vstring_str(out) + hlen, vstring_len(out) - hlen);
		hlen = sizeof(plain_hdr) - 1;
		if (vstring_len(dec) != vstring_len(in) - hlen
		    || memcmp(vstring_str(dec), vstring_str(in) + hlen,
			      vstring_len(dec)) != 0)
			abort();
	}
	vstring_free(in);
	vstring_free(out);
	vstring_free(dec);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	VSTRING *whole;
	VSTRING *pieces;
	VSTRING *again;
	size_t  piece;
	char   *text;
	size_t  i;

	if (size < 1)
		return (0);
	piece = data[0] % 16;
	size--;
	if ((text = malloc(size + 1)) == NULL)
		return (0);
	memcpy(text, data + 1, size);
	for (i = 0; i < size; i++)
		if (text[i] == '\r')
			text[i] = ' ';

	whole = vstring_alloc(size * 3 + 100);
	pieces = vstring_alloc(size * 3 + 100);
	again = vstring_alloc(size * 3 + 100);
	convert(whole, text, size, 0);
	convert(pieces, text, size, piece ? piece : 1);
	if (vstring_len(whole) != vstring_len(pieces)
	    || memcmp(vstring_str(whole), vstring_str(pieces),
		      vstring_len(whole)) != 0)
		abort();
	if (count_8bit(vstring_str(whole), vstring_len(whole))
	    > count_8bit(text, size))
		abort();
	convert(again, vstring_str(whole), vstring_len(whole), 0);
	if (vstring_len(again) != vstring_len(whole)
	    || memcmp(vstring_str(again), vstring_str(whole),
		      vstring_len(whole)) != 0)
		abort();
	vstring_free(whole);
	vstring_free(pieces);
	vstring_free(again);

	check_plain((const uint8_t *) text, size, piece);
	free(text);
	return (0);
}
