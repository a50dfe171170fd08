/*
 * fuzz_address - libFuzzer target for the address parsers
 *
 * The input (up to its first NUL) goes to smtp_path_parse() in all four
 * flag combinations, to addr_list_parse() with and without UTF-8, and to
 * the quoting functions. Invariants, each an abort() when broken:
 *
 *	unquote(quote(x)) == x for every x;
 *	an accepted path or list address has no control characters, is
 *	ASCII unless UTF-8 was allowed, and is well-formed UTF-8 if not;
 *	whatever strict mode accepts, lenient mode accepts as the same
 *	address (and parameters, unless they start with a comment);
 *	an accepted address, quoted and put back in <>, parses again to
 *	the same internal form in the same mode;
 *	a list item written back as "name" <quoted address> parses again
 *	to the same name and address.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vstring.h"
#include "addr_tok.h"
#include "addr_quote.h"
#include "smtp_path.h"
#include "addr_list.h"

int     LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_addr(const char *addr, int utf8)
{
	const unsigned char *cp;
	int     eight = 0;

	for (cp = (const unsigned char *) addr; *cp; cp++) {
		if (*cp < 0x20 || *cp == 0x7f)
			abort();
		if (*cp >= 0x80)
			eight = 1;
	}
	if (eight && (!utf8 || !addr_tok_utf8_ok(addr, strlen(addr))))
		abort();
}

static void
check_quote(const char *str, VSTRING *q, VSTRING *u)
{
	addr_quote_local(q, str);
	addr_unquote_local(u, vstring_str(q));
	if (strcmp(vstring_str(u), str) != 0)
		abort();
}

static void
check_path(const char *arg, VSTRING *q, VSTRING *tmp)
{
	SMTP_PATH *path = smtp_path_alloc();
	SMTP_PATH *other = smtp_path_alloc();
	int     ok[4];
	int     flags;

	for (flags = 0; flags < 4; flags++) {
		VSTRING_RESET(tmp);
		ok[flags] = (smtp_path_parse(path, arg, flags, tmp) == 0);
		if (!ok[flags]) {
			if (vstring_len(path->addr) != 0 || vstring_len(tmp) == 0)
				abort();
			continue;
		}
		check_addr(vstring_str(path->addr), flags & SMTP_PATH_FLAG_UTF8);
		if (((path->info & SMTP_PATH_INFO_NULL) != 0)
		    != (vstring_len(path->addr) == 0))
			abort();
		/*
		 * Strict acceptance implies the same lenient result (except
		 * that lenient mode drops comments before the parameters).
		 */
		if (flags & SMTP_PATH_FLAG_STRICT) {
			if (!ok[flags & ~SMTP_PATH_FLAG_STRICT])
				abort();
			if (smtp_path_parse(other, arg, flags & ~SMTP_PATH_FLAG_STRICT, NULL) != 0
			    || strcmp(vstring_str(other->addr), vstring_str(path->addr)) != 0
			    || (vstring_str(path->params)[0] != '('
				&& strcmp(vstring_str(other->params), vstring_str(path->params)) != 0))
				abort();
		}
		/* The external form parses back to the internal form. */
		addr_quote_local(q, vstring_str(path->addr));
		vstring_sprintf(tmp, "<%s>", vstring_str(q));
		if (smtp_path_parse(other, vstring_str(tmp), flags, NULL) != 0
		    || strcmp(vstring_str(other->addr), vstring_str(path->addr)) != 0)
			abort();
	}
	smtp_path_free(path);
	smtp_path_free(other);
}

/* Write name as an RFC 5322 quoted string. */
static void
quote_name(VSTRING *out, const char *name)
{
	vstring_addch(out, '"');
	for (; *name; name++) {
		if (*name == '"' || *name == '\\')
			vstring_addch(out, '\\');
		vstring_addch(out, *name);
	}
	vstring_addch(out, '"');
}

static void
check_list(const char *text, VSTRING *q, VSTRING *tmp)
{
	ADDR_LIST *list;
	ADDR_LIST *again;
	const unsigned char *cp;
	size_t  i;
	int     flags;

	for (flags = 0; flags <= ADDR_LIST_FLAG_UTF8; flags += ADDR_LIST_FLAG_UTF8) {
		list = addr_list_alloc();
		VSTRING_RESET(tmp);
		if (addr_list_parse(list, text, flags, tmp) < 0 && vstring_len(tmp) == 0)
			abort();
		for (i = 0; i < list->len; i++) {
			check_addr(list->items[i].addr, flags);
			for (cp = (const unsigned char *) list->items[i].name; *cp; cp++)
				if (*cp < 0x20 || *cp == 0x7f)
					abort();
			if (*list->items[i].addr == 0)
				continue;
			VSTRING_RESET(tmp);
			quote_name(tmp, list->items[i].name);
			addr_quote_local(q, list->items[i].addr);
			vstring_sprintf_append(tmp, " <%s>", vstring_str(q));
			again = addr_list_alloc();
			if (addr_list_parse(again, vstring_str(tmp), flags, NULL) != 0
			    || again->len != 1
			    || strcmp(again->items[0].addr, list->items[i].addr) != 0
			    || strcmp(again->items[0].name, list->items[i].name) != 0)
				abort();
			addr_list_free(again);
		}
		addr_list_free(list);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char   *text = malloc(size + 1);
	VSTRING *q = vstring_alloc(100);
	VSTRING *u = vstring_alloc(100);
	VSTRING *tmp = vstring_alloc(100);

	if (text == NULL)
		return (0);
	memcpy(text, data, size);
	text[size] = 0;
	check_quote(text, q, u);
	check_path(text, q, tmp);
	check_list(text, q, tmp);
	vstring_free(q);
	vstring_free(u);
	vstring_free(tmp);
	free(text);
	return (0);
}
