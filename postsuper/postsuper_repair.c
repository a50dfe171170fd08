/*
 * postsuper_repair - postsuper -p and -s: temporary files, hash layout
 *
 *	postsuper_repair() walks the queue directories without following
 *		symbolic links (lstat(2), entries other than directories and
 *		regular files are left alone), at most QUEUE_ID_HASH_DEPTH_MAX
 *		levels deep:
 *		- a regular file in incoming/ or maildrop/ whose name is not a
 *		  valid queue ID (cleanup.PID.SEQ and the like) and that was
 *		  not modified for max_age seconds is removed;
 *		- with structure set, a file named by a valid queue ID that is
 *		  not where mail_queue_path() says it should be is renamed
 *		  there (hash directories created), unless something already
 *		  has that name; then hash directories that are empty and
 *		  deeper than the queue's hash depth are removed.
 *
 * Each change is logged ("ID: moved to deferred/A/ID", "removed
 * temporary file incoming/cleanup.12.3"); failures are warnings.
 */
#include <sys/types.h>
#include <sys/stat.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "msg.h"
#include "mymalloc.h"
#include "vstring.h"
#include "argv.h"
#include "mail_queue.h"
#include "queue_id.h"
#include "postsuper.h"

static const char *const repair_queues[] = {
	MAIL_QUEUE_MAILDROP, MAIL_QUEUE_INCOMING, MAIL_QUEUE_ACTIVE,
	MAIL_QUEUE_DEFERRED, MAIL_QUEUE_HOLD, MAIL_QUEUE_CORRUPT,
	MAIL_QUEUE_SAVED, MAIL_QUEUE_BOUNCE, MAIL_QUEUE_DEFER,
	MAIL_QUEUE_TRACE, 0,
};

typedef struct REPAIR {
	const char *queue;
	int     structure;
	long    max_age;
	time_t  now;
	long    changes;
	ARGV   *subdirs;		/* hash directories seen, deepest first */
} REPAIR;

/* Create the directories leading to path ("deferred/A/B/ID"). */
static int
make_parents(const char *path)
{
	char   *copy = mystrdup(path);
	char   *slash;
	int     ret = 0;

	for (slash = strchr(copy, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = 0;
		if (strchr(copy, '/') != NULL && mkdir(copy, 0700) < 0
		    && errno != EEXIST) {
			msg_warn("create directory %s: %m", copy);
			ret = -1;
			*slash = '/';
			break;
		}
		*slash = '/';
	}
	myfree(copy);
	return (ret);
}

static void
repair_file(REPAIR *rp, const char *dir, const char *name,
	    const struct stat *st)
{
	VSTRING *path = vstring_alloc(100);
	VSTRING *want = vstring_alloc(100);
	struct stat st2;

	vstring_sprintf(path, "%s/%s", dir, name);
	if (!queue_id_ok(name)) {
		if ((strcmp(rp->queue, MAIL_QUEUE_INCOMING) == 0
		     || strcmp(rp->queue, MAIL_QUEUE_MAILDROP) == 0)
		    && rp->now - st->st_mtime > rp->max_age) {
			if (unlink(vstring_str(path)) == 0) {
				msg_info("removed temporary file %s", vstring_str(path));
				rp->changes++;
			} else if (errno != ENOENT) {
				msg_warn("remove %s: %m", vstring_str(path));
			}
		}
	} else if (rp->structure) {
		mail_queue_path(want, rp->queue, name);
		if (strcmp(vstring_str(path), vstring_str(want)) != 0) {
			if (lstat(vstring_str(want), &st2) == 0) {
				msg_warn("%s: not moved: %s exists", vstring_str(path),
					 vstring_str(want));
			} else if (make_parents(vstring_str(want)) == 0) {
				if (rename(vstring_str(path), vstring_str(want)) == 0) {
					msg_info("%s: moved to %s", name, vstring_str(want));
					rp->changes++;
				} else if (errno != ENOENT) {
					msg_warn("rename %s to %s: %m", vstring_str(path),
						 vstring_str(want));
				}
			}
		}
	}
	vstring_free(path);
	vstring_free(want);
}

/* Visit dir (level 0 is the queue itself), depth first. */
static void
repair_dir(REPAIR *rp, const char *dir, int level)
{
	VSTRING *path = vstring_alloc(100);
	ARGV   *names = argv_alloc(10);
	struct dirent *dp;
	struct stat st;
	DIR    *dirp;
	size_t  i;

	if ((dirp = opendir(dir)) == NULL) {
		if (errno != ENOENT)
			msg_warn("open directory %s: %m", dir);
		goto done;
	}
	/* Read first: renaming while reading may show a file twice. */
	while ((dp = readdir(dirp)) != NULL)
		if (strcmp(dp->d_name, ".") != 0 && strcmp(dp->d_name, "..") != 0)
			argv_add(names, dp->d_name);
	closedir(dirp);
	for (i = 0; i < names->len; i++) {
		vstring_sprintf(path, "%s/%s", dir, names->argv[i]);
		if (lstat(vstring_str(path), &st) < 0)
			continue;
		if (S_ISREG(st.st_mode)) {
			repair_file(rp, dir, names->argv[i], &st);
		} else if (S_ISDIR(st.st_mode) && strlen(names->argv[i]) == 1
			   && level < QUEUE_ID_HASH_DEPTH_MAX) {
			repair_dir(rp, vstring_str(path), level + 1);
			if (rp->structure)
				argv_add(rp->subdirs, vstring_str(path));
		}
	}
done:
	argv_free(names);
	vstring_free(path);
}

/* Number of '/' in a path: the hash level of a directory. */
static int
path_level(const char *path)
{
	int     n = 0;

	for (; *path; path++)
		n += (*path == '/');
	return (n);
}

long
postsuper_repair(int structure, long max_age)
{
	VSTRING *probe = vstring_alloc(100);
	REPAIR  rp;
	size_t  i;
	int     depth;
	int     q;

	rp.structure = structure;
	rp.max_age = max_age;
	rp.now = time((time_t *) 0);
	rp.changes = 0;
	for (q = 0; repair_queues[q]; q++) {
		rp.queue = repair_queues[q];
		rp.subdirs = argv_alloc(10);
		repair_dir(&rp, rp.queue, 0);
		/* The queue's hash depth: count the '/' in a sample path. */
		depth = path_level(mail_queue_path(probe, rp.queue, "00000A"));
		depth -= 1;
		/* Deepest directories were added first; remove unused empty ones. */
		for (i = 0; i < rp.subdirs->len; i++)
			if (path_level(rp.subdirs->argv[i]) > depth
			    && rmdir(rp.subdirs->argv[i]) < 0
			    && errno != ENOTEMPTY && errno != EEXIST
			    && errno != ENOENT)
				msg_warn("remove directory %s: %m", rp.subdirs->argv[i]);
		argv_free(rp.subdirs);
	}
	vstring_free(probe);
	return (rp.changes);
}
