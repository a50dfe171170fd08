#ifndef POSTERN_POSTALIAS_H
#define POSTERN_POSTALIAS_H

/*
 * postalias - what the parts of postalias(1) share
 */
#include "vstring.h"

/*
 * postalias_tok.c: split one logical line of an aliases(5) file into
 * the name (unquoted, as the local delivery agent looks it up) and the
 * value (RFC 822 tokens written back in canonical quoted form). Returns
 * 0, or -1 with a reason in *why ("need name:value pair", "name must be
 * local").
 */
extern int postalias_split(const char *line, VSTRING *key, VSTRING *value,
			   const char **why);

#endif
