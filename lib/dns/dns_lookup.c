/*
 * dns_lookup - DNS queries through libresolv
 *
 *	dns_lookup() sends one query with res_nquery() through a resolver
 *	state private to this process (initialised on first use, search
 *	list and default domain off so "name" is asked as is) and hands
 *	the reply to dns_parse_reply().
 *	dns_parse_reply() (dns_priv.h) is the pure part: raw reply in,
 *	DNS_RR list out, CNAMEs in the answer followed, reply codes mapped
 *	to DNS_* results.
 *	dns_lookup_addr() combines the A and AAAA lookups the caller's
 *	address families ask for.
 *
 *	Failures are results, never fatal: a reply a peer can forge is
 *	DNS_FAIL with "why" saying so. Reasons use Postfix's wording
 *	("Host or domain name not found. Name service error for name=...
 *	type=...: Host not found, try again") because operators grep it.
 */
#include <sys/types.h>
#include <netinet/in.h>
#include <arpa/nameser.h>
#include <resolv.h>
#include <netdb.h>
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "msg.h"
#include "mymalloc.h"
#include "vstring.h"
#include "dns.h"
#include "dns_priv.h"

#define DNS_REPLY_SIZE	65536	/* largest possible DNS message */
#define DNS_MAX_CNAME	10	/* CNAME hops followed in one answer */

static struct __res_state dns_res;
static int dns_res_ready;

/* dns_why_herr - Postfix's wording for a resolver (h_errno) failure */

static void
dns_why_herr(VSTRING *why, const char *name, int type, const char *text)
{
	if (why)
		vstring_sprintf(why, "Host or domain name not found. "
				"Name service error for name=%s type=%s: %s",
				name, dns_strtype(type), text);
}

/* dns_why_fail - a permanent failure that is not "not found" */

static void
dns_why_fail(VSTRING *why, const char *name, int type, const char *text)
{
	if (why)
		vstring_sprintf(why, "Name service error for name=%s type=%s: %s",
				name, dns_strtype(type), text);
}

/* dns_name_eq - compare domain names, ignoring case and a final dot */

static int
dns_name_eq(const char *a, const char *b)
{
	size_t  la = strlen(a);
	size_t  lb = strlen(b);

	if (la > 0 && a[la - 1] == '.')
		la--;
	if (lb > 0 && b[lb - 1] == '.')
		lb--;
	return (la == lb && strncasecmp(a, b, la) == 0);
}

/* dns_name_valid - a name we are willing to put in a query */

static int
dns_name_valid(const char *name)
{
	size_t  len = strlen(name);
	size_t  label = 0;
	const char *cp;

	if (len == 0 || len > 254 || (len == 254 && name[253] != '.'))
		return (0);
	for (cp = name; *cp; cp++) {
		if (*cp == '.') {
			if (label == 0)
				return (0);
			label = 0;
		} else if ((*cp >= 'a' && *cp <= 'z') || (*cp >= 'A' && *cp <= 'Z')
			   || (*cp >= '0' && *cp <= '9') || *cp == '-'
			   || *cp == '_') {
			if (++label > 63)
				return (0);
		} else {
			return (0);
		}
	}
	return (1);
}

/* dns_rr_new - one record, owned strings */

static DNS_RR *
dns_rr_new(const char *qname, const char *rname, int type, unsigned ttl)
{
	DNS_RR *rr = mycalloc(1, sizeof(*rr));

	rr->qname = mystrdup(qname);
	rr->rname = mystrdup(rname);
	rr->type = type;
	rr->ttl = ttl;
	rr->host = NULL;
	rr->next = NULL;
	return (rr);
}

/* dns_expand_rdata - expand a compressed name that must end at "end" */

static int
dns_expand_rdata(ns_msg *msg, const unsigned char *cp,
		 const unsigned char *end, char *buf, size_t size)
{
	int	n = dn_expand(ns_msg_base(*msg), ns_msg_end(*msg), cp, buf,
			      (int) size);

	if (n < 0 || cp + n != end)
		return (-1);
	return (0);
}

/* dns_decode_rr - fill rr from one answer record's rdata; -1: malformed */

static int
dns_decode_rr(ns_msg *msg, ns_rr *nrr, DNS_RR *rr)
{
	const unsigned char *rdata = ns_rr_rdata(*nrr);
	const unsigned char *end = rdata + ns_rr_rdlen(*nrr);
	char	host[NS_MAXDNAME];
	VSTRING *txt;

	switch (rr->type) {
	case T_A:
		if (ns_rr_rdlen(*nrr) != 4)
			return (-1);
		rr->family = AF_INET;
		memcpy(rr->addr, rdata, 4);
		return (0);
	case T_AAAA:
		if (ns_rr_rdlen(*nrr) != 16)
			return (-1);
		rr->family = AF_INET6;
		memcpy(rr->addr, rdata, 16);
		return (0);
	case T_MX:
		if (ns_rr_rdlen(*nrr) < 3)
			return (-1);
		rr->pref = ns_get16(rdata);
		if (dns_expand_rdata(msg, rdata + 2, end, host, sizeof(host)) < 0)
			return (-1);
		/* dn_expand() gives "" for the root name: RFC 7505 null MX. */
		rr->host = mystrdup(strcmp(host, ".") == 0 ? "" : host);
		return (0);
	case T_CNAME:
	case T_PTR:
	case T_NS:
		if (dns_expand_rdata(msg, rdata, end, host, sizeof(host)) < 0)
			return (-1);
		rr->host = mystrdup(host);
		return (0);
	case T_TXT:
		txt = vstring_alloc(64);
		while (rdata < end) {
			size_t	n = *rdata++;

			if (n > (size_t) (end - rdata)) {
				vstring_free(txt);
				return (-1);
			}
			vstring_memcat(txt, rdata, n);
			rdata += n;
		}
		rr->host = vstring_export(txt);
		return (0);
	default:
		return (-1);
	}
}

/* dns_parse_reply - raw reply to records of one type */

int
dns_parse_reply(const unsigned char *buf, size_t len, const char *name,
		int type, DNS_RR **list, VSTRING *why)
{
	ns_msg	msg;
	ns_rr	nrr;
	char	owner[NS_MAXDNAME];
	DNS_RR *head = NULL;
	DNS_RR **tail = &head;
	int	count;
	int	hops;
	int	i;
	int	found;

	*list = NULL;
	if (len > DNS_REPLY_SIZE || ns_initparse(buf, (int) len, &msg) < 0) {
		dns_why_fail(why, name, type,
			     "Malformed or unexpected name server reply");
		return (DNS_FAIL);
	}
	switch (ns_msg_getflag(msg, ns_f_rcode)) {
	case ns_r_noerror:
		break;
	case ns_r_nxdomain:
		dns_why_herr(why, name, type, "Host not found");
		return (DNS_NOTFOUND);
	case ns_r_servfail:
		dns_why_herr(why, name, type, "Host not found, try again");
		return (DNS_RETRY);
	default:
		dns_why_fail(why, name, type, "Non-recoverable error");
		return (DNS_FAIL);
	}
	if (ns_msg_getflag(msg, ns_f_qr) == 0) {
		dns_why_fail(why, name, type,
			     "Malformed or unexpected name server reply");
		return (DNS_FAIL);
	}

	/*
	 * Find the name the records are owned by: walk the CNAME chain the
	 * server put in the answer (RFC 1034 3.6.2). Records of other
	 * owners are ignored, not trusted.
	 */
	count = ns_msg_count(msg, ns_s_an);
	if (strlen(name) >= sizeof(owner)) {
		dns_why_fail(why, name, type, "Malformed domain name");
		return (DNS_FAIL);
	}
	strcpy(owner, name);
	for (hops = 0; type != T_CNAME; hops++) {
		found = 0;
		for (i = 0; i < count; i++) {
			if (ns_parserr(&msg, ns_s_an, i, &nrr) < 0)
				goto malformed;
			if (ns_rr_type(nrr) == T_CNAME && ns_rr_class(nrr) == C_IN
			    && dns_name_eq(ns_rr_name(nrr), owner)) {
				if (dns_expand_rdata(&msg, ns_rr_rdata(nrr),
						     ns_rr_rdata(nrr) + ns_rr_rdlen(nrr),
						     owner, sizeof(owner)) < 0)
					goto malformed;
				found = 1;
				break;
			}
		}
		if (!found)
			break;
		if (hops >= DNS_MAX_CNAME) {
			dns_why_fail(why, name, type, "CNAME loop");
			return (DNS_FAIL);
		}
	}
	for (i = 0; i < count; i++) {
		DNS_RR *rr;

		if (ns_parserr(&msg, ns_s_an, i, &nrr) < 0)
			goto malformed;
		if ((int) ns_rr_type(nrr) != type || ns_rr_class(nrr) != C_IN
		    || !dns_name_eq(ns_rr_name(nrr), owner))
			continue;
		rr = dns_rr_new(name, ns_rr_name(nrr), type, ns_rr_ttl(nrr));
		*tail = rr;
		tail = &rr->next;
		if (dns_decode_rr(&msg, &nrr, rr) < 0)
			goto malformed;
	}
	if (head == NULL) {
		dns_why_herr(why, name, type,
			     "Host found but no data record of requested type");
		return (DNS_NODATA);
	}
	*list = head;
	return (DNS_OK);

malformed:
	dns_rr_free(head);
	dns_why_fail(why, name, type, "Malformed or unexpected name server reply");
	return (DNS_FAIL);
}

/* dns_lookup - one query, one record type */

int
dns_lookup(const char *name, int type, int flags, DNS_RR **list, VSTRING *why)
{
	static unsigned char *reply;
	int	len;

	(void) flags;			/* the search list is always off */
	*list = NULL;
	if (!dns_name_valid(name)) {
		dns_why_fail(why, name, type, "Malformed domain name");
		return (DNS_FAIL);
	}
	if (!dns_res_ready) {
		memset(&dns_res, 0, sizeof(dns_res));
		if (res_ninit(&dns_res) < 0) {
			dns_why_herr(why, name, type, "Host not found, try again");
			return (DNS_RETRY);
		}
		dns_res.options &= ~(RES_DEFNAMES | RES_DNSRCH);
		dns_res_ready = 1;
	}
	if (reply == NULL)
		reply = mymalloc(DNS_REPLY_SIZE);
	len = res_nquery(&dns_res, name, C_IN, type, reply, DNS_REPLY_SIZE);
	if (len < 0) {
		switch (dns_res.res_h_errno) {
		case HOST_NOT_FOUND:
			dns_why_herr(why, name, type, "Host not found");
			return (DNS_NOTFOUND);
		case NO_DATA:
			dns_why_herr(why, name, type,
			     "Host found but no data record of requested type");
			return (DNS_NODATA);
		case NO_RECOVERY:
			dns_why_fail(why, name, type, "Non-recoverable error");
			return (DNS_FAIL);
		default:			/* TRY_AGAIN, timeout, no server */
			dns_why_herr(why, name, type, "Host not found, try again");
			return (DNS_RETRY);
		}
	}
	if (len > DNS_REPLY_SIZE)
		len = DNS_REPLY_SIZE;
	return (dns_parse_reply(reply, (size_t) len, name, type, list, why));
}

/* dns_lookup_addr - A and/or AAAA records */

int
dns_lookup_addr(const char *name, int families, DNS_RR **list, VSTRING *why)
{
	static const struct {
		int	family;
		int	type;
	} types[] = {
		{DNS_FAMILY_INET4, T_A},
		{DNS_FAMILY_INET6, T_AAAA},
	};
	DNS_RR *head = NULL;
	DNS_RR **tail = &head;
	VSTRING *tmp = vstring_alloc(100);
	int	status = -1;
	int	best_fail = -1;
	size_t	i;

	/* Ranking of failures: which one the caller hears about. */
#define DNS_FAIL_RANK(s) ((s) == DNS_RETRY ? 4 : (s) == DNS_FAIL ? 3 : \
			  (s) == DNS_NOTFOUND ? 2 : 1)

	*list = NULL;
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		DNS_RR *found;
		int	s;

		if ((families & types[i].family) == 0)
			continue;
		s = dns_lookup(name, types[i].type, DNS_FLAG_NONE, &found, tmp);
		if (s == DNS_OK) {
			*tail = found;
			while (*tail)
				tail = &(*tail)->next;
			status = DNS_OK;
		} else if (best_fail < 0
			   || DNS_FAIL_RANK(s) > DNS_FAIL_RANK(best_fail)) {
			best_fail = s;
			if (why)
				vstring_strcpy(why, vstring_str(tmp));
		}
		/* NXDOMAIN is about the name: no point asking another type. */
		if (s == DNS_NOTFOUND)
			break;
	}
	vstring_free(tmp);
	if (status == DNS_OK) {
		*list = head;
		return (DNS_OK);
	}
	if (best_fail < 0) {
		dns_why_fail(why, name, T_A, "No address family enabled");
		return (DNS_FAIL);
	}
	return (best_fail);
}
