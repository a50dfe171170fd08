/*
 * Unit tests for lib/dns: the reply parser on hand-built packets (MX
 * lists, null MX, CNAME chains, compression, rcodes, malformed and
 * truncated replies) and the MX ordering with its shuffle.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <cmocka.h>

#include "mymalloc.h"
#include "vstring.h"
#include "dns.h"
#include "dns_priv.h"

typedef struct PKT {
	unsigned char buf[4096];
	size_t	len;
	int	rdlen_at;
} PKT;

static void
put8(PKT *p, unsigned v)
{
	p->buf[p->len++] = (unsigned char) v;
}

static void
put16(PKT *p, unsigned v)
{
	put8(p, (v >> 8) & 0xff);
	put8(p, v & 0xff);
}

static void
put32(PKT *p, unsigned long v)
{
	put16(p, (v >> 16) & 0xffff);
	put16(p, v & 0xffff);
}

/* putname - uncompressed name; "." is the root */

static void
putname(PKT *p, const char *name)
{
	const char *cp = name;

	while (*cp && strcmp(cp, ".") != 0) {
		const char *dot = strchr(cp, '.');
		size_t	n = dot ? (size_t) (dot - cp) : strlen(cp);

		put8(p, (unsigned) n);
		memcpy(p->buf + p->len, cp, n);
		p->len += n;
		cp += n;
		if (*cp == '.')
			cp++;
	}
	put8(p, 0);
}

/* pkt_start - header and question; rcode in the flags */

static void
pkt_start(PKT *p, const char *qname, int qtype, int rcode, int ancount)
{
	memset(p, 0, sizeof(*p));
	put16(p, 0x1234);
	put16(p, 0x8000 | 0x0100 | 0x0080 | rcode);
	put16(p, 1);
	put16(p, (unsigned) ancount);
	put16(p, 0);
	put16(p, 0);
	putname(p, qname);
	put16(p, (unsigned) qtype);
	put16(p, C_IN);
}

static void
rr_start(PKT *p, const char *owner, int type)
{
	putname(p, owner);
	put16(p, (unsigned) type);
	put16(p, C_IN);
	put32(p, 300);
	p->rdlen_at = (int) p->len;
	put16(p, 0);
}

static void
rr_end(PKT *p)
{
	size_t	n = p->len - (size_t) p->rdlen_at - 2;

	p->buf[p->rdlen_at] = (unsigned char) (n >> 8);
	p->buf[p->rdlen_at + 1] = (unsigned char) (n & 0xff);
}

static void
add_mx(PKT *p, const char *owner, unsigned pref, const char *host)
{
	rr_start(p, owner, T_MX);
	put16(p, pref);
	putname(p, host);
	rr_end(p);
}

static void
add_a(PKT *p, const char *owner, const char *ip)
{
	unsigned char a[4];

	inet_pton(AF_INET, ip, a);
	rr_start(p, owner, T_A);
	memcpy(p->buf + p->len, a, 4);
	p->len += 4;
	rr_end(p);
}

static void
add_cname(PKT *p, const char *owner, const char *target)
{
	rr_start(p, owner, T_CNAME);
	putname(p, target);
	rr_end(p);
}

static int
parse(PKT *p, const char *name, int type, DNS_RR **list, VSTRING *why)
{
	return (dns_parse_reply(p->buf, p->len, name, type, list, why));
}

static void
test_mx_list(void **state)
{
	PKT	p;
	DNS_RR *list;
	VSTRING *why = vstring_alloc(10);

	pkt_start(&p, "example.test", T_MX, ns_r_noerror, 3);
	add_mx(&p, "example.test", 20, "mx2.example.test");
	add_mx(&p, "example.test", 10, "mx1.example.test");
	add_mx(&p, "EXAMPLE.test", 30, "mx3.example.test");
	assert_int_equal(parse(&p, "example.test", T_MX, &list, why), DNS_OK);
	assert_non_null(list);
	assert_int_equal(list->pref, 20);
	assert_string_equal(list->host, "mx2.example.test");
	assert_string_equal(list->qname, "example.test");
	assert_int_equal(list->type, T_MX);
	assert_int_equal(list->ttl, 300);
	assert_int_equal(list->next->pref, 10);
	assert_string_equal(list->next->host, "mx1.example.test");
	assert_string_equal(list->next->next->host, "mx3.example.test");
	assert_null(list->next->next->next);
	dns_rr_free(list);
	vstring_free(why);
}

static void
test_null_mx(void **state)
{
	PKT	p;
	DNS_RR *list;
	VSTRING *why = vstring_alloc(10);

	pkt_start(&p, "nomail.test", T_MX, ns_r_noerror, 1);
	add_mx(&p, "nomail.test", 0, ".");
	assert_int_equal(parse(&p, "nomail.test", T_MX, &list, why), DNS_OK);
	assert_int_equal(list->pref, 0);
	assert_string_equal(list->host, "");
	assert_null(list->next);
	dns_rr_free(list);
	vstring_free(why);
}

static void
test_mx_compressed_exchange(void **state)
{
	PKT	p;
	DNS_RR *list;
	VSTRING *why = vstring_alloc(10);

	pkt_start(&p, "example.test", T_MX, ns_r_noerror, 1);
	/* Owner and exchange are pointers to the question name (offset 12). */
	put16(&p, 0xc00c);
	put16(&p, T_MX);
	put16(&p, C_IN);
	put32(&p, 60);
	put16(&p, 8);
	put16(&p, 5);
	put8(&p, 3);
	memcpy(p.buf + p.len, "mx1", 3);
	p.len += 3;
	put16(&p, 0xc00c);
	assert_int_equal(parse(&p, "example.test", T_MX, &list, why), DNS_OK);
	assert_string_equal(list->host, "mx1.example.test");
	assert_string_equal(list->rname, "example.test");
	assert_int_equal(list->pref, 5);
	dns_rr_free(list);
	vstring_free(why);
}

static void
test_cname_chain(void **state)
{
	PKT	p;
	DNS_RR *list;
	VSTRING *why = vstring_alloc(10);
	char	buf[INET_ADDRSTRLEN];

	pkt_start(&p, "www.example.test", T_A, ns_r_noerror, 5);
	add_a(&p, "other.test", "192.0.2.99");	/* not in the chain */
	add_cname(&p, "www.example.test", "b.example.test");
	add_cname(&p, "b.example.test", "c.example.test");
	add_a(&p, "c.example.test", "192.0.2.1");
	add_a(&p, "c.example.test", "192.0.2.2");
	assert_int_equal(parse(&p, "www.example.test", T_A, &list, why), DNS_OK);
	assert_int_equal(list->family, AF_INET);
	assert_string_equal(inet_ntop(AF_INET, list->addr, buf, sizeof(buf)),
			    "192.0.2.1");
	assert_string_equal(list->rname, "c.example.test");
	assert_string_equal(list->qname, "www.example.test");
	assert_string_equal(inet_ntop(AF_INET, list->next->addr, buf,
				      sizeof(buf)), "192.0.2.2");
	assert_null(list->next->next);
	dns_rr_free(list);
	vstring_free(why);
}

static void
test_cname_loop_fails(void **state)
{
	PKT	p;
	DNS_RR *list;
	VSTRING *why = vstring_alloc(10);

	pkt_start(&p, "a.test", T_A, ns_r_noerror, 2);
	add_cname(&p, "a.test", "b.test");
	add_cname(&p, "b.test", "a.test");
	assert_int_equal(parse(&p, "a.test", T_A, &list, why), DNS_FAIL);
	assert_null(list);
	vstring_free(why);
}

static void
test_aaaa_and_txt(void **state)
{
	PKT	p;
	DNS_RR *list;
	VSTRING *why = vstring_alloc(10);
	unsigned char a6[16];

	inet_pton(AF_INET6, "2001:db8::25", a6);
	pkt_start(&p, "v6.test", T_AAAA, ns_r_noerror, 1);
	rr_start(&p, "v6.test", T_AAAA);
	memcpy(p.buf + p.len, a6, 16);
	p.len += 16;
	rr_end(&p);
	assert_int_equal(parse(&p, "v6.test", T_AAAA, &list, why), DNS_OK);
	assert_int_equal(list->family, AF_INET6);
	assert_memory_equal(list->addr, a6, 16);
	dns_rr_free(list);

	pkt_start(&p, "t.test", T_TXT, ns_r_noerror, 1);
	rr_start(&p, "t.test", T_TXT);
	put8(&p, 5);
	memcpy(p.buf + p.len, "v=abc", 5);
	p.len += 5;
	put8(&p, 3);
	memcpy(p.buf + p.len, " de", 3);
	p.len += 3;
	rr_end(&p);
	assert_int_equal(parse(&p, "t.test", T_TXT, &list, why), DNS_OK);
	assert_string_equal(list->host, "v=abc de");
	dns_rr_free(list);
	vstring_free(why);
}

static void
test_rcodes(void **state)
{
	PKT	p;
	DNS_RR *list;
	VSTRING *why = vstring_alloc(10);

	pkt_start(&p, "gone.test", T_MX, ns_r_nxdomain, 0);
	assert_int_equal(parse(&p, "gone.test", T_MX, &list, why), DNS_NOTFOUND);
	assert_string_equal(vstring_str(why), "Host or domain name not found. "
			    "Name service error for name=gone.test type=MX: "
			    "Host not found");
	pkt_start(&p, "broken.test", T_MX, ns_r_servfail, 0);
	assert_int_equal(parse(&p, "broken.test", T_MX, &list, why), DNS_RETRY);
	assert_string_equal(vstring_str(why), "Host or domain name not found. "
			    "Name service error for name=broken.test type=MX: "
			    "Host not found, try again");
	pkt_start(&p, "refused.test", T_A, ns_r_refused, 0);
	assert_int_equal(parse(&p, "refused.test", T_A, &list, why), DNS_FAIL);
	assert_null(list);
	vstring_free(why);
}

static void
test_nodata(void **state)
{
	PKT	p;
	DNS_RR *list;
	VSTRING *why = vstring_alloc(10);

	pkt_start(&p, "host.test", T_MX, ns_r_noerror, 0);
	assert_int_equal(parse(&p, "host.test", T_MX, &list, why), DNS_NODATA);
	assert_null(list);
	/* A CNAME whose target has no record of the type: still no data. */
	pkt_start(&p, "alias.test", T_AAAA, ns_r_noerror, 1);
	add_cname(&p, "alias.test", "host.test");
	assert_int_equal(parse(&p, "alias.test", T_AAAA, &list, why), DNS_NODATA);
	assert_string_equal(vstring_str(why), "Host or domain name not found. "
			    "Name service error for name=alias.test type=AAAA: "
			    "Host found but no data record of requested type");
	vstring_free(why);
}

static void
test_malformed(void **state)
{
	PKT	p;
	PKT	good;
	DNS_RR *list;
	VSTRING *why = vstring_alloc(10);
	size_t	cut;

	/* Every truncation of a valid reply fails, never crashes. */
	pkt_start(&good, "example.test", T_MX, ns_r_noerror, 2);
	add_mx(&good, "example.test", 10, "mx1.example.test");
	add_mx(&good, "example.test", 20, "mx2.example.test");
	for (cut = 0; cut < good.len; cut++) {
		p = good;
		p.len = cut;
		assert_int_equal(parse(&p, "example.test", T_MX, &list, why),
				 DNS_FAIL);
		assert_null(list);
	}
	assert_string_equal(vstring_str(why), "Name service error for "
			    "name=example.test type=MX: Malformed or unexpected "
			    "name server reply");

	/* A record of the wrong length. */
	pkt_start(&p, "a.test", T_A, ns_r_noerror, 1);
	rr_start(&p, "a.test", T_A);
	put32(&p, 0xc0000201);
	put8(&p, 1);
	rr_end(&p);
	assert_int_equal(parse(&p, "a.test", T_A, &list, why), DNS_FAIL);

	/* MX rdata longer than its exchange name. */
	pkt_start(&p, "m.test", T_MX, ns_r_noerror, 1);
	rr_start(&p, "m.test", T_MX);
	put16(&p, 10);
	putname(&p, "mx.m.test");
	put8(&p, 0);
	rr_end(&p);
	assert_int_equal(parse(&p, "m.test", T_MX, &list, why), DNS_FAIL);

	/* Compression pointer to itself. */
	pkt_start(&p, "m.test", T_MX, ns_r_noerror, 1);
	rr_start(&p, "m.test", T_MX);
	put16(&p, 10);
	put16(&p, 0xc000 | (unsigned) p.len);
	rr_end(&p);
	assert_int_equal(parse(&p, "m.test", T_MX, &list, why), DNS_FAIL);

	/* A query, not a reply. */
	pkt_start(&p, "a.test", T_A, ns_r_noerror, 1);
	add_a(&p, "a.test", "192.0.2.1");
	p.buf[2] &= 0x7f;
	assert_int_equal(parse(&p, "a.test", T_A, &list, why), DNS_FAIL);
	vstring_free(why);
}

static void
test_invalid_name_not_queried(void **state)
{
	DNS_RR *list;
	VSTRING *why = vstring_alloc(10);

	assert_int_equal(dns_lookup("bad name.test", T_MX, DNS_FLAG_NONE,
				    &list, why), DNS_FAIL);
	assert_null(list);
	assert_int_equal(dns_lookup("a..test", T_A, DNS_FLAG_NONE, &list, why),
			 DNS_FAIL);
	assert_int_equal(dns_lookup("", T_A, DNS_FLAG_NONE, &list, why),
			 DNS_FAIL);
	vstring_free(why);
}

static DNS_RR *
mx(unsigned pref, const char *host, DNS_RR *next)
{
	DNS_RR *rr = mycalloc(1, sizeof(*rr));

	rr->qname = mystrdup("example.test");
	rr->rname = mystrdup("example.test");
	rr->type = T_MX;
	rr->pref = pref;
	rr->host = mystrdup(host);
	rr->next = next;
	return (rr);
}

static void
test_sort_by_preference(void **state)
{
	DNS_RR *list = mx(30, "c", mx(10, "a", mx(20, "b", mx(5, "z", NULL))));

	dns_rr_sort_mx(&list);
	assert_string_equal(list->host, "z");
	assert_string_equal(list->next->host, "a");
	assert_string_equal(list->next->next->host, "b");
	assert_string_equal(list->next->next->next->host, "c");
	assert_null(list->next->next->next->next);
	dns_rr_free(list);
	list = NULL;
	dns_rr_sort_mx(&list);			/* empty list is fine */
	assert_null(list);
}

static void
test_sort_shuffles_equals(void **state)
{
	int	first_a = 0;
	int	first_b = 0;
	int	pos_c[3] = {0, 0, 0};
	int	run;

	for (run = 0; run < 300; run++) {
		DNS_RR *list = mx(20, "c", mx(10, "a", mx(10, "b",
							 mx(10, "c2", NULL))));

		dns_rr_sort_mx(&list);
		assert_int_equal(list->pref, 10);
		assert_int_equal(list->next->pref, 10);
		assert_int_equal(list->next->next->pref, 10);
		assert_string_equal(list->next->next->next->host, "c");
		if (strcmp(list->host, "a") == 0)
			first_a++;
		if (strcmp(list->host, "b") == 0)
			first_b++;
		if (strcmp(list->host, "c2") == 0)
			pos_c[0]++;
		else if (strcmp(list->next->host, "c2") == 0)
			pos_c[1]++;
		else
			pos_c[2]++;
		dns_rr_free(list);
	}
	/* Each of three equals comes first about 100 times in 300. */
	assert_true(first_a > 50 && first_b > 50);
	assert_true(pos_c[0] > 50 && pos_c[1] > 50 && pos_c[2] > 50);
}

static void
test_strtype(void **state)
{
	assert_string_equal(dns_strtype(T_MX), "MX");
	assert_string_equal(dns_strtype(T_AAAA), "AAAA");
	assert_string_equal(dns_strerror(DNS_RETRY), "Host not found, try again");
}

/*
 * "test_dns lookup NAME TYPE" runs one real dns_lookup() (TYPE "ADDR":
 * dns_lookup_addr() for both families) and prints the
 * result: tests/integration/test_smtp_mx.py uses it against its own
 * name server inside a network namespace.
 */
static int
lookup_main(const char *name, const char *tname)
{
	static const int types[] = {T_MX, T_A, T_AAAA, T_TXT, T_PTR, T_CNAME};
	VSTRING *why = vstring_alloc(100);
	DNS_RR *list;
	DNS_RR *rr;
	char	buf[INET6_ADDRSTRLEN];
	size_t	i;
	int	status;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(dns_strtype(types[i]), tname) == 0)
			break;
	if (strcmp(tname, "ADDR") == 0)		/* A and AAAA together */
		status = dns_lookup_addr(name, DNS_FAMILY_INET4
					 | DNS_FAMILY_INET6, &list, why);
	else if (i == sizeof(types) / sizeof(types[0]))
		return (2);
	else
		status = dns_lookup(name, types[i], DNS_FLAG_NONE, &list, why);
	printf("status=%d\n", status);
	if (status != DNS_OK)
		printf("why=%s\n", vstring_str(why));
	for (rr = list; rr; rr = rr->next) {
		if (rr->type == T_A || rr->type == T_AAAA)
			printf("%s %s %s\n", rr->rname, dns_strtype(rr->type),
			       inet_ntop(rr->family, rr->addr, buf, sizeof(buf)));
		else if (rr->type == T_MX)
			printf("%s MX %u %s\n", rr->rname, rr->pref,
			       *rr->host ? rr->host : ".");
		else
			printf("%s %s %s\n", rr->rname, tname, rr->host);
	}
	dns_rr_free(list);
	vstring_free(why);
	return (0);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mx_list),
		cmocka_unit_test(test_null_mx),
		cmocka_unit_test(test_mx_compressed_exchange),
		cmocka_unit_test(test_cname_chain),
		cmocka_unit_test(test_cname_loop_fails),
		cmocka_unit_test(test_aaaa_and_txt),
		cmocka_unit_test(test_rcodes),
		cmocka_unit_test(test_nodata),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_invalid_name_not_queried),
		cmocka_unit_test(test_sort_by_preference),
		cmocka_unit_test(test_sort_shuffles_equals),
		cmocka_unit_test(test_strtype),
	};

	if (argc == 4 && strcmp(argv[1], "lookup") == 0)
		return (lookup_main(argv[2], argv[3]));
	return (cmocka_run_group_tests(tests, NULL, NULL));
}
