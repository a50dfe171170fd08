#ifndef POSTERN_POSTSUPER_H
#define POSTERN_POSTSUPER_H

/*
 * postsuper.h - postsuper(1)'s queue repair (postsuper_repair.c)
 *
 *	postsuper_repair() removes temporary files older than max_age
 *		seconds that a crash left in incoming/ and maildrop/ (-p),
 *		and with structure set also moves queue files and logs whose
 *		hash directory does not match hash_queue_names and
 *		hash_queue_depth to where they belong and removes hash
 *		directories that are no longer used (-s). Run in the queue
 *		directory. Returns the number of files moved or removed.
 */
extern long postsuper_repair(int structure, long max_age);

#endif
