#ifndef POSTERN_MAIL_ADDR_FIND_H
#define POSTERN_MAIL_ADDR_FIND_H

/*
 * mail_addr_find - look an address up in tables in Postfix's order
 *
 * For "user+ext@domain" (internal form; '+' stands for any character of
 * recipient_delimiter), fixed-string tables are asked, in this order and
 * each key across all tables before the next key:
 *
 *	user+ext@domain, user@domain,
 *	user+ext, user		(only with MAIL_ADDR_FIND_LOCAL: the domain
 *				 is this machine's: mydestination, myorigin)
 *	@domain
 *
 * Pattern tables (regexp, pcre, cidr) see only the full address. An
 * address without '@' is looked up as user+ext, then user.
 *
 *	mail_addr_find() returns DICT_STAT_SUCCESS with *value,
 *	DICT_STAT_FAIL, or DICT_STAT_ERROR (maps_error() has the reason).
 *	When ext is not NULL it receives the extension (with its delimiter)
 *	that the matching key lacked, or is emptied: virtual(5)'s
 *	propagate_unmatched_extensions needs it.
 *	mail_addr_split() splits an address into local part, extension
 *	(including the delimiter; may be empty) and domain (without '@';
 *	empty when there is none).
 */
#include "vstring.h"
#include "maps.h"

#define MAIL_ADDR_FIND_NONE	0
#define MAIL_ADDR_FIND_LOCAL	(1 << 0)

extern int mail_addr_find(MAPS *maps, const char *addr, int flags,
			  const char *delim, const char **value, VSTRING *ext);
extern void mail_addr_split(const char *addr, const char *delim,
			    VSTRING *user, VSTRING *ext, VSTRING *domain);

#endif
