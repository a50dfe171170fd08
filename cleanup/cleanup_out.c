/*
 * cleanup_out - the queue file cleanup(8) writes
 *
 *	cleanup_out_open() creates incoming/cleanup.PID.SEQ (mode 0600),
 *		names it (queue ID from its inode and the time), and writes
 *		the SIZE placeholder and the TIME record.
 *	cleanup_out_rec(), cleanup_out_str(), cleanup_out_line() write
 *		records; they do nothing once the message has an error, and
 *		turn a write error or the size limit into status bits.
 *	cleanup_out_fail() records a system error as a status.
 *	cleanup_out_finish() completes the file: SIZE rewritten in place,
 *		fsync, mode 0700, rename to incoming/[hash/]ID (hold/ with
 *		CLEANUP_FLAG_HOLD), directory fsync.
 *	cleanup_out_remove() removes whatever file exists for a message
 *		that was not acknowledged.
 *	cleanup_out_watchdog_path() names the file the watchdog removes.
 *
 * message_size_limit bounds the whole queue file, envelope included, as
 * Postfix's file size limit does: a record that would make the file
 * larger is not written and the message gets CLEANUP_STAT_SIZE.
 *
 * Temporary files are named incoming/cleanup.PID.SEQ: the dots make the
 * name an invalid queue ID, so nothing mistakes one for a message. Only a
 * crash leaves one behind; it has no END record, and qmgr and postsuper
 * may delete such files once they are older than daemon_timeout.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <sys/stat.h>

#include "msg.h"
#include "argv.h"
#include "safe_file.h"
#include "stringops.h"
#include "vstring.h"
#include "qfile.h"
#include "queue_id.h"
#include "rec_type.h"
#include "cleanup_client.h"
#include "cleanup.h"

#define CLEANUP_QUEUE_INCOMING	"incoming"
#define CLEANUP_QUEUE_HOLD	"hold"

#define CLEANUP_MODE_TEMP	0600	/* being written */
#define CLEANUP_MODE_READY	0700	/* complete: qmgr may take it */

static long cleanup_temp_seq;
static char cleanup_watchdog_file[256];

void
cleanup_out_watchdog_path(const char *path)
{
	if (path == NULL || strlen(path) >= sizeof(cleanup_watchdog_file))
		cleanup_watchdog_file[0] = 0;
	else
		strcpy(cleanup_watchdog_file, path);
}

/* SIGALRM: the session took longer than daemon_timeout. */
static void
cleanup_watchdog(int sig)
{
	(void) sig;
	/* Should logging hang (we interrupted malloc), die anyway. */
	signal(SIGALRM, SIG_DFL);
	alarm(5);
	if (cleanup_watchdog_file[0])
		(void) unlink(cleanup_watchdog_file);
	msg_fatal("watchdog timeout");
}

void
cleanup_out_fail(CLEANUP_STATE *state, int err, const char *what)
{
	int     bit;

	if (err == ENOSPC || err == EDQUOT)
		bit = CLEANUP_STAT_NOSPACE;
	else if (err == EFBIG)
		bit = CLEANUP_STAT_SIZE;
	else
		bit = CLEANUP_STAT_WRITE;
	if (state->errs == 0)
		vstring_sprintf(state->reason, "%s", cleanup_stat_text(bit));
	state->errs |= bit;
	msg_warn("%s: %s: %s", cleanup_id(state), what, strerror(err));
}

int
cleanup_out_open(CLEANUP_STATE *state)
{
	VSTRING *why = vstring_alloc(100);
	int     tries;
	int     fd = -1;

	signal(SIGALRM, cleanup_watchdog);
	for (tries = 0; tries < 100 && fd < 0; tries++) {
		vstring_sprintf(state->temp_path, "%s/%s%ld.%ld",
				CLEANUP_QUEUE_INCOMING, CLEANUP_TEMP_PREFIX,
				(long) getpid(), cleanup_temp_seq++);
		fd = safe_open(vstring_str(state->temp_path),
			       O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC,
			       CLEANUP_MODE_TEMP, NULL, (uid_t) -1, (gid_t) -1,
			       why);
		if (fd < 0 && errno != EEXIST)
			break;
	}
	if (fd < 0) {
		/* A full disk is the peer's problem to wait out; the rest is ours. */
		if (errno != ENOSPC && errno != EDQUOT)
			msg_fatal("%s", vstring_str(why));
		msg_warn("%s", vstring_str(why));
		VSTRING_RESET(state->temp_path);
		vstring_free(why);
		return (-1);
	}
	vstring_free(why);
	cleanup_out_watchdog_path(vstring_str(state->temp_path));
	if (queue_id_assign(state->queue_id, var_long_queue_ids ?
			    QUEUE_ID_LONG : QUEUE_ID_SHORT, fd,
			    &state->arrival) < 0)
		msg_fatal("cannot name queue file %s: %s",
			  vstring_str(state->temp_path), strerror(errno));
	state->fd = fd;
	state->qf = qfile_open(fd, QFILE_WRITE, CLEANUP_REC_MAX);
	/* A fixed-width placeholder, rewritten when the counts are known. */
	vstring_sprintf(state->buf, CLEANUP_SIZE_FORMAT, 0L, 0L, 0L);
	cleanup_out_rec(state, REC_TYPE_SIZE, vstring_str(state->buf),
			vstring_len(state->buf));
	vstring_sprintf(state->buf, CLEANUP_TIME_FORMAT,
			(long) state->arrival.tv_sec,
			(long) state->arrival.tv_usec);
	cleanup_out_rec(state, REC_TYPE_TIME, vstring_str(state->buf),
			vstring_len(state->buf));
	return (0);
}

/* Bytes a record of len data bytes takes in the file. */
static off_t
cleanup_rec_bytes(size_t len)
{
	off_t   n = 2;

	while (len >= 0x80) {
		len >>= 7;
		n++;
	}
	return (n);
}

void
cleanup_out_rec(CLEANUP_STATE *state, int type, const void *data, size_t len)
{
	if (state->errs != 0 || state->qf == NULL)
		return;
	if (var_message_size_limit > 0
	    && qfile_tell(state->qf) + cleanup_rec_bytes(len) + (off_t) len
	    > var_message_size_limit) {
		msg_warn("%s: queue file size limit exceeded", cleanup_id(state));
		vstring_strcpy(state->reason, cleanup_stat_text(CLEANUP_STAT_SIZE));
		state->errs |= CLEANUP_STAT_SIZE;
		return;
	}
	if (qfile_write_rec(state->qf, type, data, len) != 0)
		cleanup_out_fail(state, errno, "write queue file");
}

void
cleanup_out_str(CLEANUP_STATE *state, int type, const char *str)
{
	cleanup_out_rec(state, type, str, strlen(str));
}

void
cleanup_out_line(CLEANUP_STATE *state, const void *data, size_t len)
{
	const char *cp = data;

	while (len > CLEANUP_REC_MAX) {
		cleanup_out_rec(state, REC_TYPE_FRAGMENT, cp, CLEANUP_REC_MAX);
		cp += CLEANUP_REC_MAX;
		len -= CLEANUP_REC_MAX;
	}
	cleanup_out_rec(state, REC_TYPE_NORMAL, cp, len);
}

/* 1 when queue is listed in hash_queue_names. */
static int
cleanup_queue_hashed(const char *queue)
{
	ARGV   *names = argv_split(var_hash_queue_names, CHARS_COMMA_SP);
	size_t  i;
	int     found = 0;

	for (i = 0; i < names->len && !found; i++)
		found = strcasecmp(names->argv[i], queue) == 0;
	argv_free(names);
	return (found);
}

/*
 * Create the hash directories of path ("incoming/C/3/ID") that do not
 * exist yet, and make each new entry durable. 0, or -1 with errno.
 */
static int
cleanup_make_dirs(const char *path, VSTRING *why)
{
	VSTRING *dir = vstring_alloc(100);
	const char *slash;
	const char *first = strchr(path, '/');
	int     ret = 0;

	/* The queue directory itself must exist; only its subdirectories are made. */
	for (slash = first ? strchr(first + 1, '/') : NULL; slash;
	     slash = strchr(slash + 1, '/')) {
		vstring_strncpy(dir, path, (size_t) (slash - path));
		if (mkdir(vstring_str(dir), CLEANUP_MODE_READY) == 0) {
			vstring_truncate(dir, (size_t) (strrchr(vstring_str(dir), '/')
							- vstring_str(dir)));
			if (fsync_dir(vstring_str(dir), why) < 0) {
				ret = -1;
				break;
			}
		} else if (errno != EEXIST) {
			vstring_sprintf(why, "cannot create directory %s: %s",
					vstring_str(dir), strerror(errno));
			ret = -1;
			break;
		}
	}
	vstring_free(dir);
	return (ret);
}

int
cleanup_out_finish(CLEANUP_STATE *state)
{
	VSTRING *why;
	const char *queue;
	int     depth;
	int     fd;

	if (state->errs != 0)
		return (state->errs);
	vstring_sprintf(state->buf, CLEANUP_SIZE_FORMAT,
			(long) (state->xtra_offset - state->data_offset),
			(long) state->data_offset, state->rcpt_count);
	if (vstring_len(state->buf) != CLEANUP_SIZE_LEN)
		msg_panic("%s: size record of %zu bytes", cleanup_id(state),
			  vstring_len(state->buf));
	if (qfile_update(state->qf, 0, REC_TYPE_SIZE, vstring_str(state->buf),
			 vstring_len(state->buf)) != 0
	    || qfile_sync(state->qf) != 0) {
		cleanup_out_fail(state, errno, "write queue file");
		return (state->errs);
	}
	(void) qfile_close(state->qf);
	state->qf = NULL;
	fd = state->fd;
	state->fd = -1;
	if (fchmod(fd, CLEANUP_MODE_READY) < 0) {
		cleanup_out_fail(state, errno, "change queue file mode");
		(void) close(fd);
		return (state->errs);
	}
	/* NFS and friends report some write errors only here. */
	if (close(fd) < 0 && errno != EINTR) {
		cleanup_out_fail(state, errno, "close queue file");
		return (state->errs);
	}
	queue = (state->flags & CLEANUP_FLAG_HOLD) ?
	    CLEANUP_QUEUE_HOLD : CLEANUP_QUEUE_INCOMING;
	depth = cleanup_queue_hashed(queue) ? var_hash_queue_depth : 0;
	if (queue_id_path(state->final_path, queue, vstring_str(state->queue_id),
			  depth) < 0)
		msg_panic("%s: no path for depth %d", cleanup_id(state), depth);
	why = vstring_alloc(100);
	if (cleanup_make_dirs(vstring_str(state->final_path), why) < 0
	    || rename_durable(vstring_str(state->temp_path),
			      vstring_str(state->final_path), why) < 0) {
		int     err = errno;

		msg_warn("%s: %s", cleanup_id(state), vstring_str(why));
		/* Renamed but not durable: not acknowledged, so not kept. */
		if (access(vstring_str(state->temp_path), F_OK) < 0
		    && unlink(vstring_str(state->final_path)) == 0)
			VSTRING_RESET(state->final_path);
		cleanup_out_fail(state, err, "move queue file into place");
		vstring_free(why);
		return (state->errs);
	}
	vstring_free(why);
	VSTRING_RESET(state->temp_path);
	cleanup_out_watchdog_path(NULL);
	return (0);
}

void
cleanup_out_remove(CLEANUP_STATE *state)
{
	if (state->qf != NULL) {
		(void) qfile_close(state->qf);
		state->qf = NULL;
	}
	if (state->fd >= 0) {
		(void) close(state->fd);
		state->fd = -1;
	}
	if (vstring_len(state->temp_path) > 0
	    && unlink(vstring_str(state->temp_path)) < 0 && errno != ENOENT)
		msg_warn("%s: remove %s: %s", cleanup_id(state),
			 vstring_str(state->temp_path), strerror(errno));
	VSTRING_RESET(state->temp_path);
	cleanup_out_watchdog_path(NULL);
}
