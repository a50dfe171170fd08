/*
 * Unit tests for smtp/smtp_addr: routing a destination to addresses.
 *
 * dns_lookup() and dns_lookup_addr() are replaced by a table below
 * (the linker then leaves lib/dns/dns_lookup.o out of the archive), so
 * MX ordering, fallbacks and failures are tested without a name server;
 * the MX sort and list code are the real ones. Literals and "native"
 * lookups of localhost use the real libc.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netinet/in.h>
#include <cmocka.h>

#include "mymalloc.h"
#include "vstring.h"
#include "argv.h"
#include "dns.h"
#include "smtp_addr.h"

typedef struct FAKE {
	const char *name;
	int	type;
	int	status;
	const char *data;		/* "10 mx1 20 mx2" or "192.0.2.1 ..." */
} FAKE;

static const FAKE fake_dns[] = {
	{"example.test", T_MX, DNS_OK, "20 mx2.example.test 10 mx1.example.test"},
	{"mx1.example.test", T_A, DNS_OK, "192.0.2.1"},
	{"mx1.example.test", T_AAAA, DNS_NODATA, ""},
	{"mx2.example.test", T_A, DNS_OK, "192.0.2.2"},
	{"mx2.example.test", T_AAAA, DNS_NODATA, ""},
	{"nomx.test", T_MX, DNS_NODATA, ""},
	{"nomx.test", T_A, DNS_OK, "192.0.2.5"},
	{"nomx.test", T_AAAA, DNS_NODATA, ""},
	{"nullmx.test", T_MX, DNS_OK, "0 ."},
	{"gone.test", T_MX, DNS_NOTFOUND, ""},
	{"broken.test", T_MX, DNS_RETRY, ""},
	{"half.test", T_MX, DNS_OK, "10 broken.test 20 mx2.example.test"},
	{"broken.test", T_A, DNS_RETRY, ""},
	{"broken.test", T_AAAA, DNS_RETRY, ""},
	{"sick.test", T_MX, DNS_OK, "10 broken.test 20 gone.test"},
	{"gone.test", T_A, DNS_NOTFOUND, ""},
	{"gone.test", T_AAAA, DNS_NOTFOUND, ""},
	{"dead.test", T_MX, DNS_OK, "10 gone.test"},
	{"me.test", T_MX, DNS_OK, "10 me.example.test"},
	{"backup.test", T_MX, DNS_OK,
	 "20 me.example.test 5 mx1.example.test 30 mx2.example.test"},
	{"selfaddr.test", T_MX, DNS_OK, "10 self.test 20 mx2.example.test"},
	{"selfbackup.test", T_MX, DNS_OK,
	 "20 mx2.example.test 10 self.test 5 mx1.example.test"},
	{"selfretry.test", T_MX, DNS_OK, "5 broken.test 10 self.test"},
	{"self.test", T_A, DNS_OK, "192.0.2.100"},
	{"self.test", T_AAAA, DNS_NODATA, ""},
	{"dual.test", T_MX, DNS_NODATA, ""},
	{"dual.test", T_A, DNS_OK, "192.0.2.7"},
	{"dual.test", T_AAAA, DNS_OK, "2001:db8::7"},
	{"many.test", T_MX, DNS_NODATA, ""},
	{"many.test", T_A, DNS_OK,
	 "192.0.2.11 192.0.2.12 192.0.2.13 192.0.2.14 192.0.2.15"},
	{"many.test", T_AAAA, DNS_NODATA, ""},
	{"dup.test", T_MX, DNS_OK, "10 mx1.example.test 20 alias1.test"},
	{"alias1.test", T_A, DNS_OK, "192.0.2.1"},
	{"alias1.test", T_AAAA, DNS_NODATA, ""},
	{NULL, 0, 0, NULL},
};

static int fake_queries;

static void
fake_why(VSTRING *why, const char *name, int type, int status)
{
	if (status == DNS_FAIL)
		vstring_sprintf(why, "Name service error for name=%s type=%s: "
				"Non-recoverable error", name, dns_strtype(type));
	else
		vstring_sprintf(why, "Host or domain name not found. Name service "
				"error for name=%s type=%s: %s", name,
				dns_strtype(type), dns_strerror(status));
}

int
dns_lookup(const char *name, int type, int flags, DNS_RR **list, VSTRING *why)
{
	const FAKE *fp;
	DNS_RR **tail = list;
	ARGV   *words;
	size_t	i;

	(void) flags;
	fake_queries++;
	*list = NULL;
	for (fp = fake_dns; fp->name; fp++)
		if (strcasecmp(fp->name, name) == 0 && fp->type == type)
			break;
	if (fp->name == NULL) {
		fake_why(why, name, type, DNS_NOTFOUND);
		return (DNS_NOTFOUND);
	}
	if (fp->status != DNS_OK) {
		fake_why(why, name, type, fp->status);
		return (fp->status);
	}
	words = argv_split(fp->data, " ");
	for (i = 0; i < words->len; i++) {
		DNS_RR *rr = mycalloc(1, sizeof(*rr));

		rr->qname = mystrdup(name);
		rr->rname = mystrdup(name);
		rr->type = type;
		if (type == T_MX) {
			rr->pref = (unsigned) atoi(words->argv[i++]);
			rr->host = mystrdup(strcmp(words->argv[i], ".") == 0 ?
					    "" : words->argv[i]);
		} else if (type == T_A) {
			rr->family = AF_INET;
			inet_pton(AF_INET, words->argv[i], rr->addr);
		} else {
			rr->family = AF_INET6;
			inet_pton(AF_INET6, words->argv[i], rr->addr);
		}
		*tail = rr;
		tail = &rr->next;
	}
	argv_free(words);
	return (DNS_OK);
}

int
dns_lookup_addr(const char *name, int families, DNS_RR **list, VSTRING *why)
{
	DNS_RR *a = NULL;
	DNS_RR *aaaa = NULL;
	int	sa = DNS_NODATA;
	int	s6 = DNS_NODATA;

	*list = NULL;
	if (families & DNS_FAMILY_INET4)
		sa = dns_lookup(name, T_A, 0, &a, why);
	if ((families & DNS_FAMILY_INET6) && sa != DNS_NOTFOUND)
		s6 = dns_lookup(name, T_AAAA, 0, &aaaa, why);
	if (a || aaaa) {
		DNS_RR **tail = &a;

		while (*tail)
			tail = &(*tail)->next;
		*tail = aaaa;
		*list = a;
		return (DNS_OK);
	}
	if (sa == DNS_RETRY || s6 == DNS_RETRY)
		return (DNS_RETRY);
	return (sa == DNS_NOTFOUND ? DNS_NOTFOUND : s6);
}

typedef struct FIXTURE {
	SMTP_ADDR_OPTS opts;
	SMTP_ADDR_DSN dsn;
	ARGV   *own;
	SMTP_ADDR *list;
} FIXTURE;

static int
setup(void **state)
{
	FIXTURE *fx = mycalloc(1, sizeof(*fx));

	fx->own = argv_alloc(2);
	argv_add(fx->own, "me.example.test");
	fx->opts.families = DNS_FAMILY_INET4 | DNS_FAMILY_INET6;
	fx->opts.preference = "ipv4";
	fx->opts.mx_address_limit = 0;
	fx->opts.host_lookup = "dns";
	fx->opts.own_names = fx->own;
	fx->dsn.status = vstring_alloc(10);
	fx->dsn.reason = vstring_alloc(10);
	fake_queries = 0;
	*state = fx;
	return (0);
}

static int
teardown(void **state)
{
	FIXTURE *fx = *state;

	smtp_addr_free(fx->list);
	argv_free(fx->own);
	vstring_free(fx->dsn.status);
	vstring_free(fx->dsn.reason);
	myfree(fx);
	return (0);
}

static int
find(FIXTURE *fx, const char *dest)
{
	smtp_addr_free(fx->list);
	fx->list = NULL;
	return (smtp_addr_find(dest, 25, &fx->opts, &fx->list, &fx->dsn));
}

/* addrs - "host/addr/pref ..." of the result, for compact asserts */

static const char *
addrs(FIXTURE *fx)
{
	static char buf[1024];
	SMTP_ADDR *ap;

	buf[0] = 0;
	for (ap = fx->list; ap; ap = ap->next) {
		size_t	len = strlen(buf);

		snprintf(buf + len, sizeof(buf) - len, "%s%s/%s/%u",
			 len ? " " : "", ap->host, ap->addr, ap->pref);
	}
	return (buf);
}

static void
test_literals(void **state)
{
	FIXTURE *fx = *state;
	struct sockaddr_in *sin;
	struct sockaddr_in6 *sin6;

	assert_int_equal(find(fx, "192.0.2.1"), SMTP_ADDR_OK);
	assert_string_equal(addrs(fx), "192.0.2.1/192.0.2.1/0");
	sin = (struct sockaddr_in *) &fx->list->sa;
	assert_int_equal(sin->sin_family, AF_INET);
	assert_int_equal(ntohs(sin->sin_port), 25);
	assert_int_equal(fx->list->salen, sizeof(*sin));

	assert_int_equal(find(fx, "[192.0.2.9]"), SMTP_ADDR_OK);
	assert_string_equal(fx->list->addr, "192.0.2.9");

	assert_int_equal(find(fx, "ipv6:2001:db8::1"), SMTP_ADDR_OK);
	assert_string_equal(fx->list->addr, "2001:db8::1");
	sin6 = (struct sockaddr_in6 *) &fx->list->sa;
	assert_int_equal(sin6->sin6_family, AF_INET6);
	assert_int_equal(ntohs(sin6->sin6_port), 25);
	assert_int_equal(find(fx, "IPv6:2001:DB8::2"), SMTP_ADDR_OK);
	assert_string_equal(fx->list->addr, "2001:db8::2");
	assert_int_equal(find(fx, "2001:db8::3"), SMTP_ADDR_OK);
	assert_string_equal(fx->list->addr, "2001:db8::3");
	assert_int_equal(fake_queries, 0);

	/* A literal of a family inet_protocols turns off: try later. */
	fx->opts.families = DNS_FAMILY_INET4;
	assert_int_equal(find(fx, "ipv6:2001:db8::1"), SMTP_ADDR_DEFER);
	assert_null(fx->list);
	assert_string_equal(vstring_str(fx->dsn.status), "4.4.4");
}

static void
test_native_localhost(void **state)
{
	FIXTURE *fx = *state;

	fx->opts.families = DNS_FAMILY_INET4;
	fx->opts.host_lookup = "native";
	fx->opts.no_mx = 1;
	assert_int_equal(find(fx, "localhost"), SMTP_ADDR_OK);
	assert_string_equal(fx->list->host, "localhost");
	assert_string_equal(fx->list->addr, "127.0.0.1");
	assert_int_equal(ntohs(((struct sockaddr_in *) &fx->list->sa)->sin_port),
			 25);
	assert_int_equal(fake_queries, 0);
	/*
	 * As in Postfix, "native" is about host addresses only: MX records
	 * still come from DNS (here: none, so the name's own address).
	 */
	fx->opts.no_mx = 0;
	assert_int_equal(find(fx, "localhost"), SMTP_ADDR_OK);
	assert_string_equal(fx->list->addr, "127.0.0.1");
	assert_int_equal(fake_queries, 1);
	assert_int_equal(find(fx, "nullmx.test"), SMTP_ADDR_BOUNCE);
	assert_string_equal(vstring_str(fx->dsn.status), "5.1.0");
	/* "dns, native": DNS does not know localhost, /etc/hosts does */
	fx->opts.host_lookup = "dns, native";
	fx->opts.no_mx = 1;
	fake_queries = 0;
	assert_int_equal(find(fx, "localhost"), SMTP_ADDR_OK);
	assert_string_equal(fx->list->addr, "127.0.0.1");
	assert_true(fake_queries > 0);
}

static void
test_mx_by_preference(void **state)
{
	FIXTURE *fx = *state;

	assert_int_equal(find(fx, "example.test"), SMTP_ADDR_OK);
	assert_string_equal(addrs(fx), "mx1.example.test/192.0.2.1/10 "
			    "mx2.example.test/192.0.2.2/20");
	/* [host]: no MX lookup, the name's own addresses */
	fx->opts.no_mx = 1;
	assert_int_equal(find(fx, "mx2.example.test"), SMTP_ADDR_OK);
	assert_string_equal(addrs(fx), "mx2.example.test/192.0.2.2/0");
}

static void
test_no_mx_uses_address(void **state)
{
	FIXTURE *fx = *state;

	assert_int_equal(find(fx, "nomx.test"), SMTP_ADDR_OK);
	assert_string_equal(addrs(fx), "nomx.test/192.0.2.5/0");
}

static void
test_null_mx_bounces(void **state)
{
	FIXTURE *fx = *state;

	assert_int_equal(find(fx, "nullmx.test"), SMTP_ADDR_BOUNCE);
	assert_null(fx->list);
	/* Postfix 3.7 logs 5.1.0 here (RFC 7505 suggests 5.1.10). */
	assert_string_equal(vstring_str(fx->dsn.status), "5.1.0");
	assert_string_equal(vstring_str(fx->dsn.reason),
			    "Domain nullmx.test does not accept mail (nullMX)");
}

static void
test_dns_failures(void **state)
{
	FIXTURE *fx = *state;

	assert_int_equal(find(fx, "gone.test"), SMTP_ADDR_BOUNCE);
	assert_string_equal(vstring_str(fx->dsn.status), "5.4.4");
	assert_string_equal(vstring_str(fx->dsn.reason),
			    "Host or domain name not found. Name service error "
			    "for name=gone.test type=A: Host not found");

	assert_int_equal(find(fx, "broken.test"), SMTP_ADDR_DEFER);
	assert_string_equal(vstring_str(fx->dsn.status), "4.4.3");
	assert_string_equal(vstring_str(fx->dsn.reason),
			    "Host or domain name not found. Name service error "
			    "for name=broken.test type=MX: Host not found, "
			    "try again");

	/* An MX host failing temporarily is skipped... */
	assert_int_equal(find(fx, "half.test"), SMTP_ADDR_OK);
	assert_string_equal(addrs(fx), "mx2.example.test/192.0.2.2/20");
	/* ...but remembered: with nothing left, try again later. */
	assert_int_equal(find(fx, "sick.test"), SMTP_ADDR_DEFER);
	assert_string_equal(vstring_str(fx->dsn.status), "4.4.3");
	assert_non_null(strstr(vstring_str(fx->dsn.reason), "name=broken.test"));
	/* MX hosts that do not exist at all: bounce. */
	assert_int_equal(find(fx, "dead.test"), SMTP_ADDR_BOUNCE);
	assert_string_equal(vstring_str(fx->dsn.status), "5.4.4");
	assert_non_null(strstr(vstring_str(fx->dsn.reason),
			       "name=gone.test type=A: Host not found"));
}

static void
test_mail_loop(void **state)
{
	FIXTURE *fx = *state;

	assert_int_equal(find(fx, "me.test"), SMTP_ADDR_BOUNCE);
	assert_string_equal(vstring_str(fx->dsn.status), "5.4.6");
	assert_string_equal(vstring_str(fx->dsn.reason),
			    "mail for me.test loops back to myself");
	/* We are a backup MX: only the better MX remains. */
	assert_int_equal(find(fx, "backup.test"), SMTP_ADDR_OK);
	assert_string_equal(addrs(fx), "mx1.example.test/192.0.2.1/5");
}

static void
test_mail_loop_by_address(void **state)
{
	FIXTURE *fx = *state;

	/* Postfix's test: an MX address that is ours cuts the list there. */
	argv_add(fx->own, "192.0.2.100");
	assert_int_equal(find(fx, "selfaddr.test"), SMTP_ADDR_BOUNCE);
	assert_string_equal(vstring_str(fx->dsn.status), "5.4.6");
	assert_string_equal(vstring_str(fx->dsn.reason),
			    "mail for selfaddr.test loops back to myself");
	assert_int_equal(find(fx, "selfbackup.test"), SMTP_ADDR_OK);
	assert_string_equal(addrs(fx), "mx1.example.test/192.0.2.1/5");
	/* A better MX failing temporarily: try again, not a loop. */
	assert_int_equal(find(fx, "selfretry.test"), SMTP_ADDR_DEFER);
	assert_string_equal(vstring_str(fx->dsn.status), "4.4.3");
	/* Without the address among our own, self.test is just an MX. */
	argv_truncate(fx->own, 1);
	assert_int_equal(find(fx, "selfaddr.test"), SMTP_ADDR_OK);
	assert_string_equal(addrs(fx), "self.test/192.0.2.100/10 "
			    "mx2.example.test/192.0.2.2/20");
}

static void
test_families_and_preference(void **state)
{
	FIXTURE *fx = *state;

	assert_int_equal(find(fx, "dual.test"), SMTP_ADDR_OK);
	assert_string_equal(addrs(fx), "dual.test/192.0.2.7/0 "
			    "dual.test/2001:db8::7/0");
	fx->opts.preference = "ipv6";
	assert_int_equal(find(fx, "dual.test"), SMTP_ADDR_OK);
	assert_string_equal(addrs(fx), "dual.test/2001:db8::7/0 "
			    "dual.test/192.0.2.7/0");
	fx->opts.families = DNS_FAMILY_INET4;
	assert_int_equal(find(fx, "dual.test"), SMTP_ADDR_OK);
	assert_string_equal(addrs(fx), "dual.test/192.0.2.7/0");
	fx->opts.families = DNS_FAMILY_INET6;
	assert_int_equal(find(fx, "dual.test"), SMTP_ADDR_OK);
	assert_string_equal(addrs(fx), "dual.test/2001:db8::7/0");
	/* An IPv4-only destination with IPv6 only: no address, bounce. */
	assert_int_equal(find(fx, "nomx.test"), SMTP_ADDR_BOUNCE);
	assert_string_equal(vstring_str(fx->dsn.status), "5.4.4");
}

static void
test_address_limit_and_duplicates(void **state)
{
	FIXTURE *fx = *state;

	fx->opts.mx_address_limit = 3;
	assert_int_equal(find(fx, "many.test"), SMTP_ADDR_OK);
	assert_string_equal(addrs(fx), "many.test/192.0.2.11/0 "
			    "many.test/192.0.2.12/0 many.test/192.0.2.13/0");
	fx->opts.mx_address_limit = 0;
	assert_int_equal(find(fx, "many.test"), SMTP_ADDR_OK);
	assert_non_null(strstr(addrs(fx), "192.0.2.15"));
	/* Two MX hosts with one address: tried once. */
	assert_int_equal(find(fx, "dup.test"), SMTP_ADDR_OK);
	assert_string_equal(addrs(fx), "mx1.example.test/192.0.2.1/10");
}

static void
test_families_parse(void **state)
{
	(void) state;
	assert_int_equal(smtp_addr_families("all"),
			 DNS_FAMILY_INET4 | DNS_FAMILY_INET6);
	assert_int_equal(smtp_addr_families("ipv4"), DNS_FAMILY_INET4);
	assert_int_equal(smtp_addr_families("ipv6"), DNS_FAMILY_INET6);
	assert_int_equal(smtp_addr_families("ipv4, ipv6"),
			 DNS_FAMILY_INET4 | DNS_FAMILY_INET6);
	assert_int_equal(smtp_addr_families(" ipv6 ,ipv4 "),
			 DNS_FAMILY_INET4 | DNS_FAMILY_INET6);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_literals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_native_localhost, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_mx_by_preference, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_no_mx_uses_address, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_null_mx_bounces, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_dns_failures, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_mail_loop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mail_loop_by_address, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_families_and_preference,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_address_limit_and_duplicates,
						setup, teardown),
		cmocka_unit_test(test_families_parse),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
