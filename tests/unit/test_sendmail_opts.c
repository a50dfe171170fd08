/* Unit tests for sendmail/sendmail_opts: the Sendmail command line. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "msg.h"
#include "argv.h"
#include "vstring.h"
#include "sendmail.h"

#define MAXARGS 16

typedef struct {
	const char *argv[MAXARGS];	/* NULL-terminated */
	int	ok;
	int	mode;
	const char *sender;
	const char *full_name;
	const char *config;
	const char *envid;
	const char *ret;
	int	notify;
	int	extract;
	int	dot_ends;
	const char *rcpts;		/* space-separated operands */
	const char *extra;		/* "alias_db=...", "flush_id=...", ... */
} CASE;

#define ENQ	SM_MODE_ENQUEUE

static const CASE cases[] = {
	/* Plain enqueue; recipients after the options. */
	{.argv = {"sendmail", "a@b", "c@d"}, .ok = 1, .mode = ENQ, .dot_ends = 1, .rcpts = "a@b c@d"},
	{.argv = {"/usr/sbin/sendmail", "-f", "s@x", "-F", "Full Name", "r"}, .ok = 1, .mode = ENQ,
	 .sender = "s@x", .full_name = "Full Name", .dot_ends = 1, .rcpts = "r"},
	{.argv = {"sendmail", "-fs@x", "-r", "t@y", "r"}, .ok = 1, .mode = ENQ, .sender = "t@y",
	 .dot_ends = 1, .rcpts = "r"},
	{.argv = {"sendmail", "-ti"}, .ok = 1, .mode = ENQ, .extract = 1, .dot_ends = 0, .rcpts = ""},
	{.argv = {"sendmail", "-oi", "-t", "x"}, .ok = 1, .mode = ENQ, .extract = 1, .dot_ends = 0,
	 .rcpts = "x"},
	{.argv = {"sendmail", "-o", "i", "value", "r"}, .ok = 1, .mode = ENQ, .dot_ends = 0, .rcpts = "r"},
	{.argv = {"sendmail", "-C", "/etc/alt", "r"}, .ok = 1, .mode = ENQ, .config = "/etc/alt",
	 .dot_ends = 1, .rcpts = "r"},
	/* "--" ends options; the first operand does too (no permutation). */
	{.argv = {"sendmail", "--", "-f", "r"}, .ok = 1, .mode = ENQ, .dot_ends = 1, .rcpts = "-f r"},
	{.argv = {"sendmail", "r", "-t"}, .ok = 1, .mode = ENQ, .dot_ends = 1, .rcpts = "r -t"},
	/* DSN options. */
	{{"sendmail", "-N", "success,delay", "-R", "hdrs", "-V", "id-1", "r"}, 1,
	 ENQ, .notify = SM_NOTIFY_SUCCESS | SM_NOTIFY_DELAY, .ret = "HDRS",
	 .envid = "id-1", .dot_ends = 1, .rcpts = "r"},
	{.argv = {"sendmail", "-NNEVER", "-RFULL", "r"}, .ok = 1, .mode = ENQ, .notify = SM_NOTIFY_NEVER,
	 .ret = "FULL", .dot_ends = 1, .rcpts = "r"},
	{.argv = {"sendmail", "-N", "never,success", "r"}, .ok = 0},
	{.argv = {"sendmail", "-N", "sometimes", "r"}, .ok = 0},
	{.argv = {"sendmail", "-R", "body", "r"}, .ok = 0},
	{.argv = {"sendmail", "-V", "has space", "r"}, .ok = 0},
	/* Ignored options, as Postfix documents them. */
	{.argv = {"sendmail", "-oem", "-odi", "-oQ/tmp", "-om", "-o7", "-o8", "r"}, .ok = 1, .mode = ENQ,
	 .dot_ends = 1, .rcpts = "r"},
	{.argv = {"sendmail", "-Am", "-Ac", "-G", "-U", "-m", "-n", "-h", "5", "-L", "x",
	  "-O", "a=b", "r"}, .ok = 1, .mode = ENQ, .dot_ends = 1, .rcpts = "r"},
	{.argv = {"sendmail", "-XV", "-X", "/tmp/log", "-bh", "r"}, .ok = 1, .mode = ENQ, .dot_ends = 1,
	 .rcpts = "r"},
	{.argv = {"sendmail", "-o", "x", "value", "r"}, .ok = 1, .mode = ENQ, .dot_ends = 1, .rcpts = "r"},
	/* Modes. */
	{.argv = {"sendmail", "-bp"}, .ok = 1, .mode = SM_MODE_MAILQ, .dot_ends = 1, .rcpts = ""},
	{.argv = {"/usr/bin/mailq"}, .ok = 1, .mode = SM_MODE_MAILQ, .dot_ends = 1, .rcpts = ""},
	{.argv = {"newaliases"}, .ok = 1, .mode = SM_MODE_NEWALIAS, .dot_ends = 1, .rcpts = ""},
	{.argv = {"sendmail", "-bi", "-oA/etc/other"}, .ok = 1, .mode = SM_MODE_NEWALIAS, .dot_ends = 1,
	 .rcpts = "", .extra = "alias_db=/etc/other"},
	{.argv = {"sendmail", "-I"}, .ok = 1, .mode = SM_MODE_NEWALIAS, .dot_ends = 1, .rcpts = ""},
	{.argv = {"sendmail", "-bs"}, .ok = 1, .mode = SM_MODE_SMTP, .dot_ends = 1, .rcpts = ""},
	{.argv = {"sendmail", "-bd"}, .ok = 1, .mode = SM_MODE_DAEMON, .dot_ends = 1, .rcpts = ""},
	{.argv = {"sendmail", "-bl"}, .ok = 1, .mode = SM_MODE_DAEMON, .dot_ends = 1, .rcpts = ""},
	{.argv = {"sendmail", "-bv", "r"}, .ok = 1, .mode = SM_MODE_VERIFY, .dot_ends = 1, .rcpts = "r"},
	{.argv = {"sendmail", "-bm", "r"}, .ok = 1, .mode = ENQ, .dot_ends = 1, .rcpts = "r"},
	{.argv = {"sendmail", "-q"}, .ok = 1, .mode = SM_MODE_FLUSH, .dot_ends = 1, .rcpts = ""},
	{.argv = {"sendmail", "-qIABC123"}, .ok = 1, .mode = SM_MODE_FLUSH, .dot_ends = 1, .rcpts = "",
	 .extra = "flush_id=ABC123"},
	{.argv = {"sendmail", "-qRexample.com"}, .ok = 1, .mode = SM_MODE_FLUSH, .dot_ends = 1,
	 .rcpts = "", .extra = "flush_site=example.com"},
	{.argv = {"sendmail", "-q1h"}, .ok = 1, .mode = SM_MODE_IGNORE, .dot_ends = 1, .rcpts = ""},
	{.argv = {"sendmail", "-bd", "-q30m"}, .ok = 1, .mode = SM_MODE_DAEMON, .dot_ends = 1,
	 .rcpts = ""},
	{.argv = {"sendmail", "-B", "8BITMIME", "r"}, .ok = 1, .mode = ENQ, .dot_ends = 1, .rcpts = "r",
	 .extra = "body_type=8bit"},
	/* Usage errors. */
	{.argv = {"sendmail", "-Z", "r"}, .ok = 0},
	{.argv = {"sendmail", "-bz"}, .ok = 0},
	{.argv = {"sendmail", "-bpx"}, .ok = 0},
	{.argv = {"sendmail", "-f"}, .ok = 0},
	{.argv = {"sendmail", "-qS"}, .ok = 0},
	{.argv = {"sendmail", "-qI"}, .ok = 0},
	{.argv = {"sendmail", "-B", "binary", "r"}, .ok = 0},
};

static void
check_str(const char *what, int i, const char *want, const char *got)
{
	if (want == NULL && got == NULL)
		return;
	if (want == NULL || got == NULL || strcmp(want, got) != 0)
		fail_msg("case %d: %s: want \"%s\" got \"%s\"", i, what,
			 want ? want : "(null)", got ? got : "(null)");
}

static void
test_cases(void **state)
{
	size_t  i;

	(void) state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const CASE *cp = &cases[i];
		SENDMAIL_OPTS opts;
		VSTRING *why = vstring_alloc(100);
		VSTRING *joined = vstring_alloc(100);
		int     argc = 0;
		int     rc;
		size_t  j;

		while (cp->argv[argc])
			argc++;
		rc = sendmail_opts_parse(&opts, argc, (char **) cp->argv, why);
		if (!cp->ok) {
			if (rc == 0)
				fail_msg("case %zu (%s %s): accepted", i, cp->argv[1],
					 cp->argv[2] ? cp->argv[2] : "");
			assert_true(vstring_len(why) > 0);
		} else {
			if (rc != 0)
				fail_msg("case %zu: refused: %s", i, vstring_str(why));
			assert_int_equal(opts.mode, cp->mode);
			check_str("sender", (int) i, cp->sender, opts.sender);
			check_str("full_name", (int) i, cp->full_name, opts.full_name);
			check_str("config", (int) i, cp->config, opts.config);
			check_str("envid", (int) i, cp->envid, opts.envid);
			check_str("ret", (int) i, cp->ret, opts.ret);
			assert_int_equal(opts.notify, cp->notify);
			assert_int_equal(opts.extract, cp->extract);
			assert_int_equal(opts.dot_ends, cp->dot_ends);
			for (j = 0; j < opts.recipients->len; j++)
				vstring_sprintf_append(joined, "%s%s", j ? " " : "",
						       opts.recipients->argv[j]);
			check_str("recipients", (int) i, cp->rcpts, vstring_str(joined));
			if (cp->extra) {
				VSTRING *got = vstring_alloc(50);

				if (strncmp(cp->extra, "alias_db=", 9) == 0)
					vstring_sprintf(got, "alias_db=%s", opts.alias_db);
				else if (strncmp(cp->extra, "flush_id=", 9) == 0)
					vstring_sprintf(got, "flush_id=%s", opts.flush_id);
				else if (strncmp(cp->extra, "flush_site=", 11) == 0)
					vstring_sprintf(got, "flush_site=%s", opts.flush_site);
				else
					vstring_sprintf(got, "body_type=%s", opts.body_type);
				check_str("extra", (int) i, cp->extra, vstring_str(got));
				vstring_free(got);
			}
		}
		sendmail_opts_free(&opts);
		vstring_free(joined);
		vstring_free(why);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
