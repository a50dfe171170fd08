#ifndef POSTERN_TR_RESOLVE_H
#define POSTERN_TR_RESOLVE_H

/*
 * resolve - address resolution for trivial-rewrite(8), without the daemon
 *
 *	tr_resolve_create() reads main.cf (mail_conf) and opens everything a
 *	resolution needs: the mydestination, virtual_alias_domains,
 *	virtual_mailbox_domains and relay_domains lists, our addresses
 *	(inet_interfaces, proxy_interfaces), transport_maps and the
 *	sender_dependent_{default_transport,relayhost}_maps tables. Call it
 *	before chroot. NULL with a reason for a broken configuration (a bad
 *	list, an interface that does not exist). A table that cannot be
 *	opened is not an error here: it is logged, and every lookup that
 *	reaches it fails (RESOLVE_FLAG_FAIL), as in Postfix.
 *
 *	tr_resolve() resolves one address (internal form) for a sender into
 *	flags (RESOLVE_CLASS_* | RESOLVE_FLAG_*), transport, nexthop and
 *	recipient, as trivial-rewrite(8) documents. RESOLVE_FLAG_FAIL means
 *	a table lookup failed: the other fields are then not an answer.
 *
 *	tr_resolve_free() releases everything.
 *
 *	tr_transport_split() splits "transport:nexthop" ("transport",
 *	":nexthop", "transport:", "[host]:port" = nexthop only) into its
 *	two fields; for the tests and the daemon.
 */
#include "vstring.h"
#include "resolve_client.h"

typedef struct TR_RESOLVER TR_RESOLVER;

extern TR_RESOLVER *tr_resolve_create(VSTRING *why);
extern void tr_resolve(TR_RESOLVER *r, const char *sender, const char *addr,
		       RESOLVE_REPLY *reply);
extern void tr_resolve_free(TR_RESOLVER *r);
extern void tr_transport_split(const char *value, VSTRING *transport,
			       VSTRING *nexthop);

#endif
