/*
 * addr_quote - internal (unquoted) and external (quoted) address forms
 *
 * See addr_quote.h. Quoting looks at the last '@' of the internal form;
 * unquoting looks at the last '@' outside quotes of the external form.
 * Because a quoted local part ends with its closing quote and a domain
 * never contains '@', both find the same split, which is what makes
 * unquote(quote(x)) == x hold for every x.
 */
#include <string.h>

#include "vstring.h"
#include "addr_tok.h"
#include "addr_quote.h"

int
addr_quote_needed(const char *local, size_t len)
{
	size_t  i;
	int     prev_dot = 1;		/* no dot at the start */
	unsigned char c;

	if (len == 0)
		return (1);
	for (i = 0; i < len; i++) {
		c = (unsigned char) local[i];
		if (c == '.') {
			if (prev_dot)
				return (1);
			prev_dot = 1;
		} else if (c >= 0x80 || addr_tok_atext(c)) {
			prev_dot = 0;
		} else {
			return (1);
		}
	}
	return (prev_dot);			/* no dot at the end */
}

VSTRING *
addr_quote_local(VSTRING *out, const char *addr)
{
	const char *at = strrchr(addr, '@');
	size_t  local_len = at ? (size_t) (at - addr) : strlen(addr);
	size_t  i;

	VSTRING_RESET(out);
	if (*addr == 0)
		return (out);
	if (!addr_quote_needed(addr, local_len)) {
		vstring_strcpy(out, addr);
		return (out);
	}
	vstring_addch(out, '"');
	for (i = 0; i < local_len; i++) {
		if (addr[i] == '"' || addr[i] == '\\')
			vstring_addch(out, '\\');
		vstring_addch(out, addr[i]);
	}
	vstring_addch(out, '"');
	if (at)
		vstring_strcat(out, at);
	return (out);
}

VSTRING *
addr_unquote_local(VSTRING *out, const char *addr)
{
	const char *split = NULL;
	const char *cp;
	int     quoted = 0;

	/* The domain starts after the last '@' outside quotes. */
	for (cp = addr; *cp; cp++) {
		if (*cp == '\\' && quoted) {
			if (cp[1] == 0)
				break;
			cp++;
		} else if (*cp == '"') {
			quoted = !quoted;
		} else if (*cp == '@' && !quoted) {
			split = cp;
		}
	}
	if (split == NULL)
		split = cp;			/* no domain */
	VSTRING_RESET(out);
	quoted = 0;
	for (cp = addr; cp < split; cp++) {
		if (*cp == '"') {
			quoted = !quoted;
		} else if (*cp == '\\' && quoted && cp + 1 < split) {
			vstring_addch(out, *++cp);
		} else {
			vstring_addch(out, *cp);
		}
	}
	vstring_strcat(out, split);
	return (out);
}
