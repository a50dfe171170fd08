/*
 * showq - list the mail queue for postqueue(1), mailq(1) and exporters
 *
 * A single_server daemon behind public/showq (master.cf: "showq unix n -
 * n - - showq"). Each connection gets one listing and is closed; the
 * client sends nothing. The listing uses Postfix 3.x's attr0 encoding
 * (name NUL value NUL ..., a lone NUL ends a group), so tools written for
 * Postfix's showq (mailq, Prometheus exporters) read it unchanged:
 *
 *	protocol=mail_queue_list_protocol			END
 *	then per message, queues in the order maildrop, active, incoming,
 *	deferred, hold:
 *	  queue_name=Q queue_id=ID time=ARRIVAL size=BYTES
 *	  forced_expire=0|1 sender=ADDR
 *	  (recipient=ADDR reason=TEXT)*				END
 *	and finally an empty group					END
 *
 * time is the arrival time in seconds since the epoch, size the message
 * content size from the SIZE record (file size for maildrop files), the
 * null sender is shown as MAILER-DAEMON, reason is the latest delay reason
 * from the defer log (defer/ID) for messages in the deferred queue and
 * empty otherwise. Only recipients still to be delivered are listed.
 * Control characters in addresses and reasons are sent as '?'. Files
 * that vanish during the scan are skipped silently; damaged ones with a
 * warning. See showq(8).
 */
#include <sys/types.h>
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "msg.h"
#include "mymalloc.h"
#include "vstring.h"
#include "vstream.h"
#include "htable.h"
#include "attr.h"
#include "mail_conf.h"
#include "mail_server.h"
#include "mail_queue.h"
#include "qfile.h"
#include "showq.h"

#define SHOWQ_PROTOCOL		"mail_queue_list_protocol"

/* A forced-expire request is the group-execute bit, as in Postfix. */
#define SHOWQ_MODE_EXPIRE	S_IXGRP

static long var_ipc_timeout;

static const char *const showq_queues[] = {
	MAIL_QUEUE_MAILDROP, MAIL_QUEUE_ACTIVE, MAIL_QUEUE_INCOMING,
	MAIL_QUEUE_DEFERRED, MAIL_QUEUE_HOLD, 0,
};

/* The delay reasons of a deferred message; an empty table if none. */
static HTABLE *
showq_reasons(const char *queue, const char *id)
{
	HTABLE *reasons = htable_create(10);
	VSTREAM *fp;
	int     fd;

	if (strcmp(queue, MAIL_QUEUE_DEFERRED) != 0)
		return (reasons);
	if ((fd = mail_queue_open(MAIL_QUEUE_DEFER, id,
				  O_RDONLY | O_NOFOLLOW | O_NONBLOCK, 0)) < 0) {
		if (errno != ENOENT)
			msg_warn("open %s/%s: %m", MAIL_QUEUE_DEFER, id);
		return (reasons);
	}
	fp = vstream_fdopen(fd, O_RDONLY);
	(void) showq_read_reasons(fp, reasons);
	(void) vstream_close(fp);
	return (reasons);
}

/* Send one message; nothing when it vanished or cannot be read. */
static void
showq_message(VSTREAM *client, const char *queue, const char *id)
{
	struct stat st;
	SHOWQ_MSG msg;
	HTABLE *reasons;
	QFILE  *qf;
	const char *why;
	size_t  i;
	int     status;
	int     fd;

	if ((fd = mail_queue_open(queue, id, O_RDONLY | O_NOFOLLOW
				  | O_NONBLOCK, 0)) < 0) {
		if (errno != ENOENT)
			msg_warn("open %s/%s: %m", queue, id);
		return;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		msg_warn("%s/%s: not a regular file", queue, id);
		(void) close(fd);
		return;
	}
	showq_msg_init(&msg);
	qf = qfile_open(fd, QFILE_READ, 0);
	status = showq_read_message(qf, &msg, st.st_size, 0);
	if (status != 0 || !msg.have_sender) {
		/* A maildrop file may still be being written by postdrop. */
		if (strcmp(queue, MAIL_QUEUE_MAILDROP) != 0)
			msg_warn("%s/%s: skipped: %s", queue, id,
				 status ? qfile_reason(qf) : "no sender record");
		(void) qfile_close(qf);
		(void) close(fd);
		showq_msg_free(&msg);
		return;
	}
	(void) qfile_close(qf);
	(void) close(fd);

	reasons = showq_reasons(queue, id);
	attr_print(client, ATTR_FLAG_MORE,
		   SEND_ATTR_STR("queue_name", queue),
		   SEND_ATTR_STR("queue_id", id),
		   SEND_ATTR_LONG("time", msg.arrival >= 0 ? msg.arrival :
				  (long) st.st_mtime),
		   SEND_ATTR_LONG("size", msg.size >= 0 ? msg.size :
				  (long) st.st_size),
		   SEND_ATTR_INT("forced_expire",
				 (st.st_mode & SHOWQ_MODE_EXPIRE) != 0),
		   SEND_ATTR_STR("sender", vstring_str(msg.sender)),
		   ATTR_TYPE_END);
	for (i = 0; i < msg.rcpts->len; i++) {
		why = htable_find(reasons, msg.rcpts->argv[i]);
		attr_print(client, ATTR_FLAG_MORE,
			   SEND_ATTR_STR("recipient", msg.rcpts->argv[i]),
			   SEND_ATTR_STR("reason", why ? why : ""),
			   ATTR_TYPE_END);
	}
	attr_print(client, ATTR_FLAG_NONE, ATTR_TYPE_END);
	htable_free(reasons, myfree);
	showq_msg_free(&msg);
}

static void
showq_service(VSTREAM *client, const char *service, char **argv)
{
	MAIL_SCAN *scan;
	const char *id;
	int     i;

	(void) service;
	(void) argv;
	vstream_set_timeout(client, (int) var_ipc_timeout);
	attr_print(client, ATTR_FLAG_NONE,
		   SEND_ATTR_STR("protocol", SHOWQ_PROTOCOL), ATTR_TYPE_END);
	for (i = 0; showq_queues[i] && !vstream_ferror(client); i++) {
		if ((scan = mail_scan_open(showq_queues[i])) == NULL) {
			if (errno != ENOENT)
				msg_warn("open queue %s: %m", showq_queues[i]);
			continue;
		}
		while (!vstream_ferror(client) && (id = mail_scan_next(scan)) != NULL)
			showq_message(client, showq_queues[i], id);
		mail_scan_close(scan);
	}
	attr_print(client, ATTR_FLAG_FLUSH, ATTR_TYPE_END);
	if (vstream_ferror(client))
		msg_warn("write queue listing: %s", vstream_ftimeout(client) ?
			 "timeout" : "client went away");
}

static void
showq_post_init(const char *service, char **argv)
{
	(void) service;
	(void) argv;
	var_ipc_timeout = mail_conf_time("ipc_timeout");
}

int
main(int argc, char **argv)
{
	single_server_main(argc, argv, showq_service,
			   MAIL_SERVER_POST_INIT, showq_post_init,
			   MAIL_SERVER_END);
	return (0);
}
