/*
 * qmgr_message - one message in active/: read it, resolve its
 * recipients into delivery entries, and finish it
 *
 * Reading: the envelope up to MESSAGE (SIZE, TIME, SENDER, ATTR, DSN
 * fields, recipient groups with their file offsets; DONE recipients are
 * skipped), then a jump over the content with the SIZE record's offset
 * and size to XTRA, the extracted section and END. A file that does not
 * parse, has no END, or whose SIZE does not match goes to corrupt/ with
 * a warning. Then "ID: from=<sender>, size=N, nrcpt=N (queue active)".
 * Each recipient is resolved through trivial-rewrite (resolve_client) into
 * transport, nexthop and recipient, and added to an entry of its
 * destination (qmgr_queue.c).
 *
 * Finishing, when the last entry is done (Postfix's order): bounce/ID
 * exists -> bounce_flush; nothing deferred: trace/ID -> trace_flush,
 * remove the file, "ID: removed". Something deferred: expired
 * (maximal_queue_lifetime, bounce_queue_lifetime for the null sender) ->
 * "ID: from=<sender>, status=expired, returned to sender", defer_flush,
 * remove; else a delay warning (defer_warn) once after delay_warning_time,
 * and the file moves to deferred/ with its time stamps set to the next
 * attempt: the time the message has spent in the queue, kept between
 * minimal_backoff_time and maximal_backoff_time. A failed notification
 * keeps the message (deferred) and its log for the next attempt.
 *
 *	qmgr_message_read() moves nothing: reads active/ID and queues it.
 *	qmgr_message_entry_done() one entry less; finish at zero.
 *	qmgr_message_defer_rcpt() defer one recipient in qmgr itself
 *		(resolver trouble, throttled destination, agent failure).
 */
#include <sys/types.h>
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <utime.h>

#include "msg.h"
#include "mymalloc.h"
#include "vstring.h"
#include "htable.h"
#include "events.h"
#include "mail_conf.h"
#include "mail_queue.h"
#include "qfile.h"
#include "rec_type.h"
#include "resolve_client.h"
#include "bounce_client.h"
#include "deliver_request.h"
#include "qmgr.h"

/* Recipients read from the file, before resolution. */
typedef struct QMGR_RCPT_LIST {
	RECIPIENT *rcpt;
	size_t	count;
	size_t	size;
} QMGR_RCPT_LIST;

/*
 * Messages that got their delay warning. Postfix keeps this in the queue
 * file; our cleanup writes no record for it, so it lives here and a
 * restart of qmgr may repeat a warning.
 */
static HTABLE *qmgr_warned;

static int
qmgr_notify_bits(const char *text)
{
	char   *copy;
	char   *cp;
	char   *word;
	int     bits = 0;

	if (*text >= '0' && *text <= '9')
		return (atoi(text));
	cp = copy = mystrdup(text);
	while ((word = strsep(&cp, ",")) != NULL) {
		if (strcasecmp(word, "NEVER") == 0)
			bits |= DSN_NOTIFY_NEVER;
		else if (strcasecmp(word, "SUCCESS") == 0)
			bits |= DSN_NOTIFY_SUCCESS;
		else if (strcasecmp(word, "FAILURE") == 0)
			bits |= DSN_NOTIFY_FAILURE;
		else if (strcasecmp(word, "DELAY") == 0)
			bits |= DSN_NOTIFY_DELAY;
	}
	myfree(copy);
	return (bits);
}

static int
qmgr_ret_value(const char *text)
{
	if (strcasecmp(text, "FULL") == 0)
		return (DSN_RET_FULL);
	if (strcasecmp(text, "HDRS") == 0)
		return (DSN_RET_HDRS);
	return (atoi(text));
}

static void
qmgr_set(char **field, const char *value)
{
	myfree(*field);
	*field = mystrdup(value);
}

/* Named attribute records that set a string of the message. */
static const struct {
	const char *name;
	size_t	offset;
} qmgr_str_attrs[] = {
	{"log_client_name", offsetof(QMGR_MESSAGE, client_name)},
	{"log_client_address", offsetof(QMGR_MESSAGE, client_addr)},
	{"log_client_port", offsetof(QMGR_MESSAGE, client_port)},
	{"log_helo_name", offsetof(QMGR_MESSAGE, client_helo)},
	{"log_protocol", offsetof(QMGR_MESSAGE, client_proto)},
	{"sasl_method", offsetof(QMGR_MESSAGE, sasl_method)},
	{"sasl_username", offsetof(QMGR_MESSAGE, sasl_username)},
	{"rewrite_context", offsetof(QMGR_MESSAGE, rewrite_context)},
	{"encoding", offsetof(QMGR_MESSAGE, encoding)},
};

static void
qmgr_message_attr(QMGR_MESSAGE *msg, const char *data)
{
	const char *eq = strchr(data, '=');
	size_t	i;
	size_t  len;
	const char *value;

	if (eq == NULL)
		return;
	len = (size_t) (eq - data);
	value = eq + 1;
	for (i = 0; i < sizeof(qmgr_str_attrs) / sizeof(qmgr_str_attrs[0]); i++) {
		if (strlen(qmgr_str_attrs[i].name) == len
		    && strncmp(data, qmgr_str_attrs[i].name, len) == 0) {
			qmgr_set((char **) ((char *) msg + qmgr_str_attrs[i].offset),
				 value);
			return;
		}
	}
	if (len == sizeof("smtputf8") - 1 && strncmp(data, "smtputf8", len) == 0)
		msg->smtputf8 = strcasecmp(value, "yes") == 0 || atoi(value) != 0;
}

static QMGR_MESSAGE *
qmgr_message_alloc(const char *queue_id)
{
	QMGR_MESSAGE *msg = (QMGR_MESSAGE *) mycalloc(1, sizeof(*msg));

	msg->queue_id = mystrdup(queue_id);
	msg->queue_name = mystrdup(MAIL_QUEUE_ACTIVE);
	msg->sender = mystrdup("");
	msg->dsn_envid = mystrdup("");
	msg->encoding = mystrdup("");
	msg->client_name = mystrdup("");
	msg->client_addr = mystrdup("");
	msg->client_port = mystrdup("");
	msg->client_helo = mystrdup("");
	msg->client_proto = mystrdup("");
	msg->sasl_method = mystrdup("");
	msg->sasl_username = mystrdup("");
	msg->rewrite_context = mystrdup("");
	msg->data_offset = -1;
	return (msg);
}

static void
qmgr_message_free(QMGR_MESSAGE *msg)
{
	myfree(msg->queue_id);
	myfree(msg->queue_name);
	myfree(msg->sender);
	myfree(msg->dsn_envid);
	myfree(msg->encoding);
	myfree(msg->client_name);
	myfree(msg->client_addr);
	myfree(msg->client_port);
	myfree(msg->client_helo);
	myfree(msg->client_proto);
	myfree(msg->sasl_method);
	myfree(msg->sasl_username);
	myfree(msg->rewrite_context);
	myfree(msg);
}

static void
qmgr_rcpt_list_free(QMGR_RCPT_LIST *list)
{
	size_t  i;

	for (i = 0; i < list->count; i++) {
		myfree(list->rcpt[i].orig_addr);
		myfree(list->rcpt[i].address);
		myfree(list->rcpt[i].dsn_orcpt);
	}
	myfree(list->rcpt);
}

/* Per-recipient fields seen before the RCPT/DONE record they describe. */
typedef struct QMGR_PENDING {
	char   *orcpt;
	char   *dsn_orcpt;
	int	dsn_notify;
} QMGR_PENDING;

static void
qmgr_pending_reset(QMGR_PENDING *p)
{
	myfree(p->orcpt);
	myfree(p->dsn_orcpt);
	p->orcpt = mystrdup("");
	p->dsn_orcpt = mystrdup("");
	p->dsn_notify = 0;
}

/*
 * One record of the envelope or extracted section; 0, or -1 when it
 * does not belong there. Recipients go to the list.
 */
static int
qmgr_message_rec(QMGR_MESSAGE *msg, QMGR_RCPT_LIST *list, QMGR_PENDING *p,
		 int type, const char *data, long offset, int *seen)
{
	RECIPIENT *rcpt;
	long    a, b, c;
	char   *end;

	switch (type) {
	case REC_TYPE_SIZE:
		if (sscanf(data, "%ld %ld %ld", &a, &b, &c) != 3 || a < 0 || b <= 0)
			return (-1);
		msg->data_size = a;
		msg->data_offset = b;
		*seen |= 1;
		return (0);
	case REC_TYPE_TIME:
		errno = 0;
		msg->arrival.tv_sec = strtol(data, &end, 10);
		if (*end == '.')
			msg->arrival.tv_usec = strtol(end + 1, &end, 10);
		if (errno != 0 || *end != 0)
			return (-1);
		*seen |= 2;
		return (0);
	case REC_TYPE_SENDER:
		qmgr_set(&msg->sender, data);
		*seen |= 4;
		return (0);
	case REC_TYPE_ATTR:
		qmgr_message_attr(msg, data);
		return (0);
	case REC_TYPE_DSN_ENVID:
		qmgr_set(&msg->dsn_envid, data);
		return (0);
	case REC_TYPE_DSN_RET:
		msg->dsn_ret = qmgr_ret_value(data);
		return (0);
	case REC_TYPE_ORCPT:
		qmgr_set(&p->orcpt, data);
		return (0);
	case REC_TYPE_DSN_ORCPT:
		qmgr_set(&p->dsn_orcpt, data);
		return (0);
	case REC_TYPE_DSN_NOTIFY:
		p->dsn_notify = qmgr_notify_bits(data);
		return (0);
	case REC_TYPE_DONE:
		qmgr_pending_reset(p);
		return (0);
	case REC_TYPE_RCPT:
		if (list->count == list->size) {
			list->size = list->size ? 2 * list->size : 8;
			list->rcpt = myrealloc_array(list->rcpt, list->size,
						     sizeof(*list->rcpt));
		}
		rcpt = list->rcpt + list->count++;
		rcpt->orig_addr = p->orcpt;
		rcpt->dsn_orcpt = p->dsn_orcpt;
		rcpt->dsn_notify = p->dsn_notify;
		rcpt->address = mystrdup(data);
		rcpt->offset = offset;
		p->orcpt = p->dsn_orcpt = NULL;
		qmgr_pending_reset(p);
		return (0);
	default:
		return (-1);
	}
}

/* Read the whole file; 0, or -1 with the reason in why. */
static int
qmgr_message_parse(QMGR_MESSAGE *msg, QMGR_RCPT_LIST *list, int fd,
		   VSTRING *why)
{
	QFILE  *qf = qfile_open(fd, QFILE_READ, 0);
	VSTRING *buf = vstring_alloc(100);
	QMGR_PENDING pending = {mystrdup(""), mystrdup(""), 0};
	struct stat st;
	int     seen = 0;
	int     type;
	int     ret = -1;

	while ((type = qfile_read_rec(qf, buf)) > 0 && type != REC_TYPE_MESSAGE) {
		if (qmgr_message_rec(msg, list, &pending, type, vstring_str(buf),
				     (long) qfile_rec_offset(qf), &seen) < 0) {
			vstring_sprintf(why, "bad %s record at offset %ld",
					rec_type_name(type),
					(long) qfile_rec_offset(qf));
			goto done;
		}
	}
	if (type < 0) {
		vstring_sprintf(why, "%s", qfile_reason(qf));
		goto done;
	}
	if (type != REC_TYPE_MESSAGE) {
		vstring_strcpy(why, "no message content");
		goto done;
	}
	if (seen != 7) {
		vstring_strcpy(why, "missing size, time or sender record");
		goto done;
	}
	if (fstat(fd, &st) < 0 || msg->data_offset != (long) qfile_tell(qf)
	    || msg->data_offset + msg->data_size > (long) st.st_size) {
		vstring_strcpy(why, "size record does not match the file");
		goto done;
	}
	if (qfile_seek(qf, msg->data_offset + msg->data_size,
		       REC_SEC_CONTENT) != 0
	    || qfile_read_rec(qf, buf) != REC_TYPE_XTRA) {
		vstring_strcpy(why, "no end of content where the size record "
			       "says");
		goto done;
	}
	while ((type = qfile_read_rec(qf, buf)) > 0 && type != REC_TYPE_END) {
		if (qmgr_message_rec(msg, list, &pending, type, vstring_str(buf),
				     (long) qfile_rec_offset(qf), &seen) < 0) {
			vstring_sprintf(why, "bad %s record at offset %ld",
					rec_type_name(type),
					(long) qfile_rec_offset(qf));
			goto done;
		}
	}
	if (type == REC_TYPE_END)
		type = qfile_read_rec(qf, buf);
	if (type != QFILE_EOF) {
		vstring_sprintf(why, "%s", type < 0 ? qfile_reason(qf) :
				"records after the end");
		goto done;
	}
	ret = 0;
done:
	myfree(pending.orcpt);
	myfree(pending.dsn_orcpt);
	vstring_free(buf);
	(void) qfile_close(qf);
	return (ret);
}

static void
qmgr_message_corrupt(const char *queue_id, const char *why)
{
	msg_warn("%s: %s", queue_id, why);
	msg_warn("saving corrupt file \"%s\" from queue \"%s\" to queue \"%s\"",
		 queue_id, MAIL_QUEUE_ACTIVE, MAIL_QUEUE_CORRUPT);
	if (mail_queue_rename(queue_id, MAIL_QUEUE_ACTIVE, MAIL_QUEUE_CORRUPT) < 0
	    && errno != ENOENT)
		msg_warn("%s: move to %s: %m", queue_id, MAIL_QUEUE_CORRUPT);
}

/* Log a recipient event of qmgr's own, as agents do. */
static void
qmgr_message_log(QMGR_MESSAGE *msg, const RECIPIENT *rcpt,
		 const char *status, const char *what, const char *reason)
{
	DELIVER_REQUEST req;
	VSTRING *delays = vstring_alloc(60);
	VSTRING *orig = vstring_alloc(60);

	memset(&req, 0, sizeof(req));
	req.arrival_time = msg->arrival;
	req.active_time = msg->active;
	gettimeofday(&req.dispatch_time, NULL);
	if (*rcpt->orig_addr && strcmp(rcpt->orig_addr, rcpt->address) != 0)
		vstring_sprintf(orig, "orig_to=<%s>, ", rcpt->orig_addr);
	msg_info("%s: to=<%s>, %srelay=none, %s, dsn=%s, status=%s (%s)",
		 msg->queue_id, rcpt->address, vstring_str(orig),
		 deliver_delays(delays, &req), status, what, reason);
	vstring_free(delays);
	vstring_free(orig);
}

void
qmgr_message_defer_rcpt(QMGR_MESSAGE *msg, const RECIPIENT *rcpt,
			const char *status, const char *reason)
{
	DSN_INFO dsn = {status, "delayed", reason, "", "", "", ""};

	msg->flags |= QMGR_MSG_DEFER;
	qmgr_message_log(msg, rcpt, status, "deferred", reason);
	if (defer_append(BOUNCE_FLAG_NONE, msg->queue_id, rcpt, &dsn) != 0)
		msg_warn("%s: cannot append to the defer log of <%s>",
			 msg->queue_id, rcpt->address);
}

/* A recipient that can never be delivered (bad address syntax). */
static void
qmgr_message_bounce_rcpt(QMGR_MESSAGE *msg, int fd, const RECIPIENT *rcpt,
			 const char *status, const char *reason)
{
	DSN_INFO dsn = {status, "failed", reason, "", "", "", ""};

	if (bounce_append(BOUNCE_FLAG_NONE, msg->queue_id, rcpt, &dsn) != 0
	    || qfile_mark_done(fd, rcpt->offset) != 0) {
		qmgr_message_defer_rcpt(msg, rcpt, "4.3.0",
					"cannot record the bounce of this "
					"recipient");
		return;
	}
	qmgr_message_log(msg, rcpt, status, "bounced", reason);
}

static int
qmgr_log_exists(const char *queue_name, const char *queue_id)
{
	VSTRING *path = vstring_alloc(100);
	struct stat st;
	int     ret;

	ret = stat(mail_queue_path(path, queue_name, queue_id), &st) == 0;
	vstring_free(path);
	return (ret);
}

static void
qmgr_log_remove(const char *queue_name, const char *queue_id)
{
	if (mail_queue_remove(queue_name, queue_id) < 0 && errno != ENOENT)
		msg_warn("%s: remove %s log: %m", queue_id, queue_name);
}

/* Remove a finished message's file and leftover logs. */
static void
qmgr_message_remove(QMGR_MESSAGE *msg)
{
	if (mail_queue_remove(MAIL_QUEUE_ACTIVE, msg->queue_id) < 0) {
		if (errno != ENOENT)
			msg_warn("%s: remove %s/%s: %m", msg->queue_id,
				 MAIL_QUEUE_ACTIVE, msg->queue_id);
		return;
	}
	qmgr_log_remove(MAIL_QUEUE_DEFER, msg->queue_id);
	qmgr_log_remove(MAIL_QUEUE_BOUNCE, msg->queue_id);
	qmgr_log_remove(MAIL_QUEUE_TRACE, msg->queue_id);
	if (qmgr_warned)
		htable_delete(qmgr_warned, msg->queue_id, (HTABLE_FREE_FN) 0);
	msg_info("%s: removed", msg->queue_id);
}

/* Move to deferred/ with the next attempt's time as its time stamps. */
static void
qmgr_message_defer_file(QMGR_MESSAGE *msg)
{
	VSTRING *path = vstring_alloc(100);
	struct utimbuf tbuf;
	time_t  now = time((time_t *) 0);
	long    delay = (long) (now - msg->arrival.tv_sec);

	if (delay > var_max_backoff_time)
		delay = var_max_backoff_time;
	if (delay < var_min_backoff_time)
		delay = var_min_backoff_time;
	tbuf.actime = tbuf.modtime = now + delay;
	if (utime(mail_queue_path(path, MAIL_QUEUE_ACTIVE, msg->queue_id),
		  &tbuf) < 0)
		msg_warn("%s: set time stamps of %s: %m", msg->queue_id,
			 vstring_str(path));
	if (mail_queue_rename(msg->queue_id, MAIL_QUEUE_ACTIVE,
			      MAIL_QUEUE_DEFERRED) < 0 && errno != ENOENT)
		msg_warn("%s: move to %s: %m", msg->queue_id,
			 MAIL_QUEUE_DEFERRED);
	vstring_free(path);
}

#define NOTIFY_ARGS(m) MAIL_QUEUE_ACTIVE, (m)->queue_id, (m)->encoding, \
	(m)->smtputf8, (m)->sender, (m)->dsn_envid, (m)->dsn_ret

static void
qmgr_message_done(QMGR_MESSAGE *msg)
{
	time_t  now = time((time_t *) 0);
	long    lifetime = *msg->sender ? var_max_queue_time : var_dsn_queue_time;

	if (qmgr_log_exists(MAIL_QUEUE_BOUNCE, msg->queue_id)
	    && bounce_flush(BOUNCE_FLAG_CLEAN, NOTIFY_ARGS(msg)) != 0) {
		msg_warn("%s: cannot send a non-delivery notification; "
			 "will try again", msg->queue_id);
		msg->flags |= QMGR_MSG_DEFER;
	}
	if (!(msg->flags & QMGR_MSG_DEFER)
	    && qmgr_log_exists(MAIL_QUEUE_TRACE, msg->queue_id)
	    && trace_flush(BOUNCE_FLAG_CLEAN, NOTIFY_ARGS(msg)) != 0) {
		msg_warn("%s: cannot send a delivery status notification; "
			 "will try again", msg->queue_id);
		msg->flags |= QMGR_MSG_DEFER;
	}
	if (msg->flags & QMGR_MSG_DEFER) {
		if (now >= msg->arrival.tv_sec + lifetime) {
			msg_info("%s: from=<%s>, status=expired, returned to sender",
				 msg->queue_id, msg->sender);
			if (!qmgr_log_exists(MAIL_QUEUE_DEFER, msg->queue_id)
			    || defer_flush(BOUNCE_FLAG_CLEAN, NOTIFY_ARGS(msg)) == 0) {
				qmgr_message_remove(msg);
				goto out;
			}
			msg_warn("%s: cannot return expired mail to the sender; "
				 "will try again", msg->queue_id);
		} else if (var_delay_warn_time > 0
			   && now >= msg->arrival.tv_sec + var_delay_warn_time
			   && (qmgr_warned == NULL
			       || htable_find(qmgr_warned, msg->queue_id) == NULL)
			   && qmgr_log_exists(MAIL_QUEUE_DEFER, msg->queue_id)) {
			if (defer_warn(BOUNCE_FLAG_NONE, NOTIFY_ARGS(msg)) == 0) {
				if (qmgr_warned == NULL)
					qmgr_warned = htable_create(100);
				htable_enter(qmgr_warned, msg->queue_id, (void *) 1);
			}
		}
		qmgr_message_defer_file(msg);
	} else {
		qmgr_message_remove(msg);
	}
out:
	qmgr_message_free(msg);
	qmgr_message_count -= 1;
	qmgr_feed_request();
}

void
qmgr_message_entry_done(QMGR_MESSAGE *msg)
{
	if (msg->refcount <= 0)
		msg_panic("%s: entry count underflow", msg->queue_id);
	if (--msg->refcount == 0 && !msg->reading)
		qmgr_message_done(msg);
}

QMGR_MESSAGE *
qmgr_message_read(const char *queue_id)
{
	VSTRING *path = vstring_alloc(100);
	VSTRING *why = vstring_alloc(100);
	QMGR_RCPT_LIST list = {NULL, 0, 0};
	QMGR_MESSAGE *msg;
	RESOLVE_REPLY reply;
	RECIPIENT resolved;
	size_t  i;
	int     fd;

	fd = open(mail_queue_path(path, MAIL_QUEUE_ACTIVE, queue_id),
		  O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		if (errno != ENOENT)
			msg_warn("open %s: %m", vstring_str(path));
		vstring_free(path);
		vstring_free(why);
		return (NULL);
	}
	msg = qmgr_message_alloc(queue_id);
	if (qmgr_message_parse(msg, &list, fd, why) < 0) {
		(void) close(fd);
		qmgr_message_corrupt(queue_id, vstring_str(why));
		qmgr_rcpt_list_free(&list);
		qmgr_message_free(msg);
		vstring_free(path);
		vstring_free(why);
		return (NULL);
	}
	gettimeofday(&msg->active, NULL);
	msg_info("%s: from=<%s>, size=%ld, nrcpt=%zu (queue active)",
		 queue_id, msg->sender, msg->data_size, list.count);
	qmgr_message_count += 1;
	msg->reading = 1;
	resolve_client_init(&reply);
	for (i = 0; i < list.count; i++) {
		RECIPIENT *rcpt = list.rcpt + i;

		if (resolve_client(msg->sender, rcpt->address, &reply) < 0
		    || (reply.flags & RESOLVE_FLAG_FAIL)) {
			qmgr_message_defer_rcpt(msg, rcpt, "4.3.0",
						"address resolver failure");
			continue;
		}
		if (reply.flags & RESOLVE_FLAG_ERROR) {
			qmgr_message_bounce_rcpt(msg, fd, rcpt, "5.1.3",
						 "bad address syntax");
			continue;
		}
		resolved = *rcpt;
		resolved.address = vstring_str(reply.recipient);
		qmgr_entry_add_rcpt(msg, qmgr_queue_find(
				   qmgr_transport_find(vstring_str(reply.transport)),
					      vstring_str(reply.nexthop),
					      vstring_str(reply.recipient)),
				    &resolved);
	}
	resolve_client_free(&reply);
	(void) close(fd);
	qmgr_rcpt_list_free(&list);
	vstring_free(path);
	vstring_free(why);
	msg->reading = 0;
	if (msg->refcount == 0) {
		qmgr_message_done(msg);
		return (NULL);
	}
	return (msg);
}
