#ifndef POSTERN_ADDR_TOK_H
#define POSTERN_ADDR_TOK_H

/*
 * addr_tok - RFC 5322 address tokens, shared by smtp_path and addr_list
 *
 * addr_tok_parse() splits text into RFC 5322 lexical tokens: atoms,
 * quoted strings, domain literals, comments and the special characters
 * < > : ; @ , . ) ]. Whitespace separates tokens and is remembered as a
 * flag on the next token. A quoted string's text is its content with the
 * quotes removed and quoted-pairs resolved; a comment's text is its
 * content (nested comments included as written); a domain literal keeps
 * its brackets. A backslash outside quotes escapes the next character
 * into an atom, as Postfix's lenient parser does; the token is flagged so
 * that strict callers can refuse it.
 *
 * addr_tok_mailbox() parses [route] local-part [@ domain] from a token
 * range into Postfix's internal (unquoted) form, lenient or strict.
 *
 *	addr_tok_alloc(), addr_tok_free() the token array.
 *	addr_tok_parse() tokenize; 0, or -1 with the first problem in why
 *	(all of the text is tokenized either way).
 *	addr_tok_mailbox() 0 and the address, or -1 and why.
 *	addr_tok_atext() 1 for RFC 5322 atext (ASCII).
 *	addr_tok_utf8_ok() 1 when bytes are well-formed UTF-8.
 *
 * Nothing here logs; control characters (other than HTAB, and CR/LF when
 * folding is allowed) are always an error.
 */
#include <stddef.h>

#include "vstring.h"

/* Token types; a special character is its own type. */
#define ADDR_TOK_ATOM		'a'
#define ADDR_TOK_QSTRING	'"'
#define ADDR_TOK_DLITERAL	'['
#define ADDR_TOK_COMMENT	'('

/* Token flags. */
#define ADDR_TOK_FLAG_SPACE	(1 << 0)	/* whitespace came before */
#define ADDR_TOK_FLAG_8BIT	(1 << 1)	/* text has bytes >= 0x80 */
#define ADDR_TOK_FLAG_ESCAPED	(1 << 2)	/* quoted-pair outside quotes */
#define ADDR_TOK_FLAG_OPEN	(1 << 3)	/* unterminated at end of text */

typedef struct ADDR_TOK {
	int	type;
	int	flags;
	char   *text;			/* NUL-terminated, see above */
	size_t	len;
} ADDR_TOK;

typedef struct ADDR_TOKS {
	size_t	len;
	size_t	size;
	ADDR_TOK *tok;
	int	trailing_space;		/* whitespace after the last token */
} ADDR_TOKS;

/* addr_tok_parse() flags. */
#define ADDR_TOK_PARSE_FOLD	(1 << 0)	/* CR and LF are whitespace */

/* addr_tok_mailbox() flags. */
#define ADDR_TOK_MBOX_STRICT	(1 << 0)	/* RFC 5321 grammar only */
#define ADDR_TOK_MBOX_UTF8	(1 << 1)	/* non-ASCII allowed (RFC 6531) */
#define ADDR_TOK_MBOX_NEED_DOMAIN (1 << 2)	/* local-part alone refused */

/* addr_tok_mailbox() result details. */
#define ADDR_TOK_INFO_ROUTE	(1 << 0)	/* a source route was dropped */
#define ADDR_TOK_INFO_8BIT	(1 << 1)	/* the address is not ASCII */

extern ADDR_TOKS *addr_tok_alloc(void);
extern void addr_tok_free(ADDR_TOKS *toks);
extern int addr_tok_parse(ADDR_TOKS *toks, const char *str, size_t len,
			          int flags, VSTRING *why);

/*
 * Parse tokens [start, end) (comments are skipped; strict refuses them)
 * as [@route,@route:] local-part [@ domain]. Replace addr with the
 * internal form and set *info (may be NULL). An empty range is refused.
 */
extern int addr_tok_mailbox(const ADDR_TOKS *toks, size_t start, size_t end,
			            int flags, VSTRING *addr, int *info, VSTRING *why);

extern int addr_tok_atext(int ch);
extern int addr_tok_utf8_ok(const char *str, size_t len);

#endif
