/*
 * local_alias - alias_maps lookups for local(8)
 *
 *	local_alias_init() opens every table of alias_maps (any dict type;
 *		"proxy:" is ignored and the table opened directly, as
 *		Postfix's local does). A table that cannot be opened is
 *		remembered, and every lookup that reaches it fails
 *		temporarily, so mail is deferred rather than misdelivered.
 *	local_alias_lookup() looks a lower-case name up in each table in
 *		turn. It returns LOCAL_ALIAS_FOUND with the value and the
 *		rights its destinations run with: the owner of the table's
 *		file, or default_privs when root (or nobody) owns it;
 *		LOCAL_ALIAS_NONE; or LOCAL_ALIAS_ERROR with a reason.
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "argv.h"
#include "dict.h"
#include "msg.h"
#include "mymalloc.h"
#include "stringops.h"
#include "vstring.h"
#include "mail_conf.h"
#include "local.h"

typedef struct LOCAL_ALIAS_MAP {
	char   *name;			/* type:name as configured */
	DICT   *dict;			/* NULL: could not be opened */
	char   *open_error;
	uid_t	uid;			/* rights of its destinations */
	gid_t	gid;
} LOCAL_ALIAS_MAP;

static LOCAL_ALIAS_MAP *local_alias_maps;
static size_t local_alias_count;

/* The file whose owner gives the rights of a table's destinations. */
static void
local_alias_owner(LOCAL_ALIAS_MAP *map, const char *type, const char *name)
{
	VSTRING *path = vstring_alloc(100);
	struct stat st;

	map->uid = local_default_uid;
	map->gid = local_default_gid;
	if (strcmp(type, "hash") == 0 || strcmp(type, "btree") == 0)
		vstring_sprintf(path, "%s.db", name);
	else if (*name == '/')
		vstring_strcpy(path, name);
	if (vstring_len(path) > 0 && stat(vstring_str(path), &st) == 0
	    && st.st_uid != 0) {
		map->uid = st.st_uid;
		map->gid = st.st_gid;
	}
	vstring_free(path);
}

void
local_alias_init(void)
{
	ARGV   *maps;
	VSTRING *why = vstring_alloc(100);
	VSTRING *spec = vstring_alloc(100);
	size_t	i;

	maps = argv_split(mail_conf_str("alias_maps"), CHARS_COMMA_SP);
	local_alias_maps = mycalloc(maps->len + 1, sizeof(*local_alias_maps));
	local_alias_count = maps->len;
	for (i = 0; i < maps->len; i++) {
		LOCAL_ALIAS_MAP *map = &local_alias_maps[i];
		const char *name = maps->argv[i];
		char   *type;
		char   *rest;

		if (strncmp(name, "proxy:", 6) == 0)
			name += 6;
		map->name = mystrdup(name);
		vstring_strcpy(spec, name);
		type = vstring_str(spec);
		rest = split_at(type, ':');
		map->dict = dict_open(name, O_RDONLY, DICT_FLAG_FOLD_FIX
				      | DICT_FLAG_TRY1NULL | DICT_FLAG_TRY0NULL,
				      why);
		if (map->dict == 0) {
			map->open_error = mystrdup(vstring_str(why));
			msg_warn("alias_maps: %s is unavailable. %s", name,
				 vstring_str(why));
		}
		local_alias_owner(map, type, rest ? rest : "");
	}
	argv_free(maps);
	vstring_free(why);
	vstring_free(spec);
}

int
local_alias_lookup(const char *name, VSTRING *value, uid_t *uid, gid_t *gid,
		   VSTRING *why)
{
	const char *result;
	size_t	i;
	int	stat;

	for (i = 0; i < local_alias_count; i++) {
		LOCAL_ALIAS_MAP *map = &local_alias_maps[i];

		if (map->dict == 0) {
			vstring_sprintf(why, "alias database unavailable: %s",
					map->name);
			return (LOCAL_ALIAS_ERROR);
		}
		stat = dict_get(map->dict, name, &result);
		if (stat == DICT_STAT_SUCCESS) {
			vstring_strcpy(value, result);
			*uid = map->uid;
			*gid = map->gid;
			return (LOCAL_ALIAS_FOUND);
		}
		if (stat == DICT_STAT_ERROR) {
			msg_warn("%s: table lookup problem: %s", map->name,
				 dict_error_text(map->dict));
			vstring_sprintf(why, "alias database unavailable: %s",
					map->name);
			return (LOCAL_ALIAS_ERROR);
		}
	}
	return (LOCAL_ALIAS_NONE);
}
