/*
 * virtual - the virtual domain mail delivery agent
 *
 * virtual(8) serves private/virtual (master.cf: "virtual unix - n n - -
 * virtual"; it runs as root and writes each mailbox as its owner). One
 * connection carries one delivery request from qmgr, in the protocol of
 * deliver_request.h:
 *
 *	virtual -> qmgr	status (int 0): ready
 *	qmgr -> virtual	flags, queue_name, queue_id, offset, data_size,
 *			nexthop, encoding, smtputf8, sender, dsn_envid,
 *			dsn_ret, arrival/active/dispatch_time, log_client_*,
 *			sasl_*, rewrite_context, rcpt_count, then per
 *			recipient orig_rcpt, rcpt, rcpt_offset, dsn_orcpt,
 *			dsn_notify
 *	virtual -> qmgr	status (int: 0, or DEL_STAT_DEFER when a recipient
 *			was deferred), dead (int 0)
 *
 * Each recipient, folded to lower case, is looked up (mail_addr_find.h:
 * user+ext@domain, user@domain, @domain; pattern tables see the full
 * address) in virtual_mailbox_maps, virtual_uid_maps and
 * virtual_gid_maps, through dict_open()/dict_get() only, so every table
 * type works here unchanged. The mailbox is
 * virtual_mailbox_base/VALUE: a Maildir when VALUE ends in '/', else a
 * UNIX mailbox locked with virtual_mailbox_lock. The uid must be at least
 * virtual_minimum_uid. A child process switches to that uid and gid
 * (setgroups, setgid, setuid: never root while writing; a postern run by
 * a non-root user delivers as that user) and writes the message
 * (lib/global/mbox_write.c, maildir_write.c) with Return-Path:,
 * X-Original-To: (when the original recipient is known) and
 * Delivered-To:, bounded by virtual_mailbox_limit; it reports back
 * through a pipe.
 *
 * Outcomes, logged by deliver_sent/defer/bounce with relay=virtual:
 *	sent	"delivered to maildir" / "delivered to mailbox"
 *	bounce	5.1.1 unknown user: "ADDR" (not in virtual_mailbox_maps);
 *		5.2.2 over quota or over virtual_mailbox_limit
 *	defer	4.3.0 a table lookup error; 4.3.5 a missing or bad uid/gid
 *		("mail system configuration error", with a warning); 4.2.0
 *		and others: the mailbox could not be written.
 */
#include <errno.h>
#include <grp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/types.h>
#include <sys/wait.h>

#include "msg.h"
#include "mymalloc.h"
#include "vstream.h"
#include "vstring.h"
#include "iostuff.h"
#include "dict.h"
#include "mail_conf.h"
#include "mail_server.h"
#include "maps.h"
#include "mail_addr_find.h"
#include "deliver_request.h"
#include "mbox_write.h"
#include "maildir_write.h"

static MAPS *virt_mailbox_maps;
static MAPS *virt_uid_maps;
static MAPS *virt_gid_maps;
static const char *var_virt_mailbox_base;
static const char *var_rcpt_delim;
static const char *var_myhostname;
static long var_virt_minimum_uid;
static long var_virt_mailbox_limit;
static int virt_lock_mask;

#define VIRTUAL_RELAY	"virtual"

/* Report one recipient; returns the request status bit. */
static int
virtual_report(DELIVER_REQUEST *req, const RECIPIENT *rcpt, int how,
	       const char *status, const char *reason)
{
	DSN_INFO dsn;

	memset(&dsn, 0, sizeof(dsn));
	dsn.status = status;
	dsn.reason = reason;
	dsn.dtype = dsn.dtext = dsn.mtype = dsn.mname = "";
	switch (how) {
	case MAILBOX_OK:
		dsn.action = "delivered";
		return (deliver_sent(req, rcpt, VIRTUAL_RELAY, &dsn));
	case MAILBOX_BOUNCE:
		dsn.action = "failed";
		return (deliver_bounce(req, rcpt, VIRTUAL_RELAY, &dsn));
	default:
		dsn.action = "delayed";
		return (deliver_defer(req, rcpt, VIRTUAL_RELAY, &dsn));
	}
}

/* Look up a numeric id: 1 ok, 0 missing/bad (logged), -1 lookup error. */
static int
virtual_id(MAPS *maps, const char *addr, long *id)
{
	const char *value;
	char   *end;
	int	status;

	status = mail_addr_find(maps, addr, MAIL_ADDR_FIND_NONE,
				var_rcpt_delim, &value, NULL);
	if (status == DICT_STAT_ERROR)
		return (-1);
	if (status == DICT_STAT_FAIL) {
		msg_warn("recipient %s: not found in %s", addr, maps_title(maps));
		return (0);
	}
	errno = 0;
	*id = strtol(value, &end, 10);
	if (errno != 0 || end == value || *end != 0 || *id < 0) {
		msg_warn("recipient %s: bad %s result: \"%s\"", addr,
			 maps_title(maps), value);
		return (0);
	}
	return (1);
}

/*
 * The child: become uid/gid, write the mailbox, report
 * "STATUS DSN REASON" through the pipe.
 */
static void
virtual_child(int wfd, const char *path, int maildir, uid_t uid, gid_t gid,
	      const MAILBOX_MSG *msg)
{
	VSTRING *why = vstring_alloc(100);
	VSTRING *out = vstring_alloc(100);
	char	dsn[16];
	int	status;

	if (geteuid() == 0) {
		if (setgroups(1, &gid) < 0 || setgid(gid) < 0 || setuid(uid) < 0
		    || getuid() != uid || geteuid() != uid)
			msg_fatal("cannot switch to uid %ld gid %ld: %s",
				  (long) uid, (long) gid, strerror(errno));
	}
	if (maildir)
		status = maildir_write(path, var_myhostname, NULL, msg,
				       MAILBOX_FLAGS_MAILDIR,
				       var_virt_mailbox_limit, dsn, why, NULL);
	else
		status = mbox_write(path, msg, MAILBOX_FLAGS_MBOX, virt_lock_mask,
				    var_virt_mailbox_limit, dsn, why);
	vstring_sprintf(out, "%d %s %s", status, dsn, vstring_str(why));
	if (write_buf(wfd, vstring_str(out), vstring_len(out), -1) < 0)
		_exit(1);
	_exit(0);
}

/* Deliver to path as uid/gid in a child; MAILBOX_* with dsn and why. */
static int
virtual_write(const char *path, int maildir, uid_t uid, gid_t gid,
	      const MAILBOX_MSG *msg, VSTRING *dsn, VSTRING *why)
{
	VSTRING *buf = vstring_alloc(200);
	char	chunk[512];
	ssize_t	n;
	pid_t	pid;
	int	pfd[2];
	int	wstatus;
	int	status = MAILBOX_DEFER;
	char   *cp;
	char   *sp;

	vstring_strcpy(dsn, "4.3.0");
	if (pipe(pfd) < 0) {
		vstring_sprintf(why, "cannot create pipe: %s", strerror(errno));
		vstring_free(buf);
		return (MAILBOX_DEFER);
	}
	if ((pid = fork()) < 0) {
		vstring_sprintf(why, "cannot fork: %s", strerror(errno));
		(void) close(pfd[0]);
		(void) close(pfd[1]);
		vstring_free(buf);
		return (MAILBOX_DEFER);
	}
	if (pid == 0) {
		(void) close(pfd[0]);
		signal(SIGPIPE, SIG_DFL);
		virtual_child(pfd[1], path, maildir, uid, gid, msg);
	}
	(void) close(pfd[1]);
	while ((n = read(pfd[0], chunk, sizeof(chunk))) > 0 || (n < 0 && errno == EINTR))
		if (n > 0)
			vstring_memcat(buf, chunk, (size_t) n);
	(void) close(pfd[0]);
	while (waitpid(pid, &wstatus, 0) < 0 && errno == EINTR)
		 /* void */ ;
	/* "STATUS DSN REASON" */
	cp = vstring_str(buf);
	if (vstring_len(buf) > 4 && (cp[0] >= '0' && cp[0] <= '2') && cp[1] == ' '
	    && (sp = strchr(cp + 2, ' ')) != NULL) {
		status = cp[0] - '0';
		vstring_strncpy(dsn, cp + 2, (size_t) (sp - cp - 2));
		vstring_strcpy(why, sp + 1);
	} else {
		vstring_strcpy(why, "delivery process failed");
		msg_warn("delivery process %ld for %s: exit status %d", (long) pid,
			 path, WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -1);
		status = MAILBOX_DEFER;
	}
	vstring_free(buf);
	return (status);
}

static int
virtual_deliver(DELIVER_REQUEST *req, const RECIPIENT *rcpt)
{
	VSTRING *addr = vstring_alloc(100);
	VSTRING *path = vstring_alloc(100);
	VSTRING *why = vstring_alloc(100);
	VSTRING *dsn = vstring_alloc(16);
	MAILBOX_MSG msg;
	const char *value;
	long	uid;
	long	gid;
	int	maildir;
	int	status;
	int	ret;

	/* Every decision uses the address folded to lower case. */
	vstring_lower(vstring_strcpy(addr, rcpt->address));
	status = mail_addr_find(virt_mailbox_maps, vstring_str(addr),
				MAIL_ADDR_FIND_NONE, var_rcpt_delim, &value, NULL);
	if (status == DICT_STAT_ERROR) {
		ret = virtual_report(req, rcpt, MAILBOX_DEFER, "4.3.0",
				     "virtual_mailbox_maps lookup failure");
		goto done;
	}
	if (status == DICT_STAT_FAIL) {
		vstring_sprintf(why, "unknown user: \"%s\"", vstring_str(addr));
		ret = virtual_report(req, rcpt, MAILBOX_BOUNCE, "5.1.1",
				     vstring_str(why));
		goto done;
	}
	vstring_sprintf(path, "%s/%s", var_virt_mailbox_base, value);
	maildir = value[0] != 0 && value[strlen(value) - 1] == '/';
	if ((status = virtual_id(virt_uid_maps, vstring_str(addr), &uid)) <= 0
	    || (status = virtual_id(virt_gid_maps, vstring_str(addr), &gid)) <= 0) {
		ret = virtual_report(req, rcpt, MAILBOX_DEFER, status < 0 ?
				     "4.3.0" : "4.3.5", status < 0 ?
				     "virtual_uid_maps/virtual_gid_maps lookup failure"
				     : "mail system configuration error");
		goto done;
	}
	if (uid < var_virt_minimum_uid) {
		msg_warn("recipient %s: bad uid %ld in virtual_uid_maps (below "
			 "virtual_minimum_uid %ld)", vstring_str(addr), uid,
			 var_virt_minimum_uid);
		ret = virtual_report(req, rcpt, MAILBOX_DEFER, "4.3.5",
				     "mail system configuration error");
		goto done;
	}
	msg.fd = req->fd;
	msg.offset = req->data_offset;
	msg.sender = req->sender;
	msg.orig_rcpt = rcpt->orig_addr;
	msg.rcpt = vstring_str(addr);
	status = virtual_write(vstring_str(path), maildir, (uid_t) uid,
			       (gid_t) gid, &msg, dsn, why);
	if (status == MAILBOX_OK) {
		ret = virtual_report(req, rcpt, MAILBOX_OK, "2.0.0", maildir ?
				     "delivered to maildir" :
				     "delivered to mailbox");
	} else {
		VSTRING *reason = vstring_alloc(100);

		if (maildir)
			vstring_sprintf(reason, "maildir delivery failed: %s",
					vstring_str(why));
		else
			vstring_sprintf(reason, "cannot update mailbox %s for user "
					"%s. %s", vstring_str(path),
					vstring_str(addr), vstring_str(why));
		ret = virtual_report(req, rcpt, status, vstring_str(dsn),
				     vstring_str(reason));
		vstring_free(reason);
	}
done:
	vstring_free(addr);
	vstring_free(path);
	vstring_free(why);
	vstring_free(dsn);
	return (ret);
}

static void
virtual_service(VSTREAM *stream, const char *service, char **argv)
{
	DELIVER_REQUEST *req;
	size_t	i;
	int	status = DEL_STAT_OK;

	(void) service;
	(void) argv;
	if ((req = deliver_request_read(stream)) == NULL)
		return;
	for (i = 0; i < req->rcpt_count; i++)
		status |= virtual_deliver(req, req->rcpt + i);
	(void) deliver_request_done(stream, req, status, 0);
}

static void
virtual_pre_init(const char *service, char **argv)
{
	VSTRING *why = vstring_alloc(100);

	(void) service;
	(void) argv;
	var_virt_mailbox_base = mail_conf_str("virtual_mailbox_base");
	var_rcpt_delim = mail_conf_str("recipient_delimiter");
	var_myhostname = mail_conf_str("myhostname");
	var_virt_minimum_uid = mail_conf_int("virtual_minimum_uid");
	var_virt_mailbox_limit = mail_conf_size("virtual_mailbox_limit");
	if (*var_virt_mailbox_base != '/')
		msg_fatal("do not specify a relative virtual_mailbox_base "
			  "pathname: \"%s\"", var_virt_mailbox_base);
	if (var_virt_minimum_uid <= 0)
		msg_fatal("virtual_minimum_uid must be positive");
	if ((virt_lock_mask = mbox_lock_mask(mail_conf_str("virtual_mailbox_lock"),
					     why)) < 0)
		msg_fatal("virtual_mailbox_lock: %s", vstring_str(why));
	/* Tables are opened while still root: they may be root-readable. */
	virt_mailbox_maps = maps_create("virtual_mailbox_maps",
				       mail_conf_str("virtual_mailbox_maps"));
	virt_uid_maps = maps_create("virtual_uid_maps",
				    mail_conf_str("virtual_uid_maps"));
	virt_gid_maps = maps_create("virtual_gid_maps",
				    mail_conf_str("virtual_gid_maps"));
	vstring_free(why);
}

int
main(int argc, char **argv)
{
	single_server_main(argc, argv, virtual_service,
			   MAIL_SERVER_PRE_INIT, virtual_pre_init,
			   MAIL_SERVER_PRIVILEGED,
			   MAIL_SERVER_END);
	return (0);
}
