/*
 * Unit tests for lib/global match_list.
 *
 * The expected answers of the domain and host/address cases were taken
 * from Debian's Postfix 3.7 (relay_domains with reject_unauth_destination,
 * mynetworks with permit_mynetworks, clients set with XCLIENT). "%D" in a
 * list stands for the test's private directory, where setup writes the
 * tables and pattern files.
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
#include "match_list.h"

static char test_dir[64];
static VSTRING *test_log;

static void
test_output(int level, const char *text)
{
	if (vstring_len(test_log))
		vstring_addch(test_log, '\n');
	vstring_sprintf_append(test_log, "%s%s", msg_level_prefix(level), text);
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

static int
setup(void **state)
{
	strcpy(test_dir, "/tmp/test_match_list.XXXXXX");
	if (mkdtemp(test_dir) == NULL)
		return (-1);
	test_log = vstring_alloc(100);
	msg_output_reset();
	msg_output(test_output);
	write_file("domains", "example.com x\n.example.org x\nsub.example.net x\n");
	write_file("list", "example.com a.example.org\n# comment\n"
		   "!b.example.net\n example.net\n");
	write_file("hosts", "192.0.2.99 x\nclient.example x\n"
		   "2001:db8::99 x\n");
	write_file("networks", "# trusted\n!192.0.2.5 192.0.2.0/28,\n"
		   "  [2001:db8::]/64\n192.0.2.128/25\n");
	write_file("nested", "/nonexistent/should-not-matter.example\n");
	write_file("loop", "");
	write_file("regexp", "/^example\\.com$/ x\n");
	/* Exponential backtracking: PCRE2's match limit fails the lookup. */
	write_file("slow", "/^(a+)+$/ x\n");
	write_file("corrupt.db", "this is not a Berkeley DB file, at all\n");
	return (0);
}

static int
teardown(void **state)
{
	VSTRING *cmd = vstring_alloc(100);
	const char *names[] = {"domains", "list", "hosts", "networks", "nested",
	"loop", "regexp", "slow", "corrupt.db", NULL};
	const char **np;

	for (np = names; *np; np++) {
		vstring_sprintf(cmd, "%s/%s", test_dir, *np);
		unlink(vstring_str(cmd));
	}
	rmdir(test_dir);
	vstring_free(cmd);
	vstring_free(test_log);
	msg_output_reset();
	return (0);
}

/* The list text with %D replaced by the test directory. */
static char *
expand(const char *text)
{
	VSTRING *buf = vstring_alloc(100);
	const char *cp;

	for (cp = text; *cp; cp++) {
		if (cp[0] == '%' && cp[1] == 'D') {
			vstring_strcat(buf, test_dir);
			cp++;
		} else {
			vstring_addch(buf, *cp);
		}
	}
	return (vstring_export(buf));
}

#define P	MATCH_FLAG_PARENT
#define S	MATCH_LIST_STRING
#define D	MATCH_LIST_DOMAIN
#define N	MATCH_LIST_NAMADR
#define A	MATCH_LIST_ADDR
#define YES	MATCH_YES
#define NO	MATCH_NO
#define ERR	MATCH_ERROR

static const struct match_case {
	int     kind;
	int     flags;
	const char *list;
	const char *name;
	const char *addr;
	int     want;
} match_cases[] = {
	/* Domain lists, parent style (relay_domains' default). */
	{D, P, "example.com", "example.com", 0, YES},
	{D, P, "example.com", "a.example.com", 0, YES},
	{D, P, "example.com", "b.a.example.com", 0, YES},
	{D, P, "example.com", "xexample.com", 0, NO},
	{D, P, "example.com", "example.org", 0, NO},
	{D, P, "example.com", "com", 0, NO},
	{D, P, ".example.com", "example.com", 0, NO},
	{D, P, ".example.com", "a.example.com", 0, NO},
	/* Without parent style, ".domain" is the subdomain form. */
	{D, 0, "example.com", "example.com", 0, YES},
	{D, 0, "example.com", "a.example.com", 0, NO},
	{D, 0, ".example.com", "example.com", 0, NO},
	{D, 0, ".example.com", "a.example.com", 0, YES},
	{D, 0, ".example.com", "b.a.example.com", 0, YES},
	{D, 0, ".example.com", "xexample.com", 0, NO},
	/* Case and separators. */
	{D, P, "EXAMPLE.com", "a.Example.COM", 0, YES},
	{D, P, "one.example,two.example\tthree.example", "three.example", 0, YES},
	{D, P, "one.example,,  two.example", "two.example", 0, YES},
	{D, P, "", "example.com", 0, NO},
	/* Negation: first match wins; '!' toggles. */
	{D, P, "!a.example.com, example.com", "example.com", 0, YES},
	{D, P, "!a.example.com, example.com", "a.example.com", 0, NO},
	{D, P, "!a.example.com, example.com", "b.a.example.com", 0, NO},
	{D, P, "!a.example.com, example.com", "b.example.com", 0, YES},
	{D, P, "!!example.com", "example.com", 0, YES},
	/* Tables: parent domains (or .parents) only for fixed-string ones. */
	{D, P, "texthash:%D/domains", "example.com", 0, YES},
	{D, P, "texthash:%D/domains", "a.example.com", 0, YES},
	{D, P, "texthash:%D/domains", "example.org", 0, NO},
	{D, P, "texthash:%D/domains", "a.example.org", 0, NO},
	{D, P, "texthash:%D/domains", "a.sub.example.net", 0, YES},
	{D, P, "texthash:%D/domains", "example.net", 0, NO},
	{D, 0, "texthash:%D/domains", "example.com", 0, YES},
	{D, 0, "texthash:%D/domains", "a.example.com", 0, NO},
	{D, 0, "texthash:%D/domains", "a.example.org", 0, YES},
	{D, 0, "texthash:%D/domains", "b.a.example.org", 0, YES},
	{D, 0, "texthash:%D/domains", "a.sub.example.net", 0, NO},
	{D, P, "TEXTHASH:%D/domains", "Example.COM", 0, ERR},
	{D, P, "texthash:%D/domains", "EXAMPLE.COM", 0, YES},
	{D, P, "regexp:%D/regexp", "example.com", 0, YES},
	{D, P, "regexp:%D/regexp", "a.example.com", 0, NO},
	{D, P, "inline:{example.com=x, example.org=y}", "a.example.org", 0, YES},
	{D, P, "inline:{example.com=x, example.org=y}", "example.net", 0, NO},
	{D, P, "!inline:{a.example.com=x} example.com", "a.example.com", 0, NO},
	/* Braces group but are not stripped: "{ x }" is a literal. */
	{D, P, "{ example.com }", "example.com", 0, NO},
	{D, P, "{example.com example.org}", "example.org", 0, NO},
	{D, P, "{example.com, example.org", "example.org", 0, NO},
	/* Files, with comment and continuation lines; !/file inverts all. */
	{D, P, "%D/list", "example.com", 0, YES},
	{D, P, "%D/list", "a.example.org", 0, YES},
	{D, P, "%D/list", "example.org", 0, NO},
	{D, P, "%D/list", "sub.example.net", 0, YES},
	{D, P, "%D/list", "b.example.net", 0, NO},
	{D, P, "!%D/list example.net example.com", "example.com", 0, NO},
	{D, P, "!%D/list example.net example.com", "sub.example.net", 0, NO},
	{D, P, "!%D/list example.net example.com", "b.example.net", 0, YES},
	{D, P, "!%D/list example.net example.com", "x.example.com", 0, NO},
	{D, P, "!%D/list example.net example.org", "example.org", 0, YES},
	/* A comment ends the list. */
	{D, P, "example.com #comment example.org", "example.org", 0, NO},
	{D, P, "example.com #comment example.org", "example.com", 0, YES},
	/* Unavailable tables and files fail the searches that reach them. */
	{D, P, "hash:%D/nonexistent", "example.com", 0, ERR},
	{D, P, "hash:%D/corrupt", "example.com", 0, ERR},
	{D, P, "%D/nonexistent", "example.com", 0, ERR},
	{D, P, "bogus:/x", "example.com", 0, ERR},
	{D, P, "!hash:%D/nonexistent", "example.com", 0, ERR},
	{D, P, "example.com hash:%D/nonexistent", "a.example.com", 0, YES},
	{D, P, "example.com hash:%D/nonexistent", "example.org", 0, ERR},
	{D, P, "!example.org hash:%D/nonexistent", "example.org", 0, NO},
	{D, P, "%D/nested", "a.should-not-matter.example", 0, ERR},
	/* A lookup that fails at search time (not at open) is an error too. */
	{D, P, "pcre:%D/slow", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!", 0, ERR},
	{D, P, "pcre:%D/slow", "aaaa", 0, YES},
	{D, P, "pcre:%D/slow", "aaaa!", 0, NO},
	{D, P, "aaaa.example pcre:%D/slow", "x.aaaa.example", 0, YES},
	{N, P, "pcre:%D/slow", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!", "192.0.2.1", ERR},
	{N, P, "pcre:%D/slow", "unknown", "192.0.2.1", NO},

	/* String lists: exact, without case; no parent matching. */
	{S, 0, "root, Postfix", "postfix", 0, YES},
	{S, 0, "root, Postfix", "ROOT", 0, YES},
	{S, 0, "root, Postfix", "roo", 0, NO},
	{S, P, "example.com", "a.example.com", 0, NO},
	{S, 0, "!www, static:all", "www", 0, NO},
	{S, 0, "!www, static:all", "joe", 0, YES},
	{S, 0, "texthash:%D/domains", ".example.org", 0, YES},
	{S, 0, "texthash:%D/domains", "a.example.com", 0, NO},
	{S, 0, "texthash:%D/domains", "EXAMPLE.COM", 0, YES},

	/* Host/address lists (mynetworks). */
	{N, P, "192.0.2.0/24", "client.example", "192.0.2.99", YES},
	{N, P, "192.0.2.0/24", "client.example", "192.0.3.1", NO},
	{N, P, "[192.0.2.99]", "client.example", "192.0.2.99", YES},
	{N, P, "192.0.2.99", "client.example", "192.0.2.99", YES},
	{N, P, "192.0.2.99", "client.example", "192.0.2.9", NO},
	{N, P, "[192.0.2.0]/24", "client.example", "192.0.2.98", YES},
	{N, P, "[192.0.2.0/24]", "client.example", "192.0.2.98", YES},
	{N, P, "192.0.2.0/024", "client.example", "192.0.2.98", YES},
	{N, P, "0.0.0.0/0", 0, "203.0.113.9", YES},
	{N, P, "0.0.0.0/0", 0, "2001:db8::1", NO},
	{N, P, "client.example", "client.example", "192.0.2.99", YES},
	{N, P, "client.example", "Client.Example", 0, YES},
	{N, P, "client.example", 0, "192.0.2.99", NO},
	{N, P, "example", "client.example", "192.0.2.99", YES},
	{N, P, ".example", "client.example", "192.0.2.99", NO},
	{N, 0, ".example", "client.example", "192.0.2.99", YES},
	{N, 0, "example", "client.example", "192.0.2.99", NO},
	{N, P, "texthash:%D/hosts", "client.example", "192.0.2.99", YES},
	{N, P, "texthash:%D/hosts", "client.example", "192.0.2.98", YES},
	{N, P, "texthash:%D/hosts", "a.client.example", "192.0.2.98", YES},
	{N, 0, "texthash:%D/hosts", "a.client.example", "192.0.2.98", NO},
	{N, P, "texthash:%D/hosts", "other.example", "192.0.2.99", YES},
	{N, P, "texthash:%D/hosts", "other.example", "192.0.2.98", NO},
	{N, P, "texthash:%D/hosts", "unknown", "2001:DB8::99", YES},
	{N, P, "[2001:db8::]/32", "client.example", "2001:db8::1", YES},
	{N, P, "[2001:db8::]/32", "client.example", "2001:db9::1", NO},
	{N, P, "[2001:DB8:0::1]", "client.example", "2001:db8::1", YES},
	{N, P, "[::1]/128", 0, "::1", YES},
	{N, P, "[::1]/128", 0, "0:0::1", YES},
	{N, P, "[::ffff:192.0.2.0]/120", 0, "192.0.2.1", NO},
	{N, P, "2001:db8::/32", 0, "2001:db8::1", YES},
	{N, P, "!192.0.2.99 192.0.2.0/24", "client.example", "192.0.2.99", NO},
	{N, P, "!192.0.2.99 192.0.2.0/24", "client.example", "192.0.2.98", YES},
	{N, P, "!!192.0.2.98", "client.example", "192.0.2.98", YES},
	{N, P, "%D/networks", 0, "192.0.2.9", YES},
	{N, P, "%D/networks", 0, "192.0.2.5", NO},
	{N, P, "%D/networks", 0, "192.0.2.200", YES},
	{N, P, "%D/networks", 0, "192.0.2.100", NO},
	{N, P, "%D/networks", 0, "2001:db8::5", YES},
	{N, P, "%D/networks", 0, "198.51.100.1", NO},
	/* Not address-like: host name patterns, never errors (as Postfix). */
	{N, P, "com/24", "client.example", "192.0.2.98", NO},
	{N, P, "192.0.2.0/24x", "client.example", "192.0.2.98", NO},
	{N, P, "192.0.2.98.5", "client.example", "192.0.2.98", NO},
	{N, P, "0192.0.2.98", "client.example", "192.0.2.98", NO},
	{N, P, "{ 192.0.2.98 }", "client.example", "192.0.2.98", NO},
	{N, P, "abc.de", "abc.de", "192.0.2.98", YES},
	{N, P, "192.0.2.0/24", "client.example", "unknown", NO},
	{N, P, "hash:%D/nonexistent", "client.example", "192.0.2.98", ERR},
	{N, P, "192.0.2.0/24 hash:%D/nonexistent", 0, "192.0.2.98", YES},
	{N, P, "192.0.2.0/24 hash:%D/nonexistent", 0, "192.0.3.98", ERR},
	{N, P, "static:yes", 0, 0, NO},

	/* Address-only lists never look at the host name. */
	{A, P, "client.example", "client.example", "192.0.2.99", NO},
	{A, P, "texthash:%D/hosts", "client.example", "192.0.2.98", NO},
	{A, P, "texthash:%D/hosts", "client.example", "192.0.2.99", YES},
	{A, P, "!192.0.2.5 192.0.2.0/24", 0, "192.0.2.5", NO},
	{A, P, "!192.0.2.5 192.0.2.0/24", 0, "192.0.2.6", YES},
	{A, P, "static:all", 0, "192.0.2.6", YES},
};

static const char *
kind_name(int kind)
{
	return (kind == S ? "string" : kind == D ? "domain" :
		kind == N ? "namadr" : "addr");
}

static void
test_match_table(void **state)
{
	VSTRING *why = vstring_alloc(100);
	MATCH_LIST *list;
	size_t  i;
	char   *text;
	int     got;

	for (i = 0; i < sizeof(match_cases) / sizeof(match_cases[0]); i++) {
		const struct match_case *c = match_cases + i;

		text = expand(c->list);
		list = match_list_create("test_list", c->kind, text, c->flags, why);
		if (list == NULL)
			fail_msg("case %zu %s list \"%s\": create: %s", i,
				 kind_name(c->kind), text, vstring_str(why));
		got = match_list_match(list, c->name, c->addr);
		if (got != c->want)
			fail_msg("case %zu %s%s list \"%s\" name %s addr %s: "
				 "got %d want %d", i, kind_name(c->kind),
				 c->flags & P ? " parent" : "", text,
				 c->name ? c->name : "(none)",
				 c->addr ? c->addr : "(none)", got, c->want);
		/* A search is repeatable: no state leaks between searches. */
		assert_int_equal(match_list_match(list, c->name, c->addr), got);
		if (got == MATCH_ERROR)
			assert_non_null(strstr(match_list_error(list),
					       ": table lookup problem"));
		else
			assert_string_equal(match_list_error(list), "");
		match_list_free(list);
		myfree(text);
	}
	vstring_free(why);
}

/* Syntax errors fail creation, with Postfix's wording. */
static const struct error_case {
	int     kind;
	const char *list;
	const char *why;
} error_cases[] = {
	{N, "192.0.2.99/24", "mynetworks: non-null host address bits in "
	"\"192.0.2.99/24\", perhaps you should use \"192.0.2.0/24\" instead"},
	{N, "127.0.0.0/8 192.0.2.0/33", "mynetworks: bad mask length in "
	"\"192.0.2.0/33\""},
	{N, "1.2.3/24", "mynetworks: bad network value in \"1.2.3/24\""},
	{N, "192.0.2.0/", "mynetworks: bad mask value in \"192.0.2.0/\""},
	{N, "[192.0.2.98", "mynetworks: missing ']' character after "
	"\"[192.0.2.98\""},
	{N, "[2001:db8::1]/64", "mynetworks: non-null host address bits in "
	"\"2001:db8::1/64\", perhaps you should use \"2001:db8::/64\" instead"},
	{A, "[foo]", "mynetworks: bad address pattern: \"foo\""},
	{N, "!", "mynetworks: no pattern after '!'"},
	{D, "example.com !", "mynetworks: no pattern after '!'"},
	{S, "!!", "mynetworks: no pattern after '!'"},
};

static void
test_create_errors(void **state)
{
	VSTRING *why = vstring_alloc(100);
	size_t  i;

	for (i = 0; i < sizeof(error_cases) / sizeof(error_cases[0]); i++) {
		VSTRING_RESET(why);
		assert_null(match_list_create("mynetworks", error_cases[i].kind,
					      error_cases[i].list, P, why));
		assert_string_equal(vstring_str(why), error_cases[i].why);
	}
	vstring_free(why);
}

/* A file that includes itself stops at the nesting limit. */
static void
test_file_loop(void **state)
{
	VSTRING *why = vstring_alloc(100);
	char   *loop = expand("%D/loop\n");
	char   *text = expand("%D/loop");

	write_file("loop", loop);
	assert_null(match_list_create("relay_domains", D, text, P, why));
	assert_non_null(strstr(vstring_str(why), "files nested too deeply"));
	write_file("loop", "");
	myfree(loop);
	myfree(text);
	vstring_free(why);
}

/* Warnings and the error text read as Postfix logs them. */
static void
test_messages(void **state)
{
	VSTRING *why = vstring_alloc(100);
	VSTRING *want = vstring_alloc(100);
	MATCH_LIST *list;
	char   *text;

	VSTRING_RESET(test_log);
	list = match_list_create("relay_domains", D,
				 "example.com #comment example.org", P, why);
	assert_non_null(list);
	assert_string_equal(vstring_str(test_log), "warning: relay_domains: "
			    "comment at end of line is not supported: "
			    "#comment example.org");
	match_list_free(list);

	VSTRING_RESET(test_log);
	text = expand("hash:%D/nonexistent");
	list = match_list_create("relay_domains", D, text, P, why);
	assert_non_null(list);
	vstring_sprintf(want, "warning: relay_domains: %s is unavailable.", text);
	assert_memory_equal(vstring_str(test_log), vstring_str(want),
			    vstring_len(want));
	assert_int_equal(match_list_match(list, "example.com", NULL), MATCH_ERROR);
	vstring_sprintf(want, "relay_domains: %s: table lookup problem", text);
	assert_string_equal(match_list_error(list), vstring_str(want));
	match_list_free(list);
	myfree(text);

	text = expand("%D/nonexistent");
	list = match_list_create("relay_domains", D, text, P, why);
	assert_int_equal(match_list_match(list, "example.com", NULL), MATCH_ERROR);
	vstring_sprintf(want, "relay_domains: non-existent:%s: "
			"table lookup problem", text);
	assert_string_equal(match_list_error(list), vstring_str(want));
	match_list_free(list);
	myfree(text);

	vstring_free(want);
	vstring_free(why);
}

static void
test_parent_flag(void **state)
{
	const char *def = "debug_peer_list,fast_flush_domains,mynetworks,"
	"permit_mx_backup_networks,qmqpd_authorized_clients,relay_domains,"
	"smtpd_access_maps";

	assert_int_equal(match_list_parent_flag("relay_domains", def), P);
	assert_int_equal(match_list_parent_flag("mynetworks", def), P);
	assert_int_equal(match_list_parent_flag("mydestination", def), 0);
	assert_int_equal(match_list_parent_flag("relay", def), 0);
	assert_int_equal(match_list_parent_flag("relay_domains", ""), 0);
	assert_int_equal(match_list_parent_flag("relay_domains",
				       "mynetworks relay_domains"), P);
}

/* Many patterns: a search walks them once and finds the last one. */
static void
test_long_list(void **state)
{
	VSTRING *text = vstring_alloc(100000);
	VSTRING *why = vstring_alloc(100);
	MATCH_LIST *list;
	int     i;

	for (i = 0; i < 5000; i++)
		vstring_sprintf_append(text, "host%d.example, 10.%d.%d.0/24 ",
				       i, i / 256, i % 256);
	list = match_list_create("mynetworks", N, vstring_str(text), P, why);
	assert_non_null(list);
	assert_int_equal(match_list_match(list, "a.host4999.example", NULL),
			 MATCH_YES);
	assert_int_equal(match_list_match(list, NULL, "10.19.135.7"), MATCH_YES);
	assert_int_equal(match_list_match(list, "x.example", "11.0.0.1"),
			 MATCH_NO);
	match_list_free(list);
	vstring_free(text);
	vstring_free(why);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_match_table),
		cmocka_unit_test(test_create_errors),
		cmocka_unit_test(test_file_loop),
		cmocka_unit_test(test_messages),
		cmocka_unit_test(test_parent_flag),
		cmocka_unit_test(test_long_list),
	};

	return (cmocka_run_group_tests(tests, setup, teardown));
}
