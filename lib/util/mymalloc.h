#ifndef POSTERN_MYMALLOC_H
#define POSTERN_MYMALLOC_H

/*
 * mymalloc - checked memory allocation
 *
 * Allocation never returns NULL to the caller: running out of memory is
 * fatal for the process (the master restarts it). Sizes are checked for
 * overflow before use.
 */
#include <stddef.h>

extern void *mymalloc(size_t len);
extern void *mycalloc(size_t nmemb, size_t size);
extern void *myrealloc(void *ptr, size_t len);
extern void *mymalloc_array(size_t nmemb, size_t size);
extern void *myrealloc_array(void *ptr, size_t nmemb, size_t size);
extern void myfree(void *ptr);
extern char *mystrdup(const char *str);
extern char *mystrndup(const char *str, size_t len);
extern void *mymemdup(const void *ptr, size_t len);

#endif
