#ifndef POSTERN_MATCH_LIST_H
#define POSTERN_MATCH_LIST_H

/*
 * match_list - Postfix's list-valued parameters (mydestination,
 * relay_domains, mynetworks, debug_peer_list, authorized_*_users, ...)
 *
 * A list is text of patterns separated by commas and/or white space;
 * "{...}" keeps the separators inside a token together (for example in
 * "inline:{a=1, b=2}"); as in Postfix the braces stay part of the token,
 * so "{ example.com }" is a literal that matches nothing. Patterns are tried left to right and the first
 * one that matches decides; "!pattern" inverts a pattern, so a matching
 * "!pattern" ends the search with MATCH_NO (several '!' toggle). Each kind
 * of list accepts:
 *
 *	all kinds: "type:table" (opened once, when the list is created;
 *	matched when a lookup key is found, the value is ignored),
 *	"/file/name" (replaced by the patterns in the file, one or more per
 *	line, '#' comment lines and continuation lines as in main.cf;
 *	"!/file/name" inverts every pattern in the file), and a literal.
 *	A token starting with '#' ends the text (with a warning: comments at
 *	the end of a line are not supported).
 *
 *	MATCH_LIST_STRING: literals compare without case; tables look up
 *	the lowercased string.
 *
 *	MATCH_LIST_DOMAIN: "example.com" matches that domain, and with
 *	MATCH_FLAG_PARENT its subdomains too; without the flag,
 *	".example.com" matches subdomains (with the flag it matches
 *	nothing, as in Postfix). For "x.a.example.com" a fixed-string table
 *	(hash, texthash, inline, ...) is asked for the name itself and then,
 *	with MATCH_FLAG_PARENT, for "a.example.com", "example.com", "com",
 *	without it for ".a.example.com", ".example.com", ".com"; a pattern
 *	table (regexp, pcre, cidr) sees only the whole name. Case never
 *	matters.
 *
 *	MATCH_LIST_NAMADR (mynetworks, debug_peer_list, *_clients lists;
 *	Postfix 3.7 matches host names in mynetworks too): a client host
 *	name and/or address. Host name patterns and tables
 *	work as in a domain list; "1.2.3.4", "[1.2.3.4]", "1.2.3.0/24",
 *	"[1.2.3.0]/24", "[1.2.3.0/24]", "[::1]", "[2001:db8::]/32" match
 *	the address (IPv6 must be in [] because of the ':' of "type:table";
 *	as an extension, "2001:db8::/32" is accepted when "2001" is not a
 *	table type). A table also looks up the address text.
 *
 *	MATCH_LIST_ADDR (postscreen-style address lists): as NAMADR, but
 *	only the address is ever compared; host name patterns never match.
 *
 *	match_list_create() parses list_text. pname (the parameter name)
 *	prefixes every message. It returns NULL with a reason in why for a
 *	syntax error: a bad address pattern (Postfix's wording, e.g.
 *	'mynetworks: non-null host address bits in "1.2.3.4/24", perhaps
 *	you should use "1.2.3.0/24" instead'), a '!' without pattern, files
 *	nested too deep. A table or file that cannot be opened is not a
 *	syntax error: as in Postfix it is logged as a warning ("PNAME:
 *	TYPE:NAME is unavailable. REASON"; a file is named
 *	"non-existent:/file/name") and every search that reaches it logs
 *	"TYPE:NAME is unavailable. REASON" again and answers MATCH_ERROR.
 *
 *	match_list_match() searches the list. name is the string, domain or
 *	client host name (NULL: none), addr the client address (NULL: none;
 *	used by NAMADR and ADDR lists only). It answers MATCH_YES, MATCH_NO,
 *	or MATCH_ERROR when a table lookup failed before a decision: callers
 *	must turn MATCH_ERROR into a temporary failure (4xx, defer), never
 *	treat it as either answer. Compare the result with the constants;
 *	MATCH_ERROR is not zero.
 *
 *	match_list_error() is the reason for the last MATCH_ERROR, shaped as
 *	Postfix logs it ("relay_domains: hash:/etc/x: table lookup
 *	problem"); callers log it as a warning. The table's own reason has
 *	then already been logged as a warning.
 *
 *	match_list_parent_flag() answers MATCH_FLAG_PARENT when pname is
 *	listed in a parent_domain_matches_subdomains value, else 0.
 *
 *	match_list_free() closes the tables and releases the list.
 *
 * A search costs one comparison per pattern; a fixed-string table costs
 * one hash lookup per label of the name.
 */
#include "vstring.h"

typedef struct MATCH_LIST MATCH_LIST;

/* kind */
#define MATCH_LIST_STRING	1
#define MATCH_LIST_DOMAIN	2
#define MATCH_LIST_NAMADR	3
#define MATCH_LIST_ADDR		4

/* flags */
#define MATCH_FLAG_NONE		0
#define MATCH_FLAG_PARENT	(1<<0)	/* "example.com" matches subdomains */

/* match_list_match() results */
#define MATCH_ERROR		(-1)
#define MATCH_NO		0
#define MATCH_YES		1

extern MATCH_LIST *match_list_create(const char *pname, int kind,
				     const char *list_text, int flags,
				     VSTRING *why);
extern int match_list_match(MATCH_LIST *list, const char *name,
			    const char *addr);
extern const char *match_list_error(const MATCH_LIST *list);
extern int match_list_parent_flag(const char *pname, const char *parent_list);
extern void match_list_free(MATCH_LIST *list);

#endif
