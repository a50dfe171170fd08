/*
 * local_file - mailbox, Maildir and file delivery as the recipient
 *
 *	local_mailbox() delivers into the recipient's mailbox: home_mailbox
 *		in the home directory, else mail_spool_directory/USER; a
 *		name ending in '/' is a Maildir.
 *	local_file() appends to a /file (mbox style) or writes into a
 *		Maildir (a name ending in '/'), with the rights of the
 *		expansion context.
 *	local_read_file() reads a .forward or :include: file with the
 *		rights of its user.
 *	local_headers() the Return-Path:, X-Original-To: and Delivered-To:
 *		headers put in front of a delivered copy.
 *
 * Every write happens in a child process: the child changes its group
 * list, group and user to the recipient's before it opens (home mailbox,
 * Maildir, /file) or at least before it writes (the spool mailbox, whose
 * file and dot-lock root creates in a root-owned spool directory, as a
 * mail spool needs), applies mailbox_size_limit as its file size limit,
 * writes, fsync()s, and sends its verdict to the parent over a pipe. So
 * the daemon itself never writes a mailbox, and never as root. The
 * writing is lib/global's, shared with virtual(8): mbox_write.c (locked
 * as mailbox_delivery_lock says: fcntl or flock, and dotlock with
 * deliver_lock_attempts/deliver_lock_delay/stale_lock_time; truncated
 * back to its old size when anything fails) and maildir_write.c (tmp/,
 * fsync, rename into new/, fsync of new/; file names by maildir_name()).
 *
 * Not root (a test suite run by a user), the child keeps the ids it has.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "iostuff.h"
#include "msg.h"
#include "mymalloc.h"
#include "safe_file.h"
#include "stringops.h"
#include "vstring.h"
#include "mail_conf.h"
#include "mbox_write.h"
#include "maildir_write.h"
#include "local.h"

/* What a child reports: 'S', 'D' or 'B', the status, a space, the text. */
typedef void (*LOCAL_CHILD_FN)(LOCAL_CTX *ctx, void *arg, VSTRING *out);

static void
local_verdict(VSTRING *out, int kind, const char *status, const char *text)
{
	vstring_sprintf(out, "%c%s %s", kind == LOCAL_SENT ? 'S' :
			kind == LOCAL_DEFER ? 'D' : 'B', status, text);
}

/* Become uid/gid for what follows (effective ids; child processes only). */
static int
local_become(uid_t uid, gid_t gid)
{
	if (getuid() != 0)
		return (0);
	if (geteuid() != 0 && seteuid(0) < 0)
		return (-1);
	if (setgroups(1, &gid) < 0 || setegid(gid) < 0 || seteuid(uid) < 0)
		return (-1);
	return (0);
}

static int
local_become_root(void)
{
	if (getuid() != 0)
		return (0);
	return (seteuid(0));
}

/*
 * Run fn in a child; fn fills out with a verdict, or with raw data for
 * local_read_file(). Returns 0 and the child's output, or -1 with a
 * reason in out when the child failed.
 */
static int
local_child(LOCAL_CTX *ctx, LOCAL_CHILD_FN fn, void *arg, VSTRING *out)
{
	int	pfd[2];
	pid_t	pid;
	int	status;
	char	buf[8192];
	ssize_t	n;

	VSTRING_RESET(out);
	if (pipe(pfd) < 0) {
		vstring_sprintf(out, "pipe: %s", strerror(errno));
		return (-1);
	}
	if ((pid = fork()) < 0) {
		vstring_sprintf(out, "fork: %s", strerror(errno));
		(void) close(pfd[0]);
		(void) close(pfd[1]);
		return (-1);
	}
	if (pid == 0) {
		VSTRING *res = vstring_alloc(100);

		(void) close(pfd[0]);
		(void) signal(SIGXFSZ, SIG_IGN);
		(void) signal(SIGPIPE, SIG_IGN);
		fn(ctx, arg, res);
		(void) write_buf(pfd[1], vstring_str(res), vstring_len(res), -1);
		_exit(0);
	}
	(void) close(pfd[1]);
	for (;;) {
		n = read(pfd[0], buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		vstring_memcat(out, buf, n);
	}
	(void) close(pfd[0]);
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			status = -1;
			break;
		}
	}
	if (status != 0 || vstring_len(out) == 0) {
		vstring_sprintf(out, "delivery process %ld failed with status %d",
				(long) pid, status);
		return (-1);
	}
	return (0);
}

/* Run a delivery child and record its verdict for ctx's address. */
static void
local_deliver_child(LOCAL_CTX *ctx, LOCAL_CHILD_FN fn, void *arg)
{
	VSTRING *out = vstring_alloc(100);
	char   *status;
	char   *text;
	int	kind;

	if (local_child(ctx, fn, arg, out) < 0) {
		msg_warn("%s", vstring_str(out));
		local_result(ctx, LOCAL_DEFER, "4.3.0", "%s", vstring_str(out));
	} else {
		status = vstring_str(out);
		kind = *status == 'S' ? LOCAL_SENT : *status == 'D' ?
		    LOCAL_DEFER : LOCAL_BOUNCE;
		status++;
		text = split_at(status, ' ');
		local_result(ctx, kind, status, "%s", text ? text : "");
	}
	vstring_free(out);
}

void
local_headers(VSTRING *out, LOCAL_CTX *ctx, int delivered)
{
	LOCAL_RCPT *rs = ctx->rs;

	vstring_sprintf_append(out, "Return-Path: <%s>\n", ctx->sender);
	if (mail_conf_bool("enable_original_recipient") && *rs->orig)
		vstring_sprintf_append(out, "X-Original-To: %s\n", rs->orig);
	if (delivered)
		vstring_sprintf_append(out, "Delivered-To: %s\n", rs->delivered);
}

/* mailbox_size_limit as the child's file size limit. */
static void
local_size_limit(void)
{
	long	limit = mail_conf_size("mailbox_size_limit");
	struct rlimit rl;

	if (limit > 0) {
		rl.rlim_cur = rl.rlim_max = (rlim_t) limit;
		(void) setrlimit(RLIMIT_FSIZE, &rl);
	}
}

/* Errors that no retry will fix. */
static int
local_errno_kind(int err, const char **status)
{
	if (err == EFBIG || err == EDQUOT) {
		*status = "5.2.2";
		return (LOCAL_BOUNCE);
	}
	*status = "4.2.0";
	return (LOCAL_DEFER);
}

/* The message as mbox_write()/maildir_write() read it, and its headers. */
static int
local_mailbox_msg(LOCAL_CTX *ctx, MAILBOX_MSG *mm, int delivered)
{
	LOCAL_RCPT *rs = ctx->rs;

	mm->fd = rs->msg->req->fd;
	mm->offset = rs->msg->req->data_offset;
	mm->sender = ctx->sender;
	mm->orig_rcpt = rs->orig;
	mm->rcpt = rs->delivered;
	return (MAILBOX_FLAG_RETURN_PATH
		| (mail_conf_bool("enable_original_recipient") ?
		   MAILBOX_FLAG_ORIG_TO : 0)
		| (delivered ? MAILBOX_FLAG_DELIVERED_TO : 0));
}

/* ---- mbox (lib/global/mbox_write.c) -------------------------------------- */

typedef struct LOCAL_MBOX {
	const char *path;
	int	spool;			/* in mail_spool_directory */
	int	is_file;		/* a /file destination */
	uid_t	uid;
	gid_t	gid;
} LOCAL_MBOX;

static void
local_mbox_fail(VSTRING *out, LOCAL_CTX *ctx, const LOCAL_MBOX *mb,
		int err, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static void
local_mbox_fail(VSTRING *out, LOCAL_CTX *ctx, const LOCAL_MBOX *mb,
		int err, const char *fmt, ...)
{
	VSTRING *text = vstring_alloc(100);
	const char *status;
	int	kind = local_errno_kind(err, &status);
	va_list ap;

	if (mb->is_file)
		vstring_sprintf(text, "cannot append message to file %s: ",
				mb->path);
	else
		vstring_sprintf(text, "cannot update mailbox %s for user %s. ",
				mb->path, ctx->user);
	va_start(ap, fmt);
	vstring_vsprintf_append(text, fmt, ap);
	va_end(ap);
	local_verdict(out, kind, status, vstring_str(text));
	vstring_free(text);
}

/* mbox_write()'s hook after the open: the user's rights, ownership. */
static int
local_mbox_opened(int fd, const struct stat *st, void *context, VSTRING *why)
{
	LOCAL_MBOX *mb = context;

	(void) fd;
	if (mb->spool && local_become(mb->uid, mb->gid) < 0) {
		vstring_sprintf(why, "cannot set privileges: %s", strerror(errno));
		return (-1);
	}
	if (S_ISREG(st->st_mode) && getuid() == 0
	    && mail_conf_bool("strict_mailbox_ownership")
	    && st->st_uid != mb->uid) {
		vstring_strcpy(why, "file is not owned by the recipient");
		errno = EPERM;
		return (-1);
	}
	return (0);
}

static void
local_mbox_child(LOCAL_CTX *ctx, void *arg, VSTRING *out)
{
	LOCAL_MBOX *mb = arg;
	const char *locks = mail_conf_str("mailbox_delivery_lock");
	int	dotlock = !mb->is_file && local_list_has(locks, "dotlock");
	VSTRING *why = vstring_alloc(100);
	MAILBOX_MSG mm;
	MBOX_OPTS opts;
	char	dsn[16];
	int	flags;
	int	locked_dot = 0;

	/* A spool mailbox is created by root for the user; the rest as user. */
	if (!mb->spool && local_become(mb->uid, mb->gid) < 0) {
		local_mbox_fail(out, ctx, mb, errno, "cannot set privileges: %s",
				strerror(errno));
		goto done;
	}
	if (dotlock) {
		if (mbox_dotlock(mb->path, mail_conf_int("deliver_lock_attempts"),
				 mail_conf_time("deliver_lock_delay"),
				 mail_conf_time("stale_lock_time"), why) < 0) {
			local_mbox_fail(out, ctx, mb, EAGAIN, "%s", vstring_str(why));
			goto done;
		}
		locked_dot = 1;
	}
	memset(&opts, 0, sizeof(opts));
	opts.lock_mask = local_list_has(locks, "fcntl") ? MBOX_LOCK_FCNTL :
	    local_list_has(locks, "flock") ? MBOX_LOCK_FLOCK : 0;
	opts.create_uid = mb->spool && getuid() == 0 ? mb->uid : (uid_t) -1;
	opts.create_gid = mb->spool && getuid() == 0 ? mb->gid : (gid_t) -1;
	opts.special_ok = mb->is_file;
	opts.opened = local_mbox_opened;
	opts.context = mb;
	flags = local_mailbox_msg(ctx, &mm, mb->is_file ?
			local_list_has(mail_conf_str("prepend_delivered_header"),
				       "file") : 1)
	    | MAILBOX_FLAG_FROM | MAILBOX_FLAG_QUOTE | MAILBOX_FLAG_BLANK_ALWAYS;
	local_size_limit();
	if (mbox_write_opts(mb->path, &mm, flags, &opts, dsn, why) != MAILBOX_OK) {
		local_mbox_fail(out, ctx, mb, errno, "%s", vstring_str(why));
	} else if (mb->is_file) {
		VSTRING *text = vstring_alloc(100);

		vstring_sprintf(text, "delivered to file: %s", mb->path);
		local_verdict(out, LOCAL_SENT, "2.0.0", vstring_str(text));
		vstring_free(text);
	} else {
		local_verdict(out, LOCAL_SENT, "2.0.0", "delivered to mailbox");
	}
done:
	if (locked_dot) {
		if (mb->spool)
			(void) local_become_root();
		mbox_dotunlock(mb->path);
	}
	vstring_free(why);
}

/* ---- Maildir (lib/global/maildir_write.c) -------------------------------- */

typedef struct LOCAL_MAILDIR {
	const char *dir;		/* ends in '/' */
	int	spool;
	int	delivered;		/* add Delivered-To: */
	uid_t	uid;
	gid_t	gid;
} LOCAL_MAILDIR;

static void
local_maildir_fail(VSTRING *out, int err, const char *text)
{
	VSTRING *t2 = vstring_alloc(100);
	const char *status;
	int	kind = local_errno_kind(err, &status);

	vstring_sprintf(t2, "maildir delivery failed: %s", text);
	local_verdict(out, kind, status, vstring_str(t2));
	vstring_free(t2);
}

static void
local_maildir_child(LOCAL_CTX *ctx, void *arg, VSTRING *out)
{
	LOCAL_MAILDIR *md = arg;
	VSTRING *base = vstring_alloc(100);
	VSTRING *name = vstring_alloc(100);
	VSTRING *why = vstring_alloc(100);
	MAILBOX_MSG mm;
	struct timeval tv;
	char	host[256];
	char	dsn[16];
	int	flags;
	int	err;

	vstring_strcpy(base, md->dir);
	while (vstring_len(base) > 1 && vstring_end(base)[-1] == '/')
		vstring_truncate(base, vstring_len(base) - 1);
	/* The spool directory belongs to root: create the user's Maildir. */
	if (md->spool && getuid() == 0) {
		if (mkdir(vstring_str(base), 0700) == 0) {
			if (chown(vstring_str(base), md->uid, md->gid) < 0) {
				err = errno;
				vstring_sprintf(why, "create maildir file %s: %s",
						vstring_str(base), strerror(err));
				local_maildir_fail(out, err, vstring_str(why));
				goto done;
			}
		} else if (errno != EEXIST) {
			err = errno;
			vstring_sprintf(why, "create maildir file %s: %s",
					vstring_str(base), strerror(err));
			local_maildir_fail(out, err, vstring_str(why));
			goto done;
		}
	}
	if (local_become(md->uid, md->gid) < 0) {
		err = errno;
		vstring_sprintf(why, "cannot set privileges: %s", strerror(err));
		local_maildir_fail(out, err, vstring_str(why));
		goto done;
	}
	if (gethostname(host, sizeof(host)) < 0)
		strcpy(host, "localhost");
	host[sizeof(host) - 1] = 0;
	gettimeofday(&tv, NULL);
	maildir_name(name, &tv, (long) getpid(), ctx->rs->msg->seq, host);
	flags = local_mailbox_msg(ctx, &mm, md->delivered)
	    | MAILDIR_FLAG_NO_PARENTS;
	local_size_limit();
	if (maildir_write(vstring_str(base), host, vstring_str(name), &mm, flags,
			  0, dsn, why, NULL) != MAILBOX_OK)
		local_maildir_fail(out, errno, vstring_str(why));
	else
		local_verdict(out, LOCAL_SENT, "2.0.0", "delivered to maildir");
done:
	vstring_free(base);
	vstring_free(name);
	vstring_free(why);
}

/* ---- entry points -------------------------------------------------------- */

void
local_mailbox(LOCAL_CTX *ctx, uid_t uid, gid_t gid)
{
	const char *home_mailbox = mail_conf_str("home_mailbox");
	const char *spool = mail_conf_str("mail_spool_directory");
	VSTRING *path = vstring_alloc(100);
	int	in_spool = 0;

	if (local_dup(ctx, "mailbox", ctx->user) == 0) {
		vstring_free(path);
		return;
	}
	if (*home_mailbox) {
		vstring_sprintf(path, "%s/%s", ctx->home, home_mailbox);
	} else {
		in_spool = 1;
		vstring_strcpy(path, spool);
		while (vstring_len(path) > 1 && vstring_end(path)[-1] == '/')
			vstring_truncate(path, vstring_len(path) - 1);
		vstring_sprintf_append(path, "/%s%s", ctx->user,
				       spool[strlen(spool) - 1] == '/' ? "/" : "");
	}
	if (vstring_end(path)[-1] == '/') {
		LOCAL_MAILDIR md = {vstring_str(path), in_spool, 1, uid, gid};

		ctx->rs->msg->seq++;
		local_deliver_child(ctx, local_maildir_child, &md);
	} else {
		LOCAL_MBOX mb = {vstring_str(path), in_spool, 0, uid, gid};

		local_deliver_child(ctx, local_mbox_child, &mb);
	}
	vstring_free(path);
}

void
local_file(LOCAL_CTX *ctx, const char *path)
{
	if (local_dup(ctx, "file", path) == 0)
		return;
	if (path[strlen(path) - 1] == '/') {
		LOCAL_MAILDIR md = {path, 0,
			local_list_has(mail_conf_str("prepend_delivered_header"),
				       "file"), ctx->uid, ctx->gid};

		ctx->rs->msg->seq++;
		local_deliver_child(ctx, local_maildir_child, &md);
	} else {
		LOCAL_MBOX mb = {path, 0, 1, ctx->uid, ctx->gid};

		local_deliver_child(ctx, local_mbox_child, &mb);
	}
}

/* ---- reading .forward and :include: files -------------------------------- */

typedef struct LOCAL_READ {
	const char *path;
	uid_t	uid;
	gid_t	gid;
} LOCAL_READ;

/* Output: 'Y' + st_uid st_gid '\n' + data, 'N' (absent), 'E' + reason. */
static void
local_read_child(LOCAL_CTX *ctx, void *arg, VSTRING *out)
{
	LOCAL_READ *rd = arg;
	long	limit = mail_conf_size("message_size_limit");
	struct stat st;
	char	buf[8192];
	ssize_t	n;
	int	fd;

	(void) ctx;
	if (local_become(rd->uid, rd->gid) < 0) {
		vstring_sprintf(out, "Ecannot set privileges: %s", strerror(errno));
		return;
	}
	fd = open(rd->path, O_RDONLY | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			vstring_strcpy(out, "N");
		else
			vstring_sprintf(out, "Ecannot open %s: %s", rd->path,
					strerror(errno));
		return;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		vstring_sprintf(out, "E%s: not a regular file", rd->path);
		(void) close(fd);
		return;
	}
	vstring_sprintf(out, "Y%ld %ld\n", (long) st.st_uid, (long) st.st_gid);
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		vstring_memcat(out, buf, n);
		if (limit > 0 && vstring_len(out) > (size_t) limit)
			break;
	}
	if (n < 0)
		vstring_sprintf(out, "Eread %s: %s", rd->path, strerror(errno));
	(void) close(fd);
}

int
local_read_file(const char *path, uid_t uid, gid_t gid, VSTRING *data,
		struct stat *st, VSTRING *why)
{
	LOCAL_READ rd = {path, uid, gid};
	VSTRING *out = vstring_alloc(1000);
	char   *nl;
	long	fuid;
	long	fgid;
	int	ret;

	if (local_child(NULL, local_read_child, &rd, out) < 0) {
		vstring_strcpy(why, vstring_str(out));
		ret = -1;
	} else if (*vstring_str(out) == 'N') {
		ret = 0;
	} else if (*vstring_str(out) == 'E') {
		vstring_strcpy(why, vstring_str(out) + 1);
		ret = -1;
	} else if ((nl = strchr(vstring_str(out), '\n')) == 0
		   || sscanf(vstring_str(out) + 1, "%ld %ld", &fuid, &fgid) != 2) {
		vstring_strcpy(why, "bad reply from file reading process");
		ret = -1;
	} else {
		memset(st, 0, sizeof(*st));
		st->st_uid = (uid_t) fuid;
		st->st_gid = (gid_t) fgid;
		vstring_strcpy(data, nl + 1);
		ret = 1;
	}
	vstring_free(out);
	return (ret);
}
