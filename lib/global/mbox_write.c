/*
 * mbox_write - UNIX mailbox delivery and the message copy it shares
 *
 *	mailbox_copy(), mailbox_errno_status(), mbox_lock_mask(),
 *	mbox_write(): see mbox_write.h. Nothing here logs or exits; every
 *	problem is a status with a reason.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include "mymalloc.h"
#include "stringops.h"
#include "argv.h"
#include "safe_file.h"
#include "vstream.h"
#include "vstring.h"
#include "qfile.h"
#include "rec_type.h"
#include "mbox_write.h"

#define MBOX_DOTLOCK_TRIES	30	/* one second apart */
#define MBOX_DOTLOCK_STALE	500	/* seconds: older lock files go */

int
mailbox_errno_status(int err, char *dsn)
{
	switch (err) {
	case EFBIG:
	case EDQUOT:
		strcpy(dsn, "5.2.2");
		return (MAILBOX_BOUNCE);
	case ENOSPC:
		strcpy(dsn, "4.3.1");
		return (MAILBOX_DEFER);
	default:
		strcpy(dsn, "4.2.0");
		return (MAILBOX_DEFER);
	}
}

/* Write len bytes within the limit; -1 with errno. */
static int
mailbox_put(VSTREAM *out, const char *data, size_t len, off_t *used,
	    off_t limit)
{
	if (limit > 0 && *used + (off_t) len > limit) {
		errno = EFBIG;
		return (-1);
	}
	*used += (off_t) len;
	if (len > 0 && vstream_fwrite(out, data, len) != (ssize_t) len)
		return (-1);
	return (0);
}

int
mailbox_copy(VSTREAM *out, const MAILBOX_MSG *msg, int flags, off_t limit,
	     VSTRING *why)
{
	VSTRING *line = vstring_alloc(1000);
	QFILE  *qf;
	off_t	used = 0;
	int	fd;
	int	type;
	int	ret = 0;
	int	last_empty = 0;
	time_t	now = time(NULL);
	char	date[64];

#define PUT(s, n) do { if (ret == 0 && mailbox_put(out, (s), (n), &used, \
						  limit) < 0) ret = -1; } while (0)
#define PUTS(s)	PUT((s), strlen(s))

	if ((fd = dup(msg->fd)) < 0) {
		vstring_sprintf(why, "cannot read queue file: %s", strerror(errno));
		vstring_free(line);
		return (-1);
	}
	qf = qfile_open(fd, QFILE_READ, 0);
	if (flags & MAILBOX_FLAG_FROM) {
		struct tm tm;

		localtime_r(&now, &tm);
		strftime(date, sizeof(date), "%a %b %e %H:%M:%S %Y", &tm);
		vstring_sprintf(line, "From %s  %s\n", *msg->sender ?
				msg->sender : "MAILER-DAEMON", date);
		PUT(vstring_str(line), vstring_len(line));
	}
	if (flags & MAILBOX_FLAG_RETURN_PATH) {
		vstring_sprintf(line, "Return-Path: <%s>\n", msg->sender);
		PUT(vstring_str(line), vstring_len(line));
	}
	if ((flags & MAILBOX_FLAG_ORIG_TO) && msg->orig_rcpt
	    && *msg->orig_rcpt) {
		vstring_sprintf(line, "X-Original-To: %s\n", msg->orig_rcpt);
		PUT(vstring_str(line), vstring_len(line));
	}
	if (flags & MAILBOX_FLAG_DELIVERED_TO) {
		vstring_sprintf(line, "Delivered-To: %s\n", msg->rcpt);
		PUT(vstring_str(line), vstring_len(line));
	}
	if (ret == 0 && qfile_seek(qf, msg->offset, REC_SEC_CONTENT) < 0) {
		vstring_sprintf(why, "cannot read queue file: %s", strerror(errno));
		errno = EIO;
		ret = -1;
	}
	while (ret == 0) {
		type = qfile_read_line(qf, line, 0);
		if (type == REC_TYPE_XTRA)
			break;
		if (type != REC_TYPE_NORMAL) {
			vstring_sprintf(why, "error reading queue file: %s",
					type < 0 ? qfile_reason(qf) :
					"unexpected record");
			errno = EIO;
			ret = -1;
			break;
		}
		if ((flags & MAILBOX_FLAG_QUOTE)
		    && strncmp(vstring_str(line), "From ", 5) == 0)
			PUTS(">");
		PUT(vstring_str(line), vstring_len(line));
		PUTS("\n");
		last_empty = vstring_len(line) == 0;
	}
	if ((flags & MAILBOX_FLAG_BLANK) && !last_empty)
		PUTS("\n");
	if (ret == 0 && vstream_fflush(out) != 0)
		ret = -1;
	if (ret < 0 && vstring_len(why) == 0)
		vstring_sprintf(why, "%s", strerror(errno));
	(void) qfile_close(qf);
	vstring_free(line);
	return (ret);
}

int
mbox_lock_mask(const char *text, VSTRING *why)
{
	ARGV   *words = argv_split(text, CHARS_COMMA_SP);
	int	mask = 0;
	size_t	i;

	for (i = 0; i < words->len; i++) {
		if (strcasecmp(words->argv[i], "fcntl") == 0)
			mask |= MBOX_LOCK_FCNTL;
		else if (strcasecmp(words->argv[i], "flock") == 0)
			mask |= MBOX_LOCK_FLOCK;
		else if (strcasecmp(words->argv[i], "dotlock") == 0)
			mask |= MBOX_LOCK_DOTLOCK;
		else {
			vstring_sprintf(why, "unknown mailbox lock style: %s",
					words->argv[i]);
			argv_free(words);
			return (-1);
		}
	}
	argv_free(words);
	return (mask);
}

/* path.lock, created exclusively; stale ones are removed. 0 or -1. */
static int
mbox_dotlock(const char *lock_path, VSTRING *why)
{
	struct stat st;
	int	tries;
	int	fd;

	for (tries = 0; tries < MBOX_DOTLOCK_TRIES; tries++) {
		if ((fd = open(lock_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
			       0600)) >= 0) {
			(void) close(fd);
			return (0);
		}
		if (errno != EEXIST)
			break;
		if (stat(lock_path, &st) == 0
		    && time(NULL) > st.st_mtime + MBOX_DOTLOCK_STALE)
			(void) unlink(lock_path);
		else
			sleep(1);
	}
	vstring_sprintf(why, "unable to create lock file %s: %s", lock_path,
			errno == EEXIST ? "file exists" : strerror(errno));
	return (-1);
}

int
mbox_write(const char *path, const MAILBOX_MSG *msg, int flags,
	   int lock_mask, off_t limit, char *dsn, VSTRING *why)
{
	VSTRING *lock_path = vstring_alloc(100);
	VSTREAM *out;
	struct stat st;
	int	status = MAILBOX_OK;
	int	locked_dot = 0;
	int	fd;
	int	err;

	VSTRING_RESET(why);
	strcpy(dsn, "2.0.0");
	if (lock_mask & MBOX_LOCK_DOTLOCK) {
		vstring_sprintf(lock_path, "%s.lock", path);
		if (mbox_dotlock(vstring_str(lock_path), why) < 0) {
			strcpy(dsn, "4.2.0");
			vstring_free(lock_path);
			return (MAILBOX_DEFER);
		}
		locked_dot = 1;
	}
	fd = safe_open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600,
		       &st, (uid_t) -1, (gid_t) -1, why);
	if (fd < 0) {
		status = mailbox_errno_status(errno, dsn);
		if (errno == EPERM)
			strcpy(dsn, "5.2.0");
		goto done;
	}
	if (((lock_mask & MBOX_LOCK_FCNTL)
	     && file_lock(fd, FILE_LOCK_STYLE_FCNTL, FILE_LOCK_OP_EXCLUSIVE) < 0)
	    || ((lock_mask & MBOX_LOCK_FLOCK)
		&& file_lock(fd, FILE_LOCK_STYLE_FLOCK, FILE_LOCK_OP_EXCLUSIVE) < 0)) {
		vstring_sprintf(why, "unable to lock for exclusive access: %s",
				strerror(errno));
		strcpy(dsn, "4.2.0");
		status = MAILBOX_DEFER;
		(void) close(fd);
		goto done;
	}
	/* The size after the lock: another writer may have appended. */
	if (fstat(fd, &st) < 0) {
		vstring_sprintf(why, "cannot fstat %s: %s", path, strerror(errno));
		strcpy(dsn, "4.2.0");
		status = MAILBOX_DEFER;
		(void) close(fd);
		goto done;
	}
	out = vstream_fdopen(fd, O_WRONLY);
	err = 0;
	if (mailbox_copy(out, msg, flags, limit > 0 ? (limit > st.st_size ?
			 limit - st.st_size : 1) : 0, why) < 0)
		err = errno ? errno : EIO;
	/* Whatever is still buffered goes out before a truncation. */
	vstream_clearerr(out);
	(void) vstream_fdclose(out);
	if (err == 0 && fsync_file(fd, why) < 0)
		err = errno ? errno : EIO;
	if (err != 0) {
		if (vstring_len(why) == 0)
			vstring_strcpy(why, strerror(err));
		status = mailbox_errno_status(err, dsn);
		if (err == EFBIG)
			vstring_strcpy(why, "message file too big");
		if (ftruncate(fd, st.st_size) < 0 || fsync(fd) < 0)
			vstring_sprintf_append(why, "; cannot truncate mailbox: %s",
					       strerror(errno));
	}
	/* Closing drops the fcntl/flock locks. */
	if (close(fd) < 0 && status == MAILBOX_OK) {
		status = mailbox_errno_status(errno, dsn);
		vstring_sprintf(why, "close %s: %s", path, strerror(errno));
	}
done:
	if (locked_dot)
		(void) unlink(vstring_str(lock_path));
	vstring_free(lock_path);
	return (status);
}
