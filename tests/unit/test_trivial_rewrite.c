/*
 * test_trivial_rewrite - canonicalization and resolution, without daemon
 *
 * Table-driven: rewrite cases (context, input, output), then resolve
 * cases (main.cf text, sender, address, expected flags, transport,
 * nexthop, recipient). "@T@" in main.cf text is the test's temporary
 * directory, which holds the lookup tables written at setup.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "msg.h"
#include "mymalloc.h"
#include "vstring.h"
#include "mail_conf.h"
#include "resolve_client.h"
#include "rewrite.h"
#include "resolve.h"

static char tmpdir[] = "/tmp/test_trivial_rewrite.XXXXXX";

/* ---- rewrite ---- */

typedef struct {
	const char *origin;
	const char *domain;
	int	swap;
	int	percent;
	int	at_origin;
	int	dot_domain;
	const char *in;
	const char *out;
} REWRITE_CASE;

#define LOCAL_CTX "example.com", "example.com"
static const REWRITE_CASE rewrite_cases[] = {
	{LOCAL_CTX, 1, 1, 1, 0, "user", "user@example.com"},
	{LOCAL_CTX, 1, 1, 1, 0, "", ""},
	{LOCAL_CTX, 1, 1, 1, 0, "User@Host.Example", "User@Host.Example"},
	{LOCAL_CTX, 1, 1, 1, 0, "host!user", "user@host"},
	{LOCAL_CTX, 1, 1, 1, 0, "a!b!user", "b!user@a"},
	{LOCAL_CTX, 0, 1, 1, 0, "host!user", "host!user@example.com"},
	{LOCAL_CTX, 1, 1, 1, 0, "user%remote.example", "user@remote.example"},
	{LOCAL_CTX, 1, 1, 1, 0, "u%v%w", "u%v@w"},
	{LOCAL_CTX, 1, 0, 1, 0, "user%remote", "user%remote@example.com"},
	{LOCAL_CTX, 1, 1, 1, 0, "user%d@example.com", "user%d@example.com"},
	{LOCAL_CTX, 1, 1, 0, 0, "user", "user"},
	{"", "", 1, 1, 1, 1, "user", "user"},
	{LOCAL_CTX, 1, 1, 1, 0, "user@example.com.", "user@example.com"},
	{LOCAL_CTX, 1, 1, 1, 0, "user@a..", "user@a.."},
	{LOCAL_CTX, 1, 1, 1, 0, "user@.", "user@."},
	{LOCAL_CTX, 1, 1, 1, 1, "user@host", "user@host.example.com"},
	{LOCAL_CTX, 1, 1, 1, 1, "user@host.", "user@host"},
	{LOCAL_CTX, 1, 1, 1, 1, "user@[10.0.0.1]", "user@[10.0.0.1]"},
	{LOCAL_CTX, 1, 1, 1, 1, "user@", "user@"},
	{"host", "example.com", 1, 1, 1, 1, "user", "user@host.example.com"},
	{LOCAL_CTX, 1, 1, 1, 0, "a b!c", "a b!c@example.com"},
	{"hdr.example", "hdr.example", 1, 1, 1, 0, "user", "user@hdr.example"},
};

static void
test_rewrite_table(void **state)
{
	VSTRING *out = vstring_alloc(100);
	size_t	i;

	(void) state;
	for (i = 0; i < sizeof(rewrite_cases) / sizeof(rewrite_cases[0]); i++) {
		const REWRITE_CASE *c = rewrite_cases + i;
		TR_REWRITE_CTX ctx = {c->origin, c->domain, c->swap, c->percent,
		c->at_origin, c->dot_domain};

		tr_rewrite(&ctx, c->in, out);
		if (strcmp(vstring_str(out), c->out) != 0)
			fail_msg("case %zu: \"%s\" -> \"%s\", want \"%s\"", i,
				 c->in, vstring_str(out), c->out);
	}
	vstring_free(out);
}

static void
test_rewrite_ctx_from_main_cf(void **state)
{
	TR_REWRITE_CTX ctx;

	(void) state;
	assert_int_equal(tr_rewrite_ctx_init(&ctx, "bogus"), -1);
}

/* ---- resolve ---- */

static const char *base_conf =
"myhostname = mail.example.com\n"
"mydomain = example.com\n"
"myorigin = example.com\n"
"inet_protocols = ipv4\n"
"inet_interfaces = 127.0.0.1\n"
"proxy_interfaces = 192.0.2.7, [2001:db8::1]\n"
"mydestination = $myhostname, localhost, example.com\n"
"relay_domains = relay.example\n"
"virtual_alias_domains = alias.example\n"
"virtual_mailbox_domains = vmail.example\n";

enum {
	C_BASE, C_RELAYHOST, C_DEFTR, C_NULLDOM, C_NOPCT, C_NOBANG, C_QUOTED,
	C_TMAPS, C_TPARENT, C_TMAPS_ERR, C_MYDEST_ERR, C_SENDER, C_NOSHOW,
	C_COUNT,
};

static const char *confs[C_COUNT] = {
	[C_BASE] = "",
	[C_RELAYHOST] = "relayhost = [gw.example]:2525\n",
	[C_DEFTR] = "relayhost = [gw.example]\n"
	"default_transport = smtp:[fallback.example]\n"
	"local_transport = local\n",
	[C_NULLDOM] = "resolve_null_domain = yes\nresolve_numeric_domain = yes\n",
	[C_NOPCT] = "allow_percent_hack = no\n",
	[C_NOBANG] = "swap_bangpath = no\n",
	[C_QUOTED] = "resolve_dequoted_address = no\n",
	[C_TMAPS] = "transport_maps = texthash:@T@/transport, "
	"regexp:@T@/transport.re\nrecipient_delimiter = +\n",
	[C_TPARENT] = "transport_maps = texthash:@T@/transport\n"
	"parent_domain_matches_subdomains = transport_maps\n",
	[C_TMAPS_ERR] = "transport_maps = texthash:@T@/missing\n",
	[C_MYDEST_ERR] = "mydestination = texthash:@T@/missing\n",
	[C_SENDER] = "sender_dependent_relayhost_maps = texthash:@T@/sdr\n"
	"sender_dependent_default_transport_maps = texthash:@T@/sdt\n"
	"relayhost = [plain-relay]\n",
	[C_NOSHOW] = "show_user_unknown_table_name = no\n",
};

static const char *transport_table =
"user@mapped.example	local:\n"
"mapped.example		slow:\n"
".mapped.example	:[gw.mapped]:2525\n"
"bounce.example		error:5.7.1 no mail here\n"
"drop.example		discard:dropped\n"
"keep.example		:\n"
"vmail.example		lmtp:unix:private/dovecot\n"
"literal.example	[lit.host]:2525\n"
"parent.example		relay:\n"
"*			smtp:[star.example]\n";

static const char *transport_re =
"/^regex@pattern\\.example$/	pat:nexthop.example\n"
"/^nofull@/			pat:\n";

static const char *sdr_table =
"@sender.example	[sdr.example]\n"
"<>			[bounce-relay]\n";

static const char *sdt_table =
"vip@example.com	relay:[vip-gw]\n";

#define LF (RESOLVE_CLASS_LOCAL | RESOLVE_FLAG_FINAL)
#define AF (RESOLVE_CLASS_ALIAS | RESOLVE_FLAG_FINAL)
#define VF (RESOLVE_CLASS_VIRTUAL | RESOLVE_FLAG_FINAL)
#define RL RESOLVE_CLASS_RELAY
#define DF RESOLVE_CLASS_DEFAULT
#define RT RESOLVE_FLAG_ROUTED
#define ER RESOLVE_FLAG_ERROR
#define FL RESOLVE_FLAG_FAIL

typedef struct {
	int	conf;
	const char *sender;
	const char *addr;
	int	flags;
	const char *transport;		/* NULL: not checked (FAIL) */
	const char *nexthop;
	const char *recipient;
} RESOLVE_CASE;

static const RESOLVE_CASE resolve_cases[] = {
	/* Local class: mydestination, our literals, bare users. */
	{C_BASE, "", "user", LF, "local", "mail.example.com", "user@mail.example.com"},
	{C_BASE, "", "User@Example.COM", LF, "local", "mail.example.com", "User@Example.COM"},
	{C_BASE, "", "user@localhost.", LF, "local", "mail.example.com", "user@localhost"},
	{C_BASE, "", "", LF, "local", "mail.example.com", "MAILER-DAEMON@mail.example.com"},
	{C_BASE, "", "user@[127.0.0.1]", LF, "local", "mail.example.com", "user@[127.0.0.1]"},
	{C_BASE, "", "user@[192.0.2.7]", LF, "local", "mail.example.com", "user@[192.0.2.7]"},
	{C_BASE, "", "user@[IPv6:2001:DB8:0::1]", LF, "local", "mail.example.com", "user@[IPv6:2001:DB8:0::1]"},
	{C_BASE, "", "user%example.com@localhost", LF, "local", "mail.example.com", "user@example.com"},
	{C_BASE, "", "localhost!user", LF, "local", "mail.example.com", "user@localhost"},
	/* Other classes. */
	{C_BASE, "", "user@alias.example", AF, "error", "5.1.1 User unknown in virtual alias table", "user@alias.example"},
	{C_NOSHOW, "", "user@alias.example", AF, "error", "5.1.1 User unknown", "user@alias.example"},
	{C_BASE, "", "user@vmail.example", VF, "virtual", "vmail.example", "user@vmail.example"},
	{C_BASE, "", "user@relay.example", RL, "relay", "relay.example", "user@relay.example"},
	{C_BASE, "", "user@Remote.Example.", DF, "smtp", "Remote.Example", "user@Remote.Example"},
	{C_BASE, "", "user@sub.example.com", DF, "smtp", "sub.example.com", "user@sub.example.com"},
	{C_BASE, "", "user@[10.9.9.9]", DF, "smtp", "[10.9.9.9]", "user@[10.9.9.9]"},
	/* Routing syntax. */
	{C_BASE, "", "user@remote.example@example.com", DF | RT, "smtp", "remote.example", "user@remote.example"},
	{C_BASE, "", "user%remote.example@example.com", DF | RT, "smtp", "remote.example", "user@remote.example"},
	{C_BASE, "", "remote.example!user@example.com", DF | RT, "smtp", "remote.example", "user@remote.example"},
	{C_BASE, "", "user%other@relay.example", RL | RT, "relay", "relay.example", "user%other@relay.example"},
	{C_BASE, "", "user@other@relay.example", RL | RT, "relay", "relay.example", "user@other@relay.example"},
	{C_NOPCT, "", "user%remote@example.com", LF, "local", "mail.example.com", "user%remote@example.com"},
	{C_NOPCT, "", "user%other@relay.example", RL, "relay", "relay.example", "user%other@relay.example"},
	{C_NOBANG, "", "remote!user@example.com", LF, "local", "mail.example.com", "remote!user@example.com"},
	{C_QUOTED, "", "user@remote.example@example.com", LF, "local", "mail.example.com", "user@remote.example@example.com"},
	/* Syntax errors. */
	{C_BASE, "", "user@bad..example", DF | ER, "smtp", "bad..example", "user@bad..example"},
	{C_BASE, "", "user@-bad.example", DF | ER, "smtp", "-bad.example", "user@-bad.example"},
	{C_BASE, "", "user@1.2.3.4", DF | ER, "smtp", "1.2.3.4", "user@1.2.3.4"},
	{C_BASE, "", "user@[999.1.1.1]", DF | ER, "smtp", "[999.1.1.1]", "user@[999.1.1.1]"},
	{C_BASE, "", "user@", DF | ER, "smtp", "", "user@"},
	{C_NULLDOM, "", "user@", LF, "local", "mail.example.com", "user@mail.example.com"},
	{C_NULLDOM, "", "user@127.0.0.1", LF, "local", "mail.example.com", "user@127.0.0.1"},
	{C_NULLDOM, "", "user@10.1.1.1", DF, "smtp", "[10.1.1.1]", "user@10.1.1.1"},
	/* relayhost and transports with a nexthop. */
	{C_RELAYHOST, "", "user@remote.example", DF, "smtp", "[gw.example]:2525", "user@remote.example"},
	{C_RELAYHOST, "", "user@relay.example", RL, "relay", "[gw.example]:2525", "user@relay.example"},
	{C_RELAYHOST, "", "user@vmail.example", VF, "virtual", "vmail.example", "user@vmail.example"},
	{C_RELAYHOST, "", "user", LF, "local", "mail.example.com", "user@mail.example.com"},
	{C_DEFTR, "", "user@remote.example", DF, "smtp", "[fallback.example]", "user@remote.example"},
	{C_DEFTR, "", "user@relay.example", RL, "relay", "[gw.example]", "user@relay.example"},
	{C_DEFTR, "", "user@localhost", LF, "local", "mail.example.com", "user@localhost"},
	/* transport_maps. */
	{C_TMAPS, "", "user@mapped.example", DF, "local", "mapped.example", "user@mapped.example"},
	{C_TMAPS, "", "User+Ext@Mapped.Example", DF, "local", "Mapped.Example", "User+Ext@Mapped.Example"},
	{C_TMAPS, "", "other@mapped.example", DF, "slow", "mapped.example", "other@mapped.example"},
	{C_TMAPS, "", "x@a.b.mapped.example", DF, "smtp", "[gw.mapped]:2525", "x@a.b.mapped.example"},
	{C_TMAPS, "", "x@bounce.example", DF, "error", "5.7.1 no mail here", "x@bounce.example"},
	{C_TMAPS, "", "x@drop.example", DF, "discard", "dropped", "x@drop.example"},
	{C_TMAPS, "", "x@keep.example", DF, "smtp", "keep.example", "x@keep.example"},
	{C_TMAPS, "", "x@vmail.example", VF, "lmtp", "unix:private/dovecot", "x@vmail.example"},
	{C_TMAPS, "", "x@literal.example", DF, "smtp", "[lit.host]:2525", "x@literal.example"},
	{C_TMAPS, "", "x@elsewhere.example", DF, "smtp", "[star.example]", "x@elsewhere.example"},
	{C_TMAPS, "", "user", LF, "smtp", "[star.example]", "user@mail.example.com"},
	{C_TMAPS, "", "x@alias.example", AF, "error", "5.1.1 User unknown in virtual alias table", "x@alias.example"},
	{C_TMAPS, "", "regex@pattern.example", DF, "pat", "nexthop.example", "regex@pattern.example"},
	{C_TMAPS, "", "nofull@relay.example", RL, "pat", "relay.example", "nofull@relay.example"},
	{C_TMAPS, "", "x@sub.parent.example", DF, "smtp", "[star.example]", "x@sub.parent.example"},
	{C_TPARENT, "", "x@sub.parent.example", DF, "relay", "sub.parent.example", "x@sub.parent.example"},
	{C_TPARENT, "", "x@a.b.mapped.example", DF, "slow", "a.b.mapped.example", "x@a.b.mapped.example"},
	/* Lookup errors: FAIL, never a default. */
	{C_TMAPS_ERR, "", "x@remote.example", DF | FL, NULL, NULL, NULL},
	{C_TMAPS_ERR, "", "user", LF | FL, NULL, NULL, NULL},
	{C_MYDEST_ERR, "", "x@remote.example", FL, NULL, NULL, NULL},
	{C_MYDEST_ERR, "", "x@[127.0.0.1]", LF, "local", "mail.example.com", "x@[127.0.0.1]"},
	/* Sender-dependent relayhost and default transport. */
	{C_SENDER, "a@sender.example", "x@remote.example", DF, "smtp", "[sdr.example]", "x@remote.example"},
	{C_SENDER, "", "x@remote.example", DF, "smtp", "[bounce-relay]", "x@remote.example"},
	{C_SENDER, "b@other.example", "x@remote.example", DF, "smtp", "[plain-relay]", "x@remote.example"},
	{C_SENDER, "VIP@example.com", "x@remote.example", DF, "relay", "[vip-gw]", "x@remote.example"},
	{C_SENDER, "a@sender.example", "x@relay.example", RL, "relay", "[sdr.example]", "x@relay.example"},
};

/* Load base_conf plus extra into mail_conf, @T@ replaced. */
static void
load_conf(const char *extra)
{
	VSTRING *text = vstring_alloc(1000);
	VSTRING *why = vstring_alloc(100);
	const char *cp;
	FILE   *fp;

	vstring_strcpy(text, base_conf);
	for (cp = extra; *cp; cp++) {
		if (strncmp(cp, "@T@", 3) == 0) {
			vstring_strcat(text, tmpdir);
			cp += 2;
		} else {
			vstring_addch(text, *cp);
		}
	}
	mail_conf_reset();
	fp = fmemopen(vstring_str(text), vstring_len(text), "r");
	assert_non_null(fp);
	if (mail_conf_load_stream(fp, "test/main.cf", why) != 0)
		fail_msg("main.cf: %s", vstring_str(why));
	fclose(fp);
	vstring_free(text);
	vstring_free(why);
}

static void
write_file(const char *name, const char *text)
{
	VSTRING *path = vstring_alloc(100);
	FILE   *fp;

	vstring_sprintf(path, "%s/%s", tmpdir, name);
	fp = fopen(vstring_str(path), "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
	vstring_free(path);
}

static int
setup(void **state)
{
	(void) state;
	if (mkdtemp(tmpdir) == NULL)
		return (-1);
	write_file("transport", transport_table);
	write_file("transport.re", transport_re);
	write_file("sdr", sdr_table);
	write_file("sdt", sdt_table);
	return (0);
}

static int
teardown(void **state)
{
	static const char *names[] = {"transport", "transport.re", "sdr", "sdt"};
	VSTRING *path = vstring_alloc(100);
	size_t	i;

	(void) state;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		vstring_sprintf(path, "%s/%s", tmpdir, names[i]);
		(void) unlink(vstring_str(path));
	}
	vstring_free(path);
	(void) rmdir(tmpdir);
	return (0);
}

static void
test_resolve_table(void **state)
{
	RESOLVE_REPLY reply;
	VSTRING *why = vstring_alloc(100);
	size_t	i;
	int	conf;
	int	failures = 0;

	(void) state;
	resolve_client_init(&reply);
	for (conf = 0; conf < C_COUNT; conf++) {
		TR_RESOLVER *r;

		load_conf(confs[conf]);
		if ((r = tr_resolve_create(why)) == NULL)
			fail_msg("conf %d: %s", conf, vstring_str(why));
		for (i = 0; i < sizeof(resolve_cases) / sizeof(resolve_cases[0]); i++) {
			const RESOLVE_CASE *c = resolve_cases + i;

			if (c->conf != conf)
				continue;
			tr_resolve(r, c->sender, c->addr, &reply);
			if (reply.flags != c->flags
			    || (c->transport
				&& (strcmp(vstring_str(reply.transport), c->transport)
				    || strcmp(vstring_str(reply.nexthop), c->nexthop)
			   || strcmp(vstring_str(reply.recipient), c->recipient)))) {
				print_error("case %zu (%s): flags 0x%x %s/%s/%s, want "
					    "0x%x %s/%s/%s\n", i, c->addr, reply.flags,
					    vstring_str(reply.transport),
					    vstring_str(reply.nexthop),
					    vstring_str(reply.recipient), c->flags,
					    c->transport ? c->transport : "-",
					    c->nexthop ? c->nexthop : "-",
					    c->recipient ? c->recipient : "-");
				failures++;
			}
		}
		tr_resolve_free(r);
	}
	resolve_client_free(&reply);
	vstring_free(why);
	assert_int_equal(failures, 0);
}

static void
test_transport_split(void **state)
{
	static const char *cases[][3] = {
		{"smtp:[h]:25", "smtp", "[h]:25"},
		{":nexthop", "", "nexthop"},
		{"relay:", "relay", ""},
		{"local", "local", ""},
		{"[h]:2525", "", "[h]:2525"},
		{"error:5.1.1 text: more", "error", "5.1.1 text: more"},
	};
	VSTRING *t = vstring_alloc(10);
	VSTRING *n = vstring_alloc(10);
	size_t	i;

	(void) state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		tr_transport_split(cases[i][0], t, n);
		assert_string_equal(vstring_str(t), cases[i][1]);
		assert_string_equal(vstring_str(n), cases[i][2]);
	}
	vstring_free(t);
	vstring_free(n);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rewrite_table),
		cmocka_unit_test(test_rewrite_ctx_from_main_cf),
		cmocka_unit_test(test_transport_split),
		cmocka_unit_test(test_resolve_table),
	};

	msg_stderr_init("test_trivial_rewrite");
	return (cmocka_run_group_tests(tests, setup, teardown));
}
