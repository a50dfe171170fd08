#ifndef POSTERN_RESOLVE_CLIENT_H
#define POSTERN_RESOLVE_CLIENT_H

/*
 * resolve_client - address rewriting and resolution through the
 * trivial-rewrite(8) service (private/rewrite)
 *
 * Protocol (attr0 over one kept-open connection, many requests; Postfix's
 * attribute names):
 *	request=rewrite, rule=local|remote, address=ADDR
 *		-> flags (int), address (str): ADDR in canonical form
 *		(myorigin appended to a bare user, append_dot_mydomain,
 *		swap_bangpath/allow_percent_hack, as trivial-rewrite(8)
 *		says; "remote" context leaves an unqualified address
 *		qualified with remote_header_rewrite_domain or alone).
 *	request=resolve, sender=SENDER, address=ADDR
 *		-> flags (int, RESOLVE_*), transport (str), nexthop (str),
 *		recipient (str).
 * Addresses are in internal (unquoted) form.
 *
 *	rewrite_client() one rewrite; resolve_client() one resolution.
 *	Both return 0, or -1 when the service cannot answer (the caller
 *	defers: 4.3.0). The client keeps the connection and reconnects
 *	once when the service went away (max_idle, reload), and caches the
 *	last few answers.
 *	resolve_client_free() releases a RESOLVE_REPLY's strings.
 */

#include "vstring.h"

/* Address classes and flags in RESOLVE_REPLY.flags. */
#define RESOLVE_CLASS_LOCAL	(1 << 0)	/* mydestination, our IPs */
#define RESOLVE_CLASS_ALIAS	(1 << 1)	/* virtual_alias_domains */
#define RESOLVE_CLASS_VIRTUAL	(1 << 2)	/* virtual_mailbox_domains */
#define RESOLVE_CLASS_RELAY	(1 << 3)	/* relay_domains */
#define RESOLVE_CLASS_DEFAULT	(1 << 4)	/* everything else */
#define RESOLVE_CLASS_MASK	0x1f
#define RESOLVE_FLAG_FINAL	(1 << 5)	/* final destination (local/alias/virtual) */
#define RESOLVE_FLAG_ROUTED	(1 << 6)	/* had routing syntax (user@a@b, %, !) */
#define RESOLVE_FLAG_ERROR	(1 << 7)	/* bad address syntax */
#define RESOLVE_FLAG_FAIL	(1 << 8)	/* lookup error: try again */

typedef struct RESOLVE_REPLY {
	int	flags;
	VSTRING *transport;		/* "local", "smtp", "error" ... */
	VSTRING *nexthop;		/* "example.com", "[10.0.0.1]:25", text */
	VSTRING *recipient;		/* the address to deliver to */
} RESOLVE_REPLY;

extern int rewrite_client(const char *rule, const char *addr, VSTRING *out);
extern void resolve_client_init(RESOLVE_REPLY *reply);
extern int resolve_client(const char *sender, const char *addr,
			  RESOLVE_REPLY *reply);
extern void resolve_client_free(RESOLVE_REPLY *reply);

#endif
