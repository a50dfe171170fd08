#ifndef POSTERN_BASE64_H
#define POSTERN_BASE64_H

/*
 * base64 - RFC 4648 base64 (standard alphabet, '=' padding)
 *
 *	base64_encode(out, in, len) replaces out with the encoding of len
 *	bytes and returns out.
 *	base64_decode(out, in, len) replaces out with the decoding of len
 *	characters: 0, or -1 when the input is not canonical base64 (length
 *	not a multiple of 4, a character outside the alphabet, white space,
 *	padding anywhere but at the end, or non-zero bits in the padding).
 *	Strict on purpose: it decodes our own attribute protocol, where an
 *	odd encoding means a broken or hostile peer.
 *
 * Errors: the return value; nothing logs.
 */
#include <stddef.h>

#include "vstring.h"

extern VSTRING *base64_encode(VSTRING *out, const void *in, size_t len);
extern int base64_decode(VSTRING *out, const char *in, size_t len);

#endif
