/*
 * safe_file - careful file operations: open, lock, fsync, rename
 *
 *	safe_open()		open existing / create exclusively, no tricks
 *	file_lock()		flock() or fcntl() whole-file locks
 *	fsync_file(), fsync_dir()	flush a file / a directory
 *	rename_durable()	rename + fsync of both directories
 *	write_file_atomic()	temp file, fsync, rename, fsync directory
 *	open_lock(), open_lock_write_pid()	pid/lock file for one instance
 *	secret_file_check(), secret_file_check_fd()	owner-only secrets
 *
 * Errors: each function returns a status and, when "why" is not NULL,
 * writes a one-line reason that names the file; errno is the system's
 * error, or EPERM when a policy check refused the file. Bad arguments
 * (our own bugs) panic. See safe_file.h for the contracts.
 */
#include <sys/types.h>
#include <sys/stat.h>
#include <sys/file.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "msg.h"
#include "vstring.h"
#include "safe_file.h"

/* A reason, when the caller wants one; errno survives. */
static void __attribute__((format(printf, 2, 3)))
why_set(VSTRING *why, const char *fmt, ...)
{
	int     saved_errno = errno;
	va_list ap;

	if (why != NULL) {
		VSTRING_RESET(why);
		va_start(ap, fmt);
		vstring_vsprintf_append(why, fmt, ap);
		va_end(ap);
	}
	errno = saved_errno;
}

/* Policy refusal: reason plus errno EPERM. */
static int
refuse(VSTRING *why, const char *path, const char *what)
{
	why_set(why, "refusing to open %s: %s", path, what);
	errno = EPERM;
	return (-1);
}

/* Checks shared by lstat() and fstat() results of an existing file. */
static const char *
bad_existing(const struct stat *st)
{
	if (S_ISLNK(st->st_mode))
		return ("it is a symbolic link");
	if (!S_ISREG(st->st_mode))
		return ("it is not a regular file");
	if (st->st_nlink > 1)
		return ("it has more than one hard link");
	return (NULL);
}

/* Open an existing file; ENOENT means "try creating". */
static int
safe_open_exist(const char *path, int flags, struct stat *st, VSTRING *why)
{
	struct stat lst;
	struct stat fst;
	const char *bad;
	int     fd;
	int     fl;

	/*
	 * lstat() first, so a FIFO or device is refused before open() can
	 * block on it or trigger a side effect. O_NONBLOCK covers the window
	 * in which the name is swapped; O_TRUNC waits until the checks pass.
	 */
	if (lstat(path, &lst) < 0) {
		why_set(why, "cannot open %s: %s", path, strerror(errno));
		return (-1);
	}
	if ((bad = bad_existing(&lst)) != NULL)
		return (refuse(why, path, bad));
	fd = open(path, (flags & ~(O_CREAT | O_EXCL | O_TRUNC))
		  | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
	if (fd < 0) {
		if (errno == ELOOP)
			return (refuse(why, path, "it is a symbolic link"));
		why_set(why, "cannot open %s: %s", path, strerror(errno));
		return (-1);
	}
	if (fstat(fd, &fst) < 0) {
		why_set(why, "cannot stat %s: %s", path, strerror(errno));
		goto fail;
	}
	if ((bad = bad_existing(&fst)) != NULL) {
		(void) refuse(why, path, bad);
		goto fail;
	}
	if (fst.st_dev != lst.st_dev || fst.st_ino != lst.st_ino) {
		(void) refuse(why, path, "the file was replaced while opening it");
		goto fail;
	}
	if ((flags & O_NONBLOCK) == 0
	    && ((fl = fcntl(fd, F_GETFL)) < 0
		|| fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0)) {
		why_set(why, "cannot set flags on %s: %s", path, strerror(errno));
		goto fail;
	}
	if ((flags & O_TRUNC) != 0 && (flags & O_ACCMODE) != O_RDONLY) {
		if (ftruncate(fd, 0) < 0 || fstat(fd, &fst) < 0) {
			why_set(why, "cannot truncate %s: %s", path, strerror(errno));
			goto fail;
		}
	}
	if (st != NULL)
		*st = fst;
	return (fd);

fail:
	fl = errno;
	(void) close(fd);
	errno = fl;
	return (-1);
}

/* Create a new file; EEXIST means "someone else was first". */
static int
safe_open_create(const char *path, int flags, mode_t mode, struct stat *st,
		 uid_t user, gid_t group, VSTRING *why)
{
	struct stat fst;
	int     fd;
	int     saved_errno;

	/* O_EXCL also refuses a (dangling) symbolic link at "path". */
	fd = open(path, flags | O_CREAT | O_EXCL | O_NOFOLLOW | O_NOCTTY, mode);
	if (fd < 0) {
		why_set(why, "cannot create %s: %s", path, strerror(errno));
		return (-1);
	}
	if ((user != (uid_t) -1 || group != (gid_t) -1)
	    && fchown(fd, user, group) < 0) {
		why_set(why, "cannot change ownership of %s: %s",
			path, strerror(errno));
		goto fail;
	}
	if (fstat(fd, &fst) < 0) {
		why_set(why, "cannot stat %s: %s", path, strerror(errno));
		goto fail;
	}
	if (st != NULL)
		*st = fst;
	return (fd);

fail:
	saved_errno = errno;
	(void) close(fd);
	(void) unlink(path);
	errno = saved_errno;
	return (-1);
}

int
safe_open(const char *path, int flags, mode_t mode, struct stat *st,
	  uid_t user, gid_t group, VSTRING *why)
{
	int     tries;
	int     fd;

	if ((flags & O_CREAT) == 0)
		return (safe_open_exist(path, flags, st, why));
	if ((flags & O_EXCL) != 0)
		return (safe_open_create(path, flags, mode, st, user, group, why));

	/* Open or create, racing with others that create or remove it. */
	for (tries = 0; tries < 10; tries++) {
		fd = safe_open_exist(path, flags, st, why);
		if (fd >= 0 || errno != ENOENT)
			return (fd);
		fd = safe_open_create(path, flags & ~O_TRUNC, mode, st,
				      user, group, why);
		if (fd >= 0 || errno != EEXIST)
			return (fd);
	}
	why_set(why, "cannot open %s: it keeps appearing and disappearing", path);
	errno = EAGAIN;
	return (-1);
}

int
file_lock(int fd, int style, int op)
{
	int     nowait = (op & FILE_LOCK_OP_NOWAIT) != 0;
	int     what = op & ~FILE_LOCK_OP_NOWAIT;
	struct flock fl;
	int     how;
	int     ret;

	if (what != FILE_LOCK_OP_NONE && what != FILE_LOCK_OP_SHARED
	    && what != FILE_LOCK_OP_EXCLUSIVE)
		msg_panic("file_lock: bad operation 0x%x", op);

	switch (style) {
	case FILE_LOCK_STYLE_FLOCK:
		how = what == FILE_LOCK_OP_NONE ? LOCK_UN :
			what == FILE_LOCK_OP_SHARED ? LOCK_SH : LOCK_EX;
		if (nowait)
			how |= LOCK_NB;
		while ((ret = flock(fd, how)) < 0 && errno == EINTR)
			 /* retry */ ;
		if (ret < 0 && errno == EWOULDBLOCK) {
			errno = EAGAIN;
			return (FILE_LOCK_LOCKED);
		}
		break;
	case FILE_LOCK_STYLE_FCNTL:
		memset(&fl, 0, sizeof(fl));
		fl.l_type = what == FILE_LOCK_OP_NONE ? F_UNLCK :
			what == FILE_LOCK_OP_SHARED ? F_RDLCK : F_WRLCK;
		fl.l_whence = SEEK_SET;
		fl.l_start = 0;
		fl.l_len = 0;			/* to end of file, and beyond */
		while ((ret = fcntl(fd, nowait ? F_SETLK : F_SETLKW, &fl)) < 0
		       && errno == EINTR)
			 /* retry */ ;
		if (ret < 0 && (errno == EAGAIN || errno == EACCES)) {
			errno = EAGAIN;
			return (FILE_LOCK_LOCKED);
		}
		break;
	default:
		msg_panic("file_lock: bad lock style %d", style);
	}
	return (ret < 0 ? FILE_LOCK_ERROR : FILE_LOCK_OK);
}

int
fsync_file(int fd, VSTRING *why)
{
	int     ret;

	while ((ret = fsync(fd)) < 0 && errno == EINTR)
		 /* retry */ ;
	if (ret < 0)
		why_set(why, "cannot fsync file descriptor %d: %s",
			fd, strerror(errno));
	return (ret < 0 ? -1 : 0);
}

int
fsync_dir(const char *dir, VSTRING *why)
{
	int     fd;
	int     ret;
	int     saved_errno;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		why_set(why, "cannot open directory %s: %s", dir, strerror(errno));
		return (-1);
	}
	while ((ret = fsync(fd)) < 0 && errno == EINTR)
		 /* retry */ ;
	/* A file system without directory fsync has nothing more to do. */
	if (ret < 0 && errno == EINVAL)
		ret = 0;
	saved_errno = errno;
	(void) close(fd);
	errno = saved_errno;
	if (ret < 0) {
		why_set(why, "cannot fsync directory %s: %s", dir, strerror(errno));
		return (-1);
	}
	return (0);
}

/* The directory part of a path: "." for a bare name, "/" for "/name". */
static VSTRING *
dir_of(VSTRING *dir, const char *path)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		return (vstring_strcpy(dir, "."));
	while (slash > path && slash[-1] == '/')
		slash--;
	if (slash == path)
		return (vstring_strcpy(dir, "/"));
	return (vstring_strncpy(dir, path, (size_t) (slash - path)));
}

int
rename_durable(const char *from, const char *to, VSTRING *why)
{
	VSTRING *to_dir = vstring_alloc(100);
	VSTRING *from_dir = vstring_alloc(100);
	struct stat to_st;
	struct stat from_st;
	int     ret = -1;

	if (rename(from, to) < 0) {
		why_set(why, "cannot rename %s to %s: %s", from, to, strerror(errno));
		goto out;
	}
	dir_of(to_dir, to);
	dir_of(from_dir, from);
	if (fsync_dir(vstring_str(to_dir), why) < 0)
		goto out;
	if (stat(vstring_str(to_dir), &to_st) < 0
	    || stat(vstring_str(from_dir), &from_st) < 0) {
		why_set(why, "cannot stat directory after renaming %s to %s: %s",
			from, to, strerror(errno));
		goto out;
	}
	if ((to_st.st_dev != from_st.st_dev || to_st.st_ino != from_st.st_ino)
	    && fsync_dir(vstring_str(from_dir), why) < 0)
		goto out;
	ret = 0;

out:
	vstring_free(to_dir);
	vstring_free(from_dir);
	return (ret);
}

/* Write everything, across short writes and signals. */
static int
write_all(int fd, const char *data, size_t len)
{
	ssize_t n;

	while (len > 0) {
		if ((n = write(fd, data, len)) < 0) {
			if (errno == EINTR)
				continue;
			return (-1);
		}
		data += n;
		len -= (size_t) n;
	}
	return (0);
}

int
write_file_atomic(const char *path, const void *data, size_t len,
		  mode_t mode, VSTRING *why)
{
	static unsigned long counter;
	VSTRING *tmp = vstring_alloc(100);
	const char *base;
	int     fd = -1;
	int     tries;
	int     saved_errno;

	base = strrchr(path, '/');
	base = base ? base + 1 : path;
	for (tries = 0; fd < 0 && tries < 100; tries++) {
		dir_of(tmp, path);
		vstring_sprintf_append(tmp, "/.%s.tmp.%ld.%lu", base,
				       (long) getpid(), counter++);
		fd = open(vstring_str(tmp), O_WRONLY | O_CREAT | O_EXCL
			  | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0 && errno != EEXIST)
			break;
	}
	if (fd < 0) {
		why_set(why, "cannot create temporary file %s: %s",
			vstring_str(tmp), strerror(errno));
		vstring_free(tmp);
		return (-1);
	}
	if (write_all(fd, data, len) < 0) {
		why_set(why, "cannot write %s: %s", vstring_str(tmp), strerror(errno));
		goto fail;
	}
	if (fchmod(fd, mode) < 0) {
		why_set(why, "cannot set mode of %s: %s",
			vstring_str(tmp), strerror(errno));
		goto fail;
	}
	if (fsync_file(fd, NULL) < 0 || close(fd) < 0) {
		fd = -1;
		why_set(why, "cannot write %s: %s", vstring_str(tmp), strerror(errno));
		goto fail;
	}
	fd = -1;
	if (rename(vstring_str(tmp), path) < 0) {
		why_set(why, "cannot rename %s to %s: %s",
			vstring_str(tmp), path, strerror(errno));
		goto fail;
	}
	dir_of(tmp, path);
	if (fsync_dir(vstring_str(tmp), why) < 0) {
		vstring_free(tmp);
		return (-1);
	}
	vstring_free(tmp);
	return (0);

fail:
	saved_errno = errno;
	if (fd >= 0)
		(void) close(fd);
	(void) unlink(vstring_str(tmp));
	vstring_free(tmp);
	errno = saved_errno;
	return (-1);
}

int
open_lock(const char *path, int flags, mode_t mode, VSTRING *why)
{
	int     fd;
	int     status;
	int     saved_errno;

	if ((fd = safe_open(path, flags | O_CLOEXEC, mode, (struct stat *) 0,
			    (uid_t) -1, (gid_t) -1, why)) < 0)
		return (-1);
	status = file_lock(fd, FILE_LOCK_STYLE_FLOCK,
			   FILE_LOCK_OP_EXCLUSIVE | FILE_LOCK_OP_NOWAIT);
	if (status == FILE_LOCK_OK)
		return (fd);
	saved_errno = errno;
	if (status == FILE_LOCK_LOCKED)
		why_set(why, "%s is locked by another process", path);
	else
		why_set(why, "cannot lock %s: %s", path, strerror(errno));
	(void) close(fd);
	errno = saved_errno;
	return (-1);
}

int
open_lock_write_pid(int fd, long pid, VSTRING *why)
{
	char    buf[64];
	int     len;

	len = snprintf(buf, sizeof(buf), "%*ld\n", 32, pid);
	errno = 0;
	/* Write first, then cut: a reader never sees an empty file. */
	if (pwrite(fd, buf, (size_t) len, 0) != (ssize_t) len
	    || ftruncate(fd, (off_t) len) < 0) {
		if (errno == 0)
			errno = EIO;
		why_set(why, "cannot write process ID to lock file: %s",
			strerror(errno));
		return (-1);
	}
	return (0);
}

/* The verdict on a secret's status, shared by path and fd checks. */
static int
secret_stat_check(const struct stat *st, const char *name, VSTRING *why)
{
	static const struct {
		mode_t  bit;
		const char *word;
	}       bits[] = {
		{S_IRGRP, "group-readable"},
		{S_IROTH, "world-readable"},
		{S_IWGRP, "group-writable"},
		{S_IWOTH, "world-writable"},
	};
	size_t  i;

	if (!S_ISREG(st->st_mode)) {
		why_set(why, "secret file %s is not a regular file", name);
		errno = EPERM;
		return (-1);
	}
	for (i = 0; i < sizeof(bits) / sizeof(bits[0]); i++) {
		if (st->st_mode & bits[i].bit) {
			why_set(why, "secret file %s is %s (mode %04o); "
				"make it accessible to its owner only "
				"(chmod 600)", name, bits[i].word,
				(unsigned) (st->st_mode & 07777));
			errno = EPERM;
			return (-1);
		}
	}
	return (0);
}

int
secret_file_check(const char *path, VSTRING *why)
{
	struct stat st;

	if (stat(path, &st) < 0) {
		why_set(why, "cannot access secret file %s: %s",
			path, strerror(errno));
		return (-1);
	}
	return (secret_stat_check(&st, path, why));
}

int
secret_file_check_fd(int fd, const char *name, VSTRING *why)
{
	struct stat st;

	if (fstat(fd, &st) < 0) {
		why_set(why, "cannot access secret file %s: %s",
			name, strerror(errno));
		return (-1);
	}
	return (secret_stat_check(&st, name, why));
}
