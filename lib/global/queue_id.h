#ifndef POSTERN_QUEUE_ID_H
#define POSTERN_QUEUE_ID_H

/*
 * queue_id - queue file names (queue IDs) and their hash directories
 *
 * A queue ID names a message's file in every queue directory. It is made
 * from the file's inode number and the time it was named, so it can only
 * be computed once the file exists (create under a temporary name, then
 * queue_id_assign(), then rename). Two shapes, as documented for Postfix
 * (man 5 postconf, enable_long_queue_ids):
 *
 *   short (default): 5 upper-case hex digits for the microseconds, then
 *	the inode number in upper-case hex without leading zeros, e.g.
 *	"C3CD21F3E90". Unique among the files that exist at the same time
 *	on one file system, because no two of them share an inode.
 *   long: the seconds in base 52 (at least 6 digits, zero-padded), the
 *	microseconds in base 52 (exactly 4 digits), the separator 'z', then
 *	the inode number in base 51, e.g. "3Pt2mN2VXxznjll". The alphabet is
 *	"0-9", "B-Z", "b-z" without vowels; the inode digits use all but the
 *	last character ('z'), so the last 'z' always separates time from
 *	inode. Unique for the life of the system as long as the clock does
 *	not go backwards.
 *
 * Hash directories (hash_queue_names, hash_queue_depth): one level of
 * one-character directories per unit of depth, named after the leading
 * digits of the microseconds in 5-digit upper-case hex. For a short ID
 * those are simply its first characters; for a long ID the microseconds
 * are decoded and converted, so both shapes hash alike (as Postfix
 * documents). With depth 2, "C3CD21F3E90" lives in "deferred/C/3/".
 *
 *	queue_id_make() encodes an ID from an inode number and a time.
 *	queue_id_assign() names an open file: fstat() + gettimeofday().
 *	queue_id_parse() validates an ID strictly and decodes its fields.
 *	queue_id_ok(), queue_id_short_ok(), queue_id_long_ok() validate only.
 *	queue_id_hash_dirs() the hash subdirectories, "C/3/" (depth 2).
 *	queue_id_path() "queue/C/3/ID", or "queue/ID" with depth 0.
 *
 * Validation is strict and is meant for every boundary where an ID comes
 * from outside (postsuper -d ARG, postcat -q ARG, a showq client, a file
 * name read from a directory): only the characters and lengths above are
 * accepted, so a valid ID can never contain '/', '.', or anything else
 * that changes the meaning of a path. Functions return 0/1 or 0/-1; no
 * function here logs.
 */
#include <stdint.h>
#include <sys/time.h>

#include "vstring.h"

#define QUEUE_ID_SHORT	1		/* hexadecimal, Postfix's default */
#define QUEUE_ID_LONG	2		/* enable_long_queue_ids = yes */

#define QUEUE_ID_SHORT_USEC_LEN	5	/* hex digits of microseconds */
#define QUEUE_ID_LONG_SEC_MIN	6	/* minimum base-52 digits of seconds */
#define QUEUE_ID_LONG_USEC_LEN	4	/* base-52 digits of microseconds */
#define QUEUE_ID_LONG_SEP	'z'	/* ends the time part of a long ID */
/* Upper bound on the length of any valid ID (64-bit fields). */
#define QUEUE_ID_MAXLEN		32
/* hash_queue_depth beyond the 5 hex digits of microseconds is refused. */
#define QUEUE_ID_HASH_DEPTH_MAX	QUEUE_ID_SHORT_USEC_LEN

typedef struct QUEUE_ID_INFO {
	int	kind;			/* QUEUE_ID_SHORT or QUEUE_ID_LONG */
	uint64_t sec;			/* seconds (long IDs; 0 for short) */
	unsigned long usec;		/* microseconds, 0..999999 */
	uint64_t inode;			/* inode number of the queue file */
} QUEUE_ID_INFO;

/* Replace id with the kind of ID for inode at time tv; returns id. */
extern VSTRING *queue_id_make(VSTRING *id, int kind, uint64_t inode,
			              const struct timeval *tv);

/*
 * Name the open file fd: its inode number and the current time. Returns 0,
 * or -1 with errno from fstat()/gettimeofday(). When tv is not NULL it
 * receives the time used (cleanup may use it as the arrival time).
 */
extern int queue_id_assign(VSTRING *id, int kind, int fd, struct timeval *tv);

/* 1 when id is a valid short or long ID (info filled when not NULL), else 0. */
extern int queue_id_parse(const char *id, QUEUE_ID_INFO *info);
extern int queue_id_ok(const char *id);
extern int queue_id_short_ok(const char *id);
extern int queue_id_long_ok(const char *id);

/*
 * Replace dirs with the hash subdirectories of id for depth levels, each
 * followed by '/' ("" for depth 0). Returns 0, or -1 when id is not valid
 * or depth is outside 0..QUEUE_ID_HASH_DEPTH_MAX (dirs is then empty).
 */
extern int queue_id_hash_dirs(VSTRING *dirs, const char *id, int depth);

/*
 * Replace path with "queue_name/" + hash dirs + id; queue_name is used as
 * given (a name like "deferred" or a path relative to the queue
 * directory). Same return values as queue_id_hash_dirs().
 */
extern int queue_id_path(VSTRING *path, const char *queue_name,
			         const char *id, int depth);

#endif
