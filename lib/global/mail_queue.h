#ifndef POSTERN_MAIL_QUEUE_H
#define POSTERN_MAIL_QUEUE_H

/*
 * mail_queue - queue directories: paths, moves, scans
 *
 * Queue names: maildrop incoming active deferred hold corrupt saved
 * (message queues) and bounce defer trace flush (per-message logs). A name
 * listed in hash_queue_names is hashed hash_queue_depth levels deep
 * (queue_id.h). Paths are relative to queue_directory, every daemon's and
 * command's working directory.
 *
 * A complete queue file has mode 0700 (cleanup sets it with the final
 * rename); files under other names (cleanup.PID.N temporaries) or other
 * modes in incoming/ are incomplete: scans skip them, and qmgr removes
 * those older than a day.
 *
 *	mail_queue_name_ok() 1 for a known queue name.
 *	mail_queue_path() "deferred/C/3/ID" (no directories created).
 *	mail_queue_dir() "deferred/C/3".
 *	mail_queue_rename() moves ID from one queue to another, creating
 *		hash directories as needed (mode 0700), with rename(2) and an
 *		fsync of the target directory; 0, or -1 and errno (ENOENT: the
 *		file is gone, e.g. deleted by postsuper meanwhile).
 *	mail_queue_remove() unlinks QUEUE/ID; 0 or -1 and errno.
 *	mail_queue_open() opens QUEUE/ID with flags; fd or -1.
 *	mail_scan_open()/mail_scan_next()/mail_scan_close() list the queue
 *		IDs in one queue, recursing into hash directories, returning
 *		only names that pass queue_id_ok(); order is unspecified; O(1)
 *		memory per level.
 */

#include <sys/types.h>
#include "vstring.h"

#define MAIL_QUEUE_MAILDROP	"maildrop"
#define MAIL_QUEUE_INCOMING	"incoming"
#define MAIL_QUEUE_ACTIVE	"active"
#define MAIL_QUEUE_DEFERRED	"deferred"
#define MAIL_QUEUE_HOLD		"hold"
#define MAIL_QUEUE_CORRUPT	"corrupt"
#define MAIL_QUEUE_SAVED	"saved"
#define MAIL_QUEUE_BOUNCE	"bounce"
#define MAIL_QUEUE_DEFER	"defer"
#define MAIL_QUEUE_TRACE	"trace"
#define MAIL_QUEUE_FLUSH	"flush"

#define MAIL_QUEUE_MODE_DONE	0700	/* a complete queue file */

typedef struct MAIL_SCAN MAIL_SCAN;

extern int mail_queue_name_ok(const char *queue_name);
extern const char *mail_queue_path(VSTRING *buf, const char *queue_name,
				   const char *queue_id);
extern const char *mail_queue_dir(VSTRING *buf, const char *queue_name,
				  const char *queue_id);
extern int mail_queue_rename(const char *queue_id, const char *old_queue,
			     const char *new_queue);
extern int mail_queue_remove(const char *queue_name, const char *queue_id);
extern int mail_queue_open(const char *queue_name, const char *queue_id,
			   int flags, mode_t mode);

extern MAIL_SCAN *mail_scan_open(const char *queue_name);
extern const char *mail_scan_next(MAIL_SCAN *scan);
extern void mail_scan_close(MAIL_SCAN *scan);

#endif
