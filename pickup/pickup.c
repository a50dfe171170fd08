/*
 * pickup - feed maildrop files to cleanup(8)
 *
 * pickup(8) is a trigger server (master.cf: pickup unix n - n 60 1
 * pickup): master wakes it every 60 seconds, postdrop(1) after each new
 * file, and it scans maildrop/ once at start-up. Any trigger (the bytes do
 * not matter) starts a scan of maildrop/: every entry whose name is a
 * valid queue ID (postdrop's temporary files are not) is handled in turn:
 *
 *  1. opened without following links; it must be a regular file with one
 *     link.
 *  2. read once with the maildrop validator (maildrop.h) in file mode: the
 *     first record must be "uid=N" and N must be the file's owner; no
 *     TIME, SIZE or DONE record, no foreign attribute, the section order,
 *     the record sizes and the END record are checked. A file that fails
 *     is logged as "warning: ID: uid=N: forged or malformed maildrop
 *     file: REASON" (N the owner) and moved to corrupt/ (removed when
 *     that fails).
 *  3. read again and sent to cleanup (public/cleanup, cleanup_client.h)
 *     with CLEANUP_FLAG_BOUNCE and CLEANUP_FLAG_MASK_EXTERNAL, plus
 *     CLEANUP_FLAG_EXTRACT when the file asks for -t extraction; the
 *     second read is validated too. The uid and extract_recipients
 *     attributes stay here; everything else goes as it is, and after the
 *     MESSAGE record pickup adds
 *	 Received: by $myhostname ($mail_name, from userid N)
 *		 id QUEUEID; DATE
 *     It logs "QUEUEID: uid=N from=<sender>" with cleanup's queue ID.
 *  4. status 0: the maildrop file is removed. A temporary failure (or no
 *     cleanup service) keeps the file and ends the scan; the next wakeup
 *     retries. A permanent one (bad content, too large) is logged and the
 *     file removed, as Postfix does with ill-formatted files.
 *
 * A requeued file (postsuper -r moved a complete queue file here) is told
 * apart by its owner and its first record: owned by mail_owner (our own
 * uid: pickup runs as mail_owner) and starting with SIZE, where a postdrop
 * file starts with the uid attribute. Only mail_owner can create such a
 * file. It is checked in MAILDROP_REQUEUE mode (maildrop.h) and sent to
 * cleanup with CLEANUP_FLAG_BOUNCE and CLEANUP_FLAG_MASK_EXTERNAL (address
 * rewriting and mapping apply again, as postsuper(1) promises), minus
 * cleanup's own SIZE and TIME records and minus every DONE recipient with
 * the ORCPT/DSN_ORCPT/DSN_NOTIFY records that describe it; everything else,
 * extracted recipients included, goes as it is, without a Received:
 * header. As Postfix's pickup, it logs "QUEUEID: uid=N from=<sender>
 * orig_id=OLDID". Any other file goes through the postdrop rules above.
 *
 * Requests served: trigger bytes on the service socket; no replies.
 */
#include <sys/types.h>
#include <sys/stat.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "msg.h"
#include "mymalloc.h"
#include "argv.h"
#include "events.h"
#include "vstring.h"
#include "mail_conf.h"
#include "mail_server.h"
#include "mail_queue.h"
#include "queue_id.h"
#include "qfile.h"
#include "rec_type.h"
#include "cleanup_client.h"
#include "maildrop.h"

#define PICKUP_OK	0		/* done with this file */
#define PICKUP_RETRY	1		/* keep it; stop scanning */

#define PICKUP_TEMP_ERRS \
	(CLEANUP_STAT_DEFER | CLEANUP_STAT_WRITE | CLEANUP_STAT_NOSPACE \
	 | CLEANUP_STAT_PROXY)

static long var_ipc_timeout;
static const char *var_myhostname;
static const char *var_mail_name;

/* An RFC 5322 date in local time with a numeric zone. */
static const char *
pickup_date(VSTRING *buf, time_t when)
{
	struct tm *lt = localtime(&when);
	char    text[100];
	long    off = lt->tm_gmtoff / 60;

	strftime(text, sizeof(text), "%a, %e %b %Y %H:%M:%S ", lt);
	vstring_sprintf(buf, "%s%c%02ld%02ld", text, off < 0 ? '-' : '+',
			(off < 0 ? -off : off) / 60, (off < 0 ? -off : off) % 60);
	return (vstring_str(buf));
}

/* Move a refused file out of the way (corrupt/), else remove it. */
static void
pickup_refuse(const char *id, const char *path, long owner, const char *why)
{
	VSTRING *dest = vstring_alloc(64);

	vstring_sprintf(dest, "%s/%s", MAIL_QUEUE_CORRUPT, id);
	if (rename(path, vstring_str(dest)) == 0) {
		msg_warn("%s: uid=%ld: forged or malformed maildrop file: %s; "
			 "moved to %s", id, owner, why, vstring_str(dest));
	} else {
		msg_warn("%s: uid=%ld: forged or malformed maildrop file: %s; "
			 "removed", id, owner, why);
		if (unlink(path) < 0 && errno != ENOENT)
			msg_warn("remove %s: %s", path, strerror(errno));
	}
	vstring_free(dest);
}

/* Pass 1: validate the whole file; 0 or -1 and why. */
static int
pickup_validate(QFILE *qf, MAILDROP_CHECK *mc, VSTRING *data, VSTRING *why)
{
	int     type;

	while ((type = qfile_read_rec(qf, data)) > 0)
		if (maildrop_check_rec(mc, type, vstring_str(data),
				       vstring_len(data), why) < 0)
			return (-1);
	if (type != QFILE_EOF) {
		vstring_sprintf(why, "%s%s%s", qfile_strerror(type),
				*qfile_reason(qf) ? ": " : "", qfile_reason(qf));
		return (-1);
	}
	return (maildrop_check_end(mc, why));
}

/*
 * One record of a requeued file to cleanup. A recipient's details are
 * held (in "held", type byte + data; the validator refused NUL bytes)
 * until its RCPT (sent with them) or DONE (dropped with them) arrives.
 */
static void
pickup_requeue_rec(CLEANUP_CLIENT *cc, ARGV *held, VSTRING *buf, int type,
		   const char *data, size_t len)
{
	size_t  i;

	switch (type) {
	case REC_TYPE_SIZE:
	case REC_TYPE_TIME:
		/* cleanup writes its own. */
		return;
	case REC_TYPE_ORCPT:
	case REC_TYPE_DSN_ORCPT:
	case REC_TYPE_DSN_NOTIFY:
		vstring_sprintf(buf, "%c", type);
		vstring_memcat(buf, data, len);
		argv_addn(held, vstring_str(buf), vstring_len(buf));
		return;
	case REC_TYPE_RCPT:
		for (i = 0; i < held->len; i++)
			cleanup_client_rec(cc, (unsigned char) held->argv[i][0],
					   held->argv[i] + 1,
					   strlen(held->argv[i] + 1));
		argv_truncate(held, 0);
		cleanup_client_rec(cc, type, data, len);
		return;
	case REC_TYPE_DONE:
		/* Delivered before the requeue: not again. */
		argv_truncate(held, 0);
		return;
	default:
		cleanup_client_rec(cc, type, data, len);
		return;
	}
}

/* Pass 2: send the records to cleanup; 0, or -1 with why (file changed). */
static int
pickup_copy(QFILE *qf, CLEANUP_CLIENT *cc, int mode, long uid, VSTRING *data,
	    VSTRING *why)
{
	MAILDROP_CHECK *mc = maildrop_check_alloc(mode);
	VSTRING *date = vstring_alloc(64);
	ARGV   *held = argv_alloc(4);
	int     type;
	int     ret = 0;

	while ((type = qfile_read_rec(qf, data)) > 0) {
		if (maildrop_check_rec(mc, type, vstring_str(data),
				       vstring_len(data), why) < 0) {
			ret = -1;
			break;
		}
		if (mode == MAILDROP_REQUEUE) {
			pickup_requeue_rec(cc, held, date, type, vstring_str(data),
					   vstring_len(data));
			continue;
		}
		if (type == REC_TYPE_ATTR
		    && maildrop_attr_skip(vstring_str(data), vstring_len(data)))
			continue;
		cleanup_client_rec(cc, type, vstring_str(data),
				   vstring_len(data));
		if (type == REC_TYPE_MESSAGE) {
			cleanup_client_fmt(cc, REC_TYPE_NORMAL,
					   "Received: by %s (%s, from userid %ld)",
					   var_myhostname, var_mail_name, uid);
			cleanup_client_fmt(cc, REC_TYPE_NORMAL, "\tid %s; %s",
					   cleanup_client_id(cc),
					   pickup_date(date, time((time_t *) 0)));
		}
	}
	if (ret == 0 && type != QFILE_EOF) {
		vstring_sprintf(why, "%s", qfile_strerror(type));
		ret = -1;
	}
	if (ret == 0 && maildrop_check_end(mc, why) < 0)
		ret = -1;
	maildrop_check_free(mc);
	argv_free(held);
	vstring_free(date);
	return (ret);
}

/* One maildrop file. */
static int
pickup_file(const char *id)
{
	VSTRING *path = vstring_alloc(64);
	VSTRING *why = vstring_alloc(100);
	VSTRING *data = vstring_alloc(1024);
	MAILDROP_CHECK *mc = NULL;
	CLEANUP_CLIENT *cc;
	QFILE  *qf = NULL;
	struct stat st;
	long    owner;
	int     mode = MAILDROP_FILE;
	char    first;
	int     flags;
	int     status;
	int     fd;
	int     ret = PICKUP_OK;

	vstring_sprintf(path, "%s/%s", MAIL_QUEUE_MAILDROP, id);
	if ((fd = open(vstring_str(path), O_RDONLY | O_NOFOLLOW | O_NONBLOCK
		       | O_CLOEXEC)) < 0) {
		if (errno == ELOOP) {
			msg_warn("%s: symbolic link in maildrop; removed", id);
			(void) unlink(vstring_str(path));
		} else if (errno != ENOENT) {
			msg_warn("open %s: %s", vstring_str(path), strerror(errno));
		}
		goto done;
	}
	if (fstat(fd, &st) < 0)
		msg_fatal("fstat %s: %s", vstring_str(path), strerror(errno));
	owner = (long) st.st_uid;
	if (!S_ISREG(st.st_mode) || st.st_nlink != 1) {
		msg_warn("%s: uid=%ld: not a regular file with one link; removed",
			 id, owner);
		(void) unlink(vstring_str(path));
		goto done;
	}

	/* A queue file that postsuper -r moved here? Only we can own one. */
	if (owner == (long) geteuid() && pread(fd, &first, 1, 0) == 1
	    && first == REC_TYPE_SIZE)
		mode = MAILDROP_REQUEUE;

	/* Pass 1: the whole file must follow the rules. */
	qf = qfile_open(fd, QFILE_READ, MAILDROP_REC_MAX);
	mc = maildrop_check_alloc(mode);
	if (pickup_validate(qf, mc, data, why) < 0) {
		pickup_refuse(id, vstring_str(path), owner, vstring_str(why));
		goto done;
	}
	if (mode == MAILDROP_FILE && maildrop_check_uid(mc) != owner) {
		vstring_sprintf(why, "uid attribute %ld is not the file owner",
				maildrop_check_uid(mc));
		pickup_refuse(id, vstring_str(path), owner, vstring_str(why));
		goto done;
	}

	/* Pass 2: to cleanup. */
	flags = CLEANUP_FLAG_BOUNCE | CLEANUP_FLAG_MASK_EXTERNAL;
	if (maildrop_check_flags(mc) & MAILDROP_FLAG_EXTRACT)
		flags |= CLEANUP_FLAG_EXTRACT;
	if ((cc = cleanup_client_open("public", CLEANUP_SERVICE, flags,
				      (int) var_ipc_timeout, why)) == NULL) {
		msg_warn("%s: cannot reach the cleanup service: %s; will retry",
			 id, vstring_str(why));
		ret = PICKUP_RETRY;
		goto done;
	}
	if (mode == MAILDROP_REQUEUE)
		msg_info("%s: uid=%ld from=<%s> orig_id=%s", cleanup_client_id(cc),
			 owner, maildrop_check_sender(mc), id);
	else
		msg_info("%s: uid=%ld from=<%s>", cleanup_client_id(cc), owner,
			 maildrop_check_sender(mc));
	if (qfile_seek(qf, 0, REC_SEC_ENVELOPE) < 0
	    || pickup_copy(qf, cc, mode, owner, data, why) < 0) {
		cleanup_client_abort(cc);
		if (!*vstring_str(why))
			vstring_strcpy(why, "seek failed");
		pickup_refuse(id, vstring_str(path), owner, vstring_str(why));
		goto done;
	}
	VSTRING_RESET(why);
	status = cleanup_client_finish(cc, why);
	if (status == 0) {
		if (unlink(vstring_str(path)) < 0)
			msg_warn("remove %s: %s", vstring_str(path), strerror(errno));
	} else if (status & PICKUP_TEMP_ERRS) {
		msg_warn("%s: uid=%ld: %s: %s; will retry", id, owner,
			 cleanup_stat_text(status), vstring_str(why));
		ret = PICKUP_RETRY;
	} else {
		msg_warn("%s: uid=%ld: message refused: %s: %s; removed", id,
			 owner, cleanup_stat_text(status), vstring_str(why));
		(void) unlink(vstring_str(path));
	}

done:
	if (qf)
		(void) qfile_close(qf);
	if (fd >= 0)
		(void) close(fd);
	if (mc)
		maildrop_check_free(mc);
	vstring_free(data);
	vstring_free(why);
	vstring_free(path);
	return (ret);
}

/* Scan maildrop/ once. */
static void
pickup_scan(void)
{
	ARGV   *ids = argv_alloc(10);
	DIR    *dir;
	struct dirent *dp;
	size_t  i;

	if ((dir = opendir(MAIL_QUEUE_MAILDROP)) == NULL) {
		msg_warn("open directory %s: %s", MAIL_QUEUE_MAILDROP,
			 strerror(errno));
		argv_free(ids);
		return;
	}
	/* Names first: the directory changes while we work. */
	while ((dp = readdir(dir)) != NULL)
		if (queue_id_ok(dp->d_name))
			argv_add(ids, dp->d_name);
	(void) closedir(dir);
	for (i = 0; i < ids->len; i++)
		if (pickup_file(ids->argv[i]) == PICKUP_RETRY)
			break;
	argv_free(ids);
}

static void
pickup_trigger(char *buf, size_t len, const char *service, char **argv)
{
	(void) buf;
	(void) len;
	(void) service;
	(void) argv;
	pickup_scan();
}

static void
pickup_startup_scan(int event, void *context)
{
	(void) event;
	(void) context;
	pickup_scan();
}

static void
pickup_post_init(const char *service, char **argv)
{
	(void) service;
	(void) argv;
	var_ipc_timeout = mail_conf_time("ipc_timeout");
	var_myhostname = mail_conf_str("myhostname");
	var_mail_name = mail_conf_str("mail_name");
	/* Files dropped while nobody picked them up. */
	if (!mail_server_standalone())
		event_request_timer(pickup_startup_scan, (void *) 0, 0);
}

int
main(int argc, char **argv)
{
	trigger_server_main(argc, argv, pickup_trigger,
			    MAIL_SERVER_POST_INIT, pickup_post_init,
			    MAIL_SERVER_END);
	return (0);
}
