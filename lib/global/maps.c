/*
 * maps - a list of lookup tables searched in order
 *
 *	maps_create(), maps_find(), maps_error(), maps_empty(), maps_title()
 *	and maps_free(): see maps.h. Open failures are warnings and turn
 *	into lookup errors at search time; nothing here is fatal.
 */
#include <fcntl.h>
#include <string.h>

#include "msg.h"
#include "mymalloc.h"
#include "stringops.h"
#include "vstring.h"
#include "dict.h"
#include "maps.h"

typedef struct MAPS_TABLE {
	char   *spec;			/* type:name */
	DICT   *dict;			/* NULL: could not be opened */
	char   *open_error;		/* why not */
} MAPS_TABLE;

struct MAPS {
	char   *title;
	MAPS_TABLE *tables;
	size_t	len;
	VSTRING *error;
};

/* Next table name: split at commas/white space outside "{...}". */
static char *
maps_next(char **bufp, const char **err)
{
	char   *start = *bufp + strspn(*bufp, ", \t\r\n");
	char   *cp;
	int	depth = 0;

	*err = NULL;
	if (*start == '\0') {
		*bufp = start;
		return (NULL);
	}
	for (cp = start; *cp; cp++) {
		if (*cp == '{')
			depth++;
		else if (*cp == '}' && --depth < 0)
			break;
		else if (depth == 0 && strchr(", \t\r\n", *cp))
			break;
	}
	if (depth != 0) {
		*err = depth > 0 ? "missing '}'" : "extra '}'";
		*bufp = cp + strlen(cp);
		return (NULL);
	}
	if (*cp)
		*cp++ = '\0';
	*bufp = cp;
	return (start);
}

MAPS   *
maps_create(const char *pname, const char *text)
{
	MAPS   *maps = mycalloc(1, sizeof(*maps));
	char   *copy = mystrdup(text);
	char   *bp = copy;
	char   *tok;
	const char *err;
	VSTRING *why = vstring_alloc(100);
	size_t	size = 0;

	maps->title = mystrdup(pname);
	maps->error = vstring_alloc(100);
	while ((tok = maps_next(&bp, &err)) != NULL) {
		MAPS_TABLE *t;

		if (maps->len == size) {
			size = size ? 2 * size : 4;
			maps->tables = myrealloc(maps->tables,
						 size * sizeof(*maps->tables));
		}
		t = maps->tables + maps->len++;
		t->spec = mystrdup(tok);
		t->open_error = NULL;
		t->dict = dict_open(tok, O_RDONLY,
				    DICT_FLAG_LOCK | DICT_FLAG_FOLD_FIX, why);
		if (t->dict == NULL) {
			t->open_error = mystrdup(vstring_str(why));
			msg_warn("%s: %s is unavailable. %s", pname, tok,
				 vstring_str(why));
		}
	}
	if (err != NULL)
		msg_warn("%s: %s in \"%s\"", pname, err, text);
	vstring_free(why);
	myfree(copy);
	return (maps);
}

int
maps_find(MAPS *maps, const char *key, int flags, const char **value)
{
	size_t	i;
	int	status;

	for (i = 0; i < maps->len; i++) {
		MAPS_TABLE *t = maps->tables + i;

		if (t->dict == NULL) {
			vstring_sprintf(maps->error, "%s: %s is unavailable. %s",
					maps->title, t->spec, t->open_error);
			msg_warn("%s", vstring_str(maps->error));
			return (DICT_STAT_ERROR);
		}
		if ((flags & MAPS_FIXED_ONLY)
		    && (dict_flags(t->dict) & DICT_FLAG_PATTERN))
			continue;
		status = dict_get(t->dict, key, value);
		if (status == DICT_STAT_SUCCESS)
			return (status);
		if (status == DICT_STAT_ERROR) {
			vstring_sprintf(maps->error, "%s: %s: table lookup problem",
					maps->title, t->spec);
			msg_warn("%s: %s", vstring_str(maps->error),
				 dict_error_text(t->dict));
			return (status);
		}
	}
	return (DICT_STAT_FAIL);
}

const char *
maps_error(MAPS *maps)
{
	return (vstring_str(maps->error));
}

int
maps_empty(MAPS *maps)
{
	return (maps->len == 0);
}

const char *
maps_title(MAPS *maps)
{
	return (maps->title);
}

void
maps_free(MAPS *maps)
{
	size_t	i;

	for (i = 0; i < maps->len; i++) {
		if (maps->tables[i].dict)
			dict_close(maps->tables[i].dict);
		if (maps->tables[i].open_error)
			myfree(maps->tables[i].open_error);
		myfree(maps->tables[i].spec);
	}
	if (maps->tables)
		myfree(maps->tables);
	vstring_free(maps->error);
	myfree(maps->title);
	myfree(maps);
}
