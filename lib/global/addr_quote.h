#ifndef POSTERN_ADDR_QUOTE_H
#define POSTERN_ADDR_QUOTE_H

/*
 * addr_quote - internal (unquoted) and external (quoted) address forms
 *
 * Postfix keeps addresses in an internal form where the local part is
 * unquoted ("a b@example.com") and quotes them only where they leave in
 * RFC 5321/5322 syntax ("\"a b\"@example.com"). The local part is
 * everything before the last '@' (so "a@b@c" has local part "a@b"); the
 * domain is never changed.
 *
 *	addr_quote_local() internal -> external: when the local part is not
 *	a dot-atom (atext, including bytes >= 0x80 for SMTPUTF8, separated by
 *	single dots), it is put in double quotes with '"' and '\' escaped by
 *	a backslash. The empty address stays empty (the null sender); an
 *	empty local part before '@' becomes "".
 *	addr_unquote_local() external -> internal: quotes are removed and
 *	quoted-pairs resolved in the local part; the separating '@' is the
 *	last '@' outside quotes; a quote left open runs to the end.
 *	addr_quote_needed() 1 when a local part needs quotes.
 *
 * For every string x, unquote(quote(x)) == x. Both replace the content of
 * out and return it; nothing fails and nothing is logged.
 */
#include <stddef.h>

#include "vstring.h"

extern VSTRING *addr_quote_local(VSTRING *out, const char *addr);
extern VSTRING *addr_unquote_local(VSTRING *out, const char *addr);
extern int addr_quote_needed(const char *local, size_t len);

#endif
