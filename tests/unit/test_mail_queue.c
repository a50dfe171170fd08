/* Unit tests for lib/global/mail_queue: paths, moves, scans. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "vstring.h"
#include "argv.h"
#include "mail_conf.h"
#include "mail_queue.h"

#define ID1	"C3CD21F3E90"
#define ID2	"0A1B2345"
#define ID3	"3Pt2mN2VXxznjll"	/* a long ID */

static char topdir[] = "/tmp/test_mail_queue.XXXXXX";

static void
conf(const char *names, const char *depth)
{
	mail_conf_reset();
	mail_conf_override("hash_queue_names", names);
	mail_conf_override("hash_queue_depth", depth);
}

static void
make_file(const char *queue, const char *id, mode_t mode)
{
	VSTRING *dir = vstring_alloc(50);
	VSTRING *path = vstring_alloc(50);
	char    cmd[200];
	int     fd;

	snprintf(cmd, sizeof(cmd), "mkdir -p %s",
		 mail_queue_dir(dir, queue, id));
	assert_int_equal(system(cmd), 0);
	fd = open(mail_queue_path(path, queue, id), O_CREAT | O_WRONLY, 0600);
	assert_true(fd >= 0);
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
	vstring_free(dir);
	vstring_free(path);
}

static int
setup(void **state)
{
	(void) state;
	assert_non_null(mkdtemp(topdir));
	assert_int_equal(chdir(topdir), 0);
	return (0);
}

static int
teardown(void **state)
{
	char    cmd[100];

	(void) state;
	assert_int_equal(chdir("/"), 0);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", topdir);
	return (system(cmd));
}

static void
test_names(void **state)
{
	(void) state;
	assert_true(mail_queue_name_ok("deferred"));
	assert_true(mail_queue_name_ok("incoming"));
	assert_true(mail_queue_name_ok("trace"));
	assert_false(mail_queue_name_ok("../etc"));
	assert_false(mail_queue_name_ok("Deferred"));
	assert_false(mail_queue_name_ok(""));
}

static void
test_paths_by_depth(void **state)
{
	static const struct {
		const char *names;
		const char *depth;
		const char *queue;
		const char *id;
		const char *path;
		const char *dir;
	} cases[] = {
		{"deferred, defer", "1", "deferred", ID1, "deferred/C/" ID1, "deferred/C"},
		{"deferred, defer", "2", "deferred", ID1, "deferred/C/3/" ID1, "deferred/C/3"},
		{"defer", "2", "deferred", ID1, "deferred/" ID1, "deferred"},
		{"deferred, defer", "2", "defer", ID2, "defer/0/A/" ID2, "defer/0/A"},
		/* Not listed: never hashed. */
		{"deferred, defer", "2", "incoming", ID1, "incoming/" ID1, "incoming"},
		{"deferred, defer", "2", "active", ID1, "active/" ID1, "active"},
		/* Case-insensitive names, any separator. */
		{"Incoming active", "1", "incoming", ID1, "incoming/C/" ID1, "incoming/C"},
	};
	VSTRING *buf = vstring_alloc(10);
	size_t  i;

	(void) state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		conf(cases[i].names, cases[i].depth);
		assert_string_equal(mail_queue_path(buf, cases[i].queue, cases[i].id),
				    cases[i].path);
		assert_string_equal(mail_queue_dir(buf, cases[i].queue, cases[i].id),
				    cases[i].dir);
	}
	/* A long ID hashes like the short one of its microseconds. */
	conf("deferred", "1");
	mail_queue_path(buf, "deferred", ID3);
	assert_int_equal(strlen(vstring_str(buf)),
			 strlen("deferred/X/") + strlen(ID3));
	vstring_free(buf);
}

static void
test_rename_creates_hash_dirs(void **state)
{
	struct stat st;

	(void) state;
	conf("deferred", "2");
	assert_int_equal(mkdir("incoming", 0700), 0);
	assert_int_equal(mkdir("deferred", 0700), 0);
	assert_int_equal(mkdir("active", 0700), 0);
	make_file("incoming", ID1, 0700);
	assert_int_equal(mail_queue_rename(ID1, "incoming", "active"), 0);
	assert_int_equal(stat("active/" ID1, &st), 0);
	assert_int_equal(mail_queue_rename(ID1, "active", "deferred"), 0);
	assert_int_equal(stat("deferred/C/3/" ID1, &st), 0);
	assert_true(S_ISDIR(st.st_mode) || S_ISREG(st.st_mode));
	assert_int_equal(stat("deferred/C/3", &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	assert_int_equal(stat("active/" ID1, &st), -1);
	/* Gone: ENOENT, nothing created. */
	assert_int_equal(mail_queue_rename(ID2, "incoming", "active"), -1);
	assert_int_equal(errno, ENOENT);
	/* Back, and removal. */
	assert_int_equal(mail_queue_rename(ID1, "deferred", "active"), 0);
	assert_int_equal(mail_queue_remove("active", ID1), 0);
	assert_int_equal(mail_queue_remove("active", ID1), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(system("rm -rf incoming deferred active"), 0);
}

static ARGV *
scan_all(const char *queue)
{
	ARGV   *ids = argv_alloc(10);
	MAIL_SCAN *scan = mail_scan_open(queue);
	const char *id;

	assert_non_null(scan);
	while ((id = mail_scan_next(scan)) != NULL)
		argv_add(ids, id);
	mail_scan_close(scan);
	argv_sort(ids);
	return (ids);
}

static void
test_scan(void **state)
{
	ARGV   *ids;
	int     fd;

	(void) state;
	conf("deferred", "2");
	assert_int_equal(mkdir("deferred", 0700), 0);
	make_file("deferred", ID1, 0700);
	make_file("deferred", ID2, 0700);
	/* Files left from another depth are still found. */
	conf("defer", "1");
	make_file("deferred", ID3, 0700);
	/* Junk: a temporary name, a bad ID, dot files. */
	fd = open("deferred/cleanup.123.4", O_CREAT | O_WRONLY, 0600);
	close(fd);
	fd = open("deferred/C/not-an-id", O_CREAT | O_WRONLY, 0600);
	close(fd);
	fd = open("deferred/.hidden", O_CREAT | O_WRONLY, 0600);
	close(fd);
	ids = scan_all("deferred");
	assert_int_equal(ids->len, 3);
	assert_string_equal(ids->argv[0], ID2);
	assert_string_equal(ids->argv[1], ID3);
	assert_string_equal(ids->argv[2], ID1);
	argv_free(ids);

	/* incoming/: only complete (mode 0700) files. */
	assert_int_equal(mkdir("incoming", 0700), 0);
	make_file("incoming", ID1, 0700);
	make_file("incoming", ID2, 0600);
	ids = scan_all("incoming");
	assert_int_equal(ids->len, 1);
	assert_string_equal(ids->argv[0], ID1);
	argv_free(ids);

	/* A missing queue directory. */
	assert_null(mail_scan_open("hold"));
	assert_int_equal(system("rm -rf incoming deferred"), 0);
}

static void
test_open(void **state)
{
	int     fd;

	(void) state;
	conf("deferred", "1");
	assert_int_equal(mkdir("hold", 0700), 0);
	fd = mail_queue_open("hold", ID1, O_CREAT | O_RDWR, 0600);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(access("hold/" ID1, F_OK), 0);
	assert_int_equal(mail_queue_open("hold", ID2, O_RDONLY, 0), -1);
	assert_int_equal(system("rm -rf hold"), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_paths_by_depth),
		cmocka_unit_test(test_rename_creates_hash_dirs),
		cmocka_unit_test(test_scan),
		cmocka_unit_test(test_open),
	};

	return (cmocka_run_group_tests(tests, setup, teardown));
}
