/* Unit tests for lib/util/safe_file. */
#define _GNU_SOURCE			/* nftw() */
#include <sys/types.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <setjmp.h>
#include <cmocka.h>

#include "vstring.h"
#include "safe_file.h"

static char tmpdir[64];
static VSTRING *why;

/* A path inside the per-test directory (static buffer per slot). */
static const char *
tpath(int slot, const char *name)
{
	static char buf[4][256];

	snprintf(buf[slot], sizeof(buf[slot]), "%s/%s", tmpdir, name);
	return (buf[slot]);
}

static void
make_file(const char *path, const char *content, mode_t mode)
{
	int     fd;

	/* Start afresh: a previous mode may not allow writing. */
	(void) unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, content, strlen(content)), strlen(content));
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

static char *
slurp(const char *path)
{
	static char buf[4096];
	int     fd = open(path, O_RDONLY);
	ssize_t n;

	assert_true(fd >= 0);
	n = read(fd, buf, sizeof(buf) - 1);
	assert_true(n >= 0);
	buf[n] = 0;
	close(fd);
	return (buf);
}

static int
count_entries(const char *dir)
{
	DIR    *dp = opendir(dir);
	struct dirent *de;
	int     n = 0;

	assert_non_null(dp);
	while ((de = readdir(dp)) != NULL)
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	closedir(dp);
	return (n);
}

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return (remove(path));
}

static int
setup(void **state)
{
	strcpy(tmpdir, "/tmp/test_safe_file.XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return (-1);
	why = vstring_alloc(100);
	return (0);
}

static int
teardown(void **state)
{
	nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	vstring_free(why);
	return (0);
}

static void
test_create_exclusive(void **state)
{
	const char *p = tpath(0, "new");
	struct stat st;
	int     fd;

	fd = safe_open(p, O_RDWR | O_CREAT | O_EXCL, 0600, &st, -1, -1, why);
	assert_true(fd >= 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_nlink, 1);
	close(fd);

	/* Exclusive create of an existing file fails and says which file. */
	fd = safe_open(p, O_RDWR | O_CREAT | O_EXCL, 0600, &st, -1, -1, why);
	assert_int_equal(fd, -1);
	assert_int_equal(errno, EEXIST);
	assert_non_null(strstr(vstring_str(why), p));
}

static void
test_open_or_create(void **state)
{
	const char *p = tpath(0, "f");
	struct stat st1;
	struct stat st2;
	int     fd;

	/* Missing without O_CREAT: ENOENT. */
	assert_int_equal(safe_open(p, O_RDONLY, 0, &st1, -1, -1, why), -1);
	assert_int_equal(errno, ENOENT);

	/* O_CREAT alone creates, then opens the same file again. */
	fd = safe_open(p, O_RDWR | O_CREAT, 0600, &st1, -1, -1, why);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "data", 4), 4);
	close(fd);
	fd = safe_open(p, O_RDWR | O_CREAT, 0600, &st2, -1, -1, why);
	assert_true(fd >= 0);
	assert_true(st1.st_ino == st2.st_ino);
	assert_int_equal(st2.st_size, 4);
	close(fd);

	/* O_TRUNC applies to an existing, acceptable file. */
	fd = safe_open(p, O_WRONLY | O_TRUNC, 0, &st2, -1, -1, why);
	assert_true(fd >= 0);
	assert_int_equal(st2.st_size, 0);
	close(fd);
}

static void
test_refuses_symlink(void **state)
{
	const char *target = tpath(0, "target");
	const char *link_path = tpath(1, "link");
	const char *dangling = tpath(2, "dangling");
	int     flags[] = {O_RDONLY, O_RDWR | O_CREAT, O_WRONLY | O_APPEND};
	size_t  i;

	make_file(target, "secret", 0600);
	assert_int_equal(symlink(target, link_path), 0);
	for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		assert_int_equal(safe_open(link_path, flags[i], 0600,
				  (struct stat *) 0, -1, -1, why), -1);
		assert_int_equal(errno, EPERM);
		assert_non_null(strstr(vstring_str(why), "symbolic link"));
	}

	/* A dangling link must not lead to creating its target. */
	assert_int_equal(symlink(tpath(3, "victim"), dangling), 0);
	assert_int_equal(safe_open(dangling, O_WRONLY | O_CREAT, 0600,
				   (struct stat *) 0, -1, -1, why), -1);
	assert_int_equal(safe_open(dangling, O_WRONLY | O_CREAT | O_EXCL, 0600,
				   (struct stat *) 0, -1, -1, why), -1);
	assert_int_equal(access(tpath(3, "victim"), F_OK), -1);
}

static void
test_refuses_hard_link(void **state)
{
	const char *a = tpath(0, "a");
	const char *b = tpath(1, "b");

	make_file(a, "keep me", 0600);
	assert_int_equal(link(a, b), 0);
	assert_int_equal(safe_open(b, O_RDONLY, 0, (struct stat *) 0,
				   -1, -1, why), -1);
	assert_int_equal(errno, EPERM);
	assert_non_null(strstr(vstring_str(why), "hard link"));

	/* The refusal comes before O_TRUNC could destroy the content. */
	assert_int_equal(safe_open(a, O_WRONLY | O_TRUNC | O_CREAT, 0600,
				   (struct stat *) 0, -1, -1, why), -1);
	assert_string_equal(slurp(a), "keep me");
}

static void
test_refuses_non_regular(void **state)
{
	const char *fifo = tpath(0, "fifo");

	/* A FIFO with no writer would block a plain open(). */
	assert_int_equal(mkfifo(fifo, 0600), 0);
	assert_int_equal(safe_open(fifo, O_RDONLY, 0, (struct stat *) 0,
				   -1, -1, why), -1);
	assert_non_null(strstr(vstring_str(why), "not a regular file"));
	assert_int_equal(safe_open(tmpdir, O_RDONLY, 0, (struct stat *) 0,
				   -1, -1, why), -1);
	assert_non_null(strstr(vstring_str(why), "not a regular file"));
}

static void
test_create_owner(void **state)
{
	struct stat st;
	int     fd;

	if (geteuid() != 0)
		skip();
	fd = safe_open(tpath(0, "owned"), O_WRONLY | O_CREAT | O_EXCL, 0600,
		       &st, 65534, 65534, why);
	assert_true(fd >= 0);
	assert_int_equal(st.st_uid, 65534);
	assert_int_equal(st.st_gid, 65534);
	close(fd);
}

static void
test_flock_conflict(void **state)
{
	const char *p = tpath(0, "lock");
	int     fd1;
	int     fd2;

	make_file(p, "", 0600);
	fd1 = open(p, O_RDWR);
	fd2 = open(p, O_RDWR);
	assert_int_equal(file_lock(fd1, FILE_LOCK_STYLE_FLOCK,
				   FILE_LOCK_OP_SHARED), FILE_LOCK_OK);
	assert_int_equal(file_lock(fd2, FILE_LOCK_STYLE_FLOCK,
				   FILE_LOCK_OP_SHARED | FILE_LOCK_OP_NOWAIT),
			 FILE_LOCK_OK);
	assert_int_equal(file_lock(fd2, FILE_LOCK_STYLE_FLOCK,
				   FILE_LOCK_OP_NONE), FILE_LOCK_OK);
	assert_int_equal(file_lock(fd1, FILE_LOCK_STYLE_FLOCK,
				   FILE_LOCK_OP_EXCLUSIVE), FILE_LOCK_OK);
	assert_int_equal(file_lock(fd2, FILE_LOCK_STYLE_FLOCK,
				   FILE_LOCK_OP_EXCLUSIVE | FILE_LOCK_OP_NOWAIT),
			 FILE_LOCK_LOCKED);
	assert_int_equal(errno, EAGAIN);
	assert_int_equal(file_lock(fd2, FILE_LOCK_STYLE_FLOCK,
				   FILE_LOCK_OP_SHARED | FILE_LOCK_OP_NOWAIT),
			 FILE_LOCK_LOCKED);
	assert_int_equal(file_lock(fd1, FILE_LOCK_STYLE_FLOCK,
				   FILE_LOCK_OP_NONE), FILE_LOCK_OK);
	assert_int_equal(file_lock(fd2, FILE_LOCK_STYLE_FLOCK,
				   FILE_LOCK_OP_EXCLUSIVE | FILE_LOCK_OP_NOWAIT),
			 FILE_LOCK_OK);
	close(fd1);
	close(fd2);
	/* A bad descriptor is an error, not "locked". */
	assert_int_equal(file_lock(fd1, FILE_LOCK_STYLE_FLOCK,
				   FILE_LOCK_OP_EXCLUSIVE), FILE_LOCK_ERROR);
	assert_int_equal(errno, EBADF);
}

/* fcntl() locks belong to processes: probe from a child. */
static int
child_try_fcntl(const char *path, int op)
{
	pid_t   pid;
	int     status;
	int     fd;

	if ((pid = fork()) == 0) {
		fd = open(path, O_RDWR);
		_exit(fd < 0 ? 9 : file_lock(fd, FILE_LOCK_STYLE_FCNTL,
					     op | FILE_LOCK_OP_NOWAIT) + 2);
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return (WEXITSTATUS(status) - 2);
}

static void
test_fcntl_conflict(void **state)
{
	const char *p = tpath(0, "lock");
	int     fd;

	make_file(p, "", 0600);
	fd = open(p, O_RDWR);
	assert_int_equal(file_lock(fd, FILE_LOCK_STYLE_FCNTL,
				   FILE_LOCK_OP_SHARED), FILE_LOCK_OK);
	assert_int_equal(child_try_fcntl(p, FILE_LOCK_OP_SHARED), FILE_LOCK_OK);
	assert_int_equal(child_try_fcntl(p, FILE_LOCK_OP_EXCLUSIVE),
			 FILE_LOCK_LOCKED);
	assert_int_equal(file_lock(fd, FILE_LOCK_STYLE_FCNTL,
				   FILE_LOCK_OP_EXCLUSIVE), FILE_LOCK_OK);
	assert_int_equal(child_try_fcntl(p, FILE_LOCK_OP_SHARED),
			 FILE_LOCK_LOCKED);
	assert_int_equal(file_lock(fd, FILE_LOCK_STYLE_FCNTL,
				   FILE_LOCK_OP_NONE), FILE_LOCK_OK);
	assert_int_equal(child_try_fcntl(p, FILE_LOCK_OP_EXCLUSIVE),
			 FILE_LOCK_OK);
	close(fd);
}

static void
test_fsync(void **state)
{
	int     fd;

	make_file(tpath(0, "f"), "x", 0600);
	fd = open(tpath(0, "f"), O_RDWR);
	assert_int_equal(fsync_file(fd, why), 0);
	close(fd);
	assert_int_equal(fsync_file(fd, why), -1);
	assert_int_equal(errno, EBADF);
	assert_non_null(strstr(vstring_str(why), "fsync"));
	assert_int_equal(fsync_dir(tmpdir, why), 0);
	assert_int_equal(fsync_dir(tpath(0, "missing"), why), -1);
	assert_non_null(strstr(vstring_str(why), "missing"));
}

static void
test_rename_durable(void **state)
{
	const char *from = tpath(0, "from");
	const char *sub = tpath(1, "sub");
	const char *to = tpath(2, "sub/to");

	make_file(from, "payload", 0600);
	assert_int_equal(mkdir(sub, 0700), 0);
	assert_int_equal(rename_durable(from, to, why), 0);
	assert_int_equal(access(from, F_OK), -1);
	assert_string_equal(slurp(to), "payload");

	/* Within one directory. */
	assert_int_equal(rename_durable(to, tpath(3, "sub/again"), why), 0);
	assert_string_equal(slurp(tpath(3, "sub/again")), "payload");

	assert_int_equal(rename_durable(from, to, why), -1);
	assert_int_equal(errno, ENOENT);
	assert_non_null(strstr(vstring_str(why), "cannot rename"));
}

static void
test_write_file_atomic(void **state)
{
	const char *p = tpath(0, "conf");
	struct stat st;
	mode_t  old = umask(077);

	/* The mode is exact, whatever the umask. */
	assert_int_equal(write_file_atomic(p, "one\n", 4, 0640, why), 0);
	assert_string_equal(slurp(p), "one\n");
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);

	/* Replacing leaves only the file itself: no temporary behind. */
	assert_int_equal(write_file_atomic(p, "two\n", 4, 0600, why), 0);
	assert_string_equal(slurp(p), "two\n");
	assert_int_equal(count_entries(tmpdir), 1);

	/* A rename that fails (target is a directory) cleans up too. */
	assert_int_equal(mkdir(tpath(1, "dir"), 0700), 0);
	assert_int_equal(write_file_atomic(tpath(1, "dir"), "x", 1, 0600, why),
			 -1);
	assert_non_null(strstr(vstring_str(why), "cannot rename"));
	assert_int_equal(count_entries(tmpdir), 2);

	assert_int_equal(write_file_atomic(tpath(2, "nodir/f"), "x", 1, 0600,
					   why), -1);
	assert_non_null(strstr(vstring_str(why), "nodir"));
	umask(old);
}

static void
test_open_lock(void **state)
{
	const char *p = tpath(0, "master.lock");
	pid_t   pid;
	int     status;
	int     fd1;
	int     fd2;

	fd1 = open_lock(p, O_RDWR | O_CREAT, 0600, why);
	assert_true(fd1 >= 0);
	assert_true(fcntl(fd1, F_GETFD) & FD_CLOEXEC);

	/* A second "master" in another process is refused. */
	if ((pid = fork()) == 0)
		_exit(open_lock(p, O_RDWR | O_CREAT, 0600, why) < 0
		      && errno == EAGAIN
		      && strstr(vstring_str(why), "locked") != NULL ? 0 : 1);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);

	/* flock() also refuses a second open in the same process. */
	fd2 = open_lock(p, O_RDWR | O_CREAT, 0600, why);
	assert_int_equal(fd2, -1);
	assert_int_equal(errno, EAGAIN);
	assert_non_null(strstr(vstring_str(why), "is locked by another process"));

	/* The pid record has the shape of Postfix's master.lock. */
	assert_int_equal(open_lock_write_pid(fd1, 8547, why), 0);
	assert_string_equal(slurp(p), "                            8547\n");

	close(fd1);
	fd2 = open_lock(p, O_RDWR | O_CREAT, 0600, why);
	assert_true(fd2 >= 0);
	close(fd2);

	/* A lock file is opened under safe_open() rules. */
	assert_int_equal(symlink(p, tpath(1, "lnk")), 0);
	assert_int_equal(open_lock(tpath(1, "lnk"), O_RDWR | O_CREAT, 0600, why),
			 -1);
	assert_non_null(strstr(vstring_str(why), "symbolic link"));
}

static void
test_secret_file_check(void **state)
{
	static const struct {
		mode_t  mode;
		int     ok;
		const char *word;
	}       cases[] = {
		{0600, 1, NULL},
		{0400, 1, NULL},
		{0640, 0, "group-readable"},
		{0604, 0, "world-readable"},
		{0644, 0, "group-readable"},
		{0620, 0, "group-writable"},
		{0602, 0, "world-writable"},
	};
	const char *p = tpath(0, "key.pem");
	size_t  i;
	int     fd;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		make_file(p, "-----BEGIN PRIVATE KEY-----\n", cases[i].mode);
		assert_int_equal(secret_file_check(p, why), cases[i].ok ? 0 : -1);
		if (!cases[i].ok) {
			assert_non_null(strstr(vstring_str(why), cases[i].word));
			assert_non_null(strstr(vstring_str(why), p));
			assert_non_null(strstr(vstring_str(why), "chmod 600"));
		}
		fd = open(p, O_RDONLY);
		assert_int_equal(secret_file_check_fd(fd, "tls key", why),
				 cases[i].ok ? 0 : -1);
		close(fd);
	}
	assert_int_equal(secret_file_check(tmpdir, why), -1);
	assert_non_null(strstr(vstring_str(why), "not a regular file"));
	assert_int_equal(secret_file_check(tpath(1, "none"), why), -1);
	assert_non_null(strstr(vstring_str(why), "No such file"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_create_exclusive, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_or_create, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuses_symlink, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuses_hard_link, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuses_non_regular, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_owner, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flock_conflict, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fcntl_conflict, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fsync, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rename_durable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_file_atomic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_lock, setup, teardown),
		cmocka_unit_test_setup_teardown(test_secret_file_check, setup, teardown),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
