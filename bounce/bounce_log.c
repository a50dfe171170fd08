/*
 * bounce_log - per-message logs of recipient events (bounce/, defer/,
 * trace/ queue directories, hashed as hash_queue_names says)
 *
 * File format (postern's own): one group per event, "name=value" lines
 * followed by an empty line. Names: orig_rcpt rcpt offset dsn_orcpt
 * dsn_notify status action reason dtype dtext mtype mname. No value may
 * contain a newline (bounce_log_check() refuses those before anything is
 * written). A group is written with one write(2) and fsync()ed, under an
 * exclusive lock, so a crash can at worst leave an unterminated last group,
 * which the reader ignores.
 *
 *	bounce_log_check() NULL when an event may be logged, else why not.
 *	bounce_log_append() appends one event; 0, or -1 and a reason.
 *	bounce_log_read() the last event per recipient (offset + address) in
 *		order of first appearance; NULL with errno ENOENT when there is
 *		no log, NULL with a reason on other errors.
 *	bounce_log_free() frees what bounce_log_read() returned.
 *	bounce_log_remove() unlinks the log; 0 also when it is gone.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "htable.h"
#include "iostuff.h"
#include "msg.h"
#include "mymalloc.h"
#include "safe_file.h"
#include "vstream.h"
#include "vstring.h"

#include "mail_queue.h"
#include "queue_id.h"
#include "bounce.h"

#define BOUNCE_LOG_LINE_MAX	(ATTR_VALUE_MAX + 100)
#define ATTR_VALUE_MAX		100000

static const char *
nz(const char *s)
{
	return (s ? s : "");
}

const char *
bounce_log_check(const BOUNCE_RCPT *r)
{
	const char *vals[] = {r->orig_rcpt, r->rcpt, r->dsn_orcpt, r->status,
		r->action, r->reason, r->dtype, r->dtext, r->mtype, r->mname};
	size_t  i;
	const char *s;

	for (i = 0; i < sizeof(vals) / sizeof(vals[0]); i++)
		if (strpbrk(nz(vals[i]), "\r\n") != NULL)
			return ("a value contains a line break");
	if (*nz(r->rcpt) == 0)
		return ("empty recipient");
	if (r->offset < 0)
		return ("negative recipient offset");
	if (r->dsn_notify < 0 || r->dsn_notify > 15)
		return ("bad dsn_notify");
	/* Enhanced status code: class.subject.detail. */
	s = nz(r->status);
	if (!((s[0] == '2' || s[0] == '4' || s[0] == '5') && s[1] == '.'
	      && strspn(s + 2, "0123456789") >= 1
	      && s[2 + strspn(s + 2, "0123456789")] == '.'))
		return ("bad status code");
	if (strcmp(nz(r->action), "failed") && strcmp(nz(r->action), "delayed")
	    && strcmp(nz(r->action), "delivered")
	    && strcmp(nz(r->action), "relayed")
	    && strcmp(nz(r->action), "expanded"))
		return ("bad action");
	return (NULL);
}

/* Create the hash directories of queue/ID that do not exist yet. */
static int
bounce_log_mkdirs(const char *queue, const char *queue_id, VSTRING *why)
{
	VSTRING *dir = vstring_alloc(100);
	VSTRING *part = vstring_alloc(100);
	const char *s;
	const char *slash;
	const char *next;
	int     ret = 0;

	s = mail_queue_dir(dir, queue, queue_id);
	/* The queue directory exists; make each hash level below it. */
	for (slash = strchr(s, '/'); slash != NULL; slash = next) {
		next = strchr(slash + 1, '/');
		vstring_strncpy(part, s, next ? (size_t) (next - s) : strlen(s));
		if (mkdir(vstring_str(part), 0700) == 0) {
			vstring_strncpy(part, s, (size_t) (slash - s));
			if (fsync_dir(vstring_str(part), why) < 0) {
				ret = -1;
				break;
			}
		} else if (errno != EEXIST) {
			vstring_sprintf(why, "mkdir %s: %s", vstring_str(part),
					strerror(errno));
			ret = -1;
			break;
		}
	}
	vstring_free(dir);
	vstring_free(part);
	return (ret);
}

int
bounce_log_append(const char *queue, const char *queue_id,
		  const BOUNCE_RCPT *r, VSTRING *why)
{
	VSTRING *path = vstring_alloc(100);
	VSTRING *buf = vstring_alloc(500);
	struct stat st;
	const char *err;
	int     fd;
	int     ret = -1;

	if ((err = bounce_log_check(r)) != NULL) {
		vstring_strcpy(why, err);
		goto out;
	}
	vstring_sprintf(buf, "orig_rcpt=%s\nrcpt=%s\noffset=%ld\ndsn_orcpt=%s\n"
			"dsn_notify=%d\nstatus=%s\naction=%s\nreason=%s\n"
			"dtype=%s\ndtext=%s\nmtype=%s\nmname=%s\n\n",
			nz(r->orig_rcpt), r->rcpt, r->offset, nz(r->dsn_orcpt),
			r->dsn_notify, r->status, r->action, nz(r->reason),
			nz(r->dtype), nz(r->dtext), nz(r->mtype), nz(r->mname));
	if (bounce_log_mkdirs(queue, queue_id, why) < 0)
		goto out;
	mail_queue_path(path, queue, queue_id);
	if ((fd = safe_open(vstring_str(path), O_WRONLY | O_APPEND | O_CREAT,
			    0600, &st, (uid_t) -1, (gid_t) -1, why)) < 0)
		goto out;
	if (file_lock(fd, FILE_LOCK_STYLE_FLOCK, FILE_LOCK_OP_EXCLUSIVE) < 0) {
		vstring_sprintf(why, "lock %s: %s", vstring_str(path),
				strerror(errno));
	} else if (write_buf(fd, vstring_str(buf), vstring_len(buf), -1) < 0) {
		vstring_sprintf(why, "write %s: %s", vstring_str(path),
				strerror(errno));
	} else if (fsync_file(fd, why) == 0) {
		ret = 0;
		/* A new file must survive a crash too: sync its directory. */
		if (st.st_size == 0) {
			char   *slash = strrchr(vstring_str(path), '/');

			*slash = 0;
			ret = fsync_dir(vstring_str(path), why);
		}
	}
	(void) close(fd);
out:
	vstring_free(path);
	vstring_free(buf);
	return (ret);
}

static void
bounce_rcpt_free(BOUNCE_RCPT *r)
{
	myfree(r->orig_rcpt);
	myfree(r->rcpt);
	myfree(r->dsn_orcpt);
	myfree(r->status);
	myfree(r->action);
	myfree(r->reason);
	myfree(r->dtype);
	myfree(r->dtext);
	myfree(r->mtype);
	myfree(r->mname);
}

void
bounce_log_free(BOUNCE_LOG *log)
{
	size_t  i;

	for (i = 0; i < log->count; i++)
		bounce_rcpt_free(&log->rcpt[i]);
	if (log->rcpt)
		myfree(log->rcpt);
	myfree(log);
}

/* Set one field of r from "name=value"; -1 for an unknown name. */
static int
bounce_log_field(BOUNCE_RCPT *r, const char *name, const char *value)
{
	char  **dest = NULL;
	char   *end;

	if (strcmp(name, "orig_rcpt") == 0)
		dest = &r->orig_rcpt;
	else if (strcmp(name, "rcpt") == 0)
		dest = &r->rcpt;
	else if (strcmp(name, "dsn_orcpt") == 0)
		dest = &r->dsn_orcpt;
	else if (strcmp(name, "status") == 0)
		dest = &r->status;
	else if (strcmp(name, "action") == 0)
		dest = &r->action;
	else if (strcmp(name, "reason") == 0)
		dest = &r->reason;
	else if (strcmp(name, "dtype") == 0)
		dest = &r->dtype;
	else if (strcmp(name, "dtext") == 0)
		dest = &r->dtext;
	else if (strcmp(name, "mtype") == 0)
		dest = &r->mtype;
	else if (strcmp(name, "mname") == 0)
		dest = &r->mname;
	else if (strcmp(name, "offset") == 0) {
		errno = 0;
		r->offset = strtol(value, &end, 10);
		return (*value && *end == 0 && errno == 0 ? 0 : -1);
	} else if (strcmp(name, "dsn_notify") == 0) {
		errno = 0;
		r->dsn_notify = (int) strtol(value, &end, 10);
		return (*value && *end == 0 && errno == 0 ? 0 : -1);
	} else
		return (-1);
	myfree(*dest);
	*dest = mystrdup(value);
	return (0);
}

static void
bounce_rcpt_init(BOUNCE_RCPT *r)
{
	memset(r, 0, sizeof(*r));
	r->orig_rcpt = mystrdup("");
	r->rcpt = mystrdup("");
	r->dsn_orcpt = mystrdup("");
	r->status = mystrdup("");
	r->action = mystrdup("");
	r->reason = mystrdup("");
	r->dtype = mystrdup("");
	r->dtext = mystrdup("");
	r->mtype = mystrdup("");
	r->mname = mystrdup("");
}

BOUNCE_LOG *
bounce_log_read(const char *queue, const char *queue_id, VSTRING *why)
{
	VSTRING *path = vstring_alloc(100);
	VSTRING *line = vstring_alloc(200);
	VSTRING *key = vstring_alloc(200);
	HTABLE *seen = htable_create(10);
	BOUNCE_LOG *log = mycalloc(1, sizeof(*log));
	BOUNCE_RCPT cur;
	size_t  alloc = 0;
	VSTREAM *fp;
	char   *eq;
	int     st;
	int     in_group = 0;
	int     bad = 0;
	long    lineno = 0;
	void   *slot;

	mail_queue_path(path, queue, queue_id);
	if ((fp = vstream_fopen(vstring_str(path), O_RDONLY, 0)) == NULL) {
		int     saved = errno;

		vstring_sprintf(why, "open %s: %s", vstring_str(path),
				strerror(errno));
		vstring_free(path);
		vstring_free(line);
		vstring_free(key);
		htable_free(seen, NULL);
		myfree(log);
		errno = saved;
		return (NULL);
	}
	bounce_rcpt_init(&cur);
	while ((st = vstream_fgets_bound(fp, line, BOUNCE_LOG_LINE_MAX))
	       == VSTREAM_GETS_OK) {
		lineno++;
		vstring_truncate(line, vstring_len(line) - 1);
		if (vstring_len(line) == 0) {
			if (!in_group)
				continue;
			/* End of a group: the last event for a recipient wins. */
			if (bounce_log_check(&cur) != NULL) {
				bad = 1;
				break;
			}
			vstring_sprintf(key, "%ld:%s", cur.offset, cur.rcpt);
			if ((slot = htable_find(seen, vstring_str(key))) != NULL) {
				size_t  idx = (size_t) slot - 1;

				bounce_rcpt_free(&log->rcpt[idx]);
				log->rcpt[idx] = cur;
			} else {
				if (log->count == alloc) {
					alloc = alloc ? 2 * alloc : 8;
					log->rcpt = myrealloc_array(log->rcpt, alloc,
							      sizeof(*log->rcpt));
				}
				log->rcpt[log->count++] = cur;
				htable_enter(seen, vstring_str(key),
					     (void *) (log->count));
			}
			bounce_rcpt_init(&cur);
			in_group = 0;
			continue;
		}
		in_group = 1;
		if ((eq = strchr(vstring_str(line), '=')) == NULL) {
			bad = 1;
			break;
		}
		*eq = 0;
		if (bounce_log_field(&cur, vstring_str(line), eq + 1) < 0) {
			bad = 1;
			break;
		}
	}
	bounce_rcpt_free(&cur);
	if (!bad && (st == VSTREAM_GETS_TRUNC || vstream_ferror(fp)))
		bad = 1;
	if (bad)
		vstring_sprintf(why, "%s: malformed log, line %ld",
				vstring_str(path), lineno);
	(void) vstream_close(fp);
	vstring_free(path);
	vstring_free(line);
	vstring_free(key);
	htable_free(seen, NULL);
	if (bad) {
		bounce_log_free(log);
		errno = EINVAL;
		return (NULL);
	}
	return (log);
}

int
bounce_log_remove(const char *queue, const char *queue_id)
{
	VSTRING *path = vstring_alloc(100);
	int     ret;

	mail_queue_path(path, queue, queue_id);
	ret = unlink(vstring_str(path));
	if (ret < 0 && errno == ENOENT)
		ret = 0;
	if (ret < 0)
		msg_warn("%s: remove %s: %s", queue_id, vstring_str(path),
			 strerror(errno));
	vstring_free(path);
	return (ret);
}
