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
 *	The caller runs it as the mailbox owner.
 *
 * Results as mbox_write(): MAILBOX_OK, MAILBOX_DEFER, MAILBOX_BOUNCE,
 * with dsn and why; when name is not NULL it receives the new/ path.
 */
#include <sys/types.h>

#include "vstring.h"
#include "mbox_write.h"

extern int maildir_write(const char *dir, const char *hostname,
			 const MAILBOX_MSG *msg, int flags, off_t limit,
			 char *dsn, VSTRING *why, VSTRING *name);

#endif
