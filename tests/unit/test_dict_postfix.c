/*
 * Cross-check lib/dict against Debian's Postfix: the same tables are
 * queried with /usr/sbin/postmap -q and with dict_get(), and hash:/btree:
 * files built by either side are read by the other. Skipped when Postfix
 * is not installed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "test_dict_util.h"

#define RULES_RE \
	"/^postmaster@/ OK\n" \
	"!/@/ local $$ user\n" \
	"if /@example\\.com$/\n" \
	"/^(.+)-(outgoing|incoming)@(.*)$/ 550 Use ${1}@$3 instead ($2)\n" \
	"/^([a-z]+)\\+.*@/ plus $1\n" \
	"endif\n" \
	"/(a)(b)/ $2$1 ${1}x $(2)y $$\n" \
	"/AB/i case-sensitive\n" \
	"/^a.b$/m dot-newline\n" \
	"/x{2/ bad\n" \
	"/(.+)@(.+)/ user=$1 domain=$2\n"

#define RULES_PCRE RULES_RE \
	"/^(?!owner-)(.*)-list@(.*)/ list $1 at $2\n" \
	"/a+/U lazy\n"

#define RULES_CIDR \
	"1.2.3.4/24 bad\n" \
	"1.2.3.0/24 good\n" \
	"[2001:db8::]/32 v6\n" \
	"if 10.0.0.0/8\n" \
	"if !10.1.0.0/16\n" \
	"0.0.0.0/0 ten-not-one\n" \
	"endif\n" \
	"10.1.2.3 ten-one-host\n" \
	"endif\n" \
	"::ffff:10.0.0.0/104 mapped\n" \
	"!192.168.0.0/16 not-private\n"

#define RULES_TEXT \
	"Foo bar\n" \
	"foo dup\n" \
	"\"a b\" quoted key\n" \
	"  cont\n" \
	"k2\tv2\n" \
	"   more\n" \
	"novalue\n" \
	"k\\ 5 v5\n" \
	"k\\\"x v6\n" \
	"ab\\\\ v7\n" \
	"Alias: style\n"

static const char *re_keys[] = {
	"postmaster@x", "local", "list-outgoing@example.com", "joe+x@example.com",
	"joe+x@example.org", "ab", "AB", "a\nb", "xx", "Joe@Example.COM",
	"owner-x-list@y", "me-list@y", "aaa", "", 0,
};

static const char *cidr_keys[] = {
	"1.2.3.4", "2001:db8::5", "10.2.3.4", "10.1.2.3", "10.1.9.9",
	"::ffff:10.1.1.1", "::ffff:1.2.3.4", "192.168.1.1", "8.8.8.8", "::1",
	"foo", "", 0,
};

static const char *text_keys[] = {
	"foo", "FOO", "\"a b\"", "a b", "k2", "novalue", "none",
	"k\\ 5", "k 5", "k\\", "k\\\"x", "k\"x", "ab\\\\", "ab\\", "alias:", "alias", 0,
};

/* Compare postmap -q with dict_get() for each key. */
static void
compare(const char *type, const char *rules, const char **keys)
{
	VSTRING *tn = vstring_alloc(100);
	VSTRING *ours = vstring_alloc(100);
	VSTRING *theirs = vstring_alloc(100);
	int     our_status;
	int     their_status;

	vstring_sprintf(tn, "%s:%s", type, tdu_write(type, rules));
	for (; *keys; keys++) {
		our_status = tdu_get(vstring_str(tn), DICT_FLAG_FOLD_FIX, *keys, ours);
		their_status = tdu_postmap_q(*keys, vstring_str(tn), theirs);
		if (their_status > 1)
			fail_msg("postmap -q \"%s\" %s: exit %d", *keys,
				 vstring_str(tn), their_status);
		if (our_status != their_status
		    || (our_status == 0 && strcmp(vstring_str(ours), vstring_str(theirs))))
			fail_msg("%s key \"%s\": postfix %d \"%s\", postern %d \"%s\"",
				 type, *keys, their_status, vstring_str(theirs),
				 our_status, vstring_str(ours));
	}
	vstring_free(tn);
	vstring_free(ours);
	vstring_free(theirs);
}

static void
test_postfix_patterns(void **state)
{
	if (!tdu_have_postfix())
		skip();
	compare("regexp", RULES_RE, re_keys);
	compare("pcre", RULES_PCRE, re_keys);
	compare("cidr", RULES_CIDR, cidr_keys);
	compare("texthash", RULES_TEXT, text_keys);
}

#define SOURCE \
	"Alias user@example.com\n" \
	"key value with  spaces\n" \
	"\"quoted key\" q\n" \
	"k2\tv2\n" \
	"  continued\n"

static const char *source_keys[] = {
	"alias", "ALIAS", "key", "\"quoted key\"", "k2", "missing", 0,
};

/* Tables built by Postfix's postmap, read by dict_get()/dict_seq(). */
static void
test_postfix_builds_we_read(void **state)
{
	static const char *types[] = {"hash", "btree"};
	VSTRING *tn = vstring_alloc(100);
	VSTRING *ours = vstring_alloc(100);
	VSTRING *theirs = vstring_alloc(100);
	VSTRING *listing = vstring_alloc(100);
	const char **kp;
	const char *k;
	const char *v;
	DICT   *dict;
	size_t  t;
	int     status;
	int     n;

	if (!tdu_have_postfix())
		skip();
	for (t = 0; t < 2; t++) {
		vstring_sprintf(tn, "%s:%s", types[t], tdu_write("src", SOURCE));
		{
			char   *args[] = {"postmap", vstring_str(tn), NULL};

			assert_int_equal(tdu_postmap(args, theirs), 0);
		}
		for (kp = source_keys; *kp; kp++) {
			status = tdu_get(vstring_str(tn), DICT_FLAG_FOLD_FIX, *kp, ours);
			assert_int_equal(status, tdu_postmap_q(*kp, vstring_str(tn), theirs));
			if (status == 0)
				assert_string_equal(vstring_str(ours), vstring_str(theirs));
		}
		/* The same entries, in the same database order, as postmap -s. */
		dict = dict_open(vstring_str(tn), O_RDONLY, 0, ours);
		assert_non_null(dict);
		VSTRING_RESET(listing);
		for (n = 0, status = dict_seq(dict, DICT_SEQ_FUN_FIRST, &k, &v); status == 0;
		     status = dict_seq(dict, DICT_SEQ_FUN_NEXT, &k, &v), n++)
			vstring_sprintf_append(listing, "%s%s\t%s", n ? "\n" : "", k, v);
		dict_close(dict);
		{
			char   *args[] = {"postmap", "-s", vstring_str(tn), NULL};

			assert_int_equal(tdu_postmap(args, theirs), 0);
		}
		assert_int_equal(n, 4);
		/* postmap -s shows a key with white space in quotes, as stored. */
		assert_string_equal(vstring_str(listing), vstring_str(theirs));
	}
	vstring_free(tn);
	vstring_free(ours);
	vstring_free(theirs);
	vstring_free(listing);
}

/* Tables we build (as postmap does: bulk, folded, NUL) read by Postfix. */
static void
test_we_build_postfix_reads(void **state)
{
	static const char *types[] = {"hash", "btree"};
	static const char *entries[][2] = {
		{"User@Example.COM", "alias1"}, {"key", "value with  spaces"},
		{"\"quoted key\"", "q"}, {"k2", "v2"}, {0, 0},
	};
	VSTRING *tn = vstring_alloc(100);
	VSTRING *why = vstring_alloc(100);
	VSTRING *theirs = vstring_alloc(100);
	DICT   *dict;
	size_t  t;
	size_t  i;

	if (!tdu_have_postfix())
		skip();
	for (t = 0; t < 2; t++) {
		vstring_sprintf(tn, "%s:%s", types[t], tdu_path("ours"));
		dict = dict_open(vstring_str(tn), O_RDWR | O_CREAT | O_TRUNC,
				 DICT_FLAG_FOLD_FIX | DICT_FLAG_DUP_WARN
				 | DICT_FLAG_BULK_UPDATE, why);
		assert_non_null(dict);
		for (i = 0; entries[i][0]; i++)
			assert_int_equal(dict_put(dict, entries[i][0], entries[i][1]), 0);
		assert_int_equal(dict_close_status(dict, why), 0);
		for (i = 0; entries[i][0]; i++) {
			assert_int_equal(tdu_postmap_q(entries[i][0], vstring_str(tn), theirs), 0);
			assert_string_equal(vstring_str(theirs), entries[i][1]);
		}
		assert_int_equal(tdu_postmap_q("nokey", vstring_str(tn), theirs), 1);
		{
			char   *args[] = {"postmap", "-s", vstring_str(tn), NULL};

			assert_int_equal(tdu_postmap(args, theirs), 0);
			assert_non_null(strstr(vstring_str(theirs), "user@example.com\talias1"));
		}
	}
	vstring_free(tn);
	vstring_free(why);
	vstring_free(theirs);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_postfix_patterns, tdu_setup, tdu_teardown),
		cmocka_unit_test_setup_teardown(test_postfix_builds_we_read, tdu_setup, tdu_teardown),
		cmocka_unit_test_setup_teardown(test_we_build_postfix_reads, tdu_setup, tdu_teardown),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
