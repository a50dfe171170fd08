/*
 * postsuper - queue maintenance: delete, hold, release, requeue, repair
 *
 *	postsuper [-psv] [-c config_dir] [-d queue_id] [-h queue_id]
 *		[-H queue_id] [-r queue_id] [queue ...]
 *
 * -d, -h, -H and -r may be repeated; a queue_id of "-" reads IDs from
 * standard input, one per line, and "ALL" (upper case) means every message
 * in the queues concerned. Queue arguments replace each operation's
 * default queues:
 *
 *	-d  delete		hold incoming active deferred
 *	-h  move to hold	incoming active deferred
 *	-H  move to deferred	hold
 *	-r  move to maildrop	hold incoming active deferred
 *
 * Deleting or requeueing also removes the message's bounce, defer and
 * trace logs (a requeued message gets a new queue ID from pickup(8) and
 * cleanup(8)). -p and -s are done first (postsuper_repair.c).
 *
 * Every ID from the command line or standard input is checked with
 * queue_id_ok() before it becomes part of a path; an invalid one is a
 * warning. Files are moved with rename(2) (mail_queue_rename()), which
 * never follows a symbolic link in the last component and is atomic
 * against qmgr(8) moving the same file: when the file is gone (ENOENT),
 * the next queue is tried and the message is simply not counted.
 *
 * Output, as Postfix's: "ID: removed", "ID: placed on hold", "ID: released
 * from hold", "ID: requeued" for messages named one by one, then
 * "Deleted: N messages" etc. for each operation requested, on standard
 * error and in the mail log.
 *
 * Privileges: run by root, postsuper switches to mail_owner once the
 * configuration is read, so that it only ever acts with the rights of the
 * queue's owner. Run by another user, it works only when that user owns
 * the queue (a non-root instance, see postfix(1)); otherwise it says,
 * like Postfix, that the command is reserved for the superuser.
 */
#include <sys/types.h>
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "msg.h"
#include "mymalloc.h"
#include "vstring.h"
#include "vstream.h"
#include "argv.h"
#include "proc.h"
#include "priv.h"
#include "log_output.h"
#include "mail_conf.h"
#include "mail_connect.h"
#include "mail_queue.h"
#include "postlog_client.h"
#include "queue_id.h"
#include "postsuper.h"

/* The operations, in the order they are carried out. */
#define PS_OP_DELETE	0
#define PS_OP_HOLD	1
#define PS_OP_RELEASE	2
#define PS_OP_REQUEUE	3
#define PS_OP_COUNT	4

typedef struct PS_OP {
	int     option;			/* command-line letter */
	const char *const *queues;	/* default queues */
	const char *target;		/* queue moved to; NULL: delete */
	const char *done;		/* per-message log text */
	const char *summary;		/* "Deleted" */
	int     remove_logs;		/* also remove bounce/defer/trace */
} PS_OP;

static const char *const ps_delete_queues[] = {
	MAIL_QUEUE_HOLD, MAIL_QUEUE_INCOMING, MAIL_QUEUE_ACTIVE,
	MAIL_QUEUE_DEFERRED, 0,
};
static const char *const ps_hold_queues[] = {
	MAIL_QUEUE_INCOMING, MAIL_QUEUE_ACTIVE, MAIL_QUEUE_DEFERRED, 0,
};
static const char *const ps_release_queues[] = {MAIL_QUEUE_HOLD, 0};

static const PS_OP ps_ops[PS_OP_COUNT] = {
	{'d', ps_delete_queues, NULL, "removed", "Deleted", 1},
	{'h', ps_hold_queues, MAIL_QUEUE_HOLD, "placed on hold",
	 "Placed on hold", 0},
	{'H', ps_release_queues, MAIL_QUEUE_DEFERRED, "released from hold",
	 "Released from hold", 0},
	{'r', ps_delete_queues, MAIL_QUEUE_MAILDROP, "requeued", "Requeued", 1},
};

/* Queues a user may name on the command line. */
static const char *const ps_user_queues[] = {
	MAIL_QUEUE_MAILDROP, MAIL_QUEUE_INCOMING, MAIL_QUEUE_ACTIVE,
	MAIL_QUEUE_DEFERRED, MAIL_QUEUE_HOLD, MAIL_QUEUE_CORRUPT,
	MAIL_QUEUE_SAVED, 0,
};

static const char *const ps_log_queues[] = {
	MAIL_QUEUE_BOUNCE, MAIL_QUEUE_DEFER, MAIL_QUEUE_TRACE, 0,
};

static void
usage(void)
{
	msg_fatal("usage: postsuper [-c config_dir] [-d queue_id (delete)] "
		  "[-h queue_id (hold)] [-H queue_id (un-hold)] "
		  "[-p (purge temporary files)] [-r queue_id (requeue)] "
		  "[-s (structure fix)] [-v (verbose)] [queue...]");
}

/* Remove the per-message logs of a message that leaves the queue. */
static void
remove_logs(const char *id)
{
	int     i;

	for (i = 0; ps_log_queues[i]; i++)
		if (mail_queue_remove(ps_log_queues[i], id) < 0 && errno != ENOENT)
			msg_warn("remove %s/%s: %m", ps_log_queues[i], id);
}

/* Apply op to ID in queue: 1 done, 0 not there, -1 error (warned). */
static int
apply(const PS_OP *op, const char *queue, const char *id)
{
	int     ret;

	if (op->target == NULL) {
		ret = mail_queue_remove(queue, id);
	} else {
		if (strcmp(queue, op->target) == 0)
			return (0);
		ret = mail_queue_rename(id, queue, op->target);
	}
	if (ret < 0) {
		if (errno == ENOENT)
			return (0);
		msg_warn("%s %s/%s: %m", op->target ? "move" : "remove", queue, id);
		return (-1);
	}
	if (op->remove_logs)
		remove_logs(id);
	return (1);
}

/* One named message: the first queue that has it. */
static long
apply_id(const PS_OP *op, const char *const *queues, const char *id)
{
	int     i;
	int     st;

	if (!queue_id_ok(id)) {
		msg_warn("invalid mail queue id: %s", id);
		return (0);
	}
	for (i = 0; queues[i]; i++) {
		if ((st = apply(op, queues[i], id)) != 0) {
			if (st > 0)
				msg_info("%s: %s", id, op->done);
			return (st > 0);
		}
	}
	return (0);
}

/* Every message in the queues; no line per message, as Postfix. */
static long
apply_all(const PS_OP *op, const char *const *queues)
{
	MAIL_SCAN *scan;
	const char *id;
	long    count = 0;
	int     i;

	for (i = 0; queues[i]; i++) {
		if (op->target && strcmp(queues[i], op->target) == 0)
			continue;
		if ((scan = mail_scan_open(queues[i])) == NULL) {
			if (errno != ENOENT)
				msg_warn("open queue %s: %m", queues[i]);
			continue;
		}
		while ((id = mail_scan_next(scan)) != NULL)
			if (apply(op, queues[i], id) > 0)
				count++;
		mail_scan_close(scan);
	}
	return (count);
}

/* IDs from standard input, one per line, taken as they are. */
static long
apply_stdin(const PS_OP *op, const char *const *queues)
{
	VSTREAM *in = vstream_fdopen(STDIN_FILENO, O_RDONLY);
	VSTRING *line = vstring_alloc(100);
	long    count = 0;
	int     st;

	while ((st = vstream_fgets_bound(in, line, QUEUE_ID_MAXLEN + 2))
	       != VSTREAM_GETS_EOF) {
		if (st == VSTREAM_GETS_TRUNC) {
			msg_warn("invalid mail queue id: %.*s...", QUEUE_ID_MAXLEN,
				 vstring_str(line));
			while (vstream_fgets_bound(in, line, 1000) == VSTREAM_GETS_TRUNC)
				 /* void */ ;
			continue;
		}
		if (vstring_len(line) > 0
		    && vstring_str(line)[vstring_len(line) - 1] == '\n')
			vstring_truncate(line, vstring_len(line) - 1);
		if (strlen(vstring_str(line)) != vstring_len(line)) {
			msg_warn("invalid mail queue id: (contains a NUL byte)");
			continue;
		}
		count += apply_id(op, queues, vstring_str(line));
	}
	vstring_free(line);
	(void) vstream_fdclose(in);
	return (count);
}

/* Queue names given on the command line; fatal for unknown ones. */
static const char **
user_queues(int argc, char **argv)
{
	const char **queues;
	int     i;
	int     j;

	queues = mymalloc_array((size_t) argc + 1, sizeof(*queues));
	for (i = 0; i < argc; i++) {
		for (j = 0; ps_user_queues[j]; j++)
			if (strcmp(argv[i], ps_user_queues[j]) == 0)
				break;
		if (ps_user_queues[j] == NULL)
			msg_fatal("invalid directory name: %s", argv[i]);
		queues[i] = ps_user_queues[j];
	}
	queues[argc] = 0;
	return (queues);
}

/* Root acts as mail_owner; others only on a queue they own. */
static void
drop_privileges(void)
{
	VSTRING *why = vstring_alloc(100);
	struct stat st;
	uid_t   uid;
	gid_t   gid;

	if (getuid() == 0) {
		if (get_unpriv_user_ids(mail_conf_str("mail_owner"), "mail_owner",
					&uid, &gid, why) < 0)
			msg_fatal("%s", vstring_str(why));
		set_ugid(uid, gid);
	} else if (stat(MAIL_QUEUE_INCOMING, &st) < 0 || st.st_uid != getuid()) {
		msg_fatal("use of this command is reserved for the superuser");
	}
	vstring_free(why);
}

int
main(int argc, char **argv)
{
	const char *config_dir = NULL;
	ARGV   *args[PS_OP_COUNT];
	const char *const *queues;
	const char **named = NULL;
	long    count;
	int     repair = 0;
	int     purge = 0;
	int     ch;
	int     i;
	size_t  n;

	(void) sane_std_fds();
	(void) sane_umask();
	msg_stderr_init(argv[0]);
	argv[0] = (char *) msg_progname();
	for (i = 0; i < PS_OP_COUNT; i++)
		args[i] = argv_alloc(2);

	while ((ch = getopt(argc, argv, "c:d:h:H:r:psv")) > 0) {
		switch (ch) {
		case 'c':
			if (*optarg != '/')
				msg_fatal("-c requires absolute pathname");
			config_dir = optarg;
			break;
		case 'p':
			purge = 1;
			break;
		case 's':
			repair = 1;
			break;
		case 'v':
			msg_verbose++;
			break;
		default:
			for (i = 0; i < PS_OP_COUNT && ps_ops[i].option != ch; i++)
				 /* void */ ;
			if (i == PS_OP_COUNT)
				usage();
			argv_add(args[i], optarg);
			break;
		}
	}
	if (config_dir == NULL && (config_dir = getenv("MAIL_CONFIG")) != NULL
	    && *config_dir != '/')
		msg_fatal("MAIL_CONFIG requires absolute pathname");
	mail_conf_init_flags(config_dir, MAIL_CONF_FLAG_NONE);
	postlog_command_init("postsuper");
	if (chdir(mail_conf_str("queue_directory")) < 0)
		msg_fatal("chdir %s: %m", mail_conf_str("queue_directory"));
	if (optind < argc)
		named = user_queues(argc - optind, argv + optind);
	drop_privileges();

	if (purge || repair)
		postsuper_repair(repair, mail_conf_time("daemon_timeout"));
	for (i = 0; i < PS_OP_COUNT; i++) {
		if (args[i]->len == 0)
			continue;
		queues = named ? named : ps_ops[i].queues;
		count = 0;
		for (n = 0; n < args[i]->len; n++) {
			if (strcmp(args[i]->argv[n], "ALL") == 0)
				count += apply_all(&ps_ops[i], queues);
			else if (strcmp(args[i]->argv[n], "-") == 0)
				count += apply_stdin(&ps_ops[i], queues);
			else
				count += apply_id(&ps_ops[i], queues, args[i]->argv[n]);
		}
		msg_info("%s: %ld message%s", ps_ops[i].summary, count,
			 count == 1 ? "" : "s");
		if (i == PS_OP_REQUEUE && count > 0)
			(void) mail_trigger("public", "pickup", "W", 1);
	}
	for (i = 0; i < PS_OP_COUNT; i++)
		argv_free(args[i]);
	if (named)
		myfree(named);
	return (0);
}
