/*
 * mail_queue - queue directories: paths, moves, scans
 *
 * Everything is relative to queue_directory (the caller's working
 * directory). A queue named in hash_queue_names keeps its files
 * hash_queue_depth levels of one-character directories deep
 * (queue_id_hash_dirs()); the two parameters are read through mail_conf
 * on each call, and the split list is cached until its value changes.
 *
 *	mail_queue_name_ok() 1 for a known queue name.
 *	mail_queue_path(), mail_queue_dir() the file's path and directory.
 *	mail_queue_rename() moves an ID between queues (hash dirs created).
 *	mail_queue_remove(), mail_queue_open() unlink and open.
 *	mail_scan_open(), mail_scan_next(), mail_scan_close() list the IDs
 *		in one queue, depth-first through the hash directories.
 *
 * Errors: file operations return -1 with errno; an invalid queue ID or
 * queue name given to a path function is the caller's bug and panics
 * (callers validate IDs where they enter, queue_id_ok()).
 */
#include <sys/types.h>
#include <sys/stat.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "msg.h"
#include "mymalloc.h"
#include "vstring.h"
#include "argv.h"
#include "stringops.h"
#include "safe_file.h"
#include "mail_conf.h"
#include "queue_id.h"
#include "mail_queue.h"

static const char *const mail_queue_names[] = {
	MAIL_QUEUE_MAILDROP, MAIL_QUEUE_INCOMING, MAIL_QUEUE_ACTIVE,
	MAIL_QUEUE_DEFERRED, MAIL_QUEUE_HOLD, MAIL_QUEUE_CORRUPT,
	MAIL_QUEUE_SAVED, MAIL_QUEUE_BOUNCE, MAIL_QUEUE_DEFER,
	MAIL_QUEUE_TRACE, MAIL_QUEUE_FLUSH, 0,
};

int
mail_queue_name_ok(const char *queue_name)
{
	int     i;

	for (i = 0; mail_queue_names[i]; i++)
		if (strcmp(queue_name, mail_queue_names[i]) == 0)
			return (1);
	return (0);
}

/* The hash depth of a queue: hash_queue_depth when hashed, else 0. */
static int
mail_queue_depth(const char *queue_name)
{
	static char *cached_value;
	static ARGV *cached_names;
	const char *value = mail_conf_str("hash_queue_names");
	long    depth;
	size_t  i;

	if (cached_value == NULL || strcmp(cached_value, value) != 0) {
		if (cached_value)
			myfree(cached_value);
		if (cached_names)
			argv_free(cached_names);
		cached_value = mystrdup(value);
		cached_names = argv_split(value, CHARS_COMMA_SP);
	}
	for (i = 0; i < cached_names->len; i++) {
		if (strcasecmp(cached_names->argv[i], queue_name) == 0) {
			depth = mail_conf_int("hash_queue_depth");
			if (depth < 0 || depth > QUEUE_ID_HASH_DEPTH_MAX)
				msg_fatal("hash_queue_depth = %ld: must be between 0 and %d",
					  depth, QUEUE_ID_HASH_DEPTH_MAX);
			return ((int) depth);
		}
	}
	return (0);
}

static void
mail_queue_check(const char *queue_name, const char *queue_id)
{
	if (!mail_queue_name_ok(queue_name))
		msg_panic("mail_queue: bad queue name \"%s\"", queue_name);
	if (!queue_id_ok(queue_id))
		msg_panic("mail_queue: bad queue ID \"%s\"", queue_id);
}

const char *
mail_queue_path(VSTRING *buf, const char *queue_name, const char *queue_id)
{
	mail_queue_check(queue_name, queue_id);
	if (queue_id_path(buf, queue_name, queue_id,
			  mail_queue_depth(queue_name)) < 0)
		msg_panic("mail_queue_path: %s/%s", queue_name, queue_id);
	return (vstring_str(buf));
}

const char *
mail_queue_dir(VSTRING *buf, const char *queue_name, const char *queue_id)
{
	VSTRING *dirs = vstring_alloc(20);

	mail_queue_check(queue_name, queue_id);
	if (queue_id_hash_dirs(dirs, queue_id, mail_queue_depth(queue_name)) < 0)
		msg_panic("mail_queue_dir: %s/%s", queue_name, queue_id);
	vstring_strcpy(buf, queue_name);
	if (vstring_len(dirs) > 0) {
		vstring_addch(buf, '/');
		/* Drop the trailing '/' of "C/3/". */
		vstring_strncat(buf, vstring_str(dirs), vstring_len(dirs) - 1);
	}
	vstring_free(dirs);
	return (vstring_str(buf));
}

/* Create the missing hash directories below the queue in dir "Q/C/3". */
static int
mail_queue_mkdirs(const char *dir)
{
	VSTRING *part = vstring_alloc(100);
	const char *slash;
	int     ret = 0;

	for (slash = strchr(dir, '/'); ret == 0; slash = strchr(slash + 1, '/')) {
		if (slash)
			vstring_strncpy(part, dir, (size_t) (slash - dir));
		else
			vstring_strcpy(part, dir);
		if (strchr(vstring_str(part), '/') != NULL) {
			if (mkdir(vstring_str(part), MAIL_QUEUE_MODE_DONE) == 0) {
				char   *parent = mystrdup(vstring_str(part));

				*strrchr(parent, '/') = 0;
				(void) fsync_dir(parent, NULL);
				myfree(parent);
			} else if (errno != EEXIST) {
				ret = -1;
			}
		}
		if (slash == NULL)
			break;
	}
	vstring_free(part);
	return (ret);
}

int
mail_queue_rename(const char *queue_id, const char *old_queue,
		  const char *new_queue)
{
	VSTRING *old_path = vstring_alloc(100);
	VSTRING *new_path = vstring_alloc(100);
	VSTRING *new_dir = vstring_alloc(100);
	int     ret;
	int     saved;

	mail_queue_path(old_path, old_queue, queue_id);
	mail_queue_path(new_path, new_queue, queue_id);
	mail_queue_dir(new_dir, new_queue, queue_id);
	ret = rename(vstring_str(old_path), vstring_str(new_path));
	if (ret < 0 && errno == ENOENT && access(vstring_str(old_path), F_OK) == 0) {
		/* The file exists: the target's hash directory did not. */
		if (mail_queue_mkdirs(vstring_str(new_dir)) == 0)
			ret = rename(vstring_str(old_path), vstring_str(new_path));
	}
	saved = errno;
	if (ret == 0 && fsync_dir(vstring_str(new_dir), NULL) < 0)
		msg_warn("fsync directory %s: %m", vstring_str(new_dir));
	vstring_free(old_path);
	vstring_free(new_path);
	vstring_free(new_dir);
	errno = saved;
	return (ret);
}

int
mail_queue_remove(const char *queue_name, const char *queue_id)
{
	VSTRING *path = vstring_alloc(100);
	int     ret;
	int     saved;

	ret = unlink(mail_queue_path(path, queue_name, queue_id));
	saved = errno;
	vstring_free(path);
	errno = saved;
	return (ret);
}

int
mail_queue_open(const char *queue_name, const char *queue_id, int flags,
		mode_t mode)
{
	VSTRING *path = vstring_alloc(100);
	int     fd;
	int     saved;

	fd = open(mail_queue_path(path, queue_name, queue_id),
		  flags | O_CLOEXEC, mode);
	saved = errno;
	vstring_free(path);
	errno = saved;
	return (fd);
}

/*
 * Scanning: a stack of open directories, one per level (the queue itself,
 * then hash directories), so memory is O(1) per level whatever the number
 * of files.
 */
#define MAIL_SCAN_LEVELS	(QUEUE_ID_HASH_DEPTH_MAX + 1)

struct MAIL_SCAN {
	char   *queue;
	int	incoming;		/* skip files not yet complete */
	int	level;			/* index of the innermost open dir */
	DIR    *dirs[MAIL_SCAN_LEVELS];
	VSTRING *path;			/* directory of dirs[level] */
	size_t	path_len[MAIL_SCAN_LEVELS];
	char	name[QUEUE_ID_MAXLEN + 1];
};

MAIL_SCAN *
mail_scan_open(const char *queue_name)
{
	MAIL_SCAN *scan;
	DIR    *dir;

	if (!mail_queue_name_ok(queue_name))
		msg_panic("mail_scan_open: bad queue name \"%s\"", queue_name);
	if ((dir = opendir(queue_name)) == NULL)
		return (NULL);
	scan = (MAIL_SCAN *) mymalloc(sizeof(*scan));
	scan->queue = mystrdup(queue_name);
	scan->incoming = strcmp(queue_name, MAIL_QUEUE_INCOMING) == 0;
	scan->level = 0;
	scan->dirs[0] = dir;
	scan->path = vstring_alloc(100);
	vstring_strcpy(scan->path, queue_name);
	scan->path_len[0] = vstring_len(scan->path);
	return (scan);
}

/* A hash directory name: one upper-case hex digit. */
static int
mail_scan_hash_name(const char *name)
{
	return (name[0] != 0 && name[1] == 0
		&& ((name[0] >= '0' && name[0] <= '9')
		    || (name[0] >= 'A' && name[0] <= 'F')));
}

const char *
mail_scan_next(MAIL_SCAN *scan)
{
	struct dirent *dp;
	struct stat st;
	DIR    *sub;
	int     fd;

	while (scan->level >= 0) {
		if ((dp = readdir(scan->dirs[scan->level])) == NULL) {
			closedir(scan->dirs[scan->level]);
			scan->dirs[scan->level] = NULL;
			if (--scan->level >= 0)
				vstring_truncate(scan->path,
						 scan->path_len[scan->level]);
			continue;
		}
		if (dp->d_name[0] == '.')
			continue;
		fd = dirfd(scan->dirs[scan->level]);
		if (mail_scan_hash_name(dp->d_name)) {
			if (scan->level + 1 >= MAIL_SCAN_LEVELS)
				continue;
			if (fstatat(fd, dp->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0
			    || !S_ISDIR(st.st_mode))
				continue;
			vstring_sprintf_append(scan->path, "/%s", dp->d_name);
			if ((sub = opendir(vstring_str(scan->path))) == NULL) {
				msg_warn("open directory %s: %m",
					 vstring_str(scan->path));
				vstring_truncate(scan->path,
						 scan->path_len[scan->level]);
				continue;
			}
			scan->level += 1;
			scan->dirs[scan->level] = sub;
			scan->path_len[scan->level] = vstring_len(scan->path);
			continue;
		}
		if (!queue_id_ok(dp->d_name))
			continue;
		if (scan->incoming) {
			/* Complete files only: cleanup sets the mode last. */
			if (fstatat(fd, dp->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0
			    || !S_ISREG(st.st_mode)
			    || (st.st_mode & 07777) != MAIL_QUEUE_MODE_DONE)
				continue;
		}
		if (strlen(dp->d_name) >= sizeof(scan->name))
			continue;
		memcpy(scan->name, dp->d_name, strlen(dp->d_name) + 1);
		return (scan->name);
	}
	return (NULL);
}

void
mail_scan_close(MAIL_SCAN *scan)
{
	while (scan->level >= 0) {
		closedir(scan->dirs[scan->level]);
		scan->level -= 1;
	}
	vstring_free(scan->path);
	myfree(scan->queue);
	myfree(scan);
}
