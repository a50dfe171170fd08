#ifndef POSTERN_ARGV_H
#define POSTERN_ARGV_H

/*
 * argv - growable NULL-terminated string arrays
 */
#include <stddef.h>

typedef struct ARGV {
	size_t  len;			/* number of strings */
	size_t  size;			/* slots allocated */
	char  **argv;			/* strings, NULL-terminated */
} ARGV;

extern ARGV *argv_alloc(size_t size);
extern ARGV *argv_free(ARGV *argvp);
extern void argv_add(ARGV *argvp, const char *str);
extern void argv_addn(ARGV *argvp, const char *str, size_t len);
extern void argv_truncate(ARGV *argvp, size_t len);
extern void argv_sort(ARGV *argvp);
extern void argv_uniq(ARGV *argvp);
extern ARGV *argv_split(const char *str, const char *delim);
extern ARGV *argv_split_append(ARGV *argvp, const char *str, const char *delim);

#endif
