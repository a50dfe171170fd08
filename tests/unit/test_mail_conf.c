/*
 * test_mail_conf - main.cf parsing, expansion, typed values, warnings
 *
 * Table-driven where cases are many: main.cf text in, then the
 * expected values, warnings or the error with file and line. Warnings
 * and fatal errors are captured through msg_output()/msg_cleanup().
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "msg.h"
#include "mymalloc.h"
#include "vstring.h"
#include "argv.h"
#include "mail_params.h"
#include "mail_conf.h"

static VSTRING *log_text;		/* captured warnings and errors */
static int fatal_pipe = -1;		/* child: where fatal logs go */

static void
capture(int level, const char *text)
{
	vstring_sprintf_append(log_text, "%s%s\n", msg_level_prefix(level), text);
	if (getenv("TEST_VERBOSE"))
		fprintf(stderr, "%s%s\n", msg_level_prefix(level), text);
}

/* In a child that calls msg_fatal(): hand the log to the parent. */
static void
fatal_cleanup(void)
{
	if (fatal_pipe >= 0
	    && write(fatal_pipe, vstring_str(log_text), vstring_len(log_text)) < 0)
		abort();
}

/*
 * Run fn(arg) in a child process; true when it ended in msg_fatal().
 * The child's log replaces log_text. (A fork, not a longjmp: msg_fatal()
 * runs the cleanup function only once per process.)
 */
static int
fatal_in_child(void (*fn) (const char *), const char *arg)
{
	int     fds[2];
	pid_t   pid;
	int     status;
	char    buf[1024];
	ssize_t n;

	assert_int_equal(pipe(fds), 0);
	if ((pid = fork()) == 0) {
		close(fds[0]);
		fatal_pipe = fds[1];
		VSTRING_RESET(log_text);
		fn(arg);
		_exit(0);
	}
	close(fds[1]);
	VSTRING_RESET(log_text);
	while ((n = read(fds[0], buf, sizeof(buf))) > 0)
		vstring_memcat(log_text, buf, (size_t) n);
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return (WIFEXITED(status) && WEXITSTATUS(status) == 1);
}

static void
call_int(const char *name)
{
	(void) mail_conf_int(name);
}

static void
call_str(const char *name)
{
	(void) mail_conf_str(name);
}

static void
call_init(const char *dir)
{
	mail_conf_init(dir);
}

static int
setup(void **state)
{
	if (log_text == NULL)
		log_text = vstring_alloc(100);
	VSTRING_RESET(log_text);
	msg_output_reset();
	msg_output(capture);
	msg_cleanup(fatal_cleanup);
	mail_conf_reset();
	return (0);
}

/* Load main.cf text; returns the status, why receives the reason. */
static int
load_text(const char *text, VSTRING *why)
{
	FILE   *fp = fmemopen((void *) text, strlen(text), "r");
	int     status;

	assert_non_null(fp);
	mail_conf_reset();
	status = mail_conf_load_stream(fp, "test/main.cf", why);
	fclose(fp);
	return (status);
}

static const char *
value_of(const char *name)
{
	static VSTRING *buf;
	VSTRING *why = vstring_alloc(10);

	if (buf == NULL)
		buf = vstring_alloc(10);
	if (mail_conf_eval(name, buf, why) < 0)
		vstring_sprintf(buf, "ERROR: %s", vstring_str(why));
	vstring_free(why);
	return (vstring_str(buf));
}

/* Syntax: main.cf text, a name, its expanded value, expected warnings. */
typedef struct PARSE_CASE {
	const char *text;
	const char *name;
	const char *value;
	const char *log;		/* exact captured log, "" for none */
} PARSE_CASE;

static const PARSE_CASE parse_cases[] = {
	{"relayhost = [x]\n", "relayhost", "[x]", ""},
	{"relayhost=[x]\n", "relayhost", "[x]", ""},
	{"relayhost   =    [x]   \t\n", "relayhost", "[x]", ""},
	{"relayhost =\n", "relayhost", "", ""},
	{"# comment\n\n  # indented comment\nrelayhost = a\n", "relayhost", "a", ""},
	{"relayhost = a # not a comment\n", "relayhost", "a # not a comment", ""},
	/* Continuations keep their white space; comments between are skipped. */
	{"alias_maps = a,\n    b\n# c\n\n\tc\n", "alias_maps", "a,    b\tc", ""},
	{"relayhost = a\r\n", "relayhost", "a", ""},
	{"relayhost = a b = c\n", "relayhost", "a b = c", ""},
	/* Last one wins, with Postfix's warning. */
	{"relayhost = a\nrelayhost = b\n", "relayhost", "b",
	"warning: test/main.cf, line 2: overriding earlier entry: relayhost=a\n"},
	/* A logical line that starts with white space is ignored. */
	{"  relayhost = a\nmydomain = b\n", "relayhost", "",
	"warning: test/main.cf: logical line must not start with whitespace: "
	"\"  relayhost = a\"\n"},
	{"  relayhost = aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n", "relayhost", "",
	"warning: test/main.cf: logical line must not start with whitespace: "
	"\"  relayhost = aaaaaaaaaaaaaaaa...\"\n"},
	/* Read-only parameters cannot be set. */
	{"process_name = x\n", "process_name", "test_mail_conf",
	"warning: test/main.cf: read-only parameter assignment: process_name=x\n"},
	/* Expansion of every form, lazily and against defaults. */
	{"mydomain = example.com\nmyorigin = $mydomain\n", "myorigin", "example.com", ""},
	{"x = ${mydomain?{set}:{unset}}\n", "x", "set", ""},
	{"x = ${relayhost?{set}:{unset}}\n", "x", "unset", ""},
	{"x = ${relayhost:{none}} $(mail_name)\n", "x", "none postern", ""},
	{"x = ${{$compatibility_level} <level {1} ? {old} : {new}}\n", "x", "old", ""},
	{"compatibility_level = 3.6\n", "relay_domains", "", ""},
	{"compatibility_level = 3.6\n", "mynetworks_style", "host", ""},
	{"mydestination = d.example\n", "relay_domains", "d.example", ""},
	{"", "smtpd_timeout", "300s", ""},
	{"stress = yes\n", "smtpd_timeout", "10s", ""},
	{"virtual_maps = hash:/v\n", "virtual_alias_maps", "hash:/v", ""},
	{"", "virtual_alias_maps", "", ""},
	/* Raw parameters are not expanded when read. */
	{"forward_path = $home/.forward\n", "forward_path", "$home/.forward", ""},
	/* A main.cf value that refers to itself through others is an error. */
	{"a = $b\nb = $a\nx = $a\n", "x", "ERROR: unreasonable macro call nesting", ""},
	{"x = ${oops\n", "x", "ERROR: truncated macro reference: \"${oops\"", ""},
	/* Computed defaults use main.cf, and tolerate needing themselves. */
	{"myhostname = host.sub.example.com\n", "mydomain", "sub.example.com", ""},
	{"myhostname = shorthost\n", "mydomain", "localdomain", ""},
	{0, 0, 0, 0},
};

static void
test_parse_table(void **state)
{
	const PARSE_CASE *cp;
	VSTRING *why = vstring_alloc(10);
	const char *got;

	for (cp = parse_cases; cp->text; cp++) {
		VSTRING_RESET(log_text);
		if (load_text(cp->text, why) < 0)
			fail_msg("%s: %s", cp->text, vstring_str(why));
		got = value_of(cp->name);
		if (strncmp(cp->value, "ERROR: ", 7) == 0) {
			if (strstr(got, cp->value + 7) == NULL)
				fail_msg("%s: got \"%s\", want \"%s\"", cp->text, got,
					 cp->value);
		} else if (strcmp(got, cp->value) != 0) {
			fail_msg("%s: %s = \"%s\", want \"%s\"", cp->text, cp->name,
				 got, cp->value);
		}
		if (strcmp(vstring_str(log_text), cp->log) != 0)
			fail_msg("%s: log \"%s\", want \"%s\"", cp->text,
				 vstring_str(log_text), cp->log);
	}
	vstring_free(why);
}

/* Syntax errors name file and line. */
static const char *const error_cases[][2] = {
	{"a = 1\nfoo bar\n",
	"test/main.cf, line 2: missing '=' after attribute name: \"foo bar\""},
	{"a = 1\n\nfoo\n  bar\n  baz\n",
	"test/main.cf, line 3: missing '=' after attribute name: \"foo  bar  baz\""},
	{"= bar\n", "test/main.cf, line 1: missing attribute name: \"= bar\""},
	{"x\ty = 1\n", "test/main.cf, line 1: missing '=' after attribute name"},
	{0, 0},
};

static void
test_syntax_errors(void **state)
{
	VSTRING *why = vstring_alloc(10);
	int     i;

	for (i = 0; error_cases[i][0]; i++) {
		VSTRING_RESET(why);
		assert_int_equal(load_text(error_cases[i][0], why), -1);
		if (strncmp(vstring_str(why), error_cases[i][1],
			    strlen(error_cases[i][1])) != 0)
			fail_msg("got \"%s\", want \"%s\"", vstring_str(why),
				 error_cases[i][1]);
	}
	vstring_free(why);
}

/* Unknown names: known classes and the warnings Postfix gives. */
static void
test_unused_and_undefined(void **state)
{
	VSTRING *why = vstring_alloc(10);

	assert_int_equal(load_text("foo = bar\n"
				   "x = $y ${z?{a}}\n"
				   "myhostname = $user_defined\n"
				   "user_defined = h.example\n"
				   "smtpd_restriction_classes = cls\n"
				   "cls = permit\n"
				   "virtual_maps = legacy\n"
				   "default_rbl_reply = $rbl_code\n"
				   "rbl_code = 5\n", why), 0);
	VSTRING_RESET(log_text);
	assert_int_equal(mail_conf_scan(why), 0);
	mail_conf_warn_unused();
	assert_string_equal(vstring_str(log_text),
			  "warning: test/main.cf: undefined parameter: y\n"
			  "warning: test/main.cf: undefined parameter: z\n"
			  "warning: test/main.cf: unused parameter: foo=bar\n"
			  "warning: test/main.cf: unused parameter: x=$y ${z?{a}}\n"
			  "warning: test/main.cf: unused parameter: rbl_code=5\n");
	assert_int_equal(mail_conf_known("myhostname"), MAIL_CONF_KNOWN_TABLE);
	assert_int_equal(mail_conf_known("user_defined"), MAIL_CONF_KNOWN_USER);
	assert_int_equal(mail_conf_known("cls"), MAIL_CONF_KNOWN_USER);
	assert_int_equal(mail_conf_known("virtual_maps"), MAIL_CONF_KNOWN_LEGACY);
	assert_int_equal(mail_conf_known("fallback_relay"), MAIL_CONF_KNOWN_LEGACY);
	assert_int_equal(mail_conf_known("rbl_code"), MAIL_CONF_KNOWN_NONE);
	assert_string_equal(value_of("myhostname"), "h.example");

	/* A broken value is fatal for a known parameter only. */
	assert_int_equal(load_text("x = ${oops\n", why), 0);
	VSTRING_RESET(log_text);
	assert_int_equal(mail_conf_scan(why), 0);
	assert_non_null(strstr(vstring_str(log_text),
			       "test/main.cf, line 1: parameter x: truncated"));
	assert_int_equal(load_text("\nrelayhost = ${oops\n", why), 0);
	assert_int_equal(mail_conf_scan(why), -1);
	assert_string_equal(vstring_str(why), "test/main.cf, line 2: parameter "
			    "relayhost: truncated macro reference: \"${oops\"");
	vstring_free(why);
}

/* Like Postfix, loading checks values that would fail later. */
static const char *const verify_cases[][2] = {
	{"compatibility_level = 3.6.1.1\n",
	"test/main.cf: parameter compatibility_level: malformed compatibility "
	"level syntax: \"3.6.1.1\""},
	{"compatibility_level = $relayhost\n",
	"test/main.cf: parameter compatibility_level: malformed compatibility "
	"level syntax: \"\""},
	{"compatibility_level = 3.6\n", ""},
	{"mynetworks_style = bogus\n", "test/main.cf: parameter mynetworks: "
	"unknown mynetworks mask style value \"bogus\" in \"bogus\""},
	{"mynetworks_style = bogus\nmynetworks = 127.0.0.0/8\n", ""},
	{"\nmyorigin = ${{3.6} >=level {$x}}\n",
	"test/main.cf, line 2: parameter myorigin: malformed compatibility level"},
	/* Not used by anything: only warned about. */
	{"x = $y\ny = ${{a} <level {1}}\n", ""},
	{"smtpd_restriction_classes = c\nc = ${oops\n", ""},
	{"mydomain = $myhostname\n", ""},
	{"mydomain = ${{1}<{2}}$mydomain\n",
	"test/main.cf, line 1: parameter mydomain: unreasonable macro call nesting"},
	{0, 0},
};

static void
test_verify_on_load(void **state)
{
	VSTRING *why = vstring_alloc(10);
	int     i;
	int     status;

	for (i = 0; verify_cases[i][0]; i++) {
		assert_int_equal(load_text(verify_cases[i][0], why), 0);
		VSTRING_RESET(why);
		status = mail_conf_scan(why);
		if (*verify_cases[i][1] == 0) {
			if (status != 0)
				fail_msg("%s: %s", verify_cases[i][0], vstring_str(why));
		} else if (status != -1 || strncmp(vstring_str(why), verify_cases[i][1],
					     strlen(verify_cases[i][1])) != 0) {
			fail_msg("%s: status %d, \"%s\", want \"%s\"", verify_cases[i][0],
				 status, vstring_str(why), verify_cases[i][1]);
		}
	}
	vstring_free(why);
}

/* Typed values and their errors. */
static void
test_typed(void **state)
{
	VSTRING *why = vstring_alloc(10);
	long    n;
	int     b;

	assert_int_equal(load_text("smtpd_recipient_limit = 77\n"
				   "biff = No\n"
				   "maximal_queue_lifetime = 2\n"
				   "delay_warning_time = 30m\n"
				   "message_size_limit = 1$bytes\nbytes=0\n", why), 0);
	assert_int_equal(mail_conf_int("smtpd_recipient_limit"), 77);
	assert_int_equal(mail_conf_bool("biff"), 0);
	assert_int_equal(mail_conf_bool("append_at_myorigin"), 1);
	assert_int_equal(mail_conf_time("maximal_queue_lifetime"), 2 * 86400);
	assert_int_equal(mail_conf_time("delay_warning_time"), 1800);
	assert_int_equal(mail_conf_time("smtpd_timeout"), 300);
	assert_int_equal(mail_conf_time("bounce_queue_lifetime"), 5 * 86400);
	assert_int_equal(mail_conf_size("message_size_limit"), 10);
	assert_string_equal(mail_conf_str("mail_name"), "postern");

	assert_int_equal(mail_conf_conv_int("x", "12x", 0, 100, &n, why), -1);
	assert_string_equal(vstring_str(why), "bad numerical configuration: x = 12x");
	assert_int_equal(mail_conf_conv_int("x", "0", 1, 100, &n, why), -1);
	assert_string_equal(vstring_str(why), "invalid x parameter value 0 < 1");
	assert_int_equal(mail_conf_conv_int("x", "99999999999999999999999", 0,
					    100, &n, why), -1);
	assert_int_equal(mail_conf_conv_bool("x", "true", &b, why), -1);
	assert_int_equal(mail_conf_conv_time("x", "3w", 's', 0, 1000000000, &n,
					     why), 0);
	assert_int_equal(n, 3 * 7 * 86400);
	assert_int_equal(mail_conf_conv_time("x", "5x", 's', 0, 100, &n, why), -1);
	assert_int_equal(mail_conf_conv_time("x", "", 's', 0, 100, &n, why), -1);
	assert_int_equal(mail_conf_conv_time("x", "999999999999999999w", 's', 0,
					     100, &n, why), -1);

	/* A bad value is fatal with file and line. */
	assert_int_equal(load_text("\nsmtpd_recipient_limit = many\n", why), 0);
	VSTRING_RESET(log_text);
	assert_true(fatal_in_child(call_int, "smtpd_recipient_limit"));
	assert_string_equal(vstring_str(log_text), "fatal: test/main.cf, line 2: "
		 "bad numerical configuration: smtpd_recipient_limit = many\n");
	assert_int_equal(load_text("relayhost = $a\na = $relayhost\n", why), 0);
	VSTRING_RESET(log_text);
	assert_true(fatal_in_child(call_str, "relayhost"));
	assert_non_null(strstr(vstring_str(log_text), "fatal: test/main.cf, "
			       "line 1: parameter relayhost: unreasonable"));
	vstring_free(why);
}

/* Overrides, lookups of user-defined names, per-transport parameters. */
static void
test_override_and_transport(void **state)
{
	VSTRING *why = vstring_alloc(10);
	const char *before;

	assert_int_equal(load_text("relayhost = a\nmy_class = permit\n"
			      "relay_destination_concurrency_limit = 7\n", why), 0);
	before = mail_conf_str("relayhost");
	assert_string_equal(before, "a");
	mail_conf_override("relayhost", "b");
	assert_string_equal(mail_conf_str("relayhost"), "b");
	/* The old pointer stays valid until the next reset. */
	assert_string_equal(before, "a");
	assert_string_equal(mail_conf_lookup("my_class"), "permit");
	assert_null(mail_conf_lookup("not_set"));
	assert_int_equal(mail_conf_transport_int("relay",
				    "destination_concurrency_limit"), 7);
	assert_int_equal(mail_conf_transport_int("smtp",
				    "destination_concurrency_limit"), 20);
	assert_int_equal(mail_conf_transport_int("local",
				    "destination_concurrency_limit"), 2);
	assert_int_equal(mail_conf_transport_time("pipe", "time_limit"), 1000);
	vstring_free(why);
}

/* The table is sorted, and every default expands without error. */
static void
test_table_sane(void **state)
{
	VSTRING *buf = vstring_alloc(10);
	VSTRING *why = vstring_alloc(10);
	size_t  i;

	assert_true(mail_param_count >= 300);
	for (i = 1; i < mail_param_count; i++)
		if (strcmp(mail_param_table[i - 1].name, mail_param_table[i].name) >= 0)
			fail_msg("table not sorted at %s", mail_param_table[i].name);
	for (i = 0; i < mail_param_count; i++) {
		assert_ptr_equal(mail_param_find(mail_param_table[i].name),
				 &mail_param_table[i]);
		assert_non_null(mail_param_table[i].descr);
		if (mail_param_table[i].type == MAIL_PARAM_TIME)
			assert_true(mail_param_table[i].unit != 0);
		if (mail_conf_eval(mail_param_table[i].name, buf, why) < 0)
			fail_msg("%s: %s", mail_param_table[i].name, vstring_str(why));
	}
	assert_null(mail_param_find("no_such_parameter"));
	vstring_free(buf);
	vstring_free(why);
}

/* Directory choice: -c, then MAIL_CONFIG; an explicit one is an entry. */
static void
test_init_directory(void **state)
{
	char    dir[] = "/tmp/test_mail_conf.XXXXXX";
	char    path[100];
	FILE   *fp;
	int     line = -1;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/main.cf", dir);
	assert_non_null(fp = fopen(path, "w"));
	fputs("myhostname = init.example\nunknown_name = 1\n", fp);
	fclose(fp);

	VSTRING_RESET(log_text);
	mail_conf_init(dir);
	assert_string_equal(mail_conf_dir(), dir);
	assert_string_equal(mail_conf_str("myhostname"), "init.example");
	assert_string_equal(mail_conf_str("config_directory"), dir);
	assert_non_null(mail_conf_entry("config_directory", &line));
	assert_int_equal(line, 0);
	assert_non_null(strstr(vstring_str(log_text),
			       "unused parameter: unknown_name=1"));

	setenv("MAIL_CONFIG", dir, 1);
	mail_conf_init(NULL);
	assert_string_equal(mail_conf_path(), path);
	unsetenv("MAIL_CONFIG");

	VSTRING_RESET(log_text);
	unlink(path);
	assert_true(fatal_in_child(call_init, dir));
	assert_non_null(strstr(vstring_str(log_text), "fatal: open "));
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_parse_table, setup),
		cmocka_unit_test_setup(test_syntax_errors, setup),
		cmocka_unit_test_setup(test_unused_and_undefined, setup),
		cmocka_unit_test_setup(test_verify_on_load, setup),
		cmocka_unit_test_setup(test_typed, setup),
		cmocka_unit_test_setup(test_override_and_transport, setup),
		cmocka_unit_test_setup(test_table_sane, setup),
		cmocka_unit_test_setup(test_init_directory, setup),
	};

	msg_set_progname("test_mail_conf");
	return (cmocka_run_group_tests(tests, NULL, NULL));
}
