/*
 * master_lock - master.pid and master.lock: one master per configuration
 *
 *	master_lock_files() opens and exclusively locks
 *		$queue_directory/$process_id_directory/master.pid and
 *		$data_directory/master.lock (created when missing; the latter
 *		owned by mail_owner when master runs as root, as Postfix
 *		leaves it). A lock held by another process is fatal: "the
 *		mail system is already running". The locks are kept until
 *		master exits; the files stay behind, unlocked, as in Postfix.
 *	master_lock_write_pid() writes master's process ID into both, in
 *		the 33-byte format (32 columns, right-aligned, newline).
 *	master_lock_test() is "master -t": 1 when master.pid exists and
 *		is locked (a master runs), 0 otherwise.
 */
#include <sys/types.h>
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "msg.h"
#include "mymalloc.h"
#include "vstring.h"
#include "safe_file.h"
#include "mail_conf.h"
#include "master.h"

static int pid_fd = -1;
static int lock_fd = -1;
static char *pid_path;
static char *lock_path;

/* $queue_directory/$process_id_directory/master.pid */
static char *
master_pid_path(void)
{
	VSTRING *vp = vstring_alloc(100);
	const char *dir = mail_conf_str("process_id_directory");

	if (*dir == '/')
		vstring_sprintf(vp, "%s/master.pid", dir);
	else
		vstring_sprintf(vp, "%s/%s/master.pid",
				mail_conf_str("queue_directory"), dir);
	return (vstring_export(vp));
}

/* The pid recorded in a lock file, for the "already running" message. */
static long
master_lock_owner(const char *path)
{
	char    buf[64];
	ssize_t n;
	int     fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return (0);
	n = read(fd, buf, sizeof(buf) - 1);
	(void) close(fd);
	if (n <= 0)
		return (0);
	buf[n] = 0;
	return (strtol(buf, (char **) 0, 10));
}

/* Open and lock one file; fatal when another master holds it. */
static int
master_lock_one(const char *path, uid_t uid, gid_t gid)
{
	VSTRING *why = vstring_alloc(100);
	long    owner;
	int     fd;

	if ((fd = open_lock(path, O_RDWR | O_CREAT, 0600, why)) < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			if ((owner = master_lock_owner(path)) > 0)
				msg_fatal("the mail system is already running: "
					  "master pid %ld holds the lock on %s",
					  owner, path);
			msg_fatal("the mail system is already running: "
				  "%s is locked", path);
		}
		msg_fatal("open lock file %s: %s", path, vstring_str(why));
	}
	if (uid != (uid_t) -1 && fchown(fd, uid, gid) < 0)
		msg_fatal("chown lock file %s: %m", path);
	vstring_free(why);
	return (fd);
}

void
master_lock_files(void)
{
	VSTRING *vp = vstring_alloc(100);

	pid_path = master_pid_path();
	pid_fd = master_lock_one(pid_path, (uid_t) -1, (gid_t) -1);
	vstring_sprintf(vp, "%s/master.lock", mail_conf_str("data_directory"));
	lock_path = vstring_export(vp);
	lock_fd = master_lock_one(lock_path, master_owner_uid, master_owner_gid);
}

void
master_lock_write_pid(void)
{
	VSTRING *why = vstring_alloc(100);

	if (open_lock_write_pid(pid_fd, (long) getpid(), why) < 0)
		msg_fatal("cannot update lock file %s: %s", pid_path,
			  vstring_str(why));
	if (open_lock_write_pid(lock_fd, (long) getpid(), why) < 0)
		msg_fatal("cannot update lock file %s: %s", lock_path,
			  vstring_str(why));
	vstring_free(why);
}

int
master_lock_test(void)
{
	char   *path = master_pid_path();
	int     fd;
	int     status;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0) {
		if (errno == ENOENT) {
			myfree(path);
			return (0);
		}
		/* Can't look: assume a master runs, as Postfix does. */
		msg_warn("open lock file %s: %m", path);
		myfree(path);
		return (1);
	}
	status = file_lock(fd, FILE_LOCK_STYLE_FLOCK,
			   FILE_LOCK_OP_EXCLUSIVE | FILE_LOCK_OP_NOWAIT);
	(void) close(fd);
	myfree(path);
	return (status == FILE_LOCK_OK ? 0 : 1);
}
