#ifndef POSTERN_MAILDIR_WRITE_H
#define POSTERN_MAILDIR_WRITE_H

/*
 * maildir_write - deliver one queued message into a Maildir
 *
 *	maildir_write() creates the maildir (and missing parent
 *	directories, mode 0700) with tmp/, new/ and cur/ when needed,
 *	writes the message (mailbox_copy() with the given flags, normally
 *	MAILBOX_FLAGS_MAILDIR) into tmp/UNIQUE (mode 0600, exclusive
 *	create), fsync()s it, renames it into new/ and fsync()s new/.
 *	UNIQUE is "SECONDS.MUSECONDSPPIDQCOUNTVDEVIINODE.HOST", HOST being
 *	hostname with '/' and ':' written as \057 and \072. "limit" bounds
 *	the message file (0: none). On any error the tmp/ file is removed.
 *	The caller runs it as the mailbox owner. With "unique" not NULL,
 *	the file is tmp/UNIQUE and then new/UNIQUE (local(8) names it with
 *	maildir_name()). With MAILDIR_FLAG_NO_PARENTS only the maildir
 *	itself and its subdirectories are created, not its parents.
 *	Failures read "create maildir file PATH: REASON".
 *
 *	maildir_name() formats "SEC.MUSECPpidQcount.HOST" (microseconds
 *	as six digits), HOST escaped as above.
 *
 * Results as mbox_write(): MAILBOX_OK, MAILBOX_DEFER, MAILBOX_BOUNCE,
 * with dsn and why; when name is not NULL it receives the new/ path.
 */
#include <sys/types.h>
#include <sys/time.h>

#include "vstring.h"
#include "mbox_write.h"

extern int maildir_write(const char *dir, const char *hostname,
			 const char *unique, const MAILBOX_MSG *msg, int flags,
			 off_t limit, char *dsn, VSTRING *why, VSTRING *name);
extern const char *maildir_name(VSTRING *out, const struct timeval *tv,
				long pid, unsigned long count,
				const char *host);

#endif
