#ifndef POSTERN_SHOWQ_H
#define POSTERN_SHOWQ_H

/*
 * showq.h - what showq(8) learns about one queued message
 *
 *	showq_read_message() reads a queue file through a QFILE: arrival
 *		time, content size, sender and the recipients still to be
 *		delivered (envelope and extracted sections).
 *	showq_read_reasons() reads a defer log (bounce(8)'s defer/ID file)
 *		into a table: recipient address -> latest delay reason.
 *	showq_printable() replaces control characters with '?'.
 *	showq_msg_free() releases what showq_read_message() filled in.
 */
#include <sys/types.h>

#include "argv.h"
#include "htable.h"
#include "qfile.h"
#include "vstream.h"
#include "vstring.h"

typedef struct SHOWQ_MSG {
	long    arrival;		/* seconds; -1 when no TIME record */
	long    size;			/* content bytes; -1 when no SIZE record */
	VSTRING *sender;		/* printable; "MAILER-DAEMON" for <> */
	int     have_sender;		/* a SENDER record was seen */
	ARGV   *rcpts;			/* undelivered recipients, printable */
} SHOWQ_MSG;

/* Longest line of a defer log that is looked at. */
#define SHOWQ_LOG_LINE_MAX	10000

/*
 * Read qf (file_size bytes long) to its END record. Returns 0, or a QFILE status (< 0) when the
 * file is incomplete or damaged; msg is then partly filled and must not be
 * reported. max_rcpt bounds the recipients kept (0: no limit).
 */
extern int showq_read_message(QFILE *qf, SHOWQ_MSG *msg, off_t file_size,
			      size_t max_rcpt);
extern void showq_msg_init(SHOWQ_MSG *msg);
extern void showq_msg_free(SHOWQ_MSG *msg);

/*
 * Add "rcpt=" (or "recipient=") -> "reason=" pairs of the records in fp
 * (name=value lines, each record ended by an empty line) to reasons
 * (values mystrdup()ed; a later record replaces an earlier one for the
 * same recipient; "" without a reason). Returns the number of records.
 */
extern int showq_read_reasons(VSTREAM *fp, HTABLE *reasons);

extern char *showq_printable(char *str);

#endif
