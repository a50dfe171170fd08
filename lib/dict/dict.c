/*
 * dict - lookup tables behind one "type:name" interface
 *
 *	dict_open() finds the type in the registry below and opens the table.
 *	dict_get(), dict_put(), dict_del(), dict_seq(), dict_sync() dispatch
 *	to the table's methods after folding the key to lower case for
 *	fixed-string tables opened with DICT_FLAG_FOLD_FIX.
 *	dict_close() and dict_close_status() release a table.
 *	dict_type(), dict_name(), dict_flags(), dict_error_text() report.
 *	dict_type_names() lists the registry for "postconf -m".
 *	dict_alloc(), dict_free(), dict_set_error() and dict_pattern_source()
 *	serve the table implementations (dict_priv.h).
 *
 * Errors: dict_open() returns NULL with a reason in why; other operations
 * return DICT_STAT_ERROR and keep the reason for dict_error_text(). As in
 * Postfix, a lookup or a dict_seq() step that finds an empty value is
 * logged as a table bug (it is still returned as found).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdarg.h>
#include <string.h>
#include <strings.h>
#include <errno.h>
#include <fcntl.h>

#include "msg.h"
#include "mymalloc.h"
#include "vstring.h"
#include "argv.h"
#include "stringops.h"
#include "dict.h"
#include "dict_priv.h"

/* Registry, sorted by name. */
static const struct dict_type_info {
	const char *type;
	DICT_OPEN_FN open;
	int     writable;		/* supports O_RDWR */
} dict_types[] = {
	{"btree", dict_btree_open, 1},
	{"cidr", dict_cidr_open, 0},
	{"hash", dict_hash_open, 1},
	{"inline", dict_inline_open, 0},
	{"pcre", dict_pcre_open, 0},
	{"proxy", dict_proxy_open, 0},
	{"regexp", dict_regexp_open, 0},
	{"static", dict_static_open, 0},
	{"texthash", dict_thash_open, 0},
	{"unix", dict_unix_open, 0},
};

#define DICT_TYPE_COUNT	(sizeof(dict_types) / sizeof(dict_types[0]))

/* Method stubs for operations a table type does not provide. */

static int
dict_no_update(DICT *dict, const char *key, const char *value)
{
	return (dict_set_error(dict, "table %s:%s: update operation is not supported",
			       dict->type, dict->name));
}

static int
dict_no_remove(DICT *dict, const char *key)
{
	return (dict_set_error(dict, "table %s:%s: delete operation is not supported",
			       dict->type, dict->name));
}

static int
dict_no_sequence(DICT *dict, int func, const char **key, const char **value)
{
	return (dict_set_error(dict, "table %s:%s: sequence operation is not supported",
			       dict->type, dict->name));
}

static int
dict_no_lookup(DICT *dict, const char *key, const char **value)
{
	return (dict_set_error(dict, "table %s:%s: lookup operation is not supported",
			       dict->type, dict->name));
}

static int
dict_nop_sync(DICT *dict)
{
	return (0);
}

static int
dict_plain_close(DICT *dict, VSTRING *why)
{
	dict_free(dict);
	return (0);
}

DICT   *
dict_alloc(const char *type, const char *name, size_t size)
{
	DICT   *dict;

	if (size < sizeof(*dict))
		msg_panic("dict_alloc: size %zu too small", size);
	dict = mycalloc(1, size);
	dict->type = mystrdup(type);
	dict->name = mystrdup(name);
	dict->lookup = dict_no_lookup;
	dict->update = dict_no_update;
	dict->remove = dict_no_remove;
	dict->sequence = dict_no_sequence;
	dict->sync = dict_nop_sync;
	dict->close = dict_plain_close;
	dict->error = vstring_alloc(100);
	dict->fold_buf = vstring_alloc(100);
	return (dict);
}

void
dict_free(DICT *dict)
{
	myfree(dict->type);
	myfree(dict->name);
	vstring_free(dict->error);
	vstring_free(dict->fold_buf);
	myfree(dict);
}

int
dict_set_error(DICT *dict, const char *fmt, ...)
{
	va_list ap;

	VSTRING_RESET(dict->error);
	va_start(ap, fmt);
	vstring_vsprintf_append(dict->error, fmt, ap);
	va_end(ap);
	return (DICT_STAT_ERROR);
}

DICT   *
dict_open(const char *type_name, int open_flags, int dict_flags, VSTRING *why)
{
	const char *colon = strchr(type_name, ':');
	const struct dict_type_info *ti;
	size_t  type_len;
	DICT   *dict;

	if (colon == NULL || colon == type_name || colon[1] == '\0') {
		vstring_sprintf(why, "open dictionary: expecting \"type:name\" "
				"form instead of \"%s\"", type_name);
		return (NULL);
	}
	type_len = (size_t) (colon - type_name);
	for (ti = dict_types; ti < dict_types + DICT_TYPE_COUNT; ti++)
		if (strlen(ti->type) == type_len
		    && strncmp(ti->type, type_name, type_len) == 0)
			break;
	if (ti >= dict_types + DICT_TYPE_COUNT) {
		vstring_sprintf(why, "unsupported dictionary type: %.*s",
				(int) type_len, type_name);
		return (NULL);
	}
	if ((open_flags & O_ACCMODE) != O_RDONLY && !ti->writable) {
		vstring_sprintf(why, "%s map requires O_RDONLY access mode",
				type_name);
		return (NULL);
	}
	/* The pattern and no-sequence flags are the table's to set. */
	dict_flags &= ~(DICT_FLAG_PATTERN | DICT_FLAG_NO_SEQ);
	dict = ti->open(colon + 1, open_flags, dict_flags, why);
	return (dict);
}

/* Fold the key for fixed-string tables when the caller asked for it. */
static const char *
dict_fold_key(DICT *dict, const char *key)
{
	if ((dict->flags & DICT_FLAG_FOLD_FIX) == 0
	    || (dict->flags & DICT_FLAG_PATTERN) != 0)
		return (key);
	vstring_strcpy(dict->fold_buf, key);
	vstring_lower(dict->fold_buf);
	return (vstring_str(dict->fold_buf));
}

/* Make sure an error answer always has a reason. */
static int
dict_check_status(DICT *dict, const char *op, int status)
{
	if (status == DICT_STAT_ERROR && vstring_len(dict->error) == 0)
		dict_set_error(dict, "table %s:%s: %s error", dict->type,
			       dict->name, op);
	return (status);
}

/*
 * Postfix treats an empty value as a table bug and says so on every
 * lookup or listing that meets one; the entry is still returned.
 */
static void
dict_warn_empty(DICT *dict, const char *key)
{
	msg_warn("table %s:%s: key %s: empty string result is not allowed",
		 dict->type, dict->name, key);
	msg_warn("table %s:%s should return NO RESULT in case of NOT FOUND",
		 dict->type, dict->name);
}

int
dict_get(DICT *dict, const char *key, const char **value)
{
	int     status;

	VSTRING_RESET(dict->error);
	*value = NULL;
	status = dict->lookup(dict, dict_fold_key(dict, key), value);
	if (status == DICT_STAT_SUCCESS && **value == '\0')
		dict_warn_empty(dict, key);
	return (dict_check_status(dict, "lookup", status));
}

int
dict_put(DICT *dict, const char *key, const char *value)
{
	VSTRING_RESET(dict->error);
	return (dict_check_status(dict, "update",
			     dict->update(dict, dict_fold_key(dict, key), value)));
}

int
dict_del(DICT *dict, const char *key)
{
	VSTRING_RESET(dict->error);
	return (dict_check_status(dict, "delete",
				  dict->remove(dict, dict_fold_key(dict, key))));
}

int
dict_seq(DICT *dict, int func, const char **key, const char **value)
{
	int     status;

	if (func != DICT_SEQ_FUN_FIRST && func != DICT_SEQ_FUN_NEXT)
		msg_panic("dict_seq: bad function code %d", func);
	VSTRING_RESET(dict->error);
	status = dict->sequence(dict, func, key, value);
	if (status == DICT_STAT_SUCCESS && **value == '\0')
		dict_warn_empty(dict, *key);
	return (dict_check_status(dict, "sequence", status));
}

int
dict_sync(DICT *dict)
{
	VSTRING_RESET(dict->error);
	if (dict->sync(dict) != 0)
		return (dict_check_status(dict, "sync", DICT_STAT_ERROR));
	return (0);
}

int
dict_close_status(DICT *dict, VSTRING *why)
{
	return (dict->close(dict, why));
}

void
dict_close(DICT *dict)
{
	VSTRING *why = vstring_alloc(100);

	if (dict_close_status(dict, why) != 0)
		msg_warn("%s", vstring_str(why));
	vstring_free(why);
}

const char *
dict_type(DICT *dict)
{
	return (dict->type);
}

const char *
dict_name(DICT *dict)
{
	return (dict->name);
}

int
dict_flags(DICT *dict)
{
	return (dict->flags);
}

const char *
dict_error_text(DICT *dict)
{
	return (vstring_str(dict->error));
}

ARGV   *
dict_type_names(void)
{
	ARGV   *names = argv_alloc(DICT_TYPE_COUNT);
	size_t  i;

	for (i = 0; i < DICT_TYPE_COUNT; i++)
		argv_add(names, dict_types[i].type);
	argv_sort(names);
	return (names);
}

/*
 * Rule text of a pattern table: a file, or Postfix 3.7's inline form
 * "{ {rule-1}, {rule-2} }", written one rule per line into text and
 * read back through a memory stream so the parsers see a file either way.
 */
FILE   *
dict_pattern_source(const char *type, const char *name, VSTRING *text,
		    VSTRING *why)
{
	char   *copy;
	char   *bp;
	char   *outer;
	char   *item;
	const char *err;
	FILE   *fp = NULL;

	if (*name != '{') {
		if ((fp = fopen(name, "r")) == NULL)
			vstring_sprintf(why, "open %s: %s", name, strerror(errno));
		return (fp);
	}
	bp = copy = mystrdup(name);
	outer = mystrtok_brace(&bp, CHARS_COMMA_SP, &err);
	if (outer == NULL || err != NULL) {
		vstring_sprintf(why, "%s map: %s in \"%s\"", type,
				err ? err : "missing '}'", name);
		goto done;
	}
	if (*bp != '\0') {
		vstring_sprintf(why, "%s map: syntax error after '}' in \"%s\"",
				type, name);
		goto done;
	}
	/* Strip the outer braces and split the rules. */
	outer[strlen(outer) - 1] = '\0';
	bp = outer + 1;
	VSTRING_RESET(text);
	while ((item = mystrtok_brace(&bp, CHARS_COMMA_SP, &err)) != NULL) {
		if (*item != '{') {
			vstring_sprintf(why, "%s map: no '{' at start of text in \"%s\"",
					type, item);
			goto done;
		}
		item[strlen(item) - 1] = '\0';
		vstring_strcat(text, trim_space(item + 1));
		vstring_addch(text, '\n');
	}
	if (err != NULL) {
		vstring_sprintf(why, "%s map: %s in \"%s\"", type, err, name);
		goto done;
	}
	/* A memory stream must not be empty; a blank line reads as nothing. */
	if (vstring_len(text) == 0)
		vstring_addch(text, '\n');
	if ((fp = fmemopen(vstring_str(text), vstring_len(text), "r")) == NULL)
		vstring_sprintf(why, "%s map: fmemopen: %s", type, strerror(errno));
done:
	myfree(copy);
	return (fp);
}

/* Keyword test shared by the cidr, regexp and pcre table parsers. */
int
dict_keyword(const char *text, const char *word)
{
	size_t  len = strlen(word);

	return (strncasecmp(text, word, len) == 0
		&& !isalnum((unsigned char) text[len]));
}
