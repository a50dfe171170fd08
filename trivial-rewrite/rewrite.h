#ifndef POSTERN_TR_REWRITE_H
#define POSTERN_TR_REWRITE_H

/*
 * rewrite - address canonicalization for trivial-rewrite(8), pure code
 *
 *	tr_rewrite() rewrites one address in internal (unquoted) form into
 *	canonical form, following a TR_REWRITE_CTX (one for the "local"
 *	rule, one for "remote"):
 *	- without '@': "host!user" becomes "user@host" (swap_bangpath),
 *	  else "user%domain" becomes "user@domain" (allow_percent_hack),
 *	  else "@origin" is appended when append_at_origin is set and
 *	  origin is not empty;
 *	- a domain without a dot gets ".domain" (append_dot_domain, domain
 *	  not empty; never after a bare '@' or an address literal);
 *	- one trailing dot is removed ("a@b." -> "a@b"), but not from
 *	  "a@b.." or "a@.".
 *	Case is kept. The empty address stays empty. A local part that
 *	would need quotes ("a b!c") is one word: no '!' or '%' inside it
 *	counts.
 *
 *	tr_rewrite_ctx_init() fills a context from main.cf for a rule
 *	("local": myorigin, mydomain; "remote": remote_header_rewrite_domain
 *	for both); -1 for an unknown rule.
 */
#include "vstring.h"

typedef struct TR_REWRITE_CTX {
	const char *origin;		/* appended to a bare user, or "" */
	const char *domain;		/* appended to a domain without dot, or "" */
	int	swap_bangpath;
	int	percent_hack;
	int	append_at_origin;
	int	append_dot_domain;
} TR_REWRITE_CTX;

extern void tr_rewrite(const TR_REWRITE_CTX *ctx, const char *addr,
		       VSTRING *out);
extern int tr_rewrite_ctx_init(TR_REWRITE_CTX *ctx, const char *rule);

#endif
