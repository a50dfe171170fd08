/*
 * dict_thash - texthash:/file, a postmap source file read into memory
 *
 *	dict_thash_open() reads FILE in postmap(1) input format ("key
 *	whitespace value", comments, continuation lines) into a read-only
 *	in-memory table, so a table can be used without building a .db
 *	file. Keys are folded to lower case with DICT_FLAG_FOLD_FIX. A
 *	duplicate key keeps the first value and is logged with the key as
 *	written, unless DICT_FLAG_DUP_IGNORE (keep first, quietly) or
 *	DICT_FLAG_DUP_REPLACE (last wins) says otherwise. As postmap(1)
 *	does, a key that ends in ':' is stored but draws a warning that
 *	the file looks like an alias file.
 *
 * Errors: a missing or unreadable file fails the open ("open database
 * FILE: ...", "read FILE: ..."); a malformed line is logged as
 * "FILE, line N: ... -- ignoring this line" and skipped, as in Postfix.
 */
#include <stdio.h>
#include <string.h>
#include <errno.h>

#include "msg.h"
#include "vstring.h"
#include "dict.h"
#include "dict_priv.h"

DICT   *
dict_thash_open(const char *name, int open_flags, int dict_flags, VSTRING *why)
{
	FILE   *fp;
	DICT   *dict;
	VSTRING *line;
	VSTRING *reason;
	VSTRING *stored;
	int     lineno = 0;
	int     first = 0;
	int     read_errno;
	char   *key;
	char   *value;

	if ((fp = fopen(name, "r")) == NULL) {
		vstring_sprintf(why, "open database %s: %s", name, strerror(errno));
		return (NULL);
	}
	dict = dict_mem_alloc("texthash", name, dict_flags);
	line = vstring_alloc(100);
	reason = vstring_alloc(100);
	stored = vstring_alloc(100);
	while (dict_read_line(line, fp, name, &lineno, &first) != NULL) {
		if (dict_split_entry(vstring_str(line), &key, &value, reason) < 0) {
			msg_warn("%s, line %d: %s -- ignoring this line",
				 name, first, vstring_str(reason));
			continue;
		}
		if (key[strlen(key) - 1] == ':')
			msg_warn("%s, line %d: record is in \"key: value\" format;"
				 " is this an alias file?", name, first);
		/* Store the folded key, but report duplicates as written. */
		vstring_strcpy(stored, key);
		if (dict_flags & DICT_FLAG_FOLD_FIX)
			vstring_lower(stored);
		if (dict_mem_locate(dict, vstring_str(stored))
		    && (dict_flags & DICT_FLAG_DUP_REPLACE) == 0) {
			if ((dict_flags & DICT_FLAG_DUP_IGNORE) == 0)
				msg_warn("%s, line %d: duplicate entry: \"%s\"",
					 name, first, key);
			continue;
		}
		dict_mem_enter(dict, vstring_str(stored), value);
	}
	read_errno = errno;
	vstring_free(line);
	vstring_free(reason);
	vstring_free(stored);
	if (ferror(fp)) {
		vstring_sprintf(why, "read %s: %s", name, strerror(read_errno));
		fclose(fp);
		dict_close(dict);
		return (NULL);
	}
	fclose(fp);
	return (dict);
}
