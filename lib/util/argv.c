/*
 * argv - growable NULL-terminated string arrays
 *
 *	argv_alloc() makes an empty array; argv_free() releases it and its
 *	strings and returns NULL.
 *	argv_add()/argv_addn() append a copy of a string.
 *	argv_truncate() drops (and frees) strings past len.
 *	argv_sort() sorts with strcmp(); argv_uniq() drops adjacent repeats.
 *	argv_split() splits a string at any of the delimiter characters,
 *	skipping empty fields; argv_split_append() adds to an existing array.
 */
#include <stdlib.h>
#include <string.h>

#include "msg.h"
#include "mymalloc.h"
#include "argv.h"

ARGV   *
argv_alloc(size_t size)
{
	ARGV   *argvp = mymalloc(sizeof(*argvp));

	if (size < 4)
		size = 4;
	argvp->size = size;
	argvp->len = 0;
	argvp->argv = mymalloc_array(size + 1, sizeof(char *));
	argvp->argv[0] = NULL;
	return (argvp);
}

ARGV   *
argv_free(ARGV *argvp)
{
	size_t  i;

	if (argvp == NULL)
		return (NULL);
	for (i = 0; i < argvp->len; i++)
		myfree(argvp->argv[i]);
	myfree(argvp->argv);
	myfree(argvp);
	return (NULL);
}

static void
argv_append_owned(ARGV *argvp, char *str)
{
	if (argvp->len >= argvp->size) {
		argvp->size *= 2;
		argvp->argv = myrealloc_array(argvp->argv, argvp->size + 1, sizeof(char *));
	}
	argvp->argv[argvp->len++] = str;
	argvp->argv[argvp->len] = NULL;
}

void
argv_add(ARGV *argvp, const char *str)
{
	argv_append_owned(argvp, mystrdup(str));
}

void
argv_addn(ARGV *argvp, const char *str, size_t len)
{
	argv_append_owned(argvp, mystrndup(str, len));
}

void
argv_truncate(ARGV *argvp, size_t len)
{
	while (argvp->len > len)
		myfree(argvp->argv[--argvp->len]);
	argvp->argv[argvp->len] = NULL;
}

static int
argv_cmp(const void *a, const void *b)
{
	return (strcmp(*(char *const *) a, *(char *const *) b));
}

void
argv_sort(ARGV *argvp)
{
	qsort(argvp->argv, argvp->len, sizeof(char *), argv_cmp);
}

void
argv_uniq(ARGV *argvp)
{
	size_t  in;
	size_t  out;

	if (argvp->len < 2)
		return;
	for (out = 0, in = 1; in < argvp->len; in++) {
		if (strcmp(argvp->argv[in], argvp->argv[out]) == 0)
			myfree(argvp->argv[in]);
		else
			argvp->argv[++out] = argvp->argv[in];
	}
	argvp->len = out + 1;
	argvp->argv[argvp->len] = NULL;
}

ARGV   *
argv_split_append(ARGV *argvp, const char *str, const char *delim)
{
	const char *cp = str;
	size_t  n;

	for (;;) {
		cp += strspn(cp, delim);
		if (*cp == '\0')
			break;
		n = strcspn(cp, delim);
		argv_addn(argvp, cp, n);
		cp += n;
	}
	return (argvp);
}

ARGV   *
argv_split(const char *str, const char *delim)
{
	return (argv_split_append(argv_alloc(8), str, delim));
}
