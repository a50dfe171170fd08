/*
 * resolve - address resolution for trivial-rewrite(8)
 *
 *	tr_resolve_create()	read the configuration, open lists and tables
 *	tr_resolve()		one address -> (flags, transport, nexthop,
 *				recipient)
 *	tr_resolve_free()	release a resolver
 *	tr_transport_split()	"transport:nexthop" -> its two fields
 *
 * How an address resolves (see also trivial-rewrite(8)):
 *  1. The empty address stands for $empty_address_recipient.
 *  2. While the address has a domain of ours (mydestination, or an
 *     address literal of inet_interfaces or proxy_interfaces), the domain
 *     is removed and what remains is looked at again: "user@a@ours"
 *     continues as "user@a". Without '@', "host!user" continues as
 *     "user@host" (swap_bangpath), "user%host" as "user@host"
 *     (allow_percent_hack). A bare user left at the end is local.
 *  3. A local user becomes user@DOMAIN, DOMAIN being the last domain of
 *     ours removed, else $myhostname; class local, local_transport.
 *  4. Otherwise the domain picks the class: virtual_alias_domains
 *     (error transport: the alias was not expanded, the user is
 *     unknown), virtual_mailbox_domains (virtual_transport),
 *     relay_domains (relay_transport), else default_transport, with
 *     sender_dependent_default_transport_maps first. The nexthop is the
 *     transport's own ":nexthop", else (relay, default) the
 *     sender_dependent_relayhost_maps entry or relayhost, else the
 *     recipient domain.
 *  5. transport_maps override the result (all classes but alias).
 * Routing syntax that survives (an '@', or '!' or '%' with the matching
 * parameter, in the local part of a remote address; a domain of ours
 * removed on the way to a remote one) sets RESOLVE_FLAG_ROUTED; a domain
 * that is not a valid host name or literal sets RESOLVE_FLAG_ERROR; a
 * table that cannot answer sets RESOLVE_FLAG_FAIL (warning logged).
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <ctype.h>
#include <fcntl.h>
#include <string.h>
#include <strings.h>

#include "msg.h"
#include "mymalloc.h"
#include "argv.h"
#include "stringops.h"
#include "vstring.h"
#include "dict.h"
#include "mail_conf.h"
#include "match_list.h"
#include "inet_local.h"
#include "addr_quote.h"
#include "resolve_client.h"
#include "resolve.h"

/* A list of tables searched in order (transport_maps and friends). */
typedef struct {
	const char *pname;
	size_t	count;
	DICT  **dicts;			/* NULL: could not be opened */
	char  **names;
	char  **errors;			/* why a table could not be opened */
} TR_MAPS;

struct TR_RESOLVER {
	char   *myhostname;
	char   *empty_recipient;
	char   *local_transport;
	char   *virtual_transport;
	char   *relay_transport;
	char   *default_transport;
	char   *relayhost;
	char   *delimiter;		/* recipient_delimiter */
	char   *empty_relay_key;	/* empty_address_relayhost_maps_lookup_key */
	char   *empty_deftr_key;	/* ..._default_transport_maps_lookup_key */
	int	swap_bangpath;
	int	percent_hack;
	int	dequoted;
	int	null_domain;
	int	numeric_domain;
	int	show_unk_table;
	int	transport_parent;	/* transport_maps in parent_domain_... */
	MATCH_LIST *mydestination;
	MATCH_LIST *alias_domains;
	MATCH_LIST *mailbox_domains;
	MATCH_LIST *relay_domains;
	ARGV   *our_addrs;		/* canonical address text */
	TR_MAPS *transport_maps;
	TR_MAPS *sender_relayhost;
	TR_MAPS *sender_transport;
	VSTRING *key;			/* scratch */
	VSTRING *canon;			/* scratch */
};

/* Open the tables of a parameter; open failures are remembered. */
static TR_MAPS *
tr_maps_create(const char *pname)
{
	TR_MAPS *maps = mycalloc(1, sizeof(*maps));
	char   *saved = mystrdup(mail_conf_str(pname));
	char   *bp = saved;
	const char *err;
	char   *tok;
	VSTRING *why = vstring_alloc(100);

	maps->pname = pname;
	while ((tok = mystrtok_brace(&bp, CHARS_COMMA_SP, &err)) != NULL) {
		size_t	n = maps->count++;

		maps->dicts = myrealloc_array(maps->dicts, maps->count,
					      sizeof(*maps->dicts));
		maps->names = myrealloc_array(maps->names, maps->count,
					      sizeof(*maps->names));
		maps->errors = myrealloc_array(maps->errors, maps->count,
					       sizeof(*maps->errors));
		maps->names[n] = mystrdup(tok);
		maps->errors[n] = NULL;
		maps->dicts[n] = dict_open(tok, O_RDONLY, DICT_FLAG_LOCK
					   | DICT_FLAG_FOLD_FIX, why);
		if (maps->dicts[n] == NULL) {
			msg_warn("%s: %s is unavailable. %s", pname, tok,
				 vstring_str(why));
			maps->errors[n] = mystrdup(vstring_str(why));
		}
	}
	vstring_free(why);
	myfree(saved);
	return (maps);
}

static void
tr_maps_free(TR_MAPS *maps)
{
	size_t	i;

	for (i = 0; i < maps->count; i++) {
		if (maps->dicts[i])
			dict_close(maps->dicts[i]);
		myfree(maps->names[i]);
		if (maps->errors[i])
			myfree(maps->errors[i]);
	}
	if (maps->count) {
		myfree(maps->dicts);
		myfree(maps->names);
		myfree(maps->errors);
	}
	myfree(maps);
}

/*
 * Search the tables in order for key (lowercase). fixed_only skips
 * pattern tables, which see the full address only. Returns a DICT_STAT_*.
 */
static int
tr_maps_find(TR_MAPS *maps, const char *key, int fixed_only,
	     const char **value)
{
	size_t	i;
	int	stat;

	for (i = 0; i < maps->count; i++) {
		DICT   *dict = maps->dicts[i];

		if (dict == NULL) {
			msg_warn("%s is unavailable. %s", maps->names[i],
				 maps->errors[i]);
			msg_warn("%s lookup error for \"%s\"", maps->pname, key);
			return (DICT_STAT_ERROR);
		}
		if (fixed_only && (dict_flags(dict) & DICT_FLAG_PATTERN))
			continue;
		stat = dict_get(dict, key, value);
		if (stat == DICT_STAT_SUCCESS)
			return (stat);
		if (stat == DICT_STAT_ERROR) {
			msg_warn("%s: %s: table lookup problem: %s", maps->pname,
				 maps->names[i], dict_error_text(dict));
			msg_warn("%s lookup error for \"%s\"", maps->pname, key);
			return (stat);
		}
	}
	return (DICT_STAT_FAIL);
}

void
tr_transport_split(const char *value, VSTRING *transport, VSTRING *nexthop)
{
	const char *colon;

	/* "[host]:port" has no transport; ':' belongs to the nexthop. */
	if (*value == '[' || (colon = strchr(value, ':')) == NULL) {
		if (*value == '[') {
			VSTRING_RESET(transport);
			vstring_strcpy(nexthop, value);
		} else {
			vstring_strcpy(transport, value);
			VSTRING_RESET(nexthop);
		}
		return;
	}
	vstring_strncpy(transport, value, (size_t) (colon - value));
	vstring_strcpy(nexthop, colon + 1);
}

/* Canonical text of an IPv4 or IPv6 address, or 0. */
static int
tr_addr_canon(const char *text, VSTRING *out)
{
	unsigned char bin[16];
	char	buf[INET6_ADDRSTRLEN];

	if (inet_pton(AF_INET, text, bin) == 1) {
		vstring_strcpy(out, inet_ntop(AF_INET, bin, buf, sizeof(buf)));
		return (1);
	}
	if (inet_pton(AF_INET6, text, bin) == 1) {
		vstring_strcpy(out, inet_ntop(AF_INET6, bin, buf, sizeof(buf)));
		return (1);
	}
	return (0);
}

/*
 * An address literal "[1.2.3.4]" or "[ipv6:...]" (also "[::1]"): its
 * canonical address text in out, or 0 when domain is not a valid literal.
 */
static int
tr_literal_canon(const char *domain, VSTRING *out)
{
	size_t	len = strlen(domain);
	char   *inner;
	const char *text;
	int	ok;

	if (len < 3 || domain[0] != '[' || domain[len - 1] != ']')
		return (0);
	inner = mystrndup(domain + 1, len - 2);
	text = inner;
	if (strncasecmp(text, "ipv6:", 5) == 0) {
		unsigned char bin[16];

		text += 5;
		ok = (inet_pton(AF_INET6, text, bin) == 1) && tr_addr_canon(text, out);
	} else {
		ok = tr_addr_canon(text, out);
	}
	myfree(inner);
	return (ok);
}

/* A dotted-quad IPv4 address without brackets ("user@1.2.3.4"). */
static int
tr_numeric_domain(const char *domain)
{
	struct in_addr in;

	return (inet_pton(AF_INET, domain, &in) == 1);
}

/* A syntactically valid host name (LDH labels, '_' and UTF-8 tolerated). */
static int
tr_valid_hostname(const char *name)
{
	const unsigned char *cp;
	size_t	label = 0;
	int	non_numeric = 0;
	unsigned char prev = '.';

	if (*name == 0 || strlen(name) > 255)
		return (0);
	for (cp = (const unsigned char *) name; *cp; prev = *cp++) {
		if (*cp == '.') {
			if (label == 0 || prev == '-')
				return (0);
			label = 0;
			continue;
		}
		if (++label > 63)
			return (0);
		if (*cp == '-') {
			if (label == 1)
				return (0);
		} else if (!isalnum(*cp) && *cp != '_' && *cp < 0x80) {
			return (0);
		}
		if (!isdigit(*cp))
			non_numeric = 1;
	}
	if (label == 0 || prev == '-')
		return (0);
	return (non_numeric);
}

/*
 * Is domain (no trailing dot) ours? 1, 0, or -1 after a lookup error
 * (logged). A literal or, with resolve_numeric_domain, a bare IPv4
 * address is ours when it is one of our interface addresses.
 */
static int
tr_domain_is_local(TR_RESOLVER *r, const char *domain)
{
	int	stat;
	size_t	i;
	int	is_addr = 0;

	if (domain[0] == '[')
		is_addr = tr_literal_canon(domain, r->canon);
	else if (r->numeric_domain && tr_numeric_domain(domain))
		is_addr = tr_addr_canon(domain, r->canon);
	if (is_addr) {
		for (i = 0; i < r->our_addrs->len; i++)
			if (strcmp(r->our_addrs->argv[i], vstring_str(r->canon)) == 0)
				return (1);
		return (0);
	}
	if (domain[0] == '[')
		return (0);
	stat = match_list_match(r->mydestination, domain, NULL);
	if (stat == MATCH_ERROR) {
		msg_warn("%s", match_list_error(r->mydestination));
		return (-1);
	}
	return (stat == MATCH_YES);
}

/* Remove one trailing dot from a domain (not from ".." or "."). */
static void
tr_strip_dot(VSTRING *addr, size_t domain_off)
{
	char   *str = vstring_str(addr);
	size_t	len = vstring_len(addr);

	if (len >= domain_off + 2 && str[len - 1] == '.' && str[len - 2] != '.')
		vstring_truncate(addr, len - 1);
}

/*
 * Lookup keys for an address in a sender- or recipient-keyed table:
 * the address, then without extension, then "@domain" (sender tables) or
 * the domain (transport_maps does its own domain search).
 */
static int
tr_strip_extension(TR_RESOLVER *r, const char *addr, VSTRING *out)
{
	const char *at = strrchr(addr, '@');
	size_t	local_len = at ? (size_t) (at - addr) : strlen(addr);
	size_t	ext;

	if (*r->delimiter == 0)
		return (0);
	ext = strcspn(addr, r->delimiter);
	if (ext == 0 || ext >= local_len)
		return (0);
	vstring_strncpy(out, addr, ext);
	if (at)
		vstring_strcat(out, at);
	return (1);
}

/* Search a sender-keyed table; DICT_STAT_*. */
static int
tr_sender_find(TR_RESOLVER *r, TR_MAPS *maps, const char *sender,
	       const char *empty_key, const char **value)
{
	VSTRING *key = vstring_alloc(100);
	const char *at;
	int	stat;

	if (*sender == 0) {
		stat = tr_maps_find(maps, empty_key, 1, value);
		vstring_free(key);
		return (stat);
	}
	vstring_strcpy(key, sender);
	lowercase(vstring_str(key));
	stat = tr_maps_find(maps, vstring_str(key), 0, value);
	if (stat == DICT_STAT_FAIL && tr_strip_extension(r, vstring_str(key),
							   r->key))
		stat = tr_maps_find(maps, vstring_str(r->key), 1, value);
	if (stat == DICT_STAT_FAIL
	    && (at = strrchr(vstring_str(key), '@')) != NULL)
		stat = tr_maps_find(maps, at, 1, value);
	vstring_free(key);
	return (stat);
}

/*
 * Apply a transport_maps value: a null transport keeps the transport, a
 * transport without nexthop resets the nexthop to the recipient domain.
 */
static void
tr_transport_apply(const char *value, const char *rcpt_domain,
		   RESOLVE_REPLY *reply)
{
	VSTRING *t = vstring_alloc(20);
	VSTRING *n = vstring_alloc(100);

	tr_transport_split(value, t, n);
	if (vstring_len(t) > 0) {
		vstring_strcpy(reply->transport, vstring_str(t));
		vstring_strcpy(reply->nexthop, vstring_len(n) ?
			       vstring_str(n) : rcpt_domain);
	} else if (vstring_len(n) > 0) {
		vstring_strcpy(reply->nexthop, vstring_str(n));
	}
	vstring_free(t);
	vstring_free(n);
}

/*
 * transport_maps: address, address without extension, domain, parent
 * domains (".parent" unless transport_maps is in
 * parent_domain_matches_subdomains), "*". 0 not found, 1 applied,
 * -1 lookup error.
 */
static int
tr_transport_lookup(TR_RESOLVER *r, const char *rcpt, const char *rcpt_domain,
		    RESOLVE_REPLY *reply)
{
	VSTRING *key = vstring_alloc(100);
	const char *value = NULL;
	const char *name;
	const char *next;
	int	stat;

	vstring_strcpy(key, rcpt);
	lowercase(vstring_str(key));
	stat = tr_maps_find(r->transport_maps, vstring_str(key), 0, &value);
	if (stat == DICT_STAT_FAIL && tr_strip_extension(r, vstring_str(key),
							   r->key))
		stat = tr_maps_find(r->transport_maps, vstring_str(r->key), 1,
				    &value);
	if (stat == DICT_STAT_FAIL && *rcpt_domain) {
		vstring_strcpy(key, rcpt_domain);
		lowercase(vstring_str(key));
		stat = tr_maps_find(r->transport_maps, vstring_str(key), 1,
				    &value);
		for (name = vstring_str(key); stat == DICT_STAT_FAIL
		     && *name != '[' && (next = strchr(name + 1, '.')) != NULL;
		     name = next)
			stat = tr_maps_find(r->transport_maps, r->transport_parent ?
					    next + 1 : next, 1, &value);
	}
	if (stat == DICT_STAT_FAIL)
		stat = tr_maps_find(r->transport_maps, "*", 1, &value);
	vstring_free(key);
	if (stat == DICT_STAT_ERROR)
		return (-1);
	if (stat == DICT_STAT_FAIL)
		return (0);
	tr_transport_apply(value, rcpt_domain, reply);
	return (1);
}

/* Match a domain list: 1, 0, -1 (logged). */
static int
tr_list_match(MATCH_LIST *list, const char *domain)
{
	int	stat = match_list_match(list, domain, NULL);

	if (stat == MATCH_ERROR) {
		msg_warn("%s", match_list_error(list));
		return (-1);
	}
	return (stat == MATCH_YES);
}

/* A sender-dependent value, else dflt; -1 after a lookup error. */
static int
tr_sender_value(TR_RESOLVER *r, TR_MAPS *maps, const char *sender,
		const char *empty_key, const char *dflt, const char **value)
{
	int	stat;

	*value = dflt;
	if (maps->count == 0)
		return (0);
	stat = tr_sender_find(r, maps, sender, empty_key, value);
	if (stat == DICT_STAT_ERROR)
		return (-1);
	if (stat != DICT_STAT_SUCCESS)
		*value = dflt;
	return (0);
}

/*
 * The class of a remote domain (lowercase) and its transport and nexthop
 * before transport_maps; the nexthop stays empty when it is to be the
 * recipient domain. -1 after a lookup error.
 */
static int
tr_resolve_class(TR_RESOLVER *r, const char *sender, const char *domain,
		 RESOLVE_REPLY *reply)
{
	const char *value;
	int	stat;

	if ((stat = tr_list_match(r->alias_domains, domain)) < 0)
		return (-1);
	if (stat) {
		reply->flags |= RESOLVE_CLASS_ALIAS | RESOLVE_FLAG_FINAL;
		vstring_strcpy(reply->transport, "error");
		vstring_strcpy(reply->nexthop, r->show_unk_table ?
			       "5.1.1 User unknown in virtual alias table" :
			       "5.1.1 User unknown");
		return (0);
	}
	if ((stat = tr_list_match(r->mailbox_domains, domain)) < 0)
		return (-1);
	if (stat) {
		reply->flags |= RESOLVE_CLASS_VIRTUAL | RESOLVE_FLAG_FINAL;
		tr_transport_split(r->virtual_transport, reply->transport,
				   reply->nexthop);
		return (0);
	}
	if ((stat = tr_list_match(r->relay_domains, domain)) < 0)
		return (-1);
	if (stat) {
		reply->flags |= RESOLVE_CLASS_RELAY;
		value = r->relay_transport;
	} else {
		reply->flags |= RESOLVE_CLASS_DEFAULT;
		if (tr_sender_value(r, r->sender_transport, sender,
				    r->empty_deftr_key, r->default_transport,
				    &value) < 0)
			return (-1);
	}
	tr_transport_split(value, reply->transport, reply->nexthop);
	if (vstring_len(reply->nexthop) == 0) {
		if (tr_sender_value(r, r->sender_relayhost, sender,
				    r->empty_relay_key, r->relayhost, &value) < 0)
			return (-1);
		vstring_strcpy(reply->nexthop, value);
	}
	return (0);
}

#define TR_FAIL(reply) do { \
		(reply)->flags |= RESOLVE_FLAG_FAIL; \
		goto done; \
	} while (0)

void
tr_resolve(TR_RESOLVER *r, const char *sender, const char *addr,
	   RESOLVE_REPLY *reply)
{
	VSTRING *work = vstring_alloc(100);
	VSTRING *saved_domain = vstring_alloc(100);
	VSTRING *lc_domain = vstring_alloc(100);
	const char *at;
	const char *domain;
	char   *cp;
	int	stripped_ours = 0;
	int	local_word = 0;
	int	routed = 0;
	int	stat;

	reply->flags = 0;
	VSTRING_RESET(reply->transport);
	VSTRING_RESET(reply->nexthop);
	VSTRING_RESET(reply->recipient);
	vstring_strcpy(work, *addr ? addr : r->empty_recipient);

	/* Peel off domains of ours; expose '!' and '%' routing. */
	for (;;) {
		if ((at = strrchr(vstring_str(work), '@')) == NULL) {
			int	word = !r->dequoted && addr_quote_needed(
				vstring_str(work), vstring_len(work));

			cp = vstring_str(work);
			if (!word && r->swap_bangpath
			    && (cp = strchr(cp, '!')) != NULL && cp[1] != 0
			    && cp > vstring_str(work)) {
				VSTRING *tmp = vstring_alloc(100);

				vstring_strcpy(tmp, cp + 1);
				vstring_addch(tmp, '@');
				vstring_strncat(tmp, vstring_str(work),
					      (size_t) (cp - vstring_str(work)));
				vstring_strcpy(work, vstring_str(tmp));
				vstring_free(tmp);
				routed = 1;
				continue;
			}
			cp = vstring_str(work);
			if (!word && r->percent_hack
			    && (cp = strrchr(cp, '%')) != NULL) {
				*cp = '@';
				routed = 1;
				continue;
			}
			break;			/* a local user */
		}
		if (at[1] == 0) {
			if (r->null_domain) {
				vstring_truncate(work,
					(size_t) (at - vstring_str(work)));
				continue;
			}
			break;			/* invalid, below */
		}
		tr_strip_dot(work, (size_t) (at + 1 - vstring_str(work)));
		at = strrchr(vstring_str(work), '@');
		vstring_strcpy(lc_domain, at + 1);
		lowercase(vstring_str(lc_domain));
		if ((stat = tr_domain_is_local(r, vstring_str(lc_domain))) < 0)
			TR_FAIL(reply);
		if (stat == 0)
			break;			/* a remote domain */
		vstring_strcpy(saved_domain, at + 1);
		vstring_truncate(work, (size_t) (at - vstring_str(work)));
		/* Quoted "a@b"@ours is a user unless we look inside quotes. */
		if (!r->dequoted && strchr(vstring_str(work), '@') != NULL) {
			local_word = 1;
			break;
		}
		stripped_ours = 1;
	}

	at = local_word ? NULL : strrchr(vstring_str(work), '@');
	if (at == NULL) {
		/* Local class. */
		const char *rcpt_domain = vstring_len(saved_domain) ?
		    vstring_str(saved_domain) : r->myhostname;

		reply->flags |= RESOLVE_CLASS_LOCAL | RESOLVE_FLAG_FINAL;
		vstring_strcpy(reply->recipient, vstring_str(work));
		vstring_addch(reply->recipient, '@');
		vstring_strcat(reply->recipient, rcpt_domain);
		tr_transport_split(r->local_transport, reply->transport,
				   reply->nexthop);
		if (vstring_len(reply->nexthop) == 0)
			vstring_strcpy(reply->nexthop, r->myhostname);
		domain = rcpt_domain;
	} else {
		size_t	local_len = (size_t) (at - vstring_str(work));
		const char *local = vstring_str(work);

		vstring_strcpy(reply->recipient, vstring_str(work));
		domain = vstring_str(reply->recipient) + local_len + 1;
		vstring_strcpy(lc_domain, domain);
		lowercase(vstring_str(lc_domain));

		/* Routing left in the local part of a remote address. */
		if (stripped_ours || routed
		    || memchr(local, '@', local_len)
		    || (r->swap_bangpath && memchr(local, '!', local_len))
		    || (r->percent_hack && memchr(local, '%', local_len)))
			reply->flags |= RESOLVE_FLAG_ROUTED;
		if (*domain == 0
		    || (domain[0] == '[' ? !tr_literal_canon(domain, r->canon)
			: tr_numeric_domain(domain) ? !r->numeric_domain
			: !tr_valid_hostname(domain)))
			reply->flags |= RESOLVE_FLAG_ERROR;

		if (tr_resolve_class(r, sender, vstring_str(lc_domain), reply) < 0)
			TR_FAIL(reply);
		if (reply->flags & RESOLVE_CLASS_ALIAS)
			goto done;
		if (vstring_len(reply->nexthop) == 0) {
			/* resolve_numeric_domain: user@1.2.3.4 goes to [1.2.3.4]. */
			if (r->numeric_domain && tr_numeric_domain(domain))
				vstring_sprintf(reply->nexthop, "[%s]", domain);
			else
				vstring_strcpy(reply->nexthop, domain);
		}
	}

	/* transport_maps have the last word. */
	if (r->transport_maps->count > 0
	    && tr_transport_lookup(r, vstring_str(reply->recipient), domain,
				   reply) < 0)
		TR_FAIL(reply);

done:
	vstring_free(work);
	vstring_free(saved_domain);
	vstring_free(lc_domain);
}

/* Add our addresses from inet_interfaces and proxy_interfaces. */
static int
tr_our_addrs(TR_RESOLVER *r, VSTRING *why)
{
	INET_LOCAL_LIST *list;
	int	protos;
	size_t	i;
	char	buf[INET6_ADDRSTRLEN];
	char   *saved;
	char   *bp;
	char   *tok;

	if (inet_local_protocols(mail_conf_str("inet_protocols"), &protos, why) < 0)
		return (-1);
	if ((list = inet_local_interfaces(mail_conf_str("inet_interfaces"),
					  protos, why)) == NULL)
		return (-1);
	for (i = 0; i < list->len; i++) {
		if (inet_ntop(list->addrs[i].family, list->addrs[i].addr,
			      buf, sizeof(buf)) != NULL)
			argv_add(r->our_addrs, buf);
	}
	inet_local_free(list);

	/* proxy_interfaces are not ours on this host: no interface check. */
	bp = saved = mystrdup(mail_conf_str("proxy_interfaces"));
	while ((tok = mystrtok(&bp, CHARS_COMMA_SP)) != NULL) {
		size_t	len = strlen(tok);
		struct addrinfo hints;
		struct addrinfo *res;
		struct addrinfo *ai;

		if (tok[0] == '[' && len > 2 && tok[len - 1] == ']') {
			tok[len - 1] = 0;
			tok++;
		}
		if (tr_addr_canon(tok, r->canon)) {
			argv_add(r->our_addrs, vstring_str(r->canon));
			continue;
		}
		memset(&hints, 0, sizeof(hints));
		hints.ai_socktype = SOCK_STREAM;
		if (getaddrinfo(tok, NULL, &hints, &res) != 0) {
			vstring_sprintf(why, "config variable proxy_interfaces: "
					"host not found: %s", tok);
			myfree(saved);
			return (-1);
		}
		for (ai = res; ai; ai = ai->ai_next) {
			struct sockaddr_in *sin = (void *) ai->ai_addr;
			struct sockaddr_in6 *sin6 = (void *) ai->ai_addr;
			const void *src = ai->ai_family == AF_INET ?
			    (const void *) &sin->sin_addr :
			    (const void *) &sin6->sin6_addr;

			if ((ai->ai_family == AF_INET || ai->ai_family == AF_INET6)
			    && inet_ntop(ai->ai_family, src, buf, sizeof(buf)))
				argv_add(r->our_addrs, buf);
		}
		freeaddrinfo(res);
	}
	myfree(saved);
	return (0);
}

/* A domain list parameter; NULL with why on a syntax error. */
static MATCH_LIST *
tr_domain_list(const char *pname, VSTRING *why)
{
	const char *parents = mail_conf_str("parent_domain_matches_subdomains");

	return (match_list_create(pname, MATCH_LIST_DOMAIN, mail_conf_str(pname),
				  match_list_parent_flag(pname, parents), why));
}

TR_RESOLVER *
tr_resolve_create(VSTRING *why)
{
	TR_RESOLVER *r = mycalloc(1, sizeof(*r));

	r->myhostname = mystrdup(mail_conf_str("myhostname"));
	r->empty_recipient = mystrdup(mail_conf_str("empty_address_recipient"));
	r->local_transport = mystrdup(mail_conf_str("local_transport"));
	r->virtual_transport = mystrdup(mail_conf_str("virtual_transport"));
	r->relay_transport = mystrdup(mail_conf_str("relay_transport"));
	r->default_transport = mystrdup(mail_conf_str("default_transport"));
	r->relayhost = mystrdup(mail_conf_str("relayhost"));
	r->delimiter = mystrdup(mail_conf_str("recipient_delimiter"));
	r->empty_relay_key =
	    mystrdup(mail_conf_str("empty_address_relayhost_maps_lookup_key"));
	r->empty_deftr_key =
	    mystrdup(mail_conf_str(
		"empty_address_default_transport_maps_lookup_key"));
	r->swap_bangpath = mail_conf_bool("swap_bangpath");
	r->percent_hack = mail_conf_bool("allow_percent_hack");
	r->dequoted = mail_conf_bool("resolve_dequoted_address");
	r->null_domain = mail_conf_bool("resolve_null_domain");
	r->numeric_domain = mail_conf_bool("resolve_numeric_domain");
	r->show_unk_table = mail_conf_bool("show_user_unknown_table_name");
	r->transport_parent = match_list_parent_flag("transport_maps",
		     mail_conf_str("parent_domain_matches_subdomains")) != 0;
	r->key = vstring_alloc(100);
	r->canon = vstring_alloc(50);
	r->our_addrs = argv_alloc(4);
	r->transport_maps = tr_maps_create("transport_maps");
	r->sender_relayhost = tr_maps_create("sender_dependent_relayhost_maps");
	r->sender_transport =
	    tr_maps_create("sender_dependent_default_transport_maps");
	if ((r->mydestination = tr_domain_list("mydestination", why)) == NULL
	    || (r->alias_domains =
		tr_domain_list("virtual_alias_domains", why)) == NULL
	    || (r->mailbox_domains =
		tr_domain_list("virtual_mailbox_domains", why)) == NULL
	    || (r->relay_domains = tr_domain_list("relay_domains", why)) == NULL
	    || tr_our_addrs(r, why) < 0) {
		tr_resolve_free(r);
		return (NULL);
	}
	return (r);
}

void
tr_resolve_free(TR_RESOLVER *r)
{
	myfree(r->myhostname);
	myfree(r->empty_recipient);
	myfree(r->local_transport);
	myfree(r->virtual_transport);
	myfree(r->relay_transport);
	myfree(r->default_transport);
	myfree(r->relayhost);
	myfree(r->delimiter);
	myfree(r->empty_relay_key);
	myfree(r->empty_deftr_key);
	if (r->mydestination)
		match_list_free(r->mydestination);
	if (r->alias_domains)
		match_list_free(r->alias_domains);
	if (r->mailbox_domains)
		match_list_free(r->mailbox_domains);
	if (r->relay_domains)
		match_list_free(r->relay_domains);
	argv_free(r->our_addrs);
	tr_maps_free(r->transport_maps);
	tr_maps_free(r->sender_relayhost);
	tr_maps_free(r->sender_transport);
	vstring_free(r->key);
	vstring_free(r->canon);
	myfree(r);
}
