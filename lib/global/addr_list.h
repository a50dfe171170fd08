#ifndef POSTERN_ADDR_LIST_H
#define POSTERN_ADDR_LIST_H

/*
 * addr_list - RFC 5322 address lists in message headers
 *
 * addr_list_parse() reads the value of a To:, Cc:, From:, Reply-To: ...
 * header into a list of mailboxes, each with its address in Postfix's
 * internal (unquoted) form, its display name and the group it came from:
 *
 *	Name <a@b>, "Quoted, Name" <c@d>, group: e@f, g@h;, x@y (Comment)
 *
 * gives (Name, a@b), (Quoted, Name, c@d), (e@f in group "group"),
 * (g@h in "group") and (Comment, x@y). Display names are decoded: quotes
 * removed, quoted-pairs resolved, words joined by one space; encoded
 * words (RFC 2047) are left as they are. A comment names a mailbox only
 * when it has no phrase. An obsolete route (<@a,@b:c@d>) is dropped.
 * Folded headers (CR/LF + whitespace) are fine. <> yields an empty
 * address. An empty group ("undisclosed-recipients:;") yields nothing.
 *
 * Parsing is lenient, as smtp_path's default mode, and recovers: a
 * mailbox that cannot be parsed is skipped up to the next ',' and the
 * rest of the list is still read. Bytes >= 0x80 in an address need
 * ADDR_LIST_FLAG_UTF8 (RFC 6532) and must be UTF-8; display names may
 * hold any bytes but controls.
 *
 *	addr_list_alloc(), addr_list_free() the list.
 *	addr_list_parse() appends to the list; 0 when the whole text was
 *	well-formed, else -1 with the first problem in why.
 */
#include <stddef.h>

#include "vstring.h"

typedef struct ADDR_ITEM {
	char   *addr;			/* internal form; "" for <> */
	char   *name;			/* display name, "" if none */
	char   *group;			/* group display name, or NULL */
} ADDR_ITEM;

typedef struct ADDR_LIST {
	size_t	len;			/* items in use */
	size_t	size;			/* items allocated */
	ADDR_ITEM *items;
} ADDR_LIST;

#define ADDR_LIST_FLAG_UTF8	(1 << 0)	/* RFC 6532 addresses */

extern ADDR_LIST *addr_list_alloc(void);
extern void addr_list_free(ADDR_LIST *list);
extern int addr_list_parse(ADDR_LIST *list, const char *text, int flags,
			           VSTRING *why);

#endif
