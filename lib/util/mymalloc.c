/*
 * mymalloc - checked memory allocation
 *
 *	mymalloc(), mycalloc(), myrealloc() allocate or resize memory.
 *	mymalloc_array(), myrealloc_array() do so for nmemb elements of
 *	size bytes, refusing multiplication overflow.
 *	mystrdup(), mystrndup(), mymemdup() copy into fresh memory.
 *	myfree() releases memory (NULL is accepted).
 *
 * Errors: out of memory and size overflow are fatal (msg_fatal).
 */
#include <stdlib.h>
#include <string.h>
#include <stdint.h>

#include "msg.h"
#include "mymalloc.h"

void *
mymalloc(size_t len)
{
	void   *ptr;

	if (len == 0)
		len = 1;
	if ((ptr = malloc(len)) == NULL)
		msg_fatal("out of memory: cannot allocate %zu bytes", len);
	return (ptr);
}

void *
mycalloc(size_t nmemb, size_t size)
{
	void   *ptr;

	if (nmemb == 0 || size == 0)
		nmemb = size = 1;
	if (size > SIZE_MAX / nmemb)
		msg_fatal("mycalloc: size overflow: %zu * %zu", nmemb, size);
	if ((ptr = calloc(nmemb, size)) == NULL)
		msg_fatal("out of memory: cannot allocate %zu bytes", nmemb * size);
	return (ptr);
}

void *
myrealloc(void *ptr, size_t len)
{
	void   *np;

	if (len == 0)
		len = 1;
	if ((np = realloc(ptr, len)) == NULL)
		msg_fatal("out of memory: cannot reallocate %zu bytes", len);
	return (np);
}

void *
mymalloc_array(size_t nmemb, size_t size)
{
	if (size != 0 && nmemb > SIZE_MAX / size)
		msg_fatal("mymalloc_array: size overflow: %zu * %zu", nmemb, size);
	return (mymalloc(nmemb * size));
}

void *
myrealloc_array(void *ptr, size_t nmemb, size_t size)
{
	if (size != 0 && nmemb > SIZE_MAX / size)
		msg_fatal("myrealloc_array: size overflow: %zu * %zu", nmemb, size);
	return (myrealloc(ptr, nmemb * size));
}

void
myfree(void *ptr)
{
	free(ptr);
}

char   *
mystrdup(const char *str)
{
	return (mystrndup(str, strlen(str)));
}

char   *
mystrndup(const char *str, size_t len)
{
	char   *cp;
	const char *nul;

	if ((nul = memchr(str, '\0', len)) != NULL)
		len = (size_t) (nul - str);
	if (len == SIZE_MAX)
		msg_fatal("mystrndup: size overflow");
	cp = mymalloc(len + 1);
	memcpy(cp, str, len);
	cp[len] = '\0';
	return (cp);
}

void   *
mymemdup(const void *ptr, size_t len)
{
	void   *cp = mymalloc(len);

	memcpy(cp, ptr, len);
	return (cp);
}
