/* Unit tests for lib/global/queue_id. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <cmocka.h>

#include "vstring.h"
#include "queue_id.h"

static void
test_short_shape(void **state)
{
	VSTRING *id = vstring_alloc(10);
	struct timeval tv = {1700000000, 0xC3CD2};

	/* The example in man 5 postconf: 5 hex digits of usec, then inode. */
	queue_id_make(id, QUEUE_ID_SHORT, 0x1F3E90, &tv);
	assert_string_equal(vstring_str(id), "C3CD21F3E90");
	tv.tv_usec = 0;
	queue_id_make(id, QUEUE_ID_SHORT, 1, &tv);
	assert_string_equal(vstring_str(id), "000001");
	tv.tv_usec = 999999;
	queue_id_make(id, QUEUE_ID_SHORT, UINT64_MAX, &tv);
	assert_string_equal(vstring_str(id), "F423FFFFFFFFFFFFFFFFF");
	assert_true(queue_id_short_ok(vstring_str(id)));
	vstring_free(id);
}

static void
test_long_shape(void **state)
{
	VSTRING *id = vstring_alloc(10);
	struct timeval tv = {1300631508, 353025};
	QUEUE_ID_INFO info;

	/* The example in man 5 postconf decodes to exactly these fields. */
	queue_id_make(id, QUEUE_ID_LONG, 5536956, &tv);
	assert_string_equal(vstring_str(id), "3Pt2mN2VXxznjll");
	assert_true(queue_id_parse("3Pt2mN2VXxznjll", &info));
	assert_int_equal(info.kind, QUEUE_ID_LONG);
	assert_int_equal(info.sec, 1300631508);
	assert_int_equal(info.usec, 353025);
	assert_int_equal(info.inode, 5536956);
	/* Small times are padded to 6 + 4 digits. */
	tv.tv_sec = 0;
	tv.tv_usec = 0;
	queue_id_make(id, QUEUE_ID_LONG, 0, &tv);
	assert_string_equal(vstring_str(id), "0000000000z0");
	/* Seconds beyond 52^6 take more digits. */
	tv.tv_sec = 19770609664LL;	/* 52^6 */
	queue_id_make(id, QUEUE_ID_LONG, 50, &tv);
	assert_string_equal(vstring_str(id), "10000000000zy");
	vstring_free(id);
}

static void
test_round_trip(void **state)
{
	VSTRING *id = vstring_alloc(10);
	QUEUE_ID_INFO info;
	struct timeval tv;
	uint64_t inode;
	int     kind;
	int     i;

	srandom(12345);
	for (i = 0; i < 20000; i++) {
		kind = (i & 1) ? QUEUE_ID_LONG : QUEUE_ID_SHORT;
		tv.tv_sec = random() % 4000000000L;
		tv.tv_usec = random() % 1000000;
		inode = ((uint64_t) random() << 33) ^ (uint64_t) random();
		if (i % 7 == 0)
			inode = (uint64_t) (random() % 100);
		queue_id_make(id, kind, inode, &tv);
		assert_true(strlen(vstring_str(id)) <= QUEUE_ID_MAXLEN);
		assert_true(queue_id_parse(vstring_str(id), &info));
		assert_int_equal(info.kind, kind);
		assert_int_equal(info.usec, tv.tv_usec);
		assert_true(info.inode == inode);
		if (kind == QUEUE_ID_LONG)
			assert_true(info.sec == (uint64_t) tv.tv_sec);
	}
	vstring_free(id);
}

static const struct {
	const char *id;
	int     kind;			/* 0: invalid */
} validity_cases[] = {
	{"C3CD21F3E90", QUEUE_ID_SHORT},
	{"F423F1", QUEUE_ID_SHORT},	/* 999999 usec */
	{"000000", QUEUE_ID_SHORT},	/* inode 0 */
	{"F42401", 0},			/* 1000000 usec */
	{"FFFFF1", 0},
	{"C3CD2", 0},			/* no inode */
	{"C3CD201", 0},			/* leading zero in inode */
	{"c3cd21f3e90", 0},		/* lower case */
	{"C3CD21F3E9G", 0},
	{"00000" "11111111111111111", 0},	/* inode over 64 bits */
	{"00000" "FFFFFFFFFFFFFFFF", QUEUE_ID_SHORT},
	{"", 0},
	{"../active/C3CD21F3E90", 0},
	{"C3CD2/1F3E90", 0},
	{"C3CD2.1F3E90", 0},
	{"C3CD2 1F3E90", 0},
	{"3Pt2mN2VXxznjll", QUEUE_ID_LONG},
	{"3Pt2mN2VXxz1", QUEUE_ID_LONG},
	{"0000z00000z1", QUEUE_ID_LONG},	/* 'z' inside the seconds */
	{"3Pt2mN2VXxz", 0},		/* no inode */
	{"3Pt2mNVXxz1", 0},		/* 3 usec digits */
	{"Pt2mN2VXxz1", 0},		/* 5 seconds digits */
	{"3Pt2mN2VXxz01", 0},		/* leading zero in inode */
	{"03Pt2mN2VXxz1", 0},		/* leading zero in 7-digit seconds */
	{"3Pt2mNzzzzz1", 0},		/* usec over 999999 */
	{"3Pt2mN2VXxzna", 0},		/* vowel */
	{"3Pt2mN2VAxz1", 0},		/* vowel */
	{"3Pt2mN2VXxzn.", 0},
	{"3Pt2mN2VXxz/1", 0},
	{"3Pt2mN2VXx-1", 0},
	{"zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz1", 0},	/* too long */
	{"3Pt2mN2VXxzyyyyyyyyyyyy", 0},	/* inode over 64 bits */
};

static void
test_validity(void **state)
{
	QUEUE_ID_INFO info;
	size_t  i;

	for (i = 0; i < sizeof(validity_cases) / sizeof(validity_cases[0]); i++) {
		const char *id = validity_cases[i].id;
		int     kind = validity_cases[i].kind;

		if (queue_id_parse(id, &info) != (kind != 0))
			fail_msg("case %zu \"%s\": expected %s", i, id,
				 kind ? "valid" : "invalid");
		if (kind)
			assert_int_equal(info.kind, kind);
		assert_int_equal(queue_id_ok(id), kind != 0);
		assert_int_equal(queue_id_short_ok(id), kind == QUEUE_ID_SHORT);
		assert_int_equal(queue_id_long_ok(id), kind == QUEUE_ID_LONG);
	}
	assert_false(queue_id_ok(NULL));
}

static void
test_hash_dirs(void **state)
{
	VSTRING *buf = vstring_alloc(10);
	VSTRING *id = vstring_alloc(10);
	struct timeval tv = {1300631508, 353025};	/* 0x56301 */

	assert_int_equal(queue_id_hash_dirs(buf, "C3CD21F3E90", 2), 0);
	assert_string_equal(vstring_str(buf), "C/3/");
	assert_int_equal(queue_id_hash_dirs(buf, "C3CD21F3E90", 0), 0);
	assert_string_equal(vstring_str(buf), "");
	assert_int_equal(queue_id_hash_dirs(buf, "C3CD21F3E90", 5), 0);
	assert_string_equal(vstring_str(buf), "C/3/C/D/2/");
	assert_int_equal(queue_id_hash_dirs(buf, "C3CD21F3E90", 6), -1);
	assert_int_equal(queue_id_hash_dirs(buf, "C3CD21F3E90", -1), -1);
	assert_int_equal(queue_id_hash_dirs(buf, "../x", 1), -1);
	assert_string_equal(vstring_str(buf), "");
	/* Long IDs hash on their microseconds in hex, like short ones. */
	assert_int_equal(queue_id_hash_dirs(buf, "3Pt2mN2VXxznjll", 3), 0);
	assert_string_equal(vstring_str(buf), "5/6/3/");
	queue_id_make(id, QUEUE_ID_SHORT, 5536956, &tv);
	assert_int_equal(queue_id_path(buf, "deferred", vstring_str(id), 1), 0);
	assert_string_equal(vstring_str(buf), "deferred/5/56301547CBC");
	assert_int_equal(queue_id_path(buf, "deferred", "3Pt2mN2VXxznjll", 1), 0);
	assert_string_equal(vstring_str(buf), "deferred/5/3Pt2mN2VXxznjll");
	assert_int_equal(queue_id_path(buf, "incoming", "C3CD21F3E90", 0), 0);
	assert_string_equal(vstring_str(buf), "incoming/C3CD21F3E90");
	assert_int_equal(queue_id_path(buf, "incoming", "C3CD21F3E9/", 0), -1);
	vstring_free(buf);
	vstring_free(id);
}

/* Names of files that exist at the same time are distinct and decode to their inode. */
static void
test_assign_unique(void **state)
{
	char    dir[] = "/tmp/test_queue_id.XXXXXX";
	char    path[100];
	VSTRING *id = vstring_alloc(10);
	char  **names;
	QUEUE_ID_INFO info;
	struct stat st;
	struct timeval tv;
	int     kind;
	int     fds[200];
	int     i;
	int     j;

	assert_non_null(mkdtemp(dir));
	for (kind = QUEUE_ID_SHORT; kind <= QUEUE_ID_LONG; kind++) {
		names = calloc(200, sizeof(*names));
		for (i = 0; i < 200; i++) {
			snprintf(path, sizeof(path), "%s/t%d", dir, i);
			fds[i] = open(path, O_CREAT | O_RDWR | O_EXCL, 0600);
			assert_true(fds[i] >= 0);
			assert_int_equal(queue_id_assign(id, kind, fds[i], &tv), 0);
			assert_int_equal(fstat(fds[i], &st), 0);
			assert_true(queue_id_parse(vstring_str(id), &info));
			assert_int_equal(info.kind, kind);
			assert_true(info.inode == (uint64_t) st.st_ino);
			assert_int_equal(info.usec, tv.tv_usec);
			names[i] = strdup(vstring_str(id));
		}
		for (i = 0; i < 200; i++)
			for (j = i + 1; j < 200; j++)
				assert_string_not_equal(names[i], names[j]);
		for (i = 0; i < 200; i++) {
			snprintf(path, sizeof(path), "%s/t%d", dir, i);
			unlink(path);
			close(fds[i]);
			free(names[i]);
		}
		free(names);
	}
	assert_int_equal(queue_id_assign(id, QUEUE_ID_SHORT, -1, NULL), -1);
	rmdir(dir);
	vstring_free(id);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_short_shape),
		cmocka_unit_test(test_long_shape),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_validity),
		cmocka_unit_test(test_hash_dirs),
		cmocka_unit_test(test_assign_unique),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
