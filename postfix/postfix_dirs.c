/*
 * postfix_dirs - create, check and repair the queue and data directories
 *
 *	postfix_dirs_create() creates the queue directory, its
 *		subdirectories and the data directory where they are missing,
 *		with the owners and modes below. Fatal when that fails.
 *	postfix_dirs_warn() warns about wrong owners, groups and modes and
 *		about damaged messages; returns the number of warnings.
 *	postfix_dirs_warn_tree() warns about a root-owned tree (configuration,
 *		programs) that is not owned by root or is group or other
 *		writable; returns the number of warnings.
 *	postfix_dirs_set_permissions() creates what is missing, then sets
 *		every owner, group and directory mode; returns the number of
 *		failures, each warned about.
 *
 * The owners and modes are those of Debian's Postfix 3.7 (postfix-files):
 *
 *	queue_directory		root		0755
 *	active bounce corrupt defer deferred flush hold incoming saved trace
 *				mail_owner	0700	(contents: mail_owner)
 *	private			mail_owner	0700
 *	maildrop		mail_owner:setgid_group	0730
 *	public			mail_owner:setgid_group	0710
 *	pid			root		0755
 *	data_directory		mail_owner	0700
 *
 * Started by another user than root, every owner is that user and nothing
 * is chowned; the modes stay the same. Queue files keep their modes: the
 * mode bits of a queue file say whether it is complete. Everything below
 * a directory is visited without following symbolic links, and a file
 * with more than one hard link keeps its owner (with a warning), so that
 * the mail_owner, who can write in the queue, cannot steer root's chown
 * or chmod to a file elsewhere.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE			/* O_PATH, AT_EMPTY_PATH */
#endif
#include <sys/types.h>
#include <sys/stat.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "msg.h"
#include "vstring.h"
#include "postfix.h"

#define QDIR_ROOT	0		/* owned by root */
#define QDIR_MAIL	1		/* owned by mail_owner */

/* One directory under queue_directory ("." is the queue directory). */
typedef struct QDIR {
	const char *name;
	int     owner;			/* QDIR_ROOT or QDIR_MAIL */
	int     setgid;			/* group setgid_group */
	mode_t  mode;
	int     recursive;		/* contents belong to mail_owner too */
} QDIR;

static const QDIR qdirs[] = {
	{".", QDIR_ROOT, 0, 0755, 0},
	{"active", QDIR_MAIL, 0, 0700, 1},
	{"bounce", QDIR_MAIL, 0, 0700, 1},
	{"corrupt", QDIR_MAIL, 0, 0700, 1},
	{"defer", QDIR_MAIL, 0, 0700, 1},
	{"deferred", QDIR_MAIL, 0, 0700, 1},
	{"flush", QDIR_MAIL, 0, 0700, 1},
	{"hold", QDIR_MAIL, 0, 0700, 1},
	{"incoming", QDIR_MAIL, 0, 0700, 1},
	{"private", QDIR_MAIL, 0, 0700, 0},
	{"maildrop", QDIR_MAIL, 1, 0730, 0},
	{"public", QDIR_MAIL, 1, 0710, 0},
	{"pid", QDIR_ROOT, 0, 0755, 0},
	{"saved", QDIR_MAIL, 0, 0700, 1},
	{"trace", QDIR_MAIL, 0, 0700, 1},
};

#define QDIR_COUNT	(sizeof(qdirs) / sizeof(qdirs[0]))

/* Hashed queues are 1-2 levels deep; anything deeper is not ours. */
#define WALK_MAX_DEPTH	8

/* Directories that may be symbolic links: the queue and data roots. */
#define DIR_FOLLOW	1
#define DIR_NOFOLLOW	0

/* Visit one entry: "fd" is the open entry when it is a directory, else -1. */
typedef void (*WALK_FN) (int dfd, const char *name, int fd, const char *path,
			 const struct stat *st, void *ctx);

/* Call fn for everything below the open directory dfd, depth first. */
static void
walk_below(int dfd, VSTRING *path, int depth, WALK_FN fn, void *ctx)
{
	size_t  len = vstring_len(path);
	struct dirent *de;
	struct stat st;
	DIR    *dp;
	int     fd;

	if ((fd = dup(dfd)) < 0 || (dp = fdopendir(fd)) == NULL) {
		msg_warn("open directory %s: %s", vstring_str(path),
			 strerror(errno));
		if (fd >= 0)
			(void) close(fd);
		return;
	}
	rewinddir(dp);
	while ((de = readdir(dp)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		vstring_truncate(path, len);
		vstring_sprintf_append(path, "/%s", de->d_name);
		if (fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno != ENOENT)	/* a message that just moved */
				msg_warn("stat %s: %s", vstring_str(path),
					 strerror(errno));
			continue;
		}
		if (!S_ISDIR(st.st_mode)) {
			fn(dfd, de->d_name, -1, vstring_str(path), &st, ctx);
			continue;
		}
		if ((fd = openat(dfd, de->d_name, O_RDONLY | O_DIRECTORY
				 | O_NOFOLLOW | O_CLOEXEC)) < 0) {
			if (errno != ENOENT)
				msg_warn("open directory %s: %s",
					 vstring_str(path), strerror(errno));
			continue;
		}
		fn(dfd, de->d_name, fd, vstring_str(path), &st, ctx);
		if (depth < WALK_MAX_DEPTH)
			walk_below(fd, path, depth + 1, fn, ctx);
		(void) close(fd);
	}
	closedir(dp);
	vstring_truncate(path, len);
}

/* Open a directory that must exist; -1 and a warning otherwise. */
static int
open_dir(const char *path, int follow, struct stat *st)
{
	int     fd;

	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC
		  | (follow ? 0 : O_NOFOLLOW));
	if (fd < 0) {
		if (errno == ENOTDIR || errno == ELOOP)
			msg_warn("not a directory: %s", path);
		else
			msg_warn("open directory %s: %s", path, strerror(errno));
		return (-1);
	}
	if (fstat(fd, st) < 0) {
		msg_warn("stat %s: %s", path, strerror(errno));
		(void) close(fd);
		return (-1);
	}
	return (fd);
}

/* The owner a table entry wants. */
static uid_t
qdir_uid(const POSTFIX_ENV *env, const QDIR *qd)
{
	return (qd->owner == QDIR_ROOT ? env->root_uid : env->owner_uid);
}

/* The path of a queue directory: the first table entry is the queue itself. */
static void
qdir_path(VSTRING *path, const POSTFIX_ENV *env, const QDIR *qd)
{
	if (qd == qdirs)
		vstring_strcpy(path, env->queue_dir);
	else
		vstring_sprintf(path, "%s/%s", env->queue_dir, qd->name);
}

/* Open a queue directory (its path left in path); -1 and a warning. */
static int
open_qdir(VSTRING *path, const POSTFIX_ENV *env, const QDIR *qd,
	  struct stat *st)
{
	qdir_path(path, env, qd);
	/* Only the queue directory itself may be reached through a link. */
	return (open_dir(vstring_str(path), qd == qdirs ? DIR_FOLLOW
			 : DIR_NOFOLLOW, st));
}

/* Set owner (as root), group (gid != -1, as root) and mode; 0 or -1. */
static int
set_dir(int fd, const char *path, const POSTFIX_ENV *env, uid_t uid,
	gid_t gid, mode_t mode)
{
	if (env->as_root && fchown(fd, uid, gid) < 0) {
		msg_warn("cannot change owner of %s: %s", path, strerror(errno));
		return (-1);
	}
	if (fchmod(fd, mode) < 0) {
		msg_warn("cannot change mode of %s: %s", path, strerror(errno));
		return (-1);
	}
	return (0);
}

/*
 * Create a missing directory and give it its owner, group and mode.
 * Returns 1 when created, 0 when it was there, -1 on error (warned).
 */
static int
make_dir(const char *path, int follow, const POSTFIX_ENV *env, uid_t uid,
	 gid_t gid, mode_t mode)
{
	struct stat st;
	int     status;
	int     fd;

	if ((follow ? stat(path, &st) : lstat(path, &st)) == 0) {
		if (!S_ISDIR(st.st_mode)) {
			msg_warn("not a directory: %s", path);
			return (-1);
		}
		return (0);
	}
	if (errno != ENOENT) {
		msg_warn("stat %s: %s", path, strerror(errno));
		return (-1);
	}
	/* Nobody but us until the owner and mode are right. */
	if (mkdir(path, 0700) < 0 && errno != EEXIST) {
		msg_warn("cannot create directory %s: %s", path, strerror(errno));
		return (-1);
	}
	if ((fd = open_dir(path, follow, &st)) < 0)
		return (-1);
	status = set_dir(fd, path, env, uid, gid, mode);
	(void) close(fd);
	if (status == 0 && msg_verbose)
		msg_info("created directory %s", path);
	return (status < 0 ? -1 : 1);
}

void
postfix_dirs_create(const POSTFIX_ENV *env)
{
	VSTRING *path = vstring_alloc(100);
	const QDIR *qd;
	int     errors = 0;
	gid_t   gid;

	for (qd = qdirs; qd < qdirs + QDIR_COUNT; qd++) {
		qdir_path(path, env, qd);
		gid = qd->setgid ? env->setgid_gid : (gid_t) -1;
		if (make_dir(vstring_str(path), qd == qdirs ? DIR_FOLLOW : DIR_NOFOLLOW,
			     env, qdir_uid(env, qd), gid, qd->mode) < 0)
			errors++;
		/* Nothing below a queue directory that is not there. */
		if (errors && qd == qdirs)
			break;
	}
	if (make_dir(env->data_dir, DIR_FOLLOW, env, env->owner_uid,
		     (gid_t) -1, 0700) < 0)
		errors++;
	vstring_free(path);
	if (errors)
		msg_fatal("unable to create missing queue directories");
}

/* What the warning walk checks below a directory. */
typedef struct WARN_CTX {
	const POSTFIX_ENV *env;
	int     writable;		/* also warn about g+w, o+w */
	int     corrupt;		/* files are damaged messages */
	int     count;
} WARN_CTX;

static void
warn_entry(int dfd, const char *name, int fd, const char *path,
	   const struct stat *st, void *context)
{
	WARN_CTX *ctx = context;

	(void) dfd;
	(void) name;
	(void) fd;
	/* The master creates sockets and FIFOs; their owner is its business. */
	if (!S_ISFIFO(st->st_mode) && !S_ISSOCK(st->st_mode)
	    && st->st_uid != ctx->env->owner_uid) {
		msg_warn("not owned by %s: %s", ctx->env->owner_name, path);
		ctx->count++;
	}
	if (ctx->writable && !S_ISLNK(st->st_mode)
	    && (st->st_mode & (S_IWGRP | S_IWOTH))) {
		msg_warn("group or other writable: %s", path);
		ctx->count++;
	}
	if (ctx->corrupt && S_ISREG(st->st_mode)) {
		msg_warn("damaged message: %s", path);
		ctx->count++;
	}
}

/* Owner, group and mode of one directory named in the table. */
static int
warn_dir(const POSTFIX_ENV *env, const char *path, const struct stat *st,
	 uid_t uid, const char *uid_name, int setgid, mode_t mode,
	 int exact_mode)
{
	int     count = 0;

	if (st->st_uid != uid) {
		msg_warn("not owned by %s: %s", uid_name, path);
		count++;
	}
	if (setgid && env->as_root && st->st_gid != env->setgid_gid) {
		msg_warn("not owned by group %s: %s", env->setgid_group, path);
		count++;
	}
	if (exact_mode && (st->st_mode & 07777) != mode) {
		msg_warn("wrong mode %04o (expected %04o): %s",
			 (unsigned) (st->st_mode & 07777), (unsigned) mode, path);
		count++;
	} else if (!exact_mode && (st->st_mode & (S_IWGRP | S_IWOTH))) {
		msg_warn("group or other writable: %s", path);
		count++;
	}
	return (count);
}

int
postfix_dirs_warn(const POSTFIX_ENV *env)
{
	VSTRING *path = vstring_alloc(100);
	const QDIR *qd;
	WARN_CTX ctx;
	struct stat st;
	int     fd;

	ctx.env = env;
	ctx.count = 0;
	for (qd = qdirs; qd < qdirs + QDIR_COUNT; qd++) {
		if ((fd = open_qdir(path, env, qd, &st)) < 0) {
			ctx.count++;
			continue;
		}
		/* The queue directory's mode is the administrator's choice. */
		ctx.count += warn_dir(env, vstring_str(path), &st,
				      qdir_uid(env, qd),
				      qd->owner == QDIR_ROOT ? env->root_name
				      : env->owner_name,
				      qd->setgid, qd->mode, qd != qdirs);
		/* maildrop is the least trusted directory: don't descend. */
		if (qd->owner == QDIR_MAIL && strcmp(qd->name, "maildrop") != 0) {
			ctx.writable = 0;
			ctx.corrupt = strcmp(qd->name, "corrupt") == 0;
			walk_below(fd, path, 0, warn_entry, &ctx);
		}
		(void) close(fd);
	}
	if ((fd = open_dir(env->data_dir, DIR_FOLLOW, &st)) < 0) {
		ctx.count++;
	} else {
		ctx.count += warn_dir(env, env->data_dir, &st, env->owner_uid,
				      env->owner_name, 0, 0700, 1);
		vstring_strcpy(path, env->data_dir);
		ctx.writable = 1;
		ctx.corrupt = 0;
		walk_below(fd, path, 0, warn_entry, &ctx);
		(void) close(fd);
	}
	vstring_free(path);
	return (ctx.count);
}

/* What the repair walk sets below a directory. */
typedef struct SET_CTX {
	const POSTFIX_ENV *env;
	mode_t  mode;			/* for subdirectories */
	int     errors;
} SET_CTX;

static void
set_entry(int dfd, const char *name, int fd, const char *path,
	  const struct stat *st, void *context)
{
	SET_CTX *ctx = context;
	const POSTFIX_ENV *env = ctx->env;
	struct stat fst;

	if (fd >= 0) {
		if (set_dir(fd, path, env, env->owner_uid, (gid_t) -1,
			    ctx->mode) < 0)
			ctx->errors++;
		return;
	}
	if (!env->as_root || st->st_uid == env->owner_uid)
		return;

	/*
	 * Change the file that was looked at, not whatever the name points
	 * to by now: O_PATH opens the entry itself, even a socket or a
	 * symbolic link.
	 */
	if ((fd = openat(dfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		if (errno != ENOENT) {
			msg_warn("open %s: %s", path, strerror(errno));
			ctx->errors++;
		}
		return;
	}
	if (fstat(fd, &fst) < 0) {
		msg_warn("stat %s: %s", path, strerror(errno));
		ctx->errors++;
	} else if (S_ISREG(fst.st_mode) && fst.st_nlink > 1) {
		msg_warn("not changing the owner of %s: it has %lu hard links",
			 path, (unsigned long) fst.st_nlink);
		ctx->errors++;
	} else if (fchownat(fd, "", env->owner_uid, (gid_t) -1,
			    AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0) {
		msg_warn("cannot change owner of %s: %s", path, strerror(errno));
		ctx->errors++;
	}
	(void) close(fd);
}

int
postfix_dirs_set_permissions(const POSTFIX_ENV *env)
{
	VSTRING *path = vstring_alloc(100);
	const QDIR *qd;
	SET_CTX ctx;
	struct stat st;
	gid_t   gid;
	int     fd;

	postfix_dirs_create(env);
	ctx.env = env;
	ctx.errors = 0;
	for (qd = qdirs; qd < qdirs + QDIR_COUNT; qd++) {
		if ((fd = open_qdir(path, env, qd, &st)) < 0) {
			ctx.errors++;
			continue;
		}
		gid = qd->setgid ? env->setgid_gid : (gid_t) -1;
		if (set_dir(fd, vstring_str(path), env, qdir_uid(env, qd), gid,
			    qd->mode) < 0)
			ctx.errors++;
		if (qd->recursive) {
			ctx.mode = qd->mode;
			walk_below(fd, path, 0, set_entry, &ctx);
		}
		(void) close(fd);
	}
	if ((fd = open_dir(env->data_dir, DIR_FOLLOW, &st)) < 0) {
		ctx.errors++;
	} else {
		if (set_dir(fd, env->data_dir, env, env->owner_uid, (gid_t) -1,
			    0700) < 0)
			ctx.errors++;
		(void) close(fd);
	}
	vstring_free(path);
	return (ctx.errors);
}

/* Warn about a root-owned tree (configuration, programs) others could change. */
static void
warn_root_entry(int dfd, const char *name, int fd, const char *path,
		const struct stat *st, void *context)
{
	WARN_CTX *ctx = context;

	(void) dfd;
	(void) name;
	(void) fd;
	/* Not root: a tree installed by root is as good as our own. */
	if (st->st_uid != ctx->env->root_uid && st->st_uid != 0) {
		msg_warn("not owned by %s: %s", ctx->env->root_name, path);
		ctx->count++;
	}
	/* A symbolic link's own mode means nothing. */
	if (!S_ISLNK(st->st_mode) && (st->st_mode & (S_IWGRP | S_IWOTH))) {
		msg_warn("group or other writable: %s", path);
		ctx->count++;
	}
}

int
postfix_dirs_warn_tree(const POSTFIX_ENV *env, const char *path)
{
	VSTRING *buf = vstring_alloc(100);
	WARN_CTX ctx;
	struct stat st;
	int     fd;

	ctx.env = env;
	ctx.count = 0;
	if ((fd = open_dir(path, DIR_FOLLOW, &st)) < 0) {
		ctx.count++;
	} else {
		warn_root_entry(-1, path, fd, path, &st, &ctx);
		vstring_strcpy(buf, path);
		walk_below(fd, buf, 0, warn_root_entry, &ctx);
		(void) close(fd);
	}
	vstring_free(buf);
	return (ctx.count);
}
