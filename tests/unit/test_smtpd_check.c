/*
 * Unit tests for smtpd/smtpd_check*.c, the restriction engine.
 *
 * Each test writes a main.cf (and access tables) into a private directory,
 * loads it, runs smtpd_check_init() and then a table of requests: client,
 * HELO name, sender, recipient -> expected result, reply and log line.
 * The expected replies and log lines were taken from Debian's Postfix
 * 3.7.11 with the same main.cf, driven by Python's smtplib from 127.0.0.2
 * (client "unknown[...]" because smtpd_peername_lookup = no).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
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
#include "smtpd_check.h"

static char test_dir[64];
static VSTRING *test_log;
static VSTRING *reply;
static jmp_buf fatal_jmp;

static void
test_output(int level, const char *text)
{
	vstring_sprintf_append(test_log, "%s%s\n", level == MSG_INFO ?
			       "info: " : msg_level_prefix(level), text);
}

static void
fatal_jump(void)
{
	longjmp(fatal_jmp, 1);
}

static void
write_file(const char *name, const char *text)
{
	VSTRING *path = vstring_alloc(100);
	FILE   *fp;

	vstring_sprintf(path, "%s/%s", test_dir, name);
	if ((fp = fopen(vstring_str(path), "w")) == NULL)
		fail_msg("create %s", vstring_str(path));
	fputs(text, fp);
	fclose(fp);
	vstring_free(path);
}

/* expand_dir - "%D" in test text is the test's private directory */

static void
expand_dir(VSTRING *buf, const char *text)
{
	const char *cp;

	VSTRING_RESET(buf);
	for (cp = text; *cp; cp++) {
		if (cp[0] == '%' && cp[1] == 'D') {
			vstring_strcat(buf, test_dir);
			cp++;
		} else {
			vstring_addch(buf, *cp);
		}
	}
}

#define BASE_CF \
	"compatibility_level = 3.6\n" \
	"myhostname = mx.example.net\n" \
	"mydomain = example.net\n" \
	"mydestination = $myhostname, localhost\n" \
	"inet_interfaces = 127.0.0.1\n" \
	"inet_protocols = ipv4\n" \
	"mynetworks = 10.0.0.0/8\n" \
	"relay_domains = relay.example\n" \
	"smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination\n" \
	"local_recipient_maps =\n"

/* configure - main.cf is BASE_CF plus extra; load it and init the engine */

static void
configure(const char *extra)
{
	VSTRING *text = vstring_alloc(1000);

	expand_dir(text, extra);
	vstring_strcat(text, "\n");
	{
		VSTRING *all = vstring_alloc(1000);

		vstring_sprintf(all, "%s%s", BASE_CF, vstring_str(text));
		write_file("main.cf", vstring_str(all));
		vstring_free(all);
	}
	vstring_free(text);
	mail_conf_init_flags(test_dir, MAIL_CONF_FLAG_NONE);
	smtpd_check_init();
	VSTRING_RESET(test_log);
}

enum {
	S_CLIENT, S_HELO, S_MAIL, S_RCPT, S_ETRN, S_DATA, S_EOD,
};

#define OK	SMTPD_CHECK_OK
#define REJECT	SMTPD_CHECK_REJECT
#define DEFER	SMTPD_CHECK_DEFER

typedef struct CASE {
	int	stage;
	const char *addr;		/* NULL: 192.0.2.1 (outside) */
	const char *name;		/* NULL: "unknown" */
	const char *helo;		/* NULL: client.example; "-": none */
	const char *sender;		/* NULL: s@example.org; "-": none */
	const char *rcpt;		/* recipient or ETRN domain */
	int	expect;
	const char *reply;		/* NULL: "" */
	const char *log;		/* substring of the log, or NULL */
} CASE;

#define DEF(x, d)	((x) == NULL ? (d) : strcmp((x), "-") == 0 ? NULL : (x))

static int
run_case(const CASE *c, const char *queue_id, int rcpt_count)
{
	SMTPD_CHECK_ARGS args;

	memset(&args, 0, sizeof(args));
	args.queue_id = queue_id;
	args.client_addr = c->addr ? c->addr : "192.0.2.1";
	args.client_name = c->name ? c->name : "unknown";
	args.reverse_client_name = args.client_name;
	args.client_port = "40000";
	args.helo_name = DEF(c->helo, "client.example");
	args.protocol = "ESMTP";
	args.sender = DEF(c->sender, "s@example.org");
	args.recipient_count = rcpt_count;
	switch (c->stage) {
	case S_CLIENT:
		args.protocol = "SMTP";
		args.helo_name = NULL;
		args.sender = NULL;
		return (smtpd_check_client(&args, reply));
	case S_HELO:
		args.sender = NULL;
		return (smtpd_check_helo(&args, reply));
	case S_MAIL:
		return (smtpd_check_mail(&args, reply));
	case S_RCPT:
		args.recipient = c->rcpt;
		return (smtpd_check_rcpt(&args, reply));
	case S_ETRN:
		args.sender = NULL;
		args.etrn_domain = c->rcpt;
		return (smtpd_check_etrn(&args, reply));
	case S_DATA:
		args.recipient = c->rcpt;
		return (smtpd_check_data(&args, reply));
	case S_EOD:
		args.recipient = c->rcpt;
		return (smtpd_check_eod(&args, reply));
	}
	fail_msg("bad stage %d", c->stage);
	return (-1);
}

static void
run_cases(const CASE *cases, size_t n)
{
	VSTRING *want_log = vstring_alloc(200);
	size_t	i;
	int	got;

	for (i = 0; i < n; i++) {
		const CASE *c = cases + i;

		VSTRING_RESET(test_log);
		got = run_case(c, NULL, c->stage == S_DATA || c->stage == S_EOD);
		if (got != c->expect
		    || strcmp(vstring_str(reply), c->reply ? c->reply : "") != 0)
			fail_msg("case %zu (%s): got %d \"%s\", want %d \"%s\"\nlog:\n%s",
				 i, c->rcpt ? c->rcpt : "-", got,
				 vstring_str(reply), c->expect,
				 c->reply ? c->reply : "", vstring_str(test_log));
		if (c->log) {
			expand_dir(want_log, c->log);
			if (strstr(vstring_str(test_log), vstring_str(want_log)) == NULL)
				fail_msg("case %zu (%s): log lacks \"%s\"; log:\n%s",
					 i, c->rcpt ? c->rcpt : "-",
					 vstring_str(want_log), vstring_str(test_log));
		}
	}
	vstring_free(want_log);
}

#define RUN(cases) run_cases((cases), sizeof(cases) / sizeof((cases)[0]))

/* The default relay control: permit_mynetworks, reject_unauth_destination. */

static void
test_relay(void **unused)
{
	static const CASE cases[] = {
		{S_RCPT, "10.1.2.3", NULL, NULL, NULL, "u@x.example", OK, NULL, NULL},
		{S_RCPT, NULL, NULL, NULL, NULL, "u@x.example", REJECT,
			"554 5.7.1 <u@x.example>: Relay access denied",
			"info: NOQUEUE: reject: RCPT from unknown[192.0.2.1]: "
			"554 5.7.1 <u@x.example>: Relay access denied; "
			"from=<s@example.org> to=<u@x.example> proto=ESMTP "
			"helo=<client.example>\n"},
		{S_RCPT, NULL, NULL, NULL, NULL, "u@mx.example.net", OK, NULL, NULL},
		{S_RCPT, NULL, NULL, NULL, NULL, "u@localhost", OK, NULL, NULL},
		{S_RCPT, NULL, NULL, NULL, NULL, "u@LOCALHOST.", OK, NULL, NULL},
		{S_RCPT, NULL, NULL, NULL, NULL, "u@relay.example", OK, NULL, NULL},
		{S_RCPT, NULL, NULL, NULL, NULL, "u@sub.relay.example", OK, NULL, NULL},
		{S_RCPT, NULL, NULL, NULL, NULL, "u@[127.0.0.1]", OK, NULL, NULL},
		{S_RCPT, NULL, NULL, NULL, NULL, "u@[127.0.0.2]", REJECT,
			"554 5.7.1 <u@[127.0.0.2]>: Relay access denied", NULL},
		{S_RCPT, NULL, NULL, NULL, NULL, "user", OK, NULL, NULL},
		{S_RCPT, NULL, NULL, NULL, NULL, "postmaster", OK, NULL, NULL},
		{S_RCPT, NULL, NULL, NULL, NULL, "u@mx", REJECT,
			"554 5.7.1 <u@mx>: Relay access denied", NULL},
		/* Routing through a local domain is resolved, then judged. */
		{S_RCPT, NULL, NULL, NULL, NULL, "u%relay.example@localhost", OK,
			NULL, NULL},
		{S_RCPT, NULL, NULL, NULL, NULL, "u@relay.example@localhost", OK,
			NULL, NULL},
		{S_RCPT, NULL, NULL, NULL, NULL, "relay.example!u@localhost", OK,
			NULL, NULL},
		{S_RCPT, NULL, NULL, NULL, NULL, "u%x.example@localhost", REJECT,
			"554 5.7.1 <u%x.example@localhost>: Relay access denied",
			NULL},
		{S_RCPT, NULL, NULL, NULL, NULL, "a@b@x.example", REJECT,
			"554 5.7.1 <a@b@x.example>: Relay access denied", NULL},
		/* Source routing left in a relay address is refused. */
		{S_RCPT, NULL, NULL, NULL, NULL, "u%x@relay.example", REJECT,
			"554 5.7.1 <u%x@relay.example>: Relay access denied", NULL},
		{S_RCPT, NULL, NULL, NULL, NULL, "u@x@relay.example", REJECT,
			"554 5.7.1 <u@x@relay.example>: Relay access denied", NULL},
		{S_RCPT, NULL, NULL, NULL, NULL, "\"u@x\"@relay.example", REJECT,
			"554 5.7.1 <\"u@x\"@relay.example>: Relay access denied",
			NULL},
		{S_RCPT, NULL, NULL, NULL, NULL, "x!u@relay.example", REJECT,
			"554 5.7.1 <x!u@relay.example>: Relay access denied", NULL},
		/* delay_reject: the other stages answer OK. */
		{S_CLIENT, NULL, NULL, NULL, NULL, NULL, OK, NULL, NULL},
		{S_HELO, NULL, NULL, NULL, NULL, NULL, OK, NULL, NULL},
		{S_MAIL, NULL, NULL, NULL, NULL, NULL, OK, NULL, NULL},
	};
	SMTPD_CHECK_ARGS args;

	configure("");
	RUN(cases);

	/* A queue ID replaces NOQUEUE. */
	VSTRING_RESET(test_log);
	assert_int_equal(run_case(&cases[1], "4XyZ1a2b3c", 1), REJECT);
	assert_non_null(strstr(vstring_str(test_log), "info: 4XyZ1a2b3c: reject: RCPT"));

	/* SASL-authenticated clients may relay with permit_sasl_authenticated. */
	configure("smtpd_relay_restrictions = permit_mynetworks, "
		  "permit_sasl_authenticated, reject_unauth_destination\n");
	memset(&args, 0, sizeof(args));
	args.client_name = "unknown";
	args.client_addr = "192.0.2.1";
	args.protocol = "ESMTPA";
	args.helo_name = "client.example";
	args.sender = "s@example.org";
	args.recipient = "u@x.example";
	assert_int_equal(smtpd_check_rcpt(&args, reply), REJECT);
	args.sasl_username = "alice";
	assert_int_equal(smtpd_check_rcpt(&args, reply), OK);

	/* defer_unauth_destination: relay code - 100, 4.7.1. */
	configure("smtpd_relay_restrictions = permit_mynetworks, "
		  "defer_unauth_destination\n");
	{
		static const CASE defer_case[] = {
			{S_RCPT, NULL, NULL, NULL, NULL, "u@x.example", DEFER,
				"454 4.7.1 <u@x.example>: Relay access denied", NULL},
		};

		RUN(defer_case);
	}
	/* soft_bounce turns 5xx into 4xx. */
	configure("soft_bounce = yes\n");
	{
		static const CASE soft_case[] = {
			{S_RCPT, NULL, NULL, NULL, NULL, "u@x.example", DEFER,
				"454 4.7.1 <u@x.example>: Relay access denied", NULL},
		};

		RUN(soft_case);
	}
}

static void
test_addr_class(void **unused)
{
	configure("virtual_alias_domains = alias.example\n"
		  "virtual_mailbox_domains = mbox.example\n"
		  "proxy_interfaces = 192.0.2.25\n");
	assert_int_equal(smtpd_check_addr_class("mx.example.net"), SMTPD_CLASS_LOCAL);
	assert_int_equal(smtpd_check_addr_class("MX.Example.NET."), SMTPD_CLASS_LOCAL);
	assert_int_equal(smtpd_check_addr_class("[127.0.0.1]"), SMTPD_CLASS_LOCAL);
	assert_int_equal(smtpd_check_addr_class("[192.0.2.25]"), SMTPD_CLASS_LOCAL);
	assert_int_equal(smtpd_check_addr_class("[192.0.2.26]"), SMTPD_CLASS_DEFAULT);
	assert_int_equal(smtpd_check_addr_class("alias.example"), SMTPD_CLASS_ALIAS);
	assert_int_equal(smtpd_check_addr_class("mbox.example"), SMTPD_CLASS_VIRTUAL);
	assert_int_equal(smtpd_check_addr_class("relay.example"), SMTPD_CLASS_RELAY);
	assert_int_equal(smtpd_check_addr_class("a.relay.example"), SMTPD_CLASS_RELAY);
	assert_int_equal(smtpd_check_addr_class("x.example"), SMTPD_CLASS_DEFAULT);
	assert_int_equal(smtpd_check_mynetworks("10.9.8.7"), 1);
	assert_int_equal(smtpd_check_mynetworks("192.0.2.1"), 0);

	/* Unset mynetworks: mynetworks_style (host at level 3.6). */
	write_file("main.cf", "compatibility_level = 3.6\n"
		   "myhostname = mx.example.net\ninet_interfaces = 127.0.0.1\n"
		   "inet_protocols = ipv4\n"
		   "smtpd_relay_restrictions = reject_unauth_destination\n");
	mail_conf_init_flags(test_dir, MAIL_CONF_FLAG_NONE);
	smtpd_check_init();
	assert_int_equal(smtpd_check_mynetworks("127.0.0.1"), 1);
	assert_int_equal(smtpd_check_mynetworks("127.0.0.2"), 0);

	/* A table that cannot be read: ERROR, never a guess. */
	configure("relay_domains = hash:%D/nonexistent\n");
	assert_int_equal(smtpd_check_addr_class("mx.example.net"), SMTPD_CLASS_LOCAL);
	assert_int_equal(smtpd_check_addr_class("relay.example"), SMTPD_CLASS_ERROR);
}

/* check_*_access tables: results and lookup order (access(5)). */

static void
test_access(void **unused)
{
	static const CASE cases[] = {
		/* Sender table results. */
		{S_RCPT, NULL, NULL, NULL, "s@example.org", "u@localhost", REJECT,
			"554 5.7.1 <s@example.org>: Sender address rejected: "
			"Access denied",
			"info: NOQUEUE: reject: RCPT from unknown[192.0.2.1]: "
			"554 5.7.1 <s@example.org>: Sender address rejected: "
			"Access denied; from=<s@example.org> to=<u@localhost> "
			"proto=ESMTP helo=<client.example>\n"},
		{S_RCPT, NULL, NULL, NULL, "bad@x.example", "u@localhost", REJECT,
			"554 5.7.1 <bad@x.example>: Sender address rejected: go away",
			NULL},
		{S_RCPT, NULL, NULL, NULL, "x@defer.example", "u@localhost", DEFER,
			"450 4.7.1 <x@defer.example>: Sender address rejected: "
			"Access denied", NULL},
		{S_RCPT, NULL, NULL, NULL, "x@defer2.example", "u@localhost", DEFER,
			"450 4.7.1 <x@defer2.example>: Sender address rejected: "
			"try later", NULL},
		{S_RCPT, NULL, NULL, NULL, "x@c550.example", "u@localhost", REJECT,
			"550 5.7.1 <x@c550.example>: Sender address rejected: nope",
			NULL},
		{S_RCPT, NULL, NULL, NULL, "x@c551.example", "u@localhost", REJECT,
			"550 5.1.7 <x@c551.example>: Sender address rejected: "
			"nope sender",
			"info: mapping DSN status 5.1.1 into Sender address status "
			"5.1.7\n"},
		{S_RCPT, NULL, NULL, NULL, "x@c450.example", "u@localhost", DEFER,
			"450 4.2.0 <x@c450.example>: Sender address rejected: "
			"slow down", NULL},
		/* OK ends the sender list only: relay control still applies. */
		{S_RCPT, NULL, NULL, NULL, "x@ok.example", "u@localhost", OK,
			NULL, NULL},
		{S_RCPT, NULL, NULL, NULL, "x@ok.example", "u@x.example", REJECT,
			"554 5.7.1 <u@x.example>: Relay access denied", NULL},
		{S_RCPT, NULL, NULL, NULL, "x@num.example", "u@localhost", OK,
			NULL, NULL},
		{S_RCPT, NULL, NULL, NULL, "x@dunno.example", "u@localhost", OK,
			NULL, NULL},
		{S_RCPT, NULL, NULL, NULL, "x@list.example", "u@localhost", DEFER,
			"450 4.7.0 <x@list.example>: Sender address rejected: "
			"defer_if_reject requested", NULL},
		{S_RCPT, NULL, NULL, NULL, "x@warn.example", "u@localhost", OK,
			NULL, "info: NOQUEUE: warn: RCPT from unknown[192.0.2.1]: "
			"careful; from=<x@warn.example> to=<u@localhost> "
			"proto=ESMTP helo=<client.example>\n"},
		{S_RCPT, NULL, NULL, NULL, "x@info.example", "u@localhost", OK,
			NULL, "info: NOQUEUE: info: RCPT from unknown[192.0.2.1]: "
			"fyi; from=<x@info.example>"},
		{S_RCPT, NULL, NULL, NULL, "x@discard.example", "u@localhost", OK,
			NULL, "warning: access table texthash:%D/sender: action "
			"DISCARD is not supported"},
		{S_RCPT, NULL, NULL, NULL, "x@bogus.example", "u@localhost", DEFER,
			"451 4.3.5 Server configuration error",
			"warning: unknown smtpd restriction: \"bogus_rest\"\n"
			"info: NOQUEUE: reject: RCPT from unknown[192.0.2.1]: 451 "
			"4.3.5 Server configuration error; from=<x@bogus.example>"},
		{S_RCPT, NULL, NULL, NULL, "x@table.example", "u@localhost", DEFER,
			"451 4.3.5 Server configuration error",
			"warning: access table texthash:%D/sender has entry with "
			"lookup table: hash:/etc/x\n"},
		{S_RCPT, NULL, NULL, NULL, "x@class.example", "u@localhost", REJECT,
			"554 5.7.1 <x@class.example>: Sender address rejected: "
			"Access denied", NULL},
		{S_RCPT, NULL, NULL, NULL, "", "u@localhost", REJECT,
			"554 5.7.1 <>: Sender address rejected: nullsender", NULL},
		{S_RCPT, NULL, NULL, NULL, "someone", "u@localhost", REJECT,
			"554 5.7.1 <someone>: Sender address rejected: myorigin",
			NULL},

		/* Recipient lookup order. */
		{S_RCPT, NULL, NULL, NULL, "s@ok.example", "x@sub.parent.example",
			REJECT, "554 5.7.1 <x@sub.parent.example>: Recipient address "
			"rejected: sub", NULL},
		{S_RCPT, NULL, NULL, NULL, "s@ok.example",
			"x@deep.sub.parent.example", REJECT,
			"554 5.7.1 <x@deep.sub.parent.example>: Recipient address "
			"rejected: sub", NULL},
		{S_RCPT, NULL, NULL, NULL, "s@ok.example", "x@other.parent.example",
			REJECT, "554 5.7.1 <x@other.parent.example>: Recipient "
			"address rejected: parent", NULL},
		{S_RCPT, NULL, NULL, NULL, "s@ok.example", "full@lookup.example",
			REJECT, "554 5.7.1 <full@lookup.example>: Recipient address "
			"rejected: full", NULL},
		{S_RCPT, NULL, NULL, NULL, "s@ok.example", "full+ext@lookup.example",
			REJECT, "554 5.7.1 <full+ext@lookup.example>: Recipient "
			"address rejected: full", NULL},
		{S_RCPT, NULL, NULL, NULL, "s@ok.example", "user@lookup.example",
			REJECT, "554 5.7.1 <user@lookup.example>: Recipient address "
			"rejected: domain", NULL},
		{S_RCPT, NULL, NULL, NULL, "s@ok.example", "user@relay.example",
			REJECT, "554 5.7.1 <user@relay.example>: Recipient address "
			"rejected: user-at", NULL},
		{S_RCPT, NULL, NULL, NULL, "s@ok.example", "user+x@relay.example",
			REJECT, "554 5.7.1 <user+x@relay.example>: Recipient address "
			"rejected: user-at", NULL},
		{S_RCPT, NULL, NULL, NULL, "s@ok.example", "x@rcpt550.example",
			REJECT, "550 5.1.3 <x@rcpt550.example>: Recipient address "
			"rejected: bad rcpt",
			"info: mapping DSN status 5.1.7 into Recipient address "
			"status 5.1.3\n"},
		{S_RCPT, NULL, NULL, NULL, "s@ok.example", "x@rcpt421.example",
			DEFER, "421 4.1.1 <x@rcpt421.example>: Recipient address "
			"rejected: bad client", NULL},

		/* Client: name, parent domains, then address and networks. */
		{S_RCPT, "192.0.2.7", "host.bad.example", NULL, "s@ok.example",
			"u@localhost", REJECT,
			"554 5.7.1 <host.bad.example[192.0.2.7]>: Client host "
			"rejected: badhost", NULL},
		{S_RCPT, "198.51.100.7", NULL, NULL, "s@ok.example", "u@localhost",
			REJECT, "554 5.7.1 <unknown[198.51.100.7]>: Client host "
			"rejected: net", NULL},
		/* A DUNNO name entry stops the address lookup. */
		{S_RCPT, "198.51.100.8", "good.example", NULL, "s@ok.example",
			"u@localhost", OK, NULL, NULL},
		{S_RCPT, "198.51.100.9", NULL, NULL, "s@ok.example", "u@localhost",
			REJECT, "554 5.7.1 <unknown[198.51.100.9]>: Client host "
			"rejected: one", NULL},

		/* HELO. */
		{S_RCPT, NULL, NULL, "helo.bad.example", "s@ok.example",
			"u@localhost", REJECT, "554 5.7.1 <helo.bad.example>: Helo "
			"command rejected: badhelo", NULL},
		{S_RCPT, NULL, NULL, "x.helo.bad.example", "s@ok.example",
			"u@localhost", REJECT, "554 5.7.1 <x.helo.bad.example>: Helo "
			"command rejected: badhelo", NULL},
	};

	write_file("sender",
		   "example.org REJECT\n"
		   "bad@x.example REJECT go away\n"
		   "defer.example DEFER\n"
		   "defer2.example DEFER try later\n"
		   "c550.example 550 nope\n"
		   "c551.example 550 5.1.1 nope sender\n"
		   "c450.example 450 4.2.0 slow down\n"
		   "ok.example OK\n"
		   "num.example 12345\n"
		   "dunno.example DUNNO\n"
		   "list.example defer_if_reject, reject\n"
		   "warn.example WARN careful\n"
		   "info.example INFO fyi\n"
		   "discard.example DISCARD\n"
		   "bogus.example bogus_rest\n"
		   "table.example hash:/etc/x\n"
		   "class.example needfqdn\n"
		   "<> REJECT nullsender\n"
		   "someone@mx.example.net REJECT myorigin\n");
	write_file("rcpt",
		   "sub.parent.example REJECT sub\n"
		   "parent.example REJECT parent\n"
		   "user@ REJECT user-at\n"
		   "full@lookup.example REJECT full\n"
		   "lookup.example REJECT domain\n"
		   "rcpt550.example 550 5.1.7 bad rcpt\n"
		   "rcpt421.example 421 4.1.1 bad client\n"
		   "okr.example OK\n");
	write_file("client",
		   "bad.example REJECT badhost\n"
		   "198.51.100 REJECT net\n"
		   "good.example DUNNO\n"
		   "198.51.100.9 REJECT one\n");
	write_file("helo", "helo.bad.example REJECT badhelo\n");
	configure("smtpd_client_restrictions = "
		  "check_client_access texthash:%D/client\n"
		  "smtpd_helo_restrictions = texthash:%D/helo\n"
		  "smtpd_sender_restrictions = check_sender_access "
		  "texthash:%D/sender\n"
		  "smtpd_recipient_restrictions = check_recipient_access "
		  "texthash:%D/rcpt\n"
		  "smtpd_relay_restrictions = permit_mynetworks, "
		  "reject_unauth_destination\n"
		  "relay_domains = relay.example, lookup.example, "
		  "parent.example, rcpt550.example, rcpt421.example, okr.example\n"
		  "recipient_delimiter = +\n"
		  "smtpd_restriction_classes = needfqdn\n"
		  "needfqdn = reject_non_fqdn_sender, reject\n"
		  "mynetworks = 10.0.0.0/8\n");
	/* The sender "someone" is looked up as someone@$myorigin. */
	RUN(cases);

	/* OK for a recipient that still routes elsewhere is DUNNO. */
	configure("smtpd_recipient_restrictions = check_recipient_access "
		  "texthash:%D/rcpt, reject\n"
		  "relay_domains = okr.example\n");
	{
		static const CASE routed[] = {
			{S_RCPT, "10.0.0.1", NULL, NULL, NULL, "u%x@okr.example",
				REJECT, "554 5.7.1 <u%x@okr.example>: Recipient "
				"address rejected: Access denied", NULL},
			{S_RCPT, "10.0.0.1", NULL, NULL, NULL, "u@okr.example",
				OK, NULL, NULL},
		};

		RUN(routed);
	}
}

/* Pattern tables see the whole name only. */

static void
test_access_regexp(void **unused)
{
	static const CASE cases[] = {
		{S_RCPT, NULL, NULL, NULL, NULL, "u@relay.example", REJECT,
			"554 5.7.1 <u@relay.example>: Recipient address rejected: "
			"whole", NULL},
		{S_RCPT, NULL, NULL, NULL, NULL, "v@relay.example", OK, NULL, NULL},
		{S_RCPT, NULL, NULL, NULL, NULL, "v@sub.relay.example", OK, NULL, NULL},
	};

	write_file("re", "/^u@relay\\.example$/ REJECT whole\n"
		   "/^relay\\.example$/ REJECT domain\n"
		   "/^v@$/ REJECT user\n");
	configure("smtpd_recipient_restrictions = check_recipient_access "
		  "regexp:%D/re\n");
	RUN(cases);
}

static void
test_fqdn(void **unused)
{
	static const CASE cases[] = {
		{S_RCPT, NULL, NULL, "foo", NULL, "u@mx.example.net", REJECT,
			"504 5.5.2 <foo>: Helo command rejected: need "
			"fully-qualified hostname", NULL},
		{S_RCPT, NULL, NULL, "foo.", NULL, "u@mx.example.net", REJECT,
			"504 5.5.2 <foo.>: Helo command rejected: need "
			"fully-qualified hostname", NULL},
		{S_RCPT, NULL, NULL, "1.2.3.4", NULL, "u@mx.example.net", REJECT,
			"504 5.5.2 <1.2.3.4>: Helo command rejected: need "
			"fully-qualified hostname", NULL},
		{S_RCPT, NULL, NULL, "foo_bar!x.example", NULL, "u@mx.example.net", REJECT,
			"501 5.5.2 <foo_bar!x.example>: Helo command rejected: "
			"Invalid name", NULL},
		{S_RCPT, NULL, NULL, "-foo.example", NULL, "u@mx.example.net", REJECT,
			"501 5.5.2 <-foo.example>: Helo command rejected: "
			"Invalid name", NULL},
		{S_RCPT, NULL, NULL, "a-.example", NULL, "u@mx.example.net", REJECT,
			"501 5.5.2 <a-.example>: Helo command rejected: "
			"Invalid name", NULL},
		{S_RCPT, NULL, NULL, "a..b.example", NULL, "u@mx.example.net", REJECT,
			"501 5.5.2 <a..b.example>: Helo command rejected: "
			"Invalid name", NULL},
		{S_RCPT, NULL, NULL, "123.456", NULL, "u@mx.example.net", REJECT,
			"501 5.5.2 <123.456>: Helo command rejected: "
			"Invalid name", NULL},
		{S_RCPT, NULL, NULL, "[1.2.3.999]", NULL, "u@mx.example.net", REJECT,
			"501 5.5.2 <[1.2.3.999]>: Helo command rejected: "
			"invalid ip address", NULL},
		{S_RCPT, NULL, NULL, "[1.2.3.4]", NULL, "u@mx.example.net", OK, NULL, NULL},
		{S_RCPT, NULL, NULL, "foo_bar.example", NULL, "u@mx.example.net", OK,
			NULL, NULL},
		{S_RCPT, NULL, NULL, "x.123", NULL, "u@mx.example.net", OK, NULL, NULL},
		{S_RCPT, NULL, NULL, "-", NULL, "u@mx.example.net", OK, NULL, NULL},
		{S_RCPT, NULL, NULL, NULL, "s", "u@mx.example.net", REJECT,
			"504 5.5.2 <s>: Sender address rejected: need "
			"fully-qualified address",
			"info: NOQUEUE: reject: RCPT from unknown[192.0.2.1]: 504 "
			"5.5.2 <s>: Sender address rejected: need fully-qualified "
			"address; from=<s> to=<u@mx.example.net> proto=ESMTP "
			"helo=<client.example>\n"},
		{S_RCPT, NULL, NULL, NULL, "s@foo", "u@mx.example.net", REJECT,
			"504 5.5.2 <s@foo>: Sender address rejected: need "
			"fully-qualified address", NULL},
		{S_RCPT, NULL, NULL, NULL, "", "u@mx.example.net", OK, NULL, NULL},
		{S_RCPT, NULL, NULL, NULL, "s@[1.2.3.4]", "u@mx.example.net", OK, NULL, NULL},
		{S_RCPT, NULL, NULL, NULL, NULL, "u", REJECT,
			"504 5.5.2 <u>: Recipient address rejected: need "
			"fully-qualified address", NULL},
		{S_RCPT, NULL, NULL, NULL, NULL, "postmaster", OK, NULL, NULL},
		/* Relay control runs first (level 3.6). */
		{S_RCPT, NULL, NULL, NULL, NULL, "u@foo", REJECT,
			"554 5.7.1 <u@foo>: Relay access denied", NULL},
	};

	configure("smtpd_helo_restrictions = reject_invalid_helo_hostname, "
		  "reject_non_fqdn_helo_hostname\n"
		  "smtpd_sender_restrictions = reject_non_fqdn_sender\n"
		  "smtpd_recipient_restrictions = reject_non_fqdn_recipient\n");
	RUN(cases);
}

/* smtpd_delay_reject = no: each stage decides for itself. */

static void
test_no_delay(void **unused)
{
	static const CASE cases[] = {
		{S_CLIENT, "198.51.100.7", NULL, NULL, NULL, NULL, REJECT,
			"554 5.7.1 <unknown[198.51.100.7]>: Client host rejected: net",
			"info: NOQUEUE: reject: CONNECT from unknown[198.51.100.7]: "
			"554 5.7.1 <unknown[198.51.100.7]>: Client host rejected: "
			"net; proto=SMTP\n"},
		{S_CLIENT, NULL, NULL, NULL, NULL, NULL, OK, NULL, NULL},
		{S_HELO, NULL, NULL, "foo", NULL, NULL, REJECT,
			"504 5.5.2 <foo>: Helo command rejected: need fully-qualified "
			"hostname",
			"info: NOQUEUE: reject: EHLO from unknown[192.0.2.1]: 504 "
			"5.5.2 <foo>: Helo command rejected: need fully-qualified "
			"hostname; proto=ESMTP helo=<foo>\n"},
		{S_MAIL, NULL, NULL, NULL, "s", NULL, REJECT,
			"504 5.5.2 <s>: Sender address rejected: need fully-qualified "
			"address",
			"info: NOQUEUE: reject: MAIL from unknown[192.0.2.1]: 504 "
			"5.5.2 <s>: Sender address rejected: need fully-qualified "
			"address; from=<s> proto=ESMTP helo=<client.example>\n"},
		{S_MAIL, NULL, NULL, NULL, NULL, NULL, OK, NULL, NULL},
		/* RCPT no longer repeats them. */
		{S_RCPT, NULL, NULL, "foo", "s", "u@localhost", OK, NULL, NULL},
	};

	write_file("client", "198.51.100 REJECT net\n");
	configure("smtpd_delay_reject = no\n"
		  "smtpd_client_restrictions = check_client_access "
		  "texthash:%D/client\n"
		  "smtpd_helo_restrictions = reject_non_fqdn_helo_hostname\n"
		  "smtpd_sender_restrictions = reject_non_fqdn_sender\n");
	RUN(cases);
}

/* defer, defer_if_permit, defer_if_reject, warn_if_reject. */

static void
test_defer(void **unused)
{
	static const CASE defer_case[] = {
		{S_RCPT, NULL, NULL, NULL, NULL, "u@relay.example", DEFER,
			"450 4.3.2 <u@relay.example>: Recipient address rejected: "
			"Try again later", NULL},
	};
	static const CASE dip_case[] = {
		{S_RCPT, NULL, NULL, NULL, NULL, "u@relay.example", DEFER,
			"450 4.7.0 <u@relay.example>: Recipient address rejected: "
			"defer_if_permit requested", NULL},
	};
	static const CASE dir_case[] = {
		{S_RCPT, NULL, NULL, NULL, NULL, "u@relay.example", DEFER,
			"450 4.7.0 <u@relay.example>: Recipient address rejected: "
			"defer_if_reject requested", NULL},
	};
	static const CASE warn_case[] = {
		{S_RCPT, NULL, NULL, NULL, NULL, "example", OK, NULL,
			"info: NOQUEUE: reject_warning: RCPT from unknown[192.0.2.1]: "
			"504 5.5.2 <example>: Recipient address rejected: need "
			"fully-qualified address; from=<s@example.org> to=<example> "
			"proto=ESMTP helo=<client.example>\n"
			"info: NOQUEUE: reject_warning: RCPT from unknown[192.0.2.1]: "
			"554 5.7.1 <example>: Recipient address rejected: Access "
			"denied;"},
	};
	static const CASE sender_dip[] = {
		/* An earlier stage's defer_if_permit meets the relay decision. */
		{S_RCPT, NULL, NULL, NULL, NULL, "u@relay.example", DEFER,
			"450 4.7.0 <s@example.org>: Sender address rejected: "
			"defer_if_permit requested", NULL},
		{S_RCPT, NULL, NULL, NULL, NULL, "u@x.example", REJECT,
			"554 5.7.1 <u@x.example>: Relay access denied", NULL},
	};
	static const CASE helo_reject[] = {
		{S_RCPT, NULL, NULL, NULL, NULL, "u@relay.example", REJECT,
			"554 5.7.1 <client.example>: Helo command rejected: Access "
			"denied", NULL},
	};

	configure("smtpd_recipient_restrictions = defer\n");
	RUN(defer_case);
	configure("smtpd_recipient_restrictions = defer_if_permit\n");
	RUN(dip_case);
	configure("smtpd_recipient_restrictions = defer_if_reject, reject\n");
	RUN(dir_case);
	configure("smtpd_recipient_restrictions = warn_if_reject "
		  "reject_non_fqdn_recipient, warn_if_reject, reject\n");
	RUN(warn_case);
	configure("smtpd_sender_restrictions = defer_if_permit\n");
	RUN(sender_dip);
	/* A client permit ends the client list, not the session. */
	configure("smtpd_client_restrictions = permit\n"
		  "smtpd_helo_restrictions = reject\n");
	RUN(helo_reject);
}

static void
test_data_etrn(void **unused)
{
	static const CASE data_cases[] = {
		{S_DATA, NULL, NULL, NULL, NULL, "u@relay.example", REJECT,
			"554 5.7.1 <DATA>: Data command rejected: Access denied",
			"info: NOQUEUE: reject: DATA from unknown[192.0.2.1]: 554 "
			"5.7.1 <DATA>: Data command rejected: Access denied; "
			"from=<s@example.org> to=<u@relay.example> proto=ESMTP "
			"helo=<client.example>\n"},
		{S_ETRN, NULL, NULL, NULL, "-", "some.example", REJECT,
			"554 5.7.1 <some.example>: Etrn command rejected: Access "
			"denied",
			"info: NOQUEUE: reject: ETRN from unknown[192.0.2.1]: 554 "
			"5.7.1 <some.example>: Etrn command rejected: Access denied; "
			"proto=ESMTP helo=<client.example>\n"},
		{S_EOD, NULL, NULL, NULL, NULL, "u@relay.example", OK, NULL, NULL},
	};
	static const CASE eod_cases[] = {
		{S_EOD, NULL, NULL, NULL, NULL, "u@relay.example", REJECT,
			"554 5.7.1 <END-OF-MESSAGE>: End-of-data rejected: Access "
			"denied",
			"info: NOQUEUE: reject: END-OF-MESSAGE from "
			"unknown[192.0.2.1]: 554 5.7.1 <END-OF-MESSAGE>: End-of-data "
			"rejected: Access denied; from=<s@example.org> "
			"to=<u@relay.example> proto=ESMTP helo=<client.example>\n"},
		{S_DATA, NULL, NULL, NULL, NULL, "u@relay.example", OK, NULL, NULL},
	};
	SMTPD_CHECK_ARGS args;

	configure("smtpd_data_restrictions = reject\n"
		  "smtpd_etrn_restrictions = reject\n");
	RUN(data_cases);
	/* Several recipients: none is named in the log. */
	memset(&args, 0, sizeof(args));
	args.client_name = "unknown";
	args.client_addr = "192.0.2.1";
	args.protocol = "ESMTP";
	args.helo_name = "client.example";
	args.sender = "s@example.org";
	args.recipient = "v@relay.example";
	args.recipient_count = 2;
	VSTRING_RESET(test_log);
	assert_int_equal(smtpd_check_data(&args, reply), REJECT);
	assert_non_null(strstr(vstring_str(test_log), "from=<s@example.org> "
			       "proto=ESMTP helo=<client.example>\n"));
	configure("smtpd_end_of_data_restrictions = reject\n");
	RUN(eod_cases);
}

/* Tables that cannot be read defer, with a warning; never permit. */

static void
test_lookup_errors(void **unused)
{
	static const CASE access_cases[] = {
		{S_RCPT, "10.0.0.1", NULL, NULL, NULL, "u@relay.example", DEFER,
			"451 4.3.5 <u@relay.example>: Recipient address rejected: "
			"Server configuration error",
			"warning: hash:%D/nonexistent is unavailable. open database "
			"%D/nonexistent.db: No such file or directory\n"
			"warning: hash:%D/nonexistent lookup error for "
			"\"u@relay.example\"\n"},
	};
	static const CASE relay_cases[] = {
		{S_RCPT, NULL, NULL, NULL, NULL, "u@relay.example", DEFER,
			"451 4.3.0 <u@relay.example>: Temporary lookup failure",
			"info: NOQUEUE: reject: RCPT from unknown[192.0.2.1]: 451 "
			"4.3.0 <u@relay.example>: Temporary lookup failure; "
			"from=<s@example.org> to=<u@relay.example>"},
		{S_RCPT, NULL, NULL, NULL, NULL, "u@localhost", OK, NULL, NULL},
	};
	static const CASE mynet_cases[] = {
		{S_RCPT, NULL, NULL, NULL, NULL, "u@x.example", DEFER,
			"451 4.3.0 <u@x.example>: Temporary lookup failure", NULL},
	};

	configure("smtpd_recipient_restrictions = check_recipient_access "
		  "hash:%D/nonexistent\n");
	RUN(access_cases);
	configure("relay_domains = hash:%D/nonexistent\n");
	RUN(relay_cases);
	configure("mynetworks = hash:%D/nonexistent\n");
	RUN(mynet_cases);
}

/*
 * smtpd_reject_unlisted_recipient and _sender: unknown local, virtual
 * alias, virtual mailbox and relay recipients (replies as Postfix 3.7).
 */
static void
test_unlisted(void **unused)
{
	static const CASE local_cases[] = {
		/* local: passwd (root exists everywhere) or the alias table. */
		{S_RCPT, "10.0.0.1", NULL, NULL, NULL, "root@localhost", OK,
			NULL, NULL},
		{S_RCPT, NULL, NULL, NULL, NULL, "Root@MX.example.net", OK,
			NULL, NULL},
		{S_RCPT, NULL, NULL, NULL, NULL, "alias1@localhost", OK, NULL,
			NULL},
		{S_RCPT, NULL, NULL, NULL, NULL, "alias1+ext@localhost", OK,
			NULL, NULL},
		{S_RCPT, NULL, NULL, NULL, NULL, "root", OK, NULL, NULL},
		/* permit_mynetworks does not exempt the client. */
		{S_RCPT, "10.0.0.1", NULL, NULL, NULL, "nosuchuser@localhost",
			REJECT, "550 5.1.1 <nosuchuser@localhost>: Recipient "
			"address rejected: User unknown in local recipient table",
			"info: NOQUEUE: reject: RCPT from unknown[10.0.0.1]: 550 "
			"5.1.1 <nosuchuser@localhost>: Recipient address rejected: "
			"User unknown in local recipient table; "
			"from=<s@example.org> to=<nosuchuser@localhost> "
			"proto=ESMTP helo=<client.example>"},
		/* virtual alias domain: only virtual_alias_maps. */
		{S_RCPT, NULL, NULL, NULL, NULL, "info@alias.example", OK, NULL,
			NULL},
		{S_RCPT, NULL, NULL, NULL, NULL, "other@alias.example", REJECT,
			"550 5.1.1 <other@alias.example>: Recipient address "
			"rejected: User unknown in virtual alias table", NULL},
		/* virtual mailbox domain: virtual_mailbox_maps or aliases. */
		{S_RCPT, NULL, NULL, NULL, NULL, "box@mbox.example", OK, NULL,
			NULL},
		{S_RCPT, NULL, NULL, NULL, NULL, "fwd@mbox.example", OK, NULL,
			NULL},
		{S_RCPT, NULL, NULL, NULL, NULL, "nobox@mbox.example", REJECT,
			"550 5.1.1 <nobox@mbox.example>: Recipient address "
			"rejected: User unknown in virtual mailbox table", NULL},
		/* relay domain with relay_recipient_maps. */
		{S_RCPT, NULL, NULL, NULL, NULL, "known@relay.example", OK, NULL,
			NULL},
		{S_RCPT, NULL, NULL, NULL, NULL, "unknown@relay.example", REJECT,
			"550 5.1.1 <unknown@relay.example>: Recipient address "
			"rejected: User unknown in relay recipient table", NULL},
		/* Relay denied comes first. */
		{S_RCPT, NULL, NULL, NULL, NULL, "u@elsewhere.example", REJECT,
			"554 5.7.1 <u@elsewhere.example>: Relay access denied",
			NULL},
	};
	static const CASE off_cases[] = {
		{S_RCPT, NULL, NULL, NULL, NULL, "nosuchuser@localhost", OK,
			NULL, NULL},
	};
	static const CASE table_off_cases[] = {
		{S_RCPT, NULL, NULL, NULL, NULL, "nosuchuser@localhost", REJECT,
			"550 5.1.1 <nosuchuser@localhost>: Recipient address "
			"rejected: User unknown", NULL},
	};
	static const CASE error_cases[] = {
		{S_RCPT, NULL, NULL, NULL, NULL, "nosuchuser@localhost", DEFER,
			"451 4.3.0 <nosuchuser@localhost>: Temporary lookup "
			"failure", "warning: local_recipient_maps: hash:%D/missing "
			"is unavailable."},
	};
	static const CASE sender_cases[] = {
		{S_RCPT, NULL, NULL, NULL, "nosuchuser@localhost",
			"root@localhost", REJECT,
			"550 5.1.0 <nosuchuser@localhost>: Sender address "
			"rejected: User unknown in local recipient table", NULL},
		{S_RCPT, NULL, NULL, NULL, "root@localhost", "root@localhost",
			OK, NULL, NULL},
		{S_RCPT, NULL, NULL, NULL, "someone@example.org",
			"root@localhost", OK, NULL, NULL},
	};
	static const CASE restriction_cases[] = {
		{S_RCPT, NULL, NULL, NULL, NULL, "nosuchuser@localhost", REJECT,
			"550 5.1.1 <nosuchuser@localhost>: Recipient address "
			"rejected: User unknown in local recipient table", NULL},
	};
	static const char *tables =
	"local_recipient_maps = proxy:unix:passwd.byname, "
	"inline:{alias1=x}\n"
	"recipient_delimiter = +\n"
	"virtual_alias_domains = alias.example\n"
	"virtual_alias_maps = inline:{info@alias.example=x, "
	"fwd@mbox.example=y}\n"
	"virtual_mailbox_domains = mbox.example\n"
	"virtual_mailbox_maps = inline:{box@mbox.example=box/}\n"
	"relay_recipient_maps = inline:{known@relay.example=ok}\n";
	VSTRING *cf = vstring_alloc(500);

	(void) unused;
	configure(tables);
	RUN(local_cases);
	vstring_sprintf(cf, "%ssmtpd_reject_unlisted_recipient = no\n", tables);
	configure(vstring_str(cf));
	RUN(off_cases);
	vstring_sprintf(cf, "%sshow_user_unknown_table_name = no\n", tables);
	configure(vstring_str(cf));
	RUN(table_off_cases);
	configure("local_recipient_maps = hash:%D/missing\n");
	RUN(error_cases);
	vstring_sprintf(cf, "%ssmtpd_reject_unlisted_sender = yes\n", tables);
	configure(vstring_str(cf));
	RUN(sender_cases);
	vstring_sprintf(cf, "%ssmtpd_reject_unlisted_recipient = no\n"
			"smtpd_recipient_restrictions = reject_unlisted_recipient\n",
			tables);
	configure(vstring_str(cf));
	RUN(restriction_cases);
	vstring_free(cf);
}

/* Configuration errors, at start-up and at run time. */

static void
test_config_errors(void **unused)
{
	static const CASE unknown_cases[] = {
		{S_RCPT, NULL, NULL, NULL, NULL, "u@relay.example", DEFER,
			"451 4.3.5 Server configuration error",
			"warning: unknown smtpd restriction: \"bogus_thing\"\n"
			"info: NOQUEUE: reject: RCPT from unknown[192.0.2.1]: 451 "
			"4.3.5 Server configuration error; from=<s@example.org> "
			"to=<u@relay.example> proto=ESMTP helo=<client.example>\n"},
	};
	static const CASE map_cases[] = {
		{S_RCPT, NULL, NULL, NULL, NULL, "u@relay.example", DEFER,
			"451 4.3.5 Server configuration error",
			"warning: restriction check_recipient_access: bad argument "
			"\"reject\": need maptype:mapname\n"},
	};
	static const CASE unsupported_cases[] = {
		{S_RCPT, NULL, NULL, NULL, NULL, "u@relay.example", OK, NULL,
			"warning: restriction reject_unknown_sender_domain needs DNS "
			"lookups, which this version of postern does not have; it "
			"counts as dunno\n"},
		{S_RCPT, NULL, NULL, NULL, NULL, "u@x.example", REJECT,
			"554 5.7.1 <u@x.example>: Relay access denied", NULL},
	};
	volatile int fatal = 0;

	/* An unknown name is found when evaluation reaches it (Postfix). */
	configure("smtpd_recipient_restrictions = bogus_thing\n"
		  "smtpd_relay_restrictions = reject_unauth_destination\n");
	RUN(unknown_cases);
	configure("smtpd_recipient_restrictions = check_recipient_access reject\n");
	RUN(map_cases);
	configure("smtpd_sender_restrictions = reject_unknown_sender_domain, "
		  "reject_rbl_client zen.example\n");
	RUN(unsupported_cases);

	/* No relay control at all: refuse to start, as Postfix does. */
	write_file("main.cf", "myhostname = mx.example.net\n"
		   "inet_interfaces = 127.0.0.1\ninet_protocols = ipv4\n"
		   "smtpd_relay_restrictions =\n"
		   "smtpd_recipient_restrictions = permit_mynetworks, "
		   "warn_if_reject reject_unauth_destination\n");
	mail_conf_init_flags(test_dir, MAIL_CONF_FLAG_NONE);
	VSTRING_RESET(test_log);
	msg_cleanup(fatal_jump);
	if (setjmp(fatal_jmp) == 0)
		smtpd_check_init();
	else
		fatal = 1;
	msg_cleanup(NULL);
	assert_int_equal(fatal, 1);
	assert_non_null(strstr(vstring_str(test_log), "fatal: in parameter "
			       "smtpd_relay_restrictions or "
			       "smtpd_recipient_restrictions, specify at least "
			       "one working instance of: reject_unauth_destination, "
			       "defer_unauth_destination, reject, defer, "
			       "defer_if_permit or check_relay_domains\n"));

	/* A restriction class without a value. */
	fatal = 0;
	write_file("main.cf", "myhostname = mx.example.net\n"
		   "inet_interfaces = 127.0.0.1\ninet_protocols = ipv4\n"
		   "smtpd_restriction_classes = empty_class\n");
	mail_conf_init_flags(test_dir, MAIL_CONF_FLAG_NONE);
	VSTRING_RESET(test_log);
	msg_cleanup(fatal_jump);
	if (setjmp(fatal_jmp) == 0)
		smtpd_check_init();
	else
		fatal = 1;
	msg_cleanup(NULL);
	assert_int_equal(fatal, 1);
	assert_non_null(strstr(vstring_str(test_log), "fatal: restriction class "
			       "`empty_class' needs a definition\n"));
}

static void
test_misc(void **unused)
{
	static const CASE cases[] = {
		{S_RCPT, NULL, "known.example", NULL, "", "u@relay.example", OK,
			NULL, NULL},
		{S_RCPT, NULL, NULL, NULL, NULL, "u@relay.example", DEFER,
			"450 4.7.25 Client host rejected: cannot find your "
			"hostname, [192.0.2.1]", NULL},
	};
	SMTPD_CHECK_ARGS args;

	configure("smtpd_recipient_restrictions = reject_multi_recipient_bounce, "
		  "permit_inet_interfaces, reject_unknown_client_hostname\n"
		  "smtpd_relay_restrictions = permit_mynetworks, "
		  "permit_auth_destination, reject\n");
	/* The first of several bounce recipients is fine ... */
	memset(&args, 0, sizeof(args));
	args.client_name = "known.example";
	args.client_addr = "192.0.2.1";
	args.protocol = "ESMTP";
	args.helo_name = "client.example";
	args.sender = "";
	args.recipient = "u@relay.example";
	assert_int_equal(smtpd_check_rcpt(&args, reply), OK);
	/* ... the second is not. */
	args.recipient_count = 1;
	assert_int_equal(smtpd_check_rcpt(&args, reply), REJECT);
	assert_string_equal(vstring_str(reply), "550 5.5.3 <u@relay.example>: "
			    "Recipient address rejected: Multi-recipient bounce");
	/* permit_inet_interfaces: our own address. */
	args.recipient_count = 0;
	args.client_name = "unknown";
	args.client_addr = "127.0.0.1";
	assert_int_equal(smtpd_check_rcpt(&args, reply), OK);
	RUN(cases);

	/* Client port logging. */
	configure("smtpd_client_port_logging = yes\n");
	{
		static const CASE port_case[] = {
			{S_RCPT, NULL, NULL, NULL, NULL, "u@x.example", REJECT,
				"554 5.7.1 <u@x.example>: Relay access denied",
				"RCPT from unknown[192.0.2.1]:40000: 554"},
		};

		RUN(port_case);
	}
}

static int
setup(void **unused)
{
	strcpy(test_dir, "/tmp/test_smtpd_check.XXXXXX");
	if (mkdtemp(test_dir) == NULL)
		return (-1);
	test_log = vstring_alloc(1000);
	reply = vstring_alloc(100);
	msg_output_reset();
	msg_output(test_output);
	return (0);
}

static int
teardown(void **unused)
{
	VSTRING *cmd = vstring_alloc(100);

	vstring_sprintf(cmd, "rm -rf '%s'", test_dir);
	if (system(vstring_str(cmd)) != 0)
		return (-1);
	vstring_free(cmd);
	return (0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_relay),
		cmocka_unit_test(test_addr_class),
		cmocka_unit_test(test_access),
		cmocka_unit_test(test_access_regexp),
		cmocka_unit_test(test_fqdn),
		cmocka_unit_test(test_no_delay),
		cmocka_unit_test(test_defer),
		cmocka_unit_test(test_data_etrn),
		cmocka_unit_test(test_lookup_errors),
		cmocka_unit_test(test_unlisted),
		cmocka_unit_test(test_config_errors),
		cmocka_unit_test(test_misc),
	};

	return (cmocka_run_group_tests(tests, setup, teardown));
}
