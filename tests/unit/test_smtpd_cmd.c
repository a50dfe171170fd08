/* Unit tests for smtpd/smtpd_cmd: verbs, ESMTP parameters, xtext, BDAT. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "vstring.h"
#include "smtpd_cmd.h"

static void
test_split(void **unused)
{
	VSTRING *verb = vstring_alloc(10);
	const char *arg;

	(void) unused;
	smtpd_cmd_split("mail FROM:<a@b> SIZE=1", verb, &arg);
	assert_string_equal(vstring_str(verb), "MAIL");
	assert_string_equal(arg, "FROM:<a@b> SIZE=1");
	smtpd_cmd_split("  NOOP  \t x", verb, &arg);
	assert_string_equal(vstring_str(verb), "NOOP");
	assert_string_equal(arg, "x");
	smtpd_cmd_split("QUIT", verb, &arg);
	assert_string_equal(vstring_str(verb), "QUIT");
	assert_string_equal(arg, "");
	smtpd_cmd_split("", verb, &arg);
	assert_string_equal(vstring_str(verb), "");
	assert_string_equal(arg, "");
	assert_string_equal(smtpd_cmd_keyword("from:<a@b>", "FROM:"), "<a@b>");
	assert_string_equal(smtpd_cmd_keyword("TO: <a@b>", "TO:"), " <a@b>");
	assert_null(smtpd_cmd_keyword("FROM <a@b>", "FROM:"));
	assert_null(smtpd_cmd_keyword("", "TO:"));
	vstring_free(verb);
}

/* MAIL FROM parameters: input, extensions, expected code, reply prefix. */
static const struct mail_case {
	const char *params;
	int	ext;
	int	code;
	const char *reply;
	long long size;
	int	body;
	int	utf8;
	int	ret;
	const char *envid;
} mail_cases[] = {
	{"", SMTPD_EXT_ALL, 0, "", -1, 0, 0, 0, ""},
	{"SIZE=1000", SMTPD_EXT_ALL, 0, "", 1000, 0, 0, 0, ""},
	{"size=0", SMTPD_EXT_ALL, 0, "", 0, 0, 0, 0, ""},
	{"SIZE=", SMTPD_EXT_ALL, 501, "501 5.5.4 Bad message size syntax", -1, 0, 0, 0, ""},
	{"SIZE", SMTPD_EXT_ALL, 501, "501 5.5.4 Bad message size syntax", -1, 0, 0, 0, ""},
	{"SIZE=abc", SMTPD_EXT_ALL, 501, "501 5.5.4 Bad message size syntax", -1, 0, 0, 0, ""},
	{"SIZE=-1", SMTPD_EXT_ALL, 501, "501 5.5.4 Bad message size syntax", -1, 0, 0, 0, ""},
	{"SIZE=+5", SMTPD_EXT_ALL, 501, "501 5.5.4 Bad message size syntax", -1, 0, 0, 0, ""},
	{"SIZE=12x", SMTPD_EXT_ALL, 501, "501 5.5.4 Bad message size syntax", -1, 0, 0, 0, ""},
	{"SIZE=99999999999999999999", SMTPD_EXT_ALL, 552,
	 "552 5.3.4 Message size exceeds file system imposed limit", -1, 0, 0, 0, ""},
	{"SIZE=999999999999999999999999999999999999x", SMTPD_EXT_ALL, 501,
	 "501 5.5.4 Bad message size syntax", -1, 0, 0, 0, ""},
	{"SIZE=4611686018427387000", SMTPD_EXT_ALL, 0, "", 4611686018427387000LL, 0, 0, 0, ""},
	{"SIZE=100 SIZE=200", SMTPD_EXT_ALL, 555, "555 5.5.4 Duplicate option: SIZE", -1, 0, 0, 0, ""},
	{"BODY=8BITMIME", SMTPD_EXT_ALL, 0, "", -1, SMTPD_BODY_8BITMIME, 0, 0, ""},
	{"body=7bit", SMTPD_EXT_ALL, 0, "", -1, SMTPD_BODY_7BIT, 0, 0, ""},
	{"BODY=BINARYMIME", SMTPD_EXT_ALL, 555, "555 5.5.4 Unsupported option: BODY=BINARYMIME", -1, 0, 0, 0, ""},
	{"BODY", SMTPD_EXT_ALL, 555, "555 5.5.4 Unsupported option: BODY", -1, 0, 0, 0, ""},
	{"BODY=8BITMIME BODY=7BIT", SMTPD_EXT_ALL, 555, "555 5.5.4 Duplicate option: BODY", -1, 0, 0, 0, ""},
	{"BODY=8BITMIME", SMTPD_EXT_ALL & ~SMTPD_EXT_8BITMIME, 555,
	 "555 5.5.4 Unsupported option: BODY=8BITMIME", -1, 0, 0, 0, ""},
	{"SMTPUTF8", SMTPD_EXT_ALL, 0, "", -1, 0, 1, 0, ""},
	{"smtputf8", SMTPD_EXT_ALL, 0, "", -1, 0, 1, 0, ""},
	{"SMTPUTF8=yes", SMTPD_EXT_ALL, 555, "555 5.5.4 Unsupported option: SMTPUTF8=yes", -1, 0, 0, 0, ""},
	{"SMTPUTF8", SMTPD_EXT_ALL & ~SMTPD_EXT_SMTPUTF8, 555,
	 "555 5.5.4 Unsupported option: SMTPUTF8", -1, 0, 0, 0, ""},
	{"SMTPUTF8 SMTPUTF8", SMTPD_EXT_ALL, 555, "555 5.5.4 Duplicate option: SMTPUTF8", -1, 0, 0, 0, ""},
	{"RET=FULL", SMTPD_EXT_ALL, 0, "", -1, 0, 0, SMTPD_RET_FULL, ""},
	{"ret=hdrs", SMTPD_EXT_ALL, 0, "", -1, 0, 0, SMTPD_RET_HDRS, ""},
	{"RET=", SMTPD_EXT_ALL, 501, "501 5.5.4 Bad RET parameter syntax", -1, 0, 0, 0, ""},
	{"RET=FOO", SMTPD_EXT_ALL, 501, "501 5.5.4 Bad RET parameter syntax", -1, 0, 0, 0, ""},
	{"RET=FULL RET=HDRS", SMTPD_EXT_ALL, 555, "555 5.5.4 Duplicate option: RET", -1, 0, 0, 0, ""},
	{"RET=FULL", SMTPD_EXT_ALL & ~SMTPD_EXT_DSN, 555, "555 5.5.4 Unsupported option: RET=FULL", -1, 0, 0, 0, ""},
	{"ENVID=abc+2Bdef", SMTPD_EXT_ALL, 0, "", -1, 0, 0, 0, "abc+def"},
	{"ENVID=a+41", SMTPD_EXT_ALL, 0, "", -1, 0, 0, 0, "aA"},
	{"ENVID=a+20b", SMTPD_EXT_ALL, 0, "", -1, 0, 0, 0, "a b"},
	{"ENVID=", SMTPD_EXT_ALL, 501, "501 5.5.4 Bad ENVID parameter syntax", -1, 0, 0, 0, ""},
	{"ENVID", SMTPD_EXT_ALL, 501, "501 5.5.4 Bad ENVID parameter syntax", -1, 0, 0, 0, ""},
	{"ENVID=a+2", SMTPD_EXT_ALL, 501, "501 5.5.4 Bad ENVID parameter syntax", -1, 0, 0, 0, ""},
	{"ENVID=a+ZZ", SMTPD_EXT_ALL, 501, "501 5.5.4 Bad ENVID parameter syntax", -1, 0, 0, 0, ""},
	{"ENVID=a+0D+0A", SMTPD_EXT_ALL, 501, "501 5.5.4 Bad ENVID parameter syntax", -1, 0, 0, 0, ""},
	{"ENVID=a=b", SMTPD_EXT_ALL, 501, "501 5.5.4 Bad ENVID parameter syntax", -1, 0, 0, 0, ""},
	{"ENVID=\xc3\xa9", SMTPD_EXT_ALL, 501, "501 5.5.4 Bad ENVID parameter syntax", -1, 0, 0, 0, ""},
	{"ENVID=a ENVID=b", SMTPD_EXT_ALL, 555, "555 5.5.4 Duplicate option: ENVID", -1, 0, 0, 0, "a"},
	{"ENVID=a b", SMTPD_EXT_ALL, 555, "555 5.5.4 Unsupported option: b", -1, 0, 0, 0, "a"},
	{"AUTH=<>", SMTPD_EXT_ALL, 0, "", -1, 0, 0, 0, ""},
	{"AUTH=", SMTPD_EXT_ALL, 501, "501 5.5.4 Bad AUTH parameter syntax", -1, 0, 0, 0, ""},
	{"NOTIFY=NEVER", SMTPD_EXT_ALL, 555, "555 5.5.4 Unsupported option: NOTIFY=NEVER", -1, 0, 0, 0, ""},
	{"FOO=bar", SMTPD_EXT_ALL, 555, "555 5.5.4 Unsupported option: FOO=bar", -1, 0, 0, 0, ""},
	{"=foo", SMTPD_EXT_ALL, 555, "555 5.5.4 Unsupported option: =foo", -1, 0, 0, 0, ""},
	{"X=\x01\xff", SMTPD_EXT_ALL, 555, "555 5.5.4 Unsupported option: X=??", -1, 0, 0, 0, ""},
	{"SIZE=12 foo", SMTPD_EXT_ALL, 555, "555 5.5.4 Unsupported option: foo", 12, 0, 0, 0, ""},
	{"  SIZE=5\t BODY=8BITMIME  SMTPUTF8 RET=HDRS ENVID=QQ  ", SMTPD_EXT_ALL, 0, "", 5,
	 SMTPD_BODY_8BITMIME, 1, SMTPD_RET_HDRS, "QQ"},
};

static void
test_mail_params(void **unused)
{
	SMTPD_MAIL_ARGS *args = smtpd_mail_args_alloc();
	VSTRING *reply = vstring_alloc(10);
	size_t	i;
	int	code;

	(void) unused;
	for (i = 0; i < sizeof(mail_cases) / sizeof(mail_cases[0]); i++) {
		const struct mail_case *tc = &mail_cases[i];

		code = smtpd_cmd_mail_params(tc->params, tc->ext, args, reply);
		if (code != tc->code || strcmp(vstring_str(reply), tc->reply) != 0)
			fail_msg("case %zu \"%s\": got %d \"%s\", want %d \"%s\"",
				 i, tc->params, code, vstring_str(reply),
				 tc->code, tc->reply);
		if (code == 0) {
			assert_int_equal(args->size, tc->size);
			assert_int_equal(args->body, tc->body);
			assert_int_equal(args->smtputf8, tc->utf8);
			assert_int_equal(args->ret, tc->ret);
			assert_string_equal(vstring_str(args->envid), tc->envid);
		}
	}
	smtpd_mail_args_free(args);
	vstring_free(reply);
}

static const struct rcpt_case {
	const char *params;
	int	ext;
	int	code;
	const char *reply;
	int	notify;
	const char *type;
	const char *addr;
} rcpt_cases[] = {
	{"", SMTPD_EXT_ALL, 0, "", 0, "", ""},
	{"NOTIFY=NEVER", SMTPD_EXT_ALL, 0, "", SMTPD_NOTIFY_NEVER, "", ""},
	{"NOTIFY=SUCCESS", SMTPD_EXT_ALL, 0, "", SMTPD_NOTIFY_SUCCESS, "", ""},
	{"notify=success,failure,delay", SMTPD_EXT_ALL, 0, "",
	 SMTPD_NOTIFY_SUCCESS | SMTPD_NOTIFY_FAILURE | SMTPD_NOTIFY_DELAY, "", ""},
	{"NOTIFY=DELAY,FAILURE", SMTPD_EXT_ALL, 0, "",
	 SMTPD_NOTIFY_FAILURE | SMTPD_NOTIFY_DELAY, "", ""},
	{"NOTIFY=SUCCESS,SUCCESS", SMTPD_EXT_ALL, 0, "", SMTPD_NOTIFY_SUCCESS, "", ""},
	{"NOTIFY=NEVER,SUCCESS", SMTPD_EXT_ALL, 501, "501 5.5.4 Error: Bad NOTIFY parameter syntax", 0, "", ""},
	{"NOTIFY=SUCCESS,NEVER", SMTPD_EXT_ALL, 501, "501 5.5.4 Error: Bad NOTIFY parameter syntax", 0, "", ""},
	{"NOTIFY=", SMTPD_EXT_ALL, 501, "501 5.5.4 Error: Bad NOTIFY parameter syntax", 0, "", ""},
	{"NOTIFY", SMTPD_EXT_ALL, 501, "501 5.5.4 Error: Bad NOTIFY parameter syntax", 0, "", ""},
	{"NOTIFY=FOO", SMTPD_EXT_ALL, 501, "501 5.5.4 Error: Bad NOTIFY parameter syntax", 0, "", ""},
	{"NOTIFY=SUCCESS,", SMTPD_EXT_ALL, 501, "501 5.5.4 Error: Bad NOTIFY parameter syntax", 0, "", ""},
	{"NOTIFY=,SUCCESS", SMTPD_EXT_ALL, 501, "501 5.5.4 Error: Bad NOTIFY parameter syntax", 0, "", ""},
	{"NOTIFY=NEVER NOTIFY=NEVER", SMTPD_EXT_ALL, 555, "555 5.5.4 Duplicate option: NOTIFY", 0, "", ""},
	{"NOTIFY=NEVER", SMTPD_EXT_ALL & ~SMTPD_EXT_DSN, 555,
	 "555 5.5.4 Unsupported option: NOTIFY=NEVER", 0, "", ""},
	{"ORCPT=rfc822;a@b", SMTPD_EXT_ALL, 0, "", 0, "rfc822", "a@b"},
	{"ORCPT=rfc822;a+40b", SMTPD_EXT_ALL, 0, "", 0, "rfc822", "a@b"},
	{"ORCPT=utf-8;x@y", SMTPD_EXT_ALL, 0, "", 0, "utf-8", "x@y"},
	{"ORCPT=foo", SMTPD_EXT_ALL, 501, "501 5.5.4 Error: Bad ORCPT parameter syntax", 0, "", ""},
	{"ORCPT=;a@b", SMTPD_EXT_ALL, 501, "501 5.5.4 Error: Bad ORCPT parameter syntax", 0, "", ""},
	{"ORCPT=rfc822;", SMTPD_EXT_ALL, 501, "501 5.5.4 Error: Bad ORCPT parameter syntax", 0, "", ""},
	{"ORCPT=rfc822;a+4", SMTPD_EXT_ALL, 501, "501 5.5.4 Error: Bad ORCPT parameter syntax", 0, "", ""},
	{"ORCPT=rfc 822;a", SMTPD_EXT_ALL, 501, "501 5.5.4 Error: Bad ORCPT parameter syntax", 0, "", ""},
	{"ORCPT=rf.c;a", SMTPD_EXT_ALL, 501, "501 5.5.4 Error: Bad ORCPT parameter syntax", 0, "", ""},
	{"ORCPT=rfc822;a+0Ab", SMTPD_EXT_ALL, 501, "501 5.5.4 Error: Bad ORCPT parameter syntax", 0, "", ""},
	{"ORCPT=rfc822;a@b ORCPT=rfc822;c@d", SMTPD_EXT_ALL, 555,
	 "555 5.5.4 Duplicate option: ORCPT", 0, "rfc822", "a@b"},
	{"SIZE=1", SMTPD_EXT_ALL, 555, "555 5.5.4 Unsupported option: SIZE=1", 0, "", ""},
	{"FOO=bar", SMTPD_EXT_ALL, 555, "555 5.5.4 Unsupported option: FOO=bar", 0, "", ""},
	{"NOTIFY=FAILURE ORCPT=rfc822;x+2By@z", SMTPD_EXT_ALL, 0, "",
	 SMTPD_NOTIFY_FAILURE, "rfc822", "x+y@z"},
};

static void
test_rcpt_params(void **unused)
{
	SMTPD_RCPT_ARGS *args = smtpd_rcpt_args_alloc();
	VSTRING *reply = vstring_alloc(10);
	size_t	i;
	int	code;

	(void) unused;
	for (i = 0; i < sizeof(rcpt_cases) / sizeof(rcpt_cases[0]); i++) {
		const struct rcpt_case *tc = &rcpt_cases[i];

		code = smtpd_cmd_rcpt_params(tc->params, tc->ext, args, reply);
		if (code != tc->code || strcmp(vstring_str(reply), tc->reply) != 0)
			fail_msg("case %zu \"%s\": got %d \"%s\", want %d \"%s\"",
				 i, tc->params, code, vstring_str(reply),
				 tc->code, tc->reply);
		if (code == 0) {
			assert_int_equal(args->notify, tc->notify);
			assert_string_equal(vstring_str(args->orcpt_type), tc->type);
			assert_string_equal(vstring_str(args->orcpt_addr), tc->addr);
		}
	}
	smtpd_rcpt_args_free(args);
	vstring_free(reply);
}

static void
test_xtext(void **unused)
{
	VSTRING *out = vstring_alloc(10);
	char	big[SMTPD_ENVID_MAX + 2];

	(void) unused;
	assert_int_equal(smtpd_xtext_decode(out, "abc", 100), 0);
	assert_string_equal(vstring_str(out), "abc");
	assert_int_equal(smtpd_xtext_decode(out, "+2B+3D+7e", 100), 0);
	assert_string_equal(vstring_str(out), "+=~");
	assert_int_equal(smtpd_xtext_decode(out, "", 100), -1);
	assert_int_equal(smtpd_xtext_decode(out, "a b", 100), -1);
	assert_int_equal(smtpd_xtext_decode(out, "a+", 100), -1);
	assert_int_equal(smtpd_xtext_decode(out, "a+G0", 100), -1);
	assert_int_equal(smtpd_xtext_decode(out, "+00", 100), -1);
	assert_int_equal(smtpd_xtext_decode(out, "+7F", 100), -1);
	assert_int_equal(smtpd_xtext_decode(out, "+80", 100), -1);
	assert_int_equal(smtpd_xtext_decode(out, "\x7f", 100), -1);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	assert_int_equal(smtpd_xtext_decode(out, big, SMTPD_ENVID_MAX), -1);
	big[sizeof(big) - 2] = 0;
	assert_int_equal(smtpd_xtext_decode(out, big, SMTPD_ENVID_MAX), 0);
	vstring_free(out);
}

static void
test_bdat_args(void **unused)
{
	off_t	count;
	int	last;

	(void) unused;
	assert_int_equal(smtpd_cmd_bdat_args("5", &count, &last), 0);
	assert_int_equal(count, 5);
	assert_int_equal(last, 0);
	assert_int_equal(smtpd_cmd_bdat_args("0 LAST", &count, &last), 0);
	assert_int_equal(count, 0);
	assert_int_equal(last, 1);
	assert_int_equal(smtpd_cmd_bdat_args("  12\tlast ", &count, &last), 0);
	assert_int_equal(count, 12);
	assert_int_equal(last, 1);
	assert_int_equal(smtpd_cmd_bdat_args("", &count, &last), -1);
	assert_int_equal(smtpd_cmd_bdat_args("x", &count, &last), -1);
	assert_int_equal(smtpd_cmd_bdat_args("-1", &count, &last), -1);
	assert_int_equal(smtpd_cmd_bdat_args("3 FOO", &count, &last), -1);
	assert_int_equal(smtpd_cmd_bdat_args("1 LAST junk", &count, &last), -1);
	assert_int_equal(smtpd_cmd_bdat_args("LAST", &count, &last), -1);
	assert_int_equal(smtpd_cmd_bdat_args("99999999999999999999", &count,
					      &last), -1);
}

static void
test_notify_text(void **unused)
{
	VSTRING *out = vstring_alloc(10);

	(void) unused;
	assert_string_equal(smtpd_notify_text(SMTPD_NOTIFY_NEVER, out), "NEVER");
	assert_string_equal(smtpd_notify_text(SMTPD_NOTIFY_SUCCESS
					      | SMTPD_NOTIFY_DELAY, out),
			    "SUCCESS,DELAY");
	assert_string_equal(smtpd_notify_text(SMTPD_NOTIFY_FAILURE, out),
			    "FAILURE");
	vstring_free(out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_mail_params),
		cmocka_unit_test(test_rcpt_params),
		cmocka_unit_test(test_xtext),
		cmocka_unit_test(test_bdat_args),
		cmocka_unit_test(test_notify_text),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
