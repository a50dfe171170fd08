#ifndef POSTERN_MBOX_WRITE_H
#define POSTERN_MBOX_WRITE_H

/*
 * mbox_write - deliver one queued message into a UNIX mailbox file, and
 * copy a queued message with delivery headers (shared with maildir_write
 * and meant for local(8) as well as virtual(8))
 *
 *	mailbox_copy() writes the message of a queue file to a stream:
 *		with MAILBOX_FLAG_FROM a "From SENDER  DATE" line first;
 *		"Return-Path: <SENDER>", "X-Original-To: ORIG" (when orig is
 *		not empty and MAILBOX_FLAG_ORIG_TO), "Delivered-To: RCPT"
 *		(MAILBOX_FLAG_DELIVERED_TO); then the content records as
 *		lines ending in "\n", with MAILBOX_FLAG_QUOTE ">" before
 *		lines starting "From ", and with MAILBOX_FLAG_BLANK an empty
 *		line at the end. Stops with EFBIG once more than "limit"
 *		bytes (0: no limit) would be written in total (the caller
 *		gives the room left).
 *		MAILBOX_FLAG_BLANK_ALWAYS adds that empty line even after
 *		an empty last line (local(8)).
 *	mailbox_from_line() formats the "From SENDER  DATE\n" line
 *		(MAILER-DAEMON for the null sender).
 *	mbox_lock_mask() parses a mailbox_delivery_lock /
 *		virtual_mailbox_lock value ("fcntl, dotlock", "flock").
 *	mbox_dotlock() creates path.lock exclusively: "tries" attempts
 *		"delay" seconds apart, removing one older than "stale"
 *		seconds; mbox_dotunlock() removes it.
 *	mbox_write_opts() is mbox_write() with the choices of MBOX_OPTS:
 *		the owner of a created file, a device (/dev/null) written
 *		without locks, fsync or truncation, and a hook called after
 *		the open and before the locks (privileges, ownership checks).
 *	mbox_write() appends a message to the mailbox file at path, with
 *		the mbox flags above: creates it (mode 0600) when missing,
 *		refuses a symbolic link or a file with several links, takes
 *		the locks of the mask (dotlock path.lock, then fcntl or flock),
 *		writes, fsync()s, and on any error truncates the file back to
 *		its original length. "limit" bounds the whole mailbox file.
 *
 * The caller runs these as the mailbox owner. Results: MAILBOX_OK,
 * MAILBOX_DEFER or MAILBOX_BOUNCE, with an enhanced status code in dsn
 * (at least 10 bytes) and a reason in why, worded as Postfix does
 * ("cannot update mailbox PATH for user USER. REASON" is the caller's).
 * Over quota and over the size limit bounce (5.2.2); a queue file that
 * cannot be read, a full file system, and the rest defer. When the result
 * is not MAILBOX_OK, errno holds the error behind it.
 */
#include <sys/types.h>
#include <sys/stat.h>
#include <time.h>

#include "vstream.h"
#include "vstring.h"

typedef struct MAILBOX_MSG {
	int	fd;			/* queue file (not moved: pread-free dup) */
	off_t	offset;			/* first content record */
	const char *sender;		/* envelope sender, "" for <> */
	const char *orig_rcpt;		/* X-Original-To: value, "" none */
	const char *rcpt;		/* Delivered-To: value */
} MAILBOX_MSG;

#define MAILBOX_FLAG_FROM	(1 << 0)	/* From_ line */
#define MAILBOX_FLAG_QUOTE	(1 << 1)	/* >From quoting */
#define MAILBOX_FLAG_BLANK	(1 << 2)	/* empty line at the end */
#define MAILBOX_FLAG_RETURN_PATH (1 << 3)
#define MAILBOX_FLAG_ORIG_TO	(1 << 4)
#define MAILBOX_FLAG_DELIVERED_TO (1 << 5)
#define MAILBOX_FLAG_BLANK_ALWAYS (1 << 6)	/* empty line, always */
#define MAILDIR_FLAG_NO_PARENTS	(1 << 7)	/* maildir_write: no mkdir -p */
#define MAILBOX_FLAGS_MBOX	(MAILBOX_FLAG_FROM | MAILBOX_FLAG_QUOTE \
	| MAILBOX_FLAG_BLANK | MAILBOX_FLAG_RETURN_PATH \
	| MAILBOX_FLAG_ORIG_TO | MAILBOX_FLAG_DELIVERED_TO)
#define MAILBOX_FLAGS_MAILDIR	(MAILBOX_FLAG_RETURN_PATH \
	| MAILBOX_FLAG_ORIG_TO | MAILBOX_FLAG_DELIVERED_TO)

#define MAILBOX_OK	0
#define MAILBOX_DEFER	1
#define MAILBOX_BOUNCE	2

#define MBOX_LOCK_FCNTL		(1 << 0)
#define MBOX_LOCK_FLOCK		(1 << 1)
#define MBOX_LOCK_DOTLOCK	(1 << 2)

typedef struct MBOX_OPTS {
	int	lock_mask;		/* MBOX_LOCK_* */
	off_t	limit;			/* whole file; 0: none */
	uid_t	create_uid;		/* owner of a created file, or -1 */
	gid_t	create_gid;
	int	special_ok;		/* an existing non-regular file is ok */
	/* After the open, before locking: 0, or -1 with errno and why. */
	int	(*opened)(int fd, const struct stat *st, void *context,
			  VSTRING *why);
	void   *context;
} MBOX_OPTS;

extern const char *mailbox_from_line(VSTRING *out, const char *sender,
				     time_t when);
/* 0, or -1 with errno (EFBIG for the limit, EIO for a bad queue file). */
extern int mailbox_copy(VSTREAM *out, const MAILBOX_MSG *msg, int flags,
			off_t limit, VSTRING *why);
/* Status (MAILBOX_DEFER/BOUNCE) and dsn for an errno from writing. */
extern int mailbox_errno_status(int err, char *dsn);
extern int mbox_lock_mask(const char *text, VSTRING *why);
extern int mbox_dotlock(const char *path, int tries, int delay, int stale,
			VSTRING *why);
extern void mbox_dotunlock(const char *path);
extern int mbox_write_opts(const char *path, const MAILBOX_MSG *msg,
			   int flags, const MBOX_OPTS *opts, char *dsn,
			   VSTRING *why);
extern int mbox_write(const char *path, const MAILBOX_MSG *msg, int flags,
		      int lock_mask, off_t limit, char *dsn, VSTRING *why);

#endif
