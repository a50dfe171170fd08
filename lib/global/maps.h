#ifndef POSTERN_MAPS_H
#define POSTERN_MAPS_H

/*
 * maps - a list of lookup tables searched in order (virtual_alias_maps,
 * local_recipient_maps, virtual_mailbox_maps, virtual_uid_maps ...)
 *
 *	maps_create() opens every "type:name" of a parameter value (tables
 *		separated by commas and/or white space; "{...}" keeps an
 *		inline table together). A table that cannot be opened is
 *		logged as a warning ("PNAME: TYPE:NAME is unavailable.
 *		REASON") and every search that reaches it answers a lookup
 *		error, as Postfix's surrogate tables do; it is never skipped.
 *	maps_find() searches the tables in order and answers
 *		DICT_STAT_SUCCESS with the first value, DICT_STAT_FAIL, or
 *		DICT_STAT_ERROR (maps_error() says why). With MAPS_FIXED_ONLY
 *		pattern tables (regexp, pcre, cidr) are skipped: they see only
 *		the full address, as in Postfix.
 *	maps_empty() 1 when the list names no table.
 *	maps_title() the parameter name given at creation.
 *	maps_free() closes the tables.
 *
 * Keys of fixed-string tables are folded to lower case
 * (DICT_FLAG_FOLD_FIX). A value stays valid until the next search.
 */
#include "vstring.h"

typedef struct MAPS MAPS;

#define MAPS_FLAG_NONE		0
#define MAPS_FIXED_ONLY		(1 << 0)

extern MAPS *maps_create(const char *pname, const char *text);
extern int maps_find(MAPS *maps, const char *key, int flags,
		     const char **value);
extern const char *maps_error(MAPS *maps);
extern int maps_empty(MAPS *maps);
extern const char *maps_title(MAPS *maps);
extern void maps_free(MAPS *maps);

#endif
