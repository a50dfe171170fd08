/*
 * test_postqueue - postqueue(1)'s listing against Debian's Postfix 3.7
 *
 * ref_showq is a listing recorded from Postfix's showq(8) (public/showq)
 * for a queue with an active, an incoming (null sender), a deferred (with
 * a defer log giving reasons for two of three recipients) and a held
 * message; ref_mailq and ref_json are what Postfix's postqueue -p and -j
 * printed for it with TZ=UTC. postern must print the same bytes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <fcntl.h>
#include <cmocka.h>

#include "vstring.h"
#include "vstream.h"
#include "postqueue.h"

static const char ref_showq[] =
	"protocol\0mail_queue_list_protocol\0\0queue_name\0active\0queue_id\0"
	"B57F6A7E00F\0time\0" "1795305595\0size\0" "282\0forced_expire\0" "0\0sender\0"
	"u1@example.com\0recipient\0r1@example.org\0reason\0\0recipient\0"
	"q1@example.org\0reason\0\0recipient\0long-recipient-name-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx1@example.org\0"
	"reason\0\0\0queue_name\0incoming\0queue_id\0B3A9BA7E00A\0time\0"
	"1795305593\0size\0" "3314\0forced_expire\0" "0\0sender\0MAILER-DAEMON\0"
	"recipient\0dave@example.org\0reason\0\0\0queue_name\0deferred\0"
	"queue_id\0B6582A7E091\0time\0" "1795305596\0size\0" "282\0forced_expire\0"
	"0\0sender\0u2@example.com\0recipient\0r2@example.org\0reason\0"
	"connect to example.org[1.2.3.4]:25: Connection refused\0recipient\0"
	"q2@example.org\0reason\0connect to example.org[1.2.3.4]:25: Connection refused\0"
	"recipient\0long-recipient-name-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx2@example.org\0"
	"reason\0\0\0queue_name\0hold\0queue_id\0B4902A7E00D\0time\0" "1795305594\0"
	"size\0" "282\0forced_expire\0" "0\0sender\0u0@example.com\0recipient\0"
	"r0@example.org\0reason\0\0recipient\0q0@example.org\0reason\0"
	"\0recipient\0long-recipient-name-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx0@example.org\0"
	"reason\0\0\0\0";

static const char ref_mailq[] =
	"-Queue ID-  --Size-- ----Arrival Time---- -Sender/Recipient-------\n"
	"B57F6A7E00F*     282 Sat Nov 21 23:59:55  u1@example.com\n                                         r1@example.org\n"
	"                                         q1@example.org\n                                         long-recipient-name-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx1@example.org\n"
	"\nB3A9BA7E00A    3314 Sat Nov 21 23:59:53  MAILER-DAEMON\n                                         dave@example.org\n"
	"\nB6582A7E091     282 Sat Nov 21 23:59:56  u2@example.com\n                      (connect to example.org[1.2.3.4]:25: Connection refused)\n"
	"                                         r2@example.org\n                                         q2@example.org\n"
	"                                                          (reason unavailable)\n"
	"                                         long-recipient-name-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx2@example.org\n"
	"\nB4902A7E00D!     282 Sat Nov 21 23:59:54  u0@example.com\n                                         r0@example.org\n"
	"                                         q0@example.org\n                                         long-recipient-name-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx0@example.org\n"
	"\n-- 4 Kbytes in 4 Requests.\n";

static const char ref_json[] =
	"{\"queue_name\": \"active\", \"queue_id\": \"B57F6A7E00F\", \"arrival_time\": 1795305595, \"message_size\": 282, \"forced_expire\": false, \"sender\": \"u1@example.com\", \"recipients\": [{\"address\": \"r1@example.org\"}, {\"address\": \"q1@example.org\"}, {\"address\": \"long-recipient-name-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx1@example.org\"}]}\n"
	"{\"queue_name\": \"incoming\", \"queue_id\": \"B3A9BA7E00A\", \"arrival_time\": 1795305593, \"message_size\": 3314, \"forced_expire\": false, \"sender\": \"MAILER-DAEMON\", \"recipients\": [{\"address\": \"dave@example.org\"}]}\n"
	"{\"queue_name\": \"deferred\", \"queue_id\": \"B6582A7E091\", \"arrival_time\": 1795305596, \"message_size\": 282, \"forced_expire\": false, \"sender\": \"u2@example.com\", \"recipients\": [{\"address\": \"r2@example.org\", \"delay_reason\": \"connect to example.org[1.2.3.4]:25: Connection refused\"}, {\"address\": \"q2@example.org\", \"delay_reason\": \"connect to example.org[1.2.3.4]:25: Connection refused\"}, {\"address\": \"long-recipient-name-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx2@example.org\"}]}\n"
	"{\"queue_name\": \"hold\", \"queue_id\": \"B4902A7E00D\", \"arrival_time\": 1795305594, \"message_size\": 282, \"forced_expire\": false, \"sender\": \"u0@example.com\", \"recipients\": [{\"address\": \"r0@example.org\"}, {\"address\": \"q0@example.org\"}, {\"address\": \"long-recipient-name-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx0@example.org\"}]}\n";


/* Run the lister over a stream image; the output, or NULL on error. */
static VSTRING *
list(const char *in, size_t len, int format, int *status)
{
	VSTREAM *showq = vstream_memopen_read(in, len);
	VSTRING *out = vstring_alloc(1000);
	VSTRING *why = vstring_alloc(100);
	VSTREAM *fp = vstream_memopen(out, O_WRONLY);

	*status = postqueue_list(showq, fp, format, why);
	vstream_fflush(fp);
	vstream_close(fp);
	vstream_close(showq);
	vstring_free(why);
	return (out);
}

static void
test_mailq_format_matches_postfix(void **state)
{
	VSTRING *out;
	int     status;

	(void) state;
	out = list(ref_showq, sizeof(ref_showq) - 1, POSTQUEUE_FMT_MAILQ, &status);
	assert_int_equal(status, 0);
	assert_string_equal(vstring_str(out), ref_mailq);
	vstring_free(out);
}

static void
test_json_format_matches_postfix(void **state)
{
	VSTRING *out;
	int     status;

	(void) state;
	out = list(ref_showq, sizeof(ref_showq) - 1, POSTQUEUE_FMT_JSON, &status);
	assert_int_equal(status, 0);
	assert_string_equal(vstring_str(out), ref_json);
	vstring_free(out);
}

static void
test_empty_queue(void **state)
{
	static const char empty[] = "protocol\0mail_queue_list_protocol\0\0\0";
	VSTRING *out;
	int     status;

	(void) state;
	out = list(empty, sizeof(empty) - 1, POSTQUEUE_FMT_MAILQ, &status);
	assert_int_equal(status, 0);
	assert_string_equal(vstring_str(out), "Mail queue is empty\n");
	vstring_free(out);
	out = list(empty, sizeof(empty) - 1, POSTQUEUE_FMT_JSON, &status);
	assert_int_equal(status, 0);
	assert_string_equal(vstring_str(out), "");
	vstring_free(out);
}

static void
test_one_request_and_json_quoting(void **state)
{
	static const char one[] = "protocol\0mail_queue_list_protocol\0\0"
	"queue_name\0incoming\0queue_id\0ABCDE123\0time\0" "0\0size\0"
	"2048\0forced_expire\0" "1\0sender\0a\"b\\c\0recipient\0x\ty\0"
	"reason\0\0\0\0";
	VSTRING *out;
	int     status;

	(void) state;
	out = list(one, sizeof(one) - 1, POSTQUEUE_FMT_MAILQ, &status);
	assert_int_equal(status, 0);
	assert_non_null(strstr(vstring_str(out), "\nABCDE123#      2048 Thu Jan  1 00:00:00  a\"b\\c\n"));
	assert_non_null(strstr(vstring_str(out), "\n-- 2 Kbytes in 1 Request.\n"));
	vstring_free(out);
	out = list(one, sizeof(one) - 1, POSTQUEUE_FMT_JSON, &status);
	assert_int_equal(status, 0);
	assert_string_equal(vstring_str(out),
			    "{\"queue_name\": \"incoming\", \"queue_id\": \"ABCDE123\", "
			    "\"arrival_time\": 0, \"message_size\": 2048, "
			    "\"forced_expire\": true, \"sender\": \"a\\\"b\\\\c\", "
			    "\"recipients\": [{\"address\": \"x\\ty\"}]}\n");
	vstring_free(out);
}

static void
test_broken_streams_are_errors(void **state)
{
	static const struct {
		const char *data;
		size_t  len;
	} cases[] = {
		{"", 0},
		{"protocol\0other\0\0\0", 17},
		/* Cut off before the end of the list. */
		{"protocol\0mail_queue_list_protocol\0\0", 35},
		/* A message group without its attributes. */
		{"protocol\0mail_queue_list_protocol\0\0queue_name\0x\0\0\0", 50},
		/* A recipient without a reason. */
		{"protocol\0mail_queue_list_protocol\0\0queue_name\0q\0queue_id\0I\0"
		 "time\0" "1\0size\0" "1\0forced_expire\0" "0\0sender\0s\0"
		 "recipient\0r\0\0\0", 112},
	};
	VSTRING *out;
	size_t  i;
	int     status;

	(void) state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		out = list(cases[i].data, cases[i].len, POSTQUEUE_FMT_MAILQ, &status);
		assert_int_equal(status, -1);
		vstring_free(out);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mailq_format_matches_postfix),
		cmocka_unit_test(test_json_format_matches_postfix),
		cmocka_unit_test(test_empty_queue),
		cmocka_unit_test(test_one_request_and_json_quoting),
		cmocka_unit_test(test_broken_streams_are_errors),
	};

	setenv("TZ", "UTC", 1);
	tzset();
	return (cmocka_run_group_tests(tests, NULL, NULL));
}
