/*
 * Unit tests for lib/global/master_cf (parser, argument normalization and
 * the "postconf -M" format). Expected texts of the format and the
 * normalization were taken from Debian's Postfix 3.7 postconf -M/-Mf.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <limits.h>
#include <cmocka.h>

#include "msg.h"
#include "vstring.h"
#include "argv.h"
#include "master_cf.h"

/* Warnings are collected here instead of going to stderr. */
static VSTRING *warnings;

static void
capture(int level, const char *text)
{
	vstring_sprintf_append(warnings, "%s%s\n", msg_level_prefix(level), text);
}

static int
setup(void **state)
{
	(void) state;
	if (warnings == 0) {
		warnings = vstring_alloc(100);
		msg_output(capture);
	}
	VSTRING_RESET(warnings);
	return (0);
}

/* Parse text as file "t.cf"; NULL with the reason in why on error. */
static MASTER_CF *
parse(const char *text, VSTRING *why)
{
	FILE   *fp = fmemopen((void *) text, strlen(text), "r");
	MASTER_CF *mc;

	assert_non_null(fp);
	mc = master_cf_read_stream(fp, "t.cf", why);
	fclose(fp);
	return (mc);
}

/* The only entry of a one-entry file. */
static MASTER_CF *
parse_one(const char *text, const MASTER_CF_ENT **ent)
{
	VSTRING *why = vstring_alloc(10);
	MASTER_CF *mc = parse(text, why);

	if (mc == 0)
		fail_msg("parse \"%s\": %s", text, vstring_str(why));
	assert_int_equal(master_cf_count(mc), 1);
	*ent = master_cf_entry(mc, 0);
	vstring_free(why);
	return (mc);
}

/* argv[1..] joined with "|". */
static void
join_args(VSTRING *buf, const ARGV *argv)
{
	size_t  i;

	VSTRING_RESET(buf);
	for (i = 1; i < argv->len; i++)
		vstring_sprintf_append(buf, "%s%s", i > 1 ? "|" : "",
				       argv->argv[i]);
}

/* Columns and their resolved values. */
static const struct column_case {
	const char *line;
	int     type;
	int     private_flag;
	int     unpriv;
	int     chroot;
	int     wakeup;
	int     after_use;
	int     maxproc;
} column_cases[] = {
	{"a unix - - - - - c", MASTER_CF_TYPE_UNIX, 1, 1, 0, 0, 0, -1},
	{"a unix y n y 60 1 c", MASTER_CF_TYPE_UNIX, 1, 0, 1, 60, 0, 1},
	{"a unix n y n 1000? 0 c", MASTER_CF_TYPE_UNIX, 0, 1, 0, 1000, 1, 0},
	{"a unix - - - ? - c", MASTER_CF_TYPE_UNIX, 1, 1, 0, 0, 1, -1},
	{"a unix - - - 0010 007 c", MASTER_CF_TYPE_UNIX, 1, 1, 0, 10, 0, 7},
	{"a unix - - - 99999999999999999999 99999999999 c",
	 MASTER_CF_TYPE_UNIX, 1, 1, 0, INT_MAX, 0, INT_MAX},
	{"smtp inet n - n - - smtpd", MASTER_CF_TYPE_INET, 0, 1, 0, 0, 0, -1},
	{"smtp inet y - - - - smtpd", MASTER_CF_TYPE_INET, 0, 1, 0, 0, 0, -1},
	{"postlog unix-dgram n - n - 1 postlogd",
	 MASTER_CF_TYPE_UNIX_DGRAM, 0, 1, 0, 0, 0, 1},
	{"x fifo - - - - - c", MASTER_CF_TYPE_FIFO, 1, 1, 0, 0, 0, -1},
	{"x pass - - - - - c", MASTER_CF_TYPE_PASS, 1, 1, 0, 0, 0, -1},
	{"a\tunix\t-\tn\ty\t5\t2\tc", MASTER_CF_TYPE_UNIX, 1, 0, 1, 5, 0, 2},
};

static void
test_columns(void **state)
{
	const struct column_case *tc;
	const MASTER_CF_ENT *ent;
	MASTER_CF *mc;

	(void) state;
	for (tc = column_cases; tc < column_cases + sizeof(column_cases)
	     / sizeof(column_cases[0]); tc++) {
		mc = parse_one(tc->line, &ent);
		assert_int_equal(master_cf_type(ent), tc->type);
		assert_int_equal(master_cf_private(ent), tc->private_flag);
		assert_int_equal(master_cf_unpriv(ent), tc->unpriv);
		assert_int_equal(master_cf_chroot(ent), tc->chroot);
		assert_int_equal(master_cf_wakeup(ent), tc->wakeup);
		assert_int_equal(master_cf_wakeup_after_use(ent), tc->after_use);
		assert_int_equal(master_cf_maxproc(ent), tc->maxproc);
		master_cf_free(mc);
	}
}

static void
test_raw_fields(void **state)
{
	static const char *const want[] = {
		"[::1]:10025", "inet", "n", "-", "y", "1000?", "-", "{cmd x}",
	};
	const MASTER_CF_ENT *ent;
	MASTER_CF *mc;
	int     i;

	(void) state;
	mc = parse_one("[::1]:10025 inet n - y 1000? - {cmd x} arg\n", &ent);
	for (i = 0; i < MASTER_CF_FLD_COUNT; i++)
		assert_string_equal(master_cf_field(ent, i), want[i]);
	assert_string_equal(master_cf_service(ent), "[::1]:10025");
	assert_string_equal(master_cf_command(ent), "{cmd x}");
	assert_string_equal(master_cf_file(ent), "t.cf");
	assert_int_equal(master_cf_line(ent), 1);
	master_cf_free(mc);
	/* Braces group white space in any column. */
	mc = parse_one("{a b} unix - - - - - c\n", &ent);
	assert_string_equal(master_cf_service(ent), "{a b}");
	master_cf_free(mc);
}

/* Arguments after the command: normalized argv and overrides. */
static const struct arg_case {
	const char *args;		/* after "a unix - - - - - cmd" */
	const char *argv;		/* argv[1..] joined with "|" */
	const char *overrides;		/* "name=value;" each */
} arg_cases[] = {
	{"", "", ""},
	{"-o a=b -o c=", "-o|a=b|-o|c=", "a=b;c=;"},
	{"-o { a =  b   c  }", "-o|a=b   c", "a=b   c;"},
	{"-o{x=y} -oa=b", "-o|x=y|-o|a=b", "x=y;a=b;"},
	{"-vo x=y", "-v|-o|x=y", "x=y;"},
	{"-voo", "-v|-o|-o", ""},
	{"-vovo", "-v|-o|v|-o", ""},
	{"-vDox=yo", "-vD|-o|x=y|-o", "x=y;"},
	{"--o {a = b}", "--|-o|a=b", ""},
	{"-o a=b c -ox=y {a b}", "-o|a=b|c|-ox=y|a b", "a=b;"},
	{"-- -oa=b", "--|-oa=b", ""},
	{"- x -oa=b", "-|x|-o|a=b", "a=b;"},
	{"- {a = b}", "-|a = b", ""},
	{"-o -o a=b", "-o|-o|a=b", ""},
	{"{ arg with space } {nospace} { } {}",
	 "arg with space|nospace||", ""},
	{"{a {b} c} a}b x{a b}", "a {b} c|a}b|x{a b}", ""},
	{"{-vo} a=b", "-vo|a=b", ""},
	{"{-o} {a = b}", "-o|a = b", "a=b;"},
	{"-o {{a=b}}", "-o|{a=b}", "{a=b};"},
	{"-o {a={b c}}", "-o|a={b c}", "a={b c};"},
	{"-o { a = b\n   c }", "-o|a=b   c", "a=b   c;"},
	{"-o {a=b\fc}", "-o|a=b\fc", "a=b\fc;"},
	{"-v -D -x -o a=b", "-v|-D|-x|-o|a=b", "a=b;"},
};

static void
test_arguments(void **state)
{
	const struct arg_case *tc;
	const MASTER_CF_ENT *ent;
	MASTER_CF *mc;
	VSTRING *line = vstring_alloc(100);
	VSTRING *got = vstring_alloc(100);
	const ARGV *argv;
	size_t  i;

	(void) state;
	for (tc = arg_cases; tc < arg_cases + sizeof(arg_cases)
	     / sizeof(arg_cases[0]); tc++) {
		vstring_sprintf(line, "a unix - - - - - cmd %s\n", tc->args);
		mc = parse_one(vstring_str(line), &ent);
		argv = master_cf_argv(ent);
		assert_string_equal(argv->argv[0], "cmd");
		join_args(got, argv);
		if (strcmp(vstring_str(got), tc->argv) != 0)
			fail_msg("args \"%s\": got \"%s\" want \"%s\"",
				 tc->args, vstring_str(got), tc->argv);
		VSTRING_RESET(got);
		for (i = 0; i < master_cf_override_count(ent); i++)
			vstring_sprintf_append(got, "%s=%s;",
					master_cf_override_name(ent, i),
					master_cf_override_value(ent, i));
		if (strcmp(vstring_str(got), tc->overrides) != 0)
			fail_msg("args \"%s\": overrides \"%s\" want \"%s\"",
				 tc->args, vstring_str(got), tc->overrides);
		master_cf_free(mc);
	}
	vstring_free(line);
	vstring_free(got);
}

/* Syntax errors: the parse fails with "FILE, line N: ...". */
static const struct error_case {
	const char *text;
	const char *why;
} error_cases[] = {
	{"a unix - - - - -\n", "t.cf, line 1: bad field count"},
	{"# c\n\na unix\n", "t.cf, line 3: bad field count"},
	{"{a unix - - - - - cmd\n", "t.cf, line 1: bad field count"},
	{"a foo - - - - - cmd\n",
	 "t.cf, line 1: invalid type field \"foo\" in \"a foo - - - - - cmd\""},
	{"a INET - - - - - cmd\n", "t.cf, line 1: invalid type field \"INET\""},
	{"a unix x - - - - cmd\n", "t.cf, line 1: invalid private field \"x\""},
	{"a unix {y} - - - - cmd\n",
	 "t.cf, line 1: invalid private field \"{y}\""},
	{"a unix - Y - - - cmd\n",
	 "t.cf, line 1: invalid unprivileged field \"Y\""},
	{"a unix - - yes - - cmd\n",
	 "t.cf, line 1: invalid chroot field \"yes\""},
	{"a unix - - - abc - cmd\n",
	 "t.cf, line 1: invalid wakeup field \"abc\""},
	{"a unix - - - 10?? - cmd\n",
	 "t.cf, line 1: invalid wakeup field \"10??\""},
	{"a unix - - - -1 - cmd\n", "t.cf, line 1: invalid wakeup field \"-1\""},
	{"a unix - - - +10 - cmd\n",
	 "t.cf, line 1: invalid wakeup field \"+10\""},
	{"a unix - - - - -5 cmd\n",
	 "t.cf, line 1: invalid process_limit field \"-5\""},
	{"a unix - - - - 1x cmd\n",
	 "t.cf, line 1: invalid process_limit field \"1x\""},
	{"a unix - - - - - c\n  -o x=y\n# c\nb unix - - - x - c\n  -o a=b\n",
	 "t.cf, line 4: invalid wakeup field \"x\" in "
	 "\"b unix - - - x - c  -o a=b\""},
};

static void
test_errors(void **state)
{
	const struct error_case *tc;
	VSTRING *why = vstring_alloc(100);

	(void) state;
	for (tc = error_cases; tc < error_cases + sizeof(error_cases)
	     / sizeof(error_cases[0]); tc++) {
		VSTRING_RESET(why);
		assert_null(parse(tc->text, why));
		if (strncmp(vstring_str(why), tc->why, strlen(tc->why)) != 0)
			fail_msg("\"%s\": got \"%s\" want \"%s\"", tc->text,
				 vstring_str(why), tc->why);
	}
	vstring_free(why);
}

/* What Postfix only warns about: the parse goes on. */
static const struct warn_case {
	const char *text;
	size_t  count;			/* entries */
	const char *warnings;
} warn_cases[] = {
	{"a unix - - - - - cmd {a\n", 1,
	 "warning: t.cf, line 1: missing '}' in \"{a\"\n"},
	{"\na unix - - - - - cmd {a b}x\n", 1,
	 "warning: t.cf, line 2: syntax error after '}' in \"{a b}x\"\n"},
	{"a unix - - - - - cmd -o { name }\n", 1,
	 "warning: t.cf, line 1: missing '=' after attribute name: \"name\"\n"},
	{"a unix - - - - - cmd -o {= b}\n", 1,
	 "warning: t.cf, line 1: missing attribute name: \"= b\"\n"},
	{"a unix - - - - - cmd -o name -o =x\n", 1,
	 "warning: t.cf, line 1: -o option: missing '=' after attribute "
	 "name: \"name\"\n"
	 "warning: t.cf, line 1: -o option: missing attribute name: \"=x\"\n"},
	{" \n  a unix - - - - - cmd\n  -o x=y\nb unix - - - - - c\n", 1,
	 "warning: t.cf, line 2: logical line must not start with "
	 "whitespace: \"  a unix - - - - - cmd  -o x=y\"\n"},
	{"a unix - - - - - c -o x=y\n", 1, ""},
};

static void
test_warnings(void **state)
{
	const struct warn_case *tc;
	VSTRING *why = vstring_alloc(100);
	MASTER_CF *mc;

	(void) state;
	for (tc = warn_cases; tc < warn_cases + sizeof(warn_cases)
	     / sizeof(warn_cases[0]); tc++) {
		VSTRING_RESET(warnings);
		mc = parse(tc->text, why);
		assert_non_null(mc);
		assert_int_equal(master_cf_count(mc), tc->count);
		if (strcmp(vstring_str(warnings), tc->warnings) != 0)
			fail_msg("\"%s\": warned \"%s\" want \"%s\"", tc->text,
				 vstring_str(warnings), tc->warnings);
		master_cf_free(mc);
	}
	vstring_free(why);
}

static void
test_lines_and_duplicates(void **state)
{
	static const char text[] =
		"# header\n"
		"smtp inet n - n - - smtpd\n"
		"  # comment inside the entry\n"
		"\n"
		"  -o a=b\n"
		"\t-o c=d\n"
		"smtp unix - - n - - smtp\n"
		"smtp inet n - n - 5 smtpd -v\n";
	VSTRING *why = vstring_alloc(10);
	MASTER_CF *mc = parse(text, why);
	const MASTER_CF_ENT *ent;

	(void) state;
	assert_non_null(mc);
	assert_int_equal(master_cf_count(mc), 3);
	ent = master_cf_entry(mc, 0);
	assert_int_equal(master_cf_line(ent), 2);
	assert_int_equal(master_cf_override_count(ent), 2);
	assert_string_equal(master_cf_override_name(ent, 1), "c");
	assert_string_equal(master_cf_override_value(ent, 1), "d");
	assert_int_equal(master_cf_line(master_cf_entry(mc, 1)), 7);
	assert_int_equal(master_cf_line(master_cf_entry(mc, 2)), 8);
	/* The last of duplicate service/type entries wins. */
	ent = master_cf_find(mc, "smtp", MASTER_CF_TYPE_INET);
	assert_ptr_equal(ent, master_cf_entry(mc, 2));
	assert_int_equal(master_cf_maxproc(ent), 5);
	assert_ptr_equal(master_cf_find(mc, "smtp", MASTER_CF_TYPE_UNIX),
			 master_cf_entry(mc, 1));
	assert_null(master_cf_find(mc, "smtp", MASTER_CF_TYPE_FIFO));
	assert_null(master_cf_find(mc, "pickup", MASTER_CF_TYPE_UNIX));
	master_cf_free(mc);
	/* An empty file is no error. */
	mc = parse("# nothing\n\n", why);
	assert_non_null(mc);
	assert_int_equal(master_cf_count(mc), 0);
	master_cf_free(mc);
	vstring_free(why);
}

static void
test_read_path_errors(void **state)
{
	VSTRING *why = vstring_alloc(10);

	(void) state;
	assert_null(master_cf_read("/nonexistent/master.cf", why));
	assert_string_equal(vstring_str(why),
		     "open /nonexistent/master.cf: No such file or directory");
	assert_null(master_cf_read("/", why));
	assert_string_equal(vstring_str(why), "read /: Is a directory");
	vstring_free(why);
}

static void
test_type_names(void **state)
{
	(void) state;
	assert_int_equal(master_cf_type_code("unix-dgram"),
			 MASTER_CF_TYPE_UNIX_DGRAM);
	assert_int_equal(master_cf_type_code("pass"), MASTER_CF_TYPE_PASS);
	assert_int_equal(master_cf_type_code("Unix"), 0);
	assert_string_equal(master_cf_type_name(MASTER_CF_TYPE_INET), "inet");
	assert_null(master_cf_type_name(0));
	assert_null(master_cf_type_name(99));
}

#define HEAD "a          unix  -       -       -       -       -       "

/* The format: input, fold, output exactly as Postfix 3.7 prints it. */
static const struct format_case {
	const char *text;
	int     fold;
	const char *out;
} format_cases[] = {
	{"smtp inet n - y - - smtpd\n", 0,
	 "smtp       inet  n       -       y       -       -       smtpd\n"},
	{"postlog unix-dgram n - n - 1 postlogd\n", 0,
	 "postlog    unix-dgram n  -       n       -       1       postlogd\n"},
	{"scalemail-backend unix - n n - 2 pipe flags=R user=scalemail "
	 "argv=/usr/lib/scalemail/bin/scalemail-store ${nexthop} ${user} "
	 "${extension}\n", 1,
	 "scalemail-backend unix - n       n       -       2       pipe flags=R\n"
	 "    user=scalemail argv=/usr/lib/scalemail/bin/scalemail-store ${nexthop}\n"
	 "    ${user} ${extension}\n"},
	{"127.0.0.1:10025 inet n - n - 10 smtpd -o content_filter= "
	 "-o { smtpd_client_restrictions = permit_mynetworks, reject }\n", 0,
	 "127.0.0.1:10025 inet n   -       n       -       10      smtpd "
	 "-o content_filter= "
	 "-o {smtpd_client_restrictions=permit_mynetworks, reject}\n"},
	{"127.0.0.1:10025 inet n - n - 10 smtpd -o content_filter= "
	 "-o { smtpd_client_restrictions = permit_mynetworks, reject }\n", 1,
	 "127.0.0.1:10025 inet n   -       n       -       10      smtpd\n"
	 "    -o content_filter=\n"
	 "    -o {smtpd_client_restrictions=permit_mynetworks, reject}\n"},
	{"a unix - - - - - cmd xxxxxxxxxxxxxxxxxx yy\n", 1,
	 HEAD "cmd xxxxxxxxxxxxxxxxxx\n    yy\n"},
	{"a unix - - - - - cmd xxxxxxxxxxxxxxxxxxx yy\n", 1,
	 HEAD "cmd\n    xxxxxxxxxxxxxxxxxxx yy\n"},
	{"a unix - - - - - cmd -v -o a=b c -o{x=y}\n", 1,
	 HEAD "cmd -v\n    -o a=b\n    c -o{x=y}\n"},
	{"a unix - - - - - cmd -o a=b - -o c=d\n", 1,
	 HEAD "cmd\n    -o a=b\n    - -o\n    c=d\n"},
	{"a unix - - - - - cmd -v -o\n", 1, HEAD "cmd -v -o\n"},
	{"a unix - - - - - cmd -o {}\n", 1, HEAD "cmd\n    -o \n"},
	{"a unix - - - - - cmd {a b} {c d} -- {e f}\n", 0,
	 HEAD "cmd a b {c d} -- {e f}\n"},
	{"a unix - - - - - cmd -o {a = b c} {x y} -o {a = b}\n", 1,
	 HEAD "cmd\n    -o {a=b c}\n    x y -o {a = b}\n"},
	/* Braces of a plain argument do not count when folding. */
	{"a unix - - - - - cmd x {aaaaaaaa bbbbbbb}\n", 1,
	 HEAD "cmd x {aaaaaaaa bbbbbbb}\n"},
	{"a unix - - - - - cmd x {aaaaaaaaa bbbbbbb}\n", 1,
	 HEAD "cmd x\n    {aaaaaaaaa bbbbbbb}\n"},
	{"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa unix - - - "
	 "- - cmd yy z\n", 1,
	 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa unix - - - "
	 "- - cmd\n    yy z\n"},
};

static void
test_format(void **state)
{
	const struct format_case *tc;
	const MASTER_CF_ENT *ent;
	MASTER_CF *mc;
	VSTRING *out = vstring_alloc(100);

	(void) state;
	for (tc = format_cases; tc < format_cases + sizeof(format_cases)
	     / sizeof(format_cases[0]); tc++) {
		mc = parse_one(tc->text, &ent);
		VSTRING_RESET(out);
		master_cf_format(out, ent, tc->fold);
		if (strcmp(vstring_str(out), tc->out) != 0)
			fail_msg("\"%s\" fold=%d:\ngot:\n%s\nwant:\n%s", tc->text,
				 tc->fold, vstring_str(out), tc->out);
		master_cf_free(mc);
	}
	vstring_free(out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_columns, setup),
		cmocka_unit_test_setup(test_raw_fields, setup),
		cmocka_unit_test_setup(test_arguments, setup),
		cmocka_unit_test_setup(test_errors, setup),
		cmocka_unit_test_setup(test_warnings, setup),
		cmocka_unit_test_setup(test_lines_and_duplicates, setup),
		cmocka_unit_test_setup(test_read_path_errors, setup),
		cmocka_unit_test_setup(test_type_names, setup),
		cmocka_unit_test_setup(test_format, setup),
	};

	return (cmocka_run_group_tests(tests, 0, 0));
}
