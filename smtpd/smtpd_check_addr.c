/*
 * smtpd_check_addr - addresses and names for the restriction engine
 *
 * What trivial-rewrite answers in Postfix, smtpd answers here, from the
 * same parameters: where a recipient address will be delivered (its
 * address class) and whether it still carries source routing.
 *
 *	chk_addr_init() builds the lists (mydestination, virtual_alias_domains,
 *		virtual_mailbox_domains, relay_domains, mynetworks) and this
 *		host's addresses (inet_interfaces, proxy_interfaces); before
 *		chroot. Syntax errors in the lists are fatal, as in Postfix.
 *	chk_resolve() resolves an address: local domains are stripped off
 *		and what is left is resolved again (user@other@local,
 *		user%other@local with allow_percent_hack, other!user@local
 *		with swap_bangpath), an address without domain gets
 *		@$myorigin. The result says the final address, its class, and
 *		CHK_RESOLVE_ROUTED when a non-local address still has '@', '%'
 *		or '!' in its local part. -1 (with a warning) on a table
 *		lookup error.
 *	chk_mynetworks_match(), chk_relay_domains_match() search those lists
 *		(MATCH_YES, MATCH_NO, MATCH_ERROR with a warning logged).
 *	chk_inet_interfaces_match() is true for an address of this host.
 *	chk_valid_hostname(), chk_valid_hostaddr(), chk_valid_ipv4() check
 *		syntax as Postfix does (labels of letters, digits, '-' and
 *		'_', not all-numeric; IPv4 dotted quad or IPv6).
 *	chk_dsn_valid(), chk_dsn_split(), chk_dsn_fix() handle the enhanced
 *		status codes of replies: a leading "X.Y.Z" in access table
 *		text replaces the default, and an address-specific code is
 *		adjusted to what is rejected (5.1.1 for a sender becomes
 *		5.1.7, logged "mapping DSN status ...", as Postfix does).
 *
 * smtpd_check_addr_class() and smtpd_check_mynetworks() (smtpd_check.h)
 * are the public face of this module.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <ctype.h>
#include <netdb.h>
#include <string.h>

#include "msg.h"
#include "mymalloc.h"
#include "vstring.h"
#include "argv.h"
#include "stringops.h"
#include "mail_conf.h"
#include "match_list.h"
#include "inet_local.h"
#include "smtpd_check.h"
#include "smtpd_check_priv.h"
#include "smtpd_dsn.h"

static MATCH_LIST *mydest_list;
static MATCH_LIST *valias_list;
static MATCH_LIST *vmbox_list;
static MATCH_LIST *relay_list;
static MATCH_LIST *mynet_list;
static INET_LOCAL_LIST *own_addrs;	/* inet_interfaces */
static INET_LOCAL_LIST proxy_addrs;	/* proxy_interfaces */

/* Routing knobs, read once. */
static int swap_bangpath;
static int percent_hack;
static int append_dot_mydomain;
static int resolve_dequoted;
static char *myorigin;
static char *mydomain;

#define RESOLVE_MAX_HOPS	20

/* list_create - one domain or host list from its parameter, or fatal */

static MATCH_LIST *
list_create(const char *pname, int kind)
{
	VSTRING *why = vstring_alloc(100);
	MATCH_LIST *list;
	int	flags;

	flags = match_list_parent_flag(pname,
				mail_conf_str("parent_domain_matches_subdomains"));
	list = match_list_create(pname, kind, mail_conf_str(pname), flags, why);
	if (list == NULL)
		msg_fatal("%s", vstring_str(why));
	vstring_free(why);
	return (list);
}

/* proxy_add - remember one proxy_interfaces address */

static void
proxy_add(int family, const void *addr)
{
	INET_LOCAL_ADDR *a;

	if (proxy_addrs.len == proxy_addrs.size) {
		proxy_addrs.size = proxy_addrs.size ? 2 * proxy_addrs.size : 4;
		proxy_addrs.addrs = myrealloc_array(proxy_addrs.addrs,
						    proxy_addrs.size,
						    sizeof(*proxy_addrs.addrs));
	}
	a = proxy_addrs.addrs + proxy_addrs.len++;
	memset(a, 0, sizeof(*a));
	a->family = family;
	memcpy(a->addr, addr, family == AF_INET ? 4 : 16);
	a->prefix_len = family == AF_INET ? 32 : 128;
}

/* proxy_init - proxy_interfaces: addresses (or names) of a NAT or proxy */

static void
proxy_init(const char *value)
{
	char   *saved = mystrdup(value);
	char   *bp = saved;
	char   *tok;
	unsigned char buf[16];
	struct addrinfo hints;
	struct addrinfo *res;
	struct addrinfo *ai;
	size_t	len;

	while ((tok = mystrtok(&bp, CHARS_COMMA_SP)) != NULL) {
		len = strlen(tok);
		if (tok[0] == '[' && len > 2 && tok[len - 1] == ']') {
			tok[len - 1] = 0;
			tok++;
		}
		if (inet_pton(AF_INET, tok, buf) == 1) {
			proxy_add(AF_INET, buf);
			continue;
		}
		if (inet_pton(AF_INET6, tok, buf) == 1) {
			proxy_add(AF_INET6, buf);
			continue;
		}
		memset(&hints, 0, sizeof(hints));
		hints.ai_socktype = SOCK_STREAM;
		if (getaddrinfo(tok, NULL, &hints, &res) != 0)
			msg_fatal("config variable proxy_interfaces: "
				  "host not found: %s", tok);
		for (ai = res; ai != NULL; ai = ai->ai_next) {
			if (ai->ai_family == AF_INET)
				proxy_add(AF_INET, &((struct sockaddr_in *)
						     ai->ai_addr)->sin_addr);
			else if (ai->ai_family == AF_INET6)
				proxy_add(AF_INET6, &((struct sockaddr_in6 *)
						      ai->ai_addr)->sin6_addr);
		}
		freeaddrinfo(res);
	}
	myfree(saved);
}

void
chk_addr_init(void)
{
	VSTRING *why = vstring_alloc(100);
	int	protos;

	chk_addr_free();
	mydest_list = list_create("mydestination", MATCH_LIST_DOMAIN);
	valias_list = list_create("virtual_alias_domains", MATCH_LIST_DOMAIN);
	vmbox_list = list_create("virtual_mailbox_domains", MATCH_LIST_DOMAIN);
	relay_list = list_create("relay_domains", MATCH_LIST_DOMAIN);
	mynet_list = list_create("mynetworks", MATCH_LIST_NAMADR);
	if (inet_local_protocols(mail_conf_str("inet_protocols"), &protos,
				 why) < 0)
		msg_fatal("%s", vstring_str(why));
	own_addrs = inet_local_interfaces(mail_conf_str("inet_interfaces"),
					  protos, why);
	if (own_addrs == NULL)
		msg_fatal("%s", vstring_str(why));
	proxy_init(mail_conf_str("proxy_interfaces"));
	swap_bangpath = mail_conf_bool("swap_bangpath");
	percent_hack = mail_conf_bool("allow_percent_hack");
	append_dot_mydomain = mail_conf_bool("append_dot_mydomain");
	resolve_dequoted = mail_conf_bool("resolve_dequoted_address");
	myorigin = lowercase(mystrdup(mail_conf_str("myorigin")));
	mydomain = lowercase(mystrdup(mail_conf_str("mydomain")));
	vstring_free(why);
}

void
chk_addr_free(void)
{
	MATCH_LIST **lists[] = {&mydest_list, &valias_list, &vmbox_list,
	&relay_list, &mynet_list, NULL};
	size_t	i;

	for (i = 0; lists[i] != NULL; i++) {
		if (*lists[i] != NULL) {
			match_list_free(*lists[i]);
			*lists[i] = NULL;
		}
	}
	if (own_addrs != NULL) {
		inet_local_free(own_addrs);
		own_addrs = NULL;
	}
	if (proxy_addrs.addrs != NULL)
		myfree(proxy_addrs.addrs);
	memset(&proxy_addrs, 0, sizeof(proxy_addrs));
	if (myorigin != NULL) {
		myfree(myorigin);
		myfree(mydomain);
		myorigin = mydomain = NULL;
	}
}

/* addr_in_list - is the binary address in the list? */

static int
addr_in_list(const INET_LOCAL_LIST *list, int family, const void *addr)
{
	size_t	i;

	for (i = 0; list != NULL && i < list->len; i++)
		if (list->addrs[i].family == family
		    && memcmp(list->addrs[i].addr, addr,
			      family == AF_INET ? 4 : 16) == 0)
			return (1);
	return (0);
}

/* own_literal - is "[addr]" (or "[IPv6:addr]") one of this host's? */

static int
own_literal(const char *domain)
{
	char	buf[64];
	unsigned char bin[16];
	size_t	len = strlen(domain);
	const char *inner;

	if (len < 3 || domain[0] != '[' || domain[len - 1] != ']'
	    || len - 2 >= sizeof(buf))
		return (0);
	memcpy(buf, domain + 1, len - 2);
	buf[len - 2] = 0;
	inner = buf;
	if (strncasecmp(inner, "IPv6:", 5) == 0) {
		inner += 5;
		if (inet_pton(AF_INET6, inner, bin) != 1)
			return (0);
		return (addr_in_list(own_addrs, AF_INET6, bin)
			|| addr_in_list(&proxy_addrs, AF_INET6, bin));
	}
	if (inet_pton(AF_INET, inner, bin) == 1)
		return (addr_in_list(own_addrs, AF_INET, bin)
			|| addr_in_list(&proxy_addrs, AF_INET, bin));
	return (0);
}

int
chk_inet_interfaces_match(const char *addr)
{
	unsigned char bin[16];

	if (inet_pton(AF_INET, addr, bin) == 1)
		return (addr_in_list(own_addrs, AF_INET, bin));
	if (inet_pton(AF_INET6, addr, bin) == 1)
		return (addr_in_list(own_addrs, AF_INET6, bin));
	return (0);
}

/* list_search - one list, with the warning a lookup error deserves */

static int
list_search(MATCH_LIST *list, const char *name, const char *addr)
{
	int	status;

	status = match_list_match(list, name, addr);
	if (status == MATCH_ERROR)
		msg_warn("%s", match_list_error(list));
	return (status);
}

/* domain_class - the class of a normalized (lowercase, no dot) domain */

static int
domain_class(const char *domain)
{
	int	status;

	if ((status = list_search(mydest_list, domain, NULL)) == MATCH_ERROR)
		return (SMTPD_CLASS_ERROR);
	if (status == MATCH_YES || own_literal(domain))
		return (SMTPD_CLASS_LOCAL);
	if ((status = list_search(valias_list, domain, NULL)) == MATCH_ERROR)
		return (SMTPD_CLASS_ERROR);
	if (status == MATCH_YES)
		return (SMTPD_CLASS_ALIAS);
	if ((status = list_search(vmbox_list, domain, NULL)) == MATCH_ERROR)
		return (SMTPD_CLASS_ERROR);
	if (status == MATCH_YES)
		return (SMTPD_CLASS_VIRTUAL);
	if ((status = list_search(relay_list, domain, NULL)) == MATCH_ERROR)
		return (SMTPD_CLASS_ERROR);
	if (status == MATCH_YES)
		return (SMTPD_CLASS_RELAY);
	return (SMTPD_CLASS_DEFAULT);
}

/* normalize_domain - lowercase, drop one trailing dot, append .mydomain */

static void
normalize_domain(VSTRING *buf, const char *domain)
{
	size_t	len = strlen(domain);

	if (len > 1 && domain[len - 1] == '.' && domain[len - 2] != '.')
		len -= 1;
	vstring_strncpy(buf, domain, len);
	lowercase(vstring_str(buf));
	if (append_dot_mydomain && *mydomain && len > 0 && domain[0] != '['
	    && strchr(vstring_str(buf), '.') == NULL)
		vstring_sprintf_append(buf, ".%s", mydomain);
}

int
smtpd_check_addr_class(const char *domain)
{
	VSTRING *buf = vstring_alloc(100);
	int	cls;

	if (mydest_list == NULL)
		msg_panic("smtpd_check_addr_class: smtpd_check_init() not called");
	normalize_domain(buf, *domain ? domain : myorigin);
	cls = domain_class(vstring_str(buf));
	vstring_free(buf);
	return (cls);
}

int
chk_mynetworks_match(const char *name, const char *addr)
{
	return (list_search(mynet_list, name, addr));
}

int
smtpd_check_mynetworks(const char *client_addr)
{
	if (mynet_list == NULL)
		msg_panic("smtpd_check_mynetworks: smtpd_check_init() not called");
	return (client_addr != NULL
		&& list_search(mynet_list, NULL, client_addr) == MATCH_YES);
}

int
chk_relay_domains_match(const char *name)
{
	return (list_search(relay_list, name, NULL));
}

/* dequote - remove RFC 5321 quoting from the local part */

static void
dequote(VSTRING *buf, const char *addr)
{
	const char *cp;

	VSTRING_RESET(buf);
	for (cp = addr; *cp; cp++) {
		if (*cp == '\\' && cp[1] != 0)
			vstring_addch(buf, *++cp);
		else if (*cp != '"')
			vstring_addch(buf, *cp);
	}
}

/* has_routing - does a local part still route elsewhere? */

static int
has_routing(const char *local)
{
	return (strchr(local, '@') != NULL
		|| (swap_bangpath && strchr(local, '!') != NULL)
		|| (percent_hack && strchr(local, '%') != NULL));
}

/* unroute - turn "host!user" or "user%host" into user@host; 0 if neither */

static int
unroute(VSTRING *buf)
{
	char   *str = vstring_str(buf);
	char   *cp;
	VSTRING *tmp;

	if (swap_bangpath && (cp = strchr(str, '!')) != NULL
	    && cp > str && cp[1] != 0) {
		tmp = vstring_alloc(100);
		*cp = 0;
		vstring_sprintf(tmp, "%s@%s", cp + 1, str);
		vstring_strcpy(buf, vstring_str(tmp));
		vstring_free(tmp);
		return (1);
	}
	if (percent_hack && (cp = strrchr(str, '%')) != NULL
	    && cp > str && cp[1] != 0) {
		*cp = '@';
		return (1);
	}
	return (0);
}

int
chk_resolve(const char *addr, CHK_RESOLVED *res)
{
	VSTRING *buf = vstring_alloc(100);
	VSTRING *domain = vstring_alloc(100);
	VSTRING *local = vstring_alloc(100);
	char   *at;
	int	hops;
	int	cls;
	int	ret = 0;

	if (resolve_dequoted)
		dequote(buf, addr);
	else
		vstring_strcpy(buf, addr);
	res->flags = 0;
	for (hops = 0;; hops++) {
		if (hops >= RESOLVE_MAX_HOPS) {
			/* Routing loop: as suspicious as it gets. */
			msg_warn("address %s: too many routing hops", addr);
			res->addr_class = SMTPD_CLASS_DEFAULT;
			res->flags |= CHK_RESOLVE_ROUTED;
			vstring_strcpy(res->addr, vstring_str(buf));
			break;
		}
		if ((at = strrchr(vstring_str(buf), '@')) != NULL) {
			*at = 0;
			vstring_strcpy(local, vstring_str(buf));
			normalize_domain(domain, at + 1);
			if (vstring_len(domain) == 0) {
				vstring_strcpy(buf, vstring_str(local));
				continue;
			}
		} else {
			if (unroute(buf))
				continue;
			vstring_strcpy(local, vstring_str(buf));
			normalize_domain(domain, myorigin);
		}
		cls = domain_class(vstring_str(domain));
		if (cls == SMTPD_CLASS_ERROR) {
			ret = -1;
			break;
		}
		if (cls == SMTPD_CLASS_LOCAL && has_routing(vstring_str(local))) {
			vstring_strcpy(buf, vstring_str(local));
			continue;
		}
		if (cls != SMTPD_CLASS_LOCAL && has_routing(vstring_str(local)))
			res->flags |= CHK_RESOLVE_ROUTED;
		res->addr_class = cls;
		vstring_sprintf(res->addr, "%s@%s", vstring_str(local),
				vstring_str(domain));
		break;
	}
	vstring_free(buf);
	vstring_free(domain);
	vstring_free(local);
	return (ret);
}

/* Host name and address syntax, as Postfix's valid_hostname(). */

#define HOSTNAME_MAX	255
#define LABEL_MAX	63

int
chk_valid_hostname(const char *name)
{
	const char *cp;
	size_t	label_len = 0;
	int	non_numeric = 0;
	int	ch;

	if (*name == 0 || strlen(name) > HOSTNAME_MAX)
		return (0);
	for (cp = name; (ch = *(const unsigned char *) cp) != 0; cp++) {
		if (isalnum(ch) || ch == '_') {
			if (++label_len > LABEL_MAX)
				return (0);
			if (!isdigit(ch))
				non_numeric = 1;
		} else if (ch == '-') {
			non_numeric = 1;
			if (label_len == 0 || cp[1] == '.' || cp[1] == 0)
				return (0);
			label_len++;
		} else if (ch == '.') {
			if (label_len == 0 || cp[1] == 0)
				return (0);
			label_len = 0;
		} else {
			return (0);
		}
	}
	return (non_numeric);
}

int
chk_valid_ipv4(const char *addr)
{
	unsigned char bin[4];

	return (inet_pton(AF_INET, addr, bin) == 1);
}

int
chk_valid_hostaddr(const char *addr)
{
	unsigned char bin[16];

	if (strncasecmp(addr, "IPv6:", 5) == 0)
		return (inet_pton(AF_INET6, addr + 5, bin) == 1);
	return (inet_pton(AF_INET, addr, bin) == 1
		|| inet_pton(AF_INET6, addr, bin) == 1);
}

/* chk_dsn_valid - length of the "X.Y.Z" that text starts with, or 0 */

int
chk_dsn_valid(const char *text)
{
	/* Access table text may have a tab after the code. */
	return ((int) smtpd_dsn_len(text, " \t"));
}

const char *
chk_dsn_split(const char *text, const char *def_dsn, char *dsn,
	      size_t dsn_size)
{
	int	len;

	while (*text == ' ' || *text == '\t')
		text++;
	if ((len = chk_dsn_valid(text)) > 0 && (size_t) len < dsn_size) {
		memcpy(dsn, text, len);
		dsn[len] = 0;
		text += len;
		while (*text == ' ' || *text == '\t')
			text++;
	} else {
		snprintf(dsn, dsn_size, "%s", def_dsn);
	}
	return (text);
}

/*
 * chk_dsn_fix - an address status code ("X.1.Z") must fit what is
 * rejected: sender codes for a sender, recipient codes for a recipient,
 * and none for anything else.
 */
const char *
chk_dsn_fix(const char *status, const char *reply_class)
{
	static const struct {
		const char *detail;
		const char *sender;
		const char *rcpt;
	} map[] = {
		{"1", "4.1.7", "4.1.1"},
		{"2", "4.1.8", "4.1.2"},
		{"3", "4.1.7", "4.1.3"},
		{"4", "4.1.7", "4.1.4"},
		{"5", "4.1.0", "4.1.5"},
		{"6", "4.1.7", "4.1.6"},
		{"7", "4.1.7", "4.1.3"},
		{"8", "4.1.8", "4.1.2"},
		{NULL, "4.1.0", "4.1.0"},
	};
	const char *result;
	size_t	i;

	if (!isdigit((unsigned char) status[0]) || strncmp(status + 1, ".1.", 3))
		return (status);
	for (i = 0; map[i].detail != NULL; i++)
		if (strcmp(status + 4, map[i].detail) == 0)
			break;
	if (strcmp(reply_class, CHK_NAME_SENDER) == 0)
		result = map[i].sender;
	else if (strcmp(reply_class, CHK_NAME_RECIPIENT) == 0)
		result = map[i].rcpt;
	else
		result = "4.0.0";
	if (strcmp(status + 2, result + 2) != 0)
		msg_info("mapping DSN status %s into %s status %c%s",
			 status, reply_class, status[0], result + 1);
	return (result);
}
