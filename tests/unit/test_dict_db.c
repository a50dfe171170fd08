/* Unit tests for lib/dict hash: and btree: (Berkeley DB) tables. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <signal.h>
#include <errno.h>
#include <time.h>
#include <sys/file.h>

#include "test_dict_util.h"

#define FOUND	DICT_STAT_SUCCESS
#define NONE	DICT_STAT_FAIL
#define ERROR	DICT_STAT_ERROR

#define CREATE	(O_RDWR | O_CREAT | O_TRUNC)

static const char *db_types[] = {"hash", "btree"};

static DICT *
db_open(const char *type, const char *name, int open_flags, int dict_flags)
{
	VSTRING *tn = vstring_alloc(100);
	VSTRING *why = vstring_alloc(100);
	DICT   *dict;

	vstring_sprintf(tn, "%s:%s", type, tdu_path(name));
	if ((dict = dict_open(vstring_str(tn), open_flags, dict_flags, why)) == NULL)
		fail_msg("open %s: %s", vstring_str(tn), vstring_str(why));
	vstring_free(tn);
	vstring_free(why);
	return (dict);
}

static void
test_db_roundtrip(void **state)
{
	char    key[32];
	char    val[32];
	const char *k;
	const char *v;
	DICT   *dict;
	size_t  t;
	int     i;
	int     n;
	int     status;

	for (t = 0; t < 2; t++) {
		dict = db_open(db_types[t], "rt", CREATE, DICT_FLAG_FOLD_FIX | DICT_FLAG_DUP_REPLACE);
		assert_string_equal(dict_type(dict), db_types[t]);
		for (i = 0; i < 300; i++) {
			snprintf(key, sizeof(key), "Key%03d", i);
			snprintf(val, sizeof(val), "Value %d", i);
			assert_int_equal(dict_put(dict, key, val), FOUND);
		}
		assert_int_equal(dict_get(dict, "KEY007", &v), FOUND);
		assert_string_equal(v, "Value 7");
		assert_int_equal(dict_put(dict, "key007", "seven"), FOUND);
		assert_int_equal(dict_del(dict, "key008"), FOUND);
		assert_int_equal(dict_del(dict, "key008"), NONE);
		assert_int_equal(dict_get(dict, "key008", &v), NONE);
		assert_int_equal(dict_sync(dict), 0);
		for (n = 0, status = dict_seq(dict, DICT_SEQ_FUN_FIRST, &k, &v);
		     status == FOUND; status = dict_seq(dict, DICT_SEQ_FUN_NEXT, &k, &v)) {
			assert_memory_equal(k, "key", 3);
			assert_memory_equal(v, strcmp(k, "key007") ? "Value " : "seven", 5);
			n++;
		}
		assert_int_equal(status, NONE);
		assert_int_equal(n, 299);
		dict_close(dict);

		/* Read back; updates on a read-only table are errors. */
		dict = db_open(db_types[t], "rt", O_RDONLY, DICT_FLAG_FOLD_FIX);
		assert_int_equal(dict_get(dict, "Key299", &v), FOUND);
		assert_string_equal(v, "Value 299");
		assert_int_equal(dict_get(dict, "key007", &v), FOUND);
		assert_string_equal(v, "seven");
		assert_int_equal(dict_get(dict, "key300", &v), NONE);
		assert_int_equal(dict_put(dict, "x", "y"), ERROR);
		assert_non_null(strstr(dict_error_text(dict), "error writing"));
		dict_close(dict);
		/* Without folding, upper-case keys are not found. */
		dict = db_open(db_types[t], "rt", O_RDONLY, 0);
		assert_int_equal(dict_get(dict, "Key299", &v), NONE);
		dict_close(dict);
	}
}

/* Listing meets an empty value: Postfix's warning, once, key as stored. */
static void
test_db_seq_empty_value(void **state)
{
	VSTRING *want = vstring_alloc(100);
	const char *k;
	const char *v;
	DICT   *dict;
	size_t  t;
	int     func;
	int     n;

	for (t = 0; t < 2; t++) {
		dict = db_open(db_types[t], "ev", CREATE, DICT_FLAG_FOLD_FIX
			       | DICT_FLAG_TRY1NULL | DICT_FLAG_DUP_REPLACE);
		assert_int_equal(dict_put(dict, "Empty", ""), FOUND);
		assert_int_equal(dict_put(dict, "full", "x"), FOUND);
		dict_close(dict);
		dict = db_open(db_types[t], "ev", O_RDONLY, DICT_FLAG_FOLD_FIX
			       | DICT_FLAG_TRY1NULL);
		tdu_clear();
		for (n = 0, func = DICT_SEQ_FUN_FIRST;
		     dict_seq(dict, func, &k, &v) == FOUND; func = DICT_SEQ_FUN_NEXT)
			n++;
		assert_int_equal(n, 2);
		vstring_sprintf(want, "warning: table %s:%s: key empty: empty string"
				" result is not allowed\n"
				"warning: table %s:%s should return NO RESULT in"
				" case of NOT FOUND", db_types[t], tdu_path("ev"),
				db_types[t], tdu_path("ev"));
		assert_string_equal(tdu_warnings(), vstring_str(want));
		/* A non-empty value draws no warning. */
		tdu_clear();
		assert_int_equal(dict_get(dict, "full", &v), FOUND);
		assert_string_equal(tdu_warnings(), "");
		dict_close(dict);
	}
	vstring_free(want);
}

static void
test_db_duplicates(void **state)
{
	const char *v;
	DICT   *dict;
	size_t  t;

	for (t = 0; t < 2; t++) {
		dict = db_open(db_types[t], "dup", CREATE, DICT_FLAG_DUP_IGNORE);
		assert_int_equal(dict_put(dict, "a", "1"), FOUND);
		assert_int_equal(dict_put(dict, "a", "2"), NONE);
		assert_int_equal(dict_get(dict, "a", &v), FOUND);
		assert_string_equal(v, "1");
		dict_close(dict);

		tdu_clear();
		dict = db_open(db_types[t], "dup", CREATE, DICT_FLAG_DUP_WARN);
		assert_int_equal(dict_put(dict, "a", "1"), FOUND);
		assert_int_equal(dict_put(dict, "a", "2"), NONE);
		assert_string_equal(tdu_warnings() + strlen(tdu_warnings())
				    - strlen("dup.db: duplicate entry: \"a\""),
				    "dup.db: duplicate entry: \"a\"");
		dict_close(dict);

		dict = db_open(db_types[t], "dup", O_RDWR, 0);
		assert_int_equal(dict_put(dict, "a", "3"), ERROR);
		assert_non_null(strstr(dict_error_text(dict), "dup.db: duplicate entry: \"a\""));
		assert_int_equal(dict_get(dict, "a", &v), FOUND);
		assert_string_equal(v, "1");
		dict_close(dict);

		dict = db_open(db_types[t], "dup", O_RDWR, DICT_FLAG_DUP_REPLACE);
		assert_int_equal(dict_put(dict, "a", "4"), FOUND);
		assert_int_equal(dict_get(dict, "a", &v), FOUND);
		assert_string_equal(v, "4");
		dict_close(dict);
	}
}

/* Postfix's trailing-NUL convention and its auto-detection on reads. */
static void
test_db_null_flags(void **state)
{
	const char *v;
	DICT   *dict;
	size_t  t;

	for (t = 0; t < 2; t++) {
		dict = db_open(db_types[t], "n0", CREATE, DICT_FLAG_TRY0NULL);
		assert_int_equal(dict_put(dict, "k", "v0"), FOUND);
		dict_close(dict);
		dict = db_open(db_types[t], "n1", CREATE, 0);
		assert_int_equal(dict_put(dict, "k", "v1"), FOUND);
		assert_false(dict_flags(dict) & DICT_FLAG_TRY0NULL);
		dict_close(dict);

		dict = db_open(db_types[t], "n0", O_RDONLY, 0);
		assert_true(dict_flags(dict) & DICT_FLAG_TRY1NULL);
		assert_int_equal(dict_get(dict, "k", &v), FOUND);
		assert_string_equal(v, "v0");
		assert_false(dict_flags(dict) & DICT_FLAG_TRY1NULL);
		dict_close(dict);
		dict = db_open(db_types[t], "n1", O_RDONLY, 0);
		assert_int_equal(dict_get(dict, "k", &v), FOUND);
		assert_string_equal(v, "v1");
		assert_false(dict_flags(dict) & DICT_FLAG_TRY0NULL);
		dict_close(dict);
		dict = db_open(db_types[t], "n1", O_RDONLY, DICT_FLAG_TRY0NULL);
		assert_int_equal(dict_get(dict, "k", &v), NONE);
		dict_close(dict);
		dict = db_open(db_types[t], "n0", O_RDONLY, DICT_FLAG_TRY1NULL);
		assert_int_equal(dict_get(dict, "k", &v), NONE);
		dict_close(dict);
	}
}

/* Count directory entries whose name starts with prefix. */
static int
count_files(const char *prefix)
{
	DIR    *dir = opendir(tdu_dir);
	struct dirent *de;
	int     n = 0;

	assert_non_null(dir);
	while ((de = readdir(dir)) != NULL)
		if (strncmp(de->d_name, prefix, strlen(prefix)) == 0)
			n++;
	closedir(dir);
	return (n);
}

/* A bulk rebuild is invisible until close, then replaces the table. */
static void
test_db_bulk(void **state)
{
	VSTRING *why = vstring_alloc(100);
	const char *v;
	DICT   *old;
	DICT   *bulk;
	DICT   *reader;
	struct stat st;
	size_t  t;

	for (t = 0; t < 2; t++) {
		old = db_open(db_types[t], "bulk", CREATE, 0);
		assert_int_equal(dict_put(old, "old", "1"), FOUND);
		dict_close(old);
		assert_int_equal(chmod(tdu_path("bulk.db"), 0640), 0);

		bulk = db_open(db_types[t], "bulk", CREATE, DICT_FLAG_BULK_UPDATE);
		assert_int_equal(dict_put(bulk, "new", "2"), FOUND);
		assert_int_equal(count_files("bulk.db"), 2);
		reader = db_open(db_types[t], "bulk", O_RDONLY, 0);
		assert_int_equal(dict_get(reader, "old", &v), FOUND);
		assert_int_equal(dict_get(reader, "new", &v), NONE);
		dict_close(reader);
		assert_int_equal(dict_close_status(bulk, why), 0);

		assert_int_equal(count_files("bulk.db"), 1);
		assert_int_equal(stat(tdu_path("bulk.db"), &st), 0);
		assert_int_equal(st.st_mode & 07777, 0640);
		reader = db_open(db_types[t], "bulk", O_RDONLY, 0);
		assert_int_equal(dict_get(reader, "old", &v), NONE);
		assert_int_equal(dict_get(reader, "new", &v), FOUND);
		assert_string_equal(v, "2");
		dict_close(reader);
		assert_int_equal(unlink(tdu_path("bulk.db")), 0);

		/* A new table gets 0644 less the umask. */
		bulk = db_open(db_types[t], "fresh", CREATE, DICT_FLAG_BULK_UPDATE);
		assert_int_equal(dict_put(bulk, "k", "v"), FOUND);
		assert_int_equal(stat(tdu_path("fresh.db"), &st), -1);
		assert_int_equal(dict_close_status(bulk, why), 0);
		assert_int_equal(stat(tdu_path("fresh.db"), &st), 0);
		assert_int_equal(count_files("fresh.db"), 1);
		assert_int_equal(unlink(tdu_path("fresh.db")), 0);
	}
	vstring_free(why);
}

static void
test_db_not_a_db(void **state)
{
	VSTRING *why = vstring_alloc(100);
	VSTRING *tn = vstring_alloc(100);

	tdu_write("junk.db", "this is not a Berkeley DB file\n");
	vstring_sprintf(tn, "hash:%s", tdu_path("junk"));
	assert_null(dict_open(vstring_str(tn), O_RDONLY, 0, why));
	vstring_sprintf(tn, "open database %s: Invalid argument", tdu_path("junk.db"));
	assert_string_equal(vstring_str(why), vstring_str(tn));
	vstring_free(why);
	vstring_free(tn);
}

/* Find this process's descriptor for path via /proc/self/fd. */
static int
find_fd(const char *path)
{
	char    link[64];
	char    target[4096];
	ssize_t n;
	int     fd;

	for (fd = 3; fd < 1024; fd++) {
		snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
		if ((n = readlink(link, target, sizeof(target) - 1)) < 0)
			continue;
		target[n] = '\0';
		if (strcmp(target, path) == 0)
			return (fd);
	}
	return (-1);
}

/*
 * A read error is DICT_STAT_ERROR with a reason, never "not found". The
 * table is larger than what Berkeley DB maps into memory (10 MB) and than
 * the reader's cache, so lookups read pages through the descriptor; that
 * is then pointed at a directory, so page reads fail.
 */
static void
test_db_read_error(void **state)
{
	char    key[32];
	char    val[200];
	char    real[4096];
	const char *v;
	DICT   *dict;
	int     fd;
	int     dirfd;
	int     i;
	int     errors = 0;
	int     status;

	memset(val, 'x', sizeof(val) - 1);
	val[sizeof(val) - 1] = '\0';
	dict = db_open("btree", "big", CREATE, 0);
	for (i = 0; i < 70000; i++) {
		snprintf(key, sizeof(key), "key%05d", i);
		assert_int_equal(dict_put(dict, key, val), FOUND);
	}
	dict_close(dict);

	dict = db_open("btree", "big", O_RDONLY, 0);
	assert_non_null(realpath(tdu_path("big.db"), real));
	assert_true((fd = find_fd(real)) >= 0);
	assert_true((dirfd = open(tdu_dir, O_RDONLY)) >= 0);
	assert_int_equal(dup2(dirfd, fd), fd);
	close(dirfd);
	for (i = 0; i < 70000; i += 997) {
		snprintf(key, sizeof(key), "key%05d", i);
		status = dict_get(dict, key, &v);
		assert_int_not_equal(status, NONE);
		if (status == ERROR) {
			assert_non_null(strstr(dict_error_text(dict), "error reading "));
			errors++;
		}
	}
	assert_true(errors > 0);
	dict_close(dict);
}

/* Is some flock() request on this system waiting? (see proc(5)) */
static int
lock_waiter_seen(void)
{
	FILE   *fp = fopen("/proc/locks", "r");
	char    line[256];
	int     seen = 0;

	if (fp == NULL)
		return (-1);
	while (fgets(line, sizeof(line), fp) != NULL)
		if (strstr(line, "-> FLOCK") != NULL)
			seen = 1;
	fclose(fp);
	return (seen);
}

/* DICT_FLAG_LOCK: a reader waits while another process holds the lock. */
static void
test_db_lock(void **state)
{
	const char *v;
	DICT   *dict;
	int     lockfd;
	pid_t   pid;
	int     status;
	time_t  deadline;

	dict = db_open("hash", "locked", CREATE, 0);
	assert_int_equal(dict_put(dict, "k", "v"), FOUND);
	dict_close(dict);
	if (lock_waiter_seen() != 0)
		skip();				/* no /proc/locks, or busy system */

	lockfd = open(tdu_path("locked.db"), O_RDONLY);
	assert_true(lockfd >= 0);
	assert_int_equal(flock(lockfd, LOCK_EX), 0);
	if ((pid = fork()) == 0) {
		dict = db_open("hash", "locked", O_RDONLY, DICT_FLAG_LOCK);
		_exit(dict_get(dict, "k", &v) == FOUND && strcmp(v, "v") == 0 ? 0 : 1);
	}
	assert_true(pid > 0);
	/* Wait until the child is blocked on our lock, then let it go. */
	deadline = time(NULL) + 10;
	while (lock_waiter_seen() == 0 && time(NULL) < deadline) {
		struct timespec ts = {0, 10 * 1000 * 1000};

		nanosleep(&ts, NULL);
	}
	assert_int_equal(lock_waiter_seen(), 1);
	assert_int_equal(waitpid(pid, &status, WNOHANG), 0);
	assert_int_equal(flock(lockfd, LOCK_UN), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(lockfd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_db_roundtrip, tdu_setup, tdu_teardown),
		cmocka_unit_test_setup_teardown(test_db_duplicates, tdu_setup, tdu_teardown),
		cmocka_unit_test_setup_teardown(test_db_seq_empty_value, tdu_setup, tdu_teardown),
		cmocka_unit_test_setup_teardown(test_db_null_flags, tdu_setup, tdu_teardown),
		cmocka_unit_test_setup_teardown(test_db_bulk, tdu_setup, tdu_teardown),
		cmocka_unit_test_setup_teardown(test_db_not_a_db, tdu_setup, tdu_teardown),
		cmocka_unit_test_setup_teardown(test_db_read_error, tdu_setup, tdu_teardown),
		cmocka_unit_test_setup_teardown(test_db_lock, tdu_setup, tdu_teardown),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
