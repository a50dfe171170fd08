/*
 * dict_static - static:value, a table that finds every key
 *
 *	dict_static_open() makes a table whose lookups all return the name:
 *	"static:text" returns text as written, "static:{ text }" returns the
 *	text inside the braces without surrounding white space, so that the
 *	value may contain white space or commas inside a list parameter.
 *
 * Errors: an unbalanced or trailing brace fails the open, worded as
 * Postfix: 'bad static:name syntax: missing '}' in "{foo"'.
 */
#include <string.h>

#include "mymalloc.h"
#include "vstring.h"
#include "stringops.h"
#include "dict.h"
#include "dict_priv.h"

typedef struct DICT_STATIC {
	DICT    dict;			/* generic part, first */
	char   *value;
} DICT_STATIC;

static int
dict_static_lookup(DICT *dict, const char *key, const char **value)
{
	*value = ((DICT_STATIC *) dict)->value;
	return (DICT_STAT_SUCCESS);
}

static int
dict_static_close(DICT *dict, VSTRING *why)
{
	myfree(((DICT_STATIC *) dict)->value);
	dict_free(dict);
	return (0);
}

DICT   *
dict_static_open(const char *name, int open_flags, int dict_flags, VSTRING *why)
{
	DICT_STATIC *ds;
	char   *value = mystrdup(name);
	char   *bp = value;
	char   *tok;
	const char *err;

	if (*name == '{') {
		tok = mystrtok_brace(&bp, "", &err);
		if (err == NULL && tok != NULL && strlen(tok) != strlen(name))
			err = "syntax error after '}'";
		if (err != NULL) {
			vstring_sprintf(why, "bad static:name syntax: %s in \"%s\"",
					strcmp(err, "text after '}'") == 0 ?
					"syntax error after '}'" : err, name);
			myfree(value);
			return (NULL);
		}
		value[strlen(value) - 1] = '\0';
		memmove(value, value + 1, strlen(value));
		trim_space(value);
	}
	ds = (DICT_STATIC *) dict_alloc("static", name, sizeof(*ds));
	ds->dict.flags = dict_flags | DICT_FLAG_NO_SEQ;
	ds->dict.lookup = dict_static_lookup;
	ds->dict.close = dict_static_close;
	ds->value = value;
	return (&ds->dict);
}
