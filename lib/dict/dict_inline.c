/*
 * dict_inline - inline:{ key=value, { key = value with, commas } }
 *
 *	dict_inline_open() parses the table text given as the name into a
 *	read-only in-memory table. Entries are separated by comma or white
 *	space; an entry in braces may contain both, and white space around
 *	its key and value is ignored. A later entry for the same key wins,
 *	as in Postfix.
 *
 * Errors: a syntax error fails the open with Postfix's wording, e.g.
 * 'missing '=' after attribute name: "inline:{ k }"; need
 * "inline:{name=value...}"'.
 */
#include <string.h>

#include "mymalloc.h"
#include "vstring.h"
#include "stringops.h"
#include "dict.h"
#include "dict_priv.h"

#define INLINE_NEED	"need \"inline:{name=value...}\""

DICT   *
dict_inline_open(const char *name, int open_flags, int dict_flags, VSTRING *why)
{
	char   *copy = mystrdup(name);
	char   *bp = copy;
	char   *outer;
	char   *item;
	char   *value;
	const char *err;
	DICT   *dict = NULL;
	size_t  count = 0;

	/* The whole name is one brace group. */
	outer = mystrtok_brace(&bp, CHARS_COMMA_SP, &err);
	if (*name != '{' || outer == NULL || err != NULL || *bp != '\0'
	    || outer != copy || strlen(outer) <= 2) {
		vstring_sprintf(why, "bad syntax: \"inline:%s\"; " INLINE_NEED, name);
		goto fail;
	}
	outer[strlen(outer) - 1] = '\0';
	bp = outer + 1;
	dict = dict_mem_alloc("inline", name, dict_flags);
	while ((item = mystrtok_brace(&bp, CHARS_COMMA_SP, &err)) != NULL) {
		if (*item == '{') {
			item[strlen(item) - 1] = '\0';
			item = trim_space(item + 1);
		}
		if ((value = split_at(item, '=')) == NULL) {
			vstring_sprintf(why, "missing '=' after attribute name: "
					"\"inline:%s\"; " INLINE_NEED, name);
			goto fail;
		}
		trim_space(item);
		trim_space(value);
		if (dict_flags & DICT_FLAG_FOLD_FIX)
			lowercase(item);
		dict_mem_enter(dict, item, value);
		count++;
	}
	if (err != NULL) {
		/* mystrtok_brace() left bp at the offending token. */
		vstring_sprintf(why, "syntax error after '}' in \"%s\": "
				"\"inline:%s\"; " INLINE_NEED,
				bp + strspn(bp, CHARS_COMMA_SP), name);
		goto fail;
	}
	if (count == 0) {
		vstring_sprintf(why, "empty table: \"inline:%s\"; " INLINE_NEED, name);
		goto fail;
	}
	myfree(copy);
	return (dict);

fail:
	if (dict)
		dict_close(dict);
	myfree(copy);
	return (NULL);
}
