#ifndef POSTERN_MAILDROP_H
#define POSTERN_MAILDROP_H

/*
 * maildrop - the maildrop file format and its validator
 *
 * Local submission (DESIGN.md §1): sendmail(1) writes a message as
 * queue-file records (qfile.h byte format, rec_type.h types) to the
 * set-gid postdrop(1), which checks them, puts its own "uid" attribute in
 * front and stores them as maildrop/QUEUEID; pickup(8) checks the file
 * again and feeds it to cleanup(8). A maildrop file is:
 *
 *   envelope	ATTR uid=N (first; written by postdrop, never by sendmail),
 *		SENDER (exactly one; "" is the null sender),
 *		ATTR rewrite_context=local, ATTR full_name=TEXT,
 *		ATTR encoding=7bit|8bit, ATTR extract_recipients=yes (-t),
 *		DSN_ENVID, DSN_RET (FULL|HDRS), then per recipient an
 *		optional DSN_NOTIFY (NEVER, or SUCCESS,FAILURE,DELAY in any
 *		combination) and RCPT; MESSAGE.
 *   content	NORMAL / FRAGMENT lines; XTRA.
 *   extracted	END, and nothing after it.
 *
 * Each optional record appears at most once. Anything else is refused:
 * TIME, SIZE and DONE records (cleanup's and qmgr's own), ORCPT,
 * DSN_ORCPT, any other attribute (a local user must not pose as a remote
 * client), control characters in envelope text, envelope records over
 * MAILDROP_ENV_MAX bytes, records over MAILDROP_REC_MAX, a FRAGMENT not
 * followed by more of its line, a message without recipients (unless
 * recipients are to be extracted), a missing END.
 *
 *	maildrop_check_alloc() a validator for one stream: MAILDROP_SUBMIT
 *		(sendmail's output: no uid attribute), MAILDROP_FILE (a
 *		maildrop file: the uid attribute first) or MAILDROP_REQUEUE
 *		(a requeued queue file, below).
 *	maildrop_check_rec() one record; 0 when allowed, else -1 and the
 *		reason in why. After a refusal the validator stays refused.
 *	maildrop_check_end() the stream ended: 0 when END was the last
 *		record, else -1 and why.
 *	maildrop_check_uid(), _sender(), _flags(), _rcpt_count() what the
 *		records said (uid -1 when absent; flags MAILDROP_FLAG_*).
 *	maildrop_check_free().
 *	maildrop_attr_skip() 1 for an attribute record that pickup keeps
 *		to itself (uid, extract_recipients) instead of passing it on.
 *	maildrop_log_init() logging for the commands: stderr, and the
 *		maillog (postlog service or maillog_file) or syslog.
 *
 * A requeued file (postsuper -r moves a complete queue file, owned by
 * mail_owner, into maildrop/) is cleanup's own format instead, checked in
 * MAILDROP_REQUEUE mode:
 *
 *   envelope	SIZE (first, REC_SIZE_LEN bytes), TIME (at most once),
 *		SENDER (exactly one), ATTR name=value, DSN_ENVID and
 *		DSN_RET (at most once each), recipient groups: ORCPT,
 *		DSN_ORCPT, DSN_NOTIFY (each at most once) then RCPT or DONE;
 *		MESSAGE.
 *   content	as above; XTRA.
 *   extracted	ATTR and recipient groups as in the envelope; END.
 *
 * No NUL byte in envelope or extracted records (cleanup refuses them);
 * record sizes up to MAILDROP_REC_MAX. maildrop_check_rcpt_count() counts
 * the RCPT records (recipients still to deliver), not the DONE ones.
 *
 * Nothing here exits; callers decide.
 */
#include <stddef.h>
#include <sys/types.h>

#include "vstring.h"
#include "qfile.h"

#define MAILDROP_SUBMIT		1	/* sendmail -> postdrop */
#define MAILDROP_FILE		2	/* maildrop/ID -> pickup */
#define MAILDROP_REQUEUE	3	/* postsuper -r: a queue file */

#define MAILDROP_REC_MAX	QFILE_REC_LEN_DEFAULT	/* any record */
#define MAILDROP_ENV_MAX	4096	/* an envelope record */
#define MAILDROP_ENVID_MAX	100	/* RFC 3461 ENVID */

/* Attribute names. */
#define MAILDROP_ATTR_UID	"uid"
#define MAILDROP_ATTR_CONTEXT	"rewrite_context"
#define MAILDROP_ATTR_FULLNAME	"full_name"
#define MAILDROP_ATTR_ENCODING	"encoding"
#define MAILDROP_ATTR_EXTRACT	"extract_recipients"

/* What the records asked for. */
#define MAILDROP_FLAG_EXTRACT	(1 << 0)	/* sendmail -t */

typedef struct MAILDROP_CHECK MAILDROP_CHECK;

extern MAILDROP_CHECK *maildrop_check_alloc(int mode);
extern int maildrop_check_rec(MAILDROP_CHECK *mc, int type, const char *data,
			      size_t len, VSTRING *why);
extern int maildrop_check_end(MAILDROP_CHECK *mc, VSTRING *why);
extern long maildrop_check_uid(const MAILDROP_CHECK *mc);
extern const char *maildrop_check_sender(const MAILDROP_CHECK *mc);
extern int maildrop_check_flags(const MAILDROP_CHECK *mc);
extern long maildrop_check_rcpt_count(const MAILDROP_CHECK *mc);
extern void maildrop_check_free(MAILDROP_CHECK *mc);

extern int maildrop_attr_skip(const char *data, size_t len);

extern void maildrop_log_init(const char *progname);

#endif
