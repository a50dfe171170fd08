/*
 * mbox_write - UNIX mailbox delivery and the message copy it shares
 *
 *	mailbox_copy(), mailbox_from_line(), mailbox_errno_status(),
 *	mbox_lock_mask(), mbox_dotlock(), mbox_dotunlock(),
 *	mbox_write_opts(), mbox_write(): see mbox_write.h. Nothing here logs or exits; every
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

/* Write len bytes within the limit; -1 with errno and why. */
static int
mailbox_put(VSTREAM *out, const char *data, size_t len, off_t *used,
	    off_t limit, VSTRING *why)
{
	int	err;

	if (limit > 0 && *used + (off_t) len > limit) {
		vstring_strcpy(why, "message file too big");
		errno = EFBIG;
		return (-1);
	}
	*used += (off_t) len;
	if (len > 0 && vstream_fwrite(out, data, len) != (ssize_t) len) {
		err = errno;
		vstring_sprintf(why, "error writing message: %s", strerror(err));
		errno = err;
		return (-1);
	}
	return (0);
}

const char *
mailbox_from_line(VSTRING *out, const char *sender, time_t when)
{
	struct tm tm;
	char	date[64];

	(void) localtime_r(&when, &tm);
	(void) strftime(date, sizeof(date), "%a %b %e %H:%M:%S %Y", &tm);
	vstring_sprintf(out, "From %s  %s\n", *sender ? sender : "MAILER-DAEMON",
			date);
	return (vstring_str(out));
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
	int	err;

#define PUT(s, n) do { if (ret == 0 && mailbox_put(out, (s), (n), &used, \
					  limit, why) < 0) ret = -1; } while (0)
#define PUTS(s)	PUT((s), strlen(s))

	if ((fd = dup(msg->fd)) < 0) {
		vstring_sprintf(why, "cannot read queue file: %s", strerror(errno));
		vstring_free(line);
		return (-1);
	}
	qf = qfile_open(fd, QFILE_READ, 0);
	if (flags & MAILBOX_FLAG_FROM) {
		mailbox_from_line(line, msg->sender, time(NULL));
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
	if ((flags & MAILBOX_FLAG_BLANK_ALWAYS)
	    || ((flags & MAILBOX_FLAG_BLANK) && !last_empty))
		PUTS("\n");
	if (ret == 0 && vstream_fflush(out) != 0) {
		err = errno;
		vstring_sprintf(why, "error writing message: %s", strerror(err));
		errno = err;
		ret = -1;
	}
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

int
mbox_dotlock(const char *path, int tries, int delay, int stale, VSTRING *why)
{
	VSTRING *lock_path = vstring_alloc(100);
	struct stat st;
	int	i;
	int	fd;

	vstring_sprintf(lock_path, "%s.lock", path);
	for (i = 0; i < tries; i++) {
		if ((fd = open(vstring_str(lock_path),
			       O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) >= 0) {
			(void) close(fd);
			vstring_free(lock_path);
			return (0);
		}
		if (errno != EEXIST)
			break;
		if (stat(vstring_str(lock_path), &st) == 0
		    && time(NULL) > st.st_mtime + stale) {
			(void) unlink(vstring_str(lock_path));
			continue;
		}
		if (i + 1 < tries)
			(void) sleep(delay > 0 ? (unsigned) delay : 1);
	}
	vstring_sprintf(why, "unable to create lock file %s: %s",
			vstring_str(lock_path), errno == EEXIST ?
			"file exists" : strerror(errno));
	vstring_free(lock_path);
	return (-1);
}

void
mbox_dotunlock(const char *path)
{
	VSTRING *lock_path = vstring_alloc(100);

	vstring_sprintf(lock_path, "%s.lock", path);
	(void) unlink(vstring_str(lock_path));
	vstring_free(lock_path);
}

int
mbox_write(const char *path, const MAILBOX_MSG *msg, int flags,
	   int lock_mask, off_t limit, char *dsn, VSTRING *why)
{
	MBOX_OPTS opts;

	memset(&opts, 0, sizeof(opts));
	opts.lock_mask = lock_mask;
	opts.limit = limit;
	opts.create_uid = (uid_t) -1;
	opts.create_gid = (gid_t) -1;
	return (mbox_write_opts(path, msg, flags, &opts, dsn, why));
}

/* A failure: status and dsn for err, errno kept for the caller. */
static int
mbox_fail(int err, char *dsn)
{
	int	status = mailbox_errno_status(err, dsn);

	errno = err;
	return (status);
}

int
mbox_write_opts(const char *path, const MAILBOX_MSG *msg, int flags,
		const MBOX_OPTS *opts, char *dsn, VSTRING *why)
{
	VSTREAM *out;
	struct stat st;
	int	status = MAILBOX_OK;
	int	locked_dot = 0;
	int	regular = 1;
	int	fd;
	int	err = 0;
	off_t	limit = opts->limit;

	VSTRING_RESET(why);
	strcpy(dsn, "2.0.0");
	if (opts->lock_mask & MBOX_LOCK_DOTLOCK) {
		if (mbox_dotlock(path, MBOX_DOTLOCK_TRIES, 1, MBOX_DOTLOCK_STALE,
				 why) < 0) {
			strcpy(dsn, "4.2.0");
			errno = EAGAIN;
			return (MAILBOX_DEFER);
		}
		locked_dot = 1;
	}
	if (opts->special_ok && stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		/* /dev/null and friends: no locks, nothing to truncate. */
		regular = 0;
		fd = open(path, O_WRONLY | O_APPEND | O_NOCTTY | O_CLOEXEC);
		if (fd < 0)
			vstring_sprintf(why, "cannot open file: %s", strerror(errno));
	} else {
		fd = safe_open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600,
			       &st, opts->create_uid, opts->create_gid, why);
	}
	if (fd < 0) {
		err = errno;
		status = mbox_fail(err, dsn);
		if (err == EPERM)
			strcpy(dsn, "5.2.0");
		goto done;
	}
	if (opts->opened != NULL && opts->opened(fd, &st, opts->context, why) < 0) {
		err = errno;
		(void) close(fd);
		status = mbox_fail(err, dsn);
		goto done;
	}
	if (regular
	    && (((opts->lock_mask & MBOX_LOCK_FCNTL)
		 && file_lock(fd, FILE_LOCK_STYLE_FCNTL, FILE_LOCK_OP_EXCLUSIVE) < 0)
		|| ((opts->lock_mask & MBOX_LOCK_FLOCK)
		    && file_lock(fd, FILE_LOCK_STYLE_FLOCK,
				 FILE_LOCK_OP_EXCLUSIVE) < 0))) {
		err = errno;
		vstring_sprintf(why, "cannot lock file: %s", strerror(err));
		(void) close(fd);
		status = mbox_fail(err, dsn);
		strcpy(dsn, "4.2.0");
		goto done;
	}
	/* The size after the lock: another writer may have appended. */
	if (regular && fstat(fd, &st) < 0) {
		err = errno;
		vstring_sprintf(why, "cannot fstat %s: %s", path, strerror(err));
		(void) close(fd);
		status = mbox_fail(err, dsn);
		strcpy(dsn, "4.2.0");
		goto done;
	}
	if (!regular)
		st.st_size = 0;
	out = vstream_fdopen(fd, O_WRONLY);
	if (mailbox_copy(out, msg, flags, limit > 0 ? (limit > st.st_size ?
			 limit - st.st_size : 1) : 0, why) < 0)
		err = errno ? errno : EIO;
	/* Whatever is still buffered goes out before a truncation. */
	vstream_clearerr(out);
	(void) vstream_fdclose(out);
	if (err == 0 && regular && fsync(fd) < 0) {
		err = errno;
		vstring_sprintf(why, "error writing message: %s", strerror(err));
	}
	if (err != 0) {
		if (vstring_len(why) == 0)
			vstring_strcpy(why, strerror(err));
		if (regular && (ftruncate(fd, st.st_size) < 0 || fsync(fd) < 0))
			vstring_sprintf_append(why, "; cannot truncate mailbox: %s",
					       strerror(errno));
	}
	/* Closing drops the fcntl/flock locks. */
	if (close(fd) < 0 && err == 0) {
		err = errno;
		vstring_sprintf(why, "close %s: %s", path, strerror(err));
	}
	if (err != 0)
		status = mbox_fail(err, dsn);
done:
	if (locked_dot)
		mbox_dotunlock(path);
	if (status != MAILBOX_OK)
		errno = err;
	return (status);
}
