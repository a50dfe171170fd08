#ifndef POSTERN_SAFE_FILE_H
#define POSTERN_SAFE_FILE_H

/*
 * safe_file - careful file operations: open, lock, fsync, rename
 *
 *	safe_open() opens an existing file or creates a new one exclusively,
 *		in a directory that untrusted users may be able to write.
 *	file_lock() takes, converts or drops a flock() or fcntl() lock.
 *	fsync_file() flushes a file, fsync_dir() flushes a directory entry.
 *	rename_durable() renames and flushes the directories involved.
 *	write_file_atomic() replaces a file's content all or nothing.
 *	open_lock() opens a lock file and takes an exclusive lock without
 *		waiting (a second master is refused); open_lock_write_pid()
 *		records the owner's process ID in it.
 *	secret_file_check() and secret_file_check_fd() refuse a secret
 *		(TLS key, SQL password) that others than its owner can read.
 *
 * Every function returns a status and, when "why" is not NULL, leaves a
 * one-line reason in it that names the file; errno keeps the system's
 * error, or EPERM where a policy check refused the file. None exits.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include "vstring.h"

/*
 * safe_open() returns an open file descriptor, or -1. With O_CREAT|O_EXCL
 * it only creates; with O_CREAT alone it opens an existing file or
 * creates one; without O_CREAT it only opens. An existing file is refused
 * when it is a symbolic link, not a regular file, has more than one hard
 * link, or is not the file that lstat() saw. O_TRUNC is applied only after
 * those checks. A created file gets "mode" (less the umask) and, when
 * user or group is not -1, that owner/group. "st" (may be NULL) receives
 * the file's status.
 */
extern int safe_open(const char *path, int flags, mode_t mode,
		     struct stat *st, uid_t user, gid_t group, VSTRING *why);

/* file_lock() styles and operations. */
#define FILE_LOCK_STYLE_FLOCK	1	/* flock(): per open file */
#define FILE_LOCK_STYLE_FCNTL	2	/* fcntl(): per process, NFS-aware */

#define FILE_LOCK_OP_NONE	0	/* release the lock */
#define FILE_LOCK_OP_SHARED	1
#define FILE_LOCK_OP_EXCLUSIVE	2
#define FILE_LOCK_OP_NOWAIT	4	/* or-ed in: do not block */

/* file_lock() results. */
#define FILE_LOCK_OK		0
#define FILE_LOCK_LOCKED	1	/* NOWAIT and someone else holds it */
#define FILE_LOCK_ERROR		(-1)	/* errno says why */

/* Lock the whole file; a blocking wait is restarted after signals. */
extern int file_lock(int fd, int style, int op);

extern int fsync_file(int fd, VSTRING *why);
extern int fsync_dir(const char *dir, VSTRING *why);
extern int rename_durable(const char *from, const char *to, VSTRING *why);

/*
 * Write a temporary file next to "path", fsync it, give it exactly "mode"
 * (not subject to the umask), rename it over "path", fsync the directory.
 * On failure "path" is unchanged and no temporary file is left.
 */
extern int write_file_atomic(const char *path, const void *data,
			     size_t len, mode_t mode, VSTRING *why);

/*
 * Open (safe_open() rules, close-on-exec) and lock exclusively with
 * flock() without waiting. Returns the descriptor, which holds the lock
 * until it is closed, or -1; a lock held elsewhere gives errno EAGAIN and
 * a reason saying the file is locked.
 */
extern int open_lock(const char *path, int flags, mode_t mode, VSTRING *why);

/* Replace the content with the pid, right-aligned in 32 columns + LF. */
extern int open_lock_write_pid(int fd, long pid, VSTRING *why);

/*
 * Refuse a secret file that group or others may read or write, or that
 * is not a regular file. The path version follows symbolic links (the
 * mode of the target counts); "name" labels the fd in the reason.
 * Returns 0 when acceptable, -1 otherwise.
 */
extern int secret_file_check(const char *path, VSTRING *why);
extern int secret_file_check_fd(int fd, const char *name, VSTRING *why);

#endif
