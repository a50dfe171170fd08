/*
 * mail_conf - main.cf and the parameter table
 *
 *	mail_conf_init() and mail_conf_init_flags() choose the directory,
 *	read main.cf and optionally check it; mail_conf_load() and
 *	mail_conf_load_stream() only read.
 *	mail_conf_str/int/bool/time/size() give typed, expanded values of
 *	table parameters; mail_conf_lookup() of any name set in main.cf;
 *	mail_conf_transport_*() of per-transport parameters.
 *	mail_conf_override() changes a value as master.cf "-o" does.
 *	mail_conf_eval() and mail_conf_expand() expand without exiting.
 *	mail_conf_entry(), mail_conf_entry_names(), mail_conf_default(),
 *	mail_conf_register() serve postconf.
 *
 * Errors: the typed getters and mail_conf_init() end the process with
 * msg_fatal() naming file, line and parameter; everything else returns
 * a status and a reason.
 *
 * Values are expanded when first read and cached; an override retires
 * the cached values (kept until the next reset, so that pointers handed
 * out stay valid).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <limits.h>
#include <unistd.h>

#include "msg.h"
#include "mymalloc.h"
#include "vstring.h"
#include "argv.h"
#include "htable.h"
#include "mac_expand.h"
#include "mail_params.h"
#include "mail_conf_file.h"
#include "mail_conf.h"
#include "mail_conf_priv.h"

typedef struct CONF_ENTRY {
	char   *value;			/* raw text */
	int     line;			/* main.cf line, 0 when not from a file */
	long    seq;			/* order of first appearance */
} CONF_ENTRY;

static HTABLE *entries;			/* name -> CONF_ENTRY */
static long entry_seq;
static HTABLE *registered;		/* name -> raw default */
static HTABLE *cache;			/* name -> expanded value */
static char **retired;			/* superseded expanded values */
static size_t retired_len;
static size_t retired_size;
static char *conf_dir;
static char *conf_path;
static VSTRING *default_why;		/* why the last computed default failed */
static int default_failed;

static void
free_entry(void *ptr)
{
	CONF_ENTRY *ent = ptr;

	myfree(ent->value);
	myfree(ent);
}

void
mail_conf_reset(void)
{
	if (entries)
		htable_free(entries, free_entry);
	if (registered)
		htable_free(registered, myfree);
	if (cache)
		htable_free(cache, myfree);
	while (retired_len > 0)
		myfree(retired[--retired_len]);
	entries = htable_create(100);
	registered = htable_create(100);
	cache = htable_create(100);
	entry_seq = 0;
	if (conf_dir)
		myfree(conf_dir);
	if (conf_path)
		myfree(conf_path);
	conf_dir = mystrdup(DEF_CONFIG_DIR);
	conf_path = mystrdup(DEF_CONFIG_DIR "/main.cf");
	mail_conf_dynamic_reset();
	mail_conf_check_reset();
}

static void
ensure_init(void)
{
	if (entries == NULL)
		mail_conf_reset();
}

/* Forget expanded values; computed defaults may depend on what changed. */
static void
forget_expansions(void)
{
	HTABLE_INFO **list = htable_list_sorted(cache);
	HTABLE_INFO **ht;

	for (ht = list; *ht; ht++) {
		if (retired_len >= retired_size) {
			retired_size = retired_size ? 2 * retired_size : 16;
			retired = myrealloc_array(retired, retired_size, sizeof(*retired));
		}
		retired[retired_len++] = (*ht)->value;
	}
	myfree(list);
	htable_free(cache, NULL);
	cache = htable_create(100);
	mail_conf_dynamic_reset();
}

static void
set_entry(const char *name, const char *value, int line)
{
	CONF_ENTRY *ent;

	if ((ent = htable_find(entries, name)) != NULL) {
		myfree(ent->value);
	} else {
		ent = mymalloc(sizeof(*ent));
		ent->seq = entry_seq++;
		htable_enter(entries, name, ent);
	}
	ent->value = mystrdup(value);
	ent->line = line;
}

const char *
mail_conf_entry(const char *name, int *line)
{
	CONF_ENTRY *ent;

	ensure_init();
	if ((ent = htable_find(entries, name)) == NULL)
		return (NULL);
	if (line)
		*line = ent->line;
	return (ent->value);
}

static ARGV *
names_of(HTABLE *table)
{
	HTABLE_INFO **list = htable_list_sorted(table);
	HTABLE_INFO **ht;
	ARGV   *names = argv_alloc(table->used + 1);

	for (ht = list; *ht; ht++)
		argv_add(names, (*ht)->key);
	myfree(list);
	return (names);
}

ARGV *
mail_conf_entry_names(void)
{
	ensure_init();
	return (names_of(entries));
}

static int
seq_cmp(const void *a, const void *b)
{
	long    sa = ((const CONF_ENTRY *) htable_find(entries, *(char *const *) a))->seq;
	long    sb = ((const CONF_ENTRY *) htable_find(entries, *(char *const *) b))->seq;

	return (sa < sb ? -1 : sa > sb);
}

ARGV   *
mail_conf_entry_names_ordered(void)
{
	ARGV   *names = mail_conf_entry_names();

	qsort(names->argv, names->len, sizeof(names->argv[0]), seq_cmp);
	return (names);
}

void
mail_conf_register(const char *name, const char *defval)
{
	ensure_init();
	if (htable_find(registered, name) == NULL)
		htable_enter(registered, name, mystrdup(defval));
}

int
mail_conf_is_registered(const char *name)
{
	ensure_init();
	return (htable_find(registered, name) != NULL);
}

ARGV   *
mail_conf_registered_names(void)
{
	ensure_init();
	return (names_of(registered));
}

const char *
mail_conf_default(const char *name)
{
	const MAIL_PARAM *param;
	const char *value;

	ensure_init();
	default_failed = 0;
	if ((param = mail_param_find(name)) != NULL) {
		if (param->defval)
			return (param->defval);
		if (default_why == NULL)
			default_why = vstring_alloc(100);
		if ((value = mail_conf_dynamic(param->dynamic, default_why)) == NULL)
			default_failed = 1;
		return (value);
	}
	if ((value = htable_find(registered, name)) != NULL)
		return (value);
	if (mail_conf_known(name) == MAIL_CONF_KNOWN_LEGACY)
		return ("");
	return (NULL);
}

const char *
mail_conf_default_error(void)
{
	return (default_failed ? vstring_str(default_why) : NULL);
}

/* The raw value of a name for mac_expand(): main.cf first, then default. */
static const char *
conf_lookup(const char *name, int mode, void *context, VSTRING *why)
{
	const char *value;
	const MAIL_PARAM *param;
	CONF_ENTRY *ent;

	if ((ent = htable_find(entries, name)) != NULL)
		return (ent->value);
	value = mail_conf_default(name);
	if (value == NULL && default_failed) {
		param = mail_param_find(name);
		vstring_sprintf(why, "parameter %s: %s", param ? param->name : name,
				vstring_str(default_why));
		return (mac_exp_lookup_error);
	}
	return (value);
}

int
mail_conf_expand(VSTRING *result, const char *text, VSTRING *why)
{
	ensure_init();
	VSTRING_RESET(result);
	if (mac_expand(result, text, MAC_EXP_FLAG_RECURSE, conf_lookup,
		       NULL, why) & MAC_EXP_ERROR)
		return (-1);
	return (0);
}

int
mail_conf_eval(const char *name, VSTRING *result, VSTRING *why)
{
	const MAIL_PARAM *param = mail_param_find(name);
	const char *raw;
	CONF_ENTRY *ent;

	ensure_init();
	VSTRING_RESET(result);
	if ((ent = htable_find(entries, name)) != NULL) {
		raw = ent->value;
	} else if ((raw = mail_conf_default(name)) == NULL) {
		if (default_failed)
			vstring_strcpy(why, vstring_str(default_why));
		else
			vstring_sprintf(why, "%s: unknown parameter", name);
		return (-1);
	}
	if (param && (param->flags & MAIL_PARAM_FLAG_RAW)) {
		vstring_strcpy(result, raw);
		return (0);
	}
	return (mail_conf_expand(result, raw, why));
}

/* Fatal error about a parameter, with its location when main.cf set it. */
static void
conf_fatal(const char *name, const char *reason)
{
	int     line = 0;

	if (mail_conf_entry(name, &line) != NULL && line > 0)
		msg_fatal("%s, line %d: %s", conf_path, line, reason);
	msg_fatal("%s: %s", conf_path, reason);
}

/* Expanded value, cached; fatal on error. */
static const char *
cached_eval(const char *name)
{
	char   *value;
	VSTRING *buf;
	VSTRING *why;

	if ((value = htable_find(cache, name)) != NULL)
		return (value);
	buf = vstring_alloc(100);
	why = vstring_alloc(100);
	if (mail_conf_eval(name, buf, why) < 0) {
		vstring_sprintf(buf, "parameter %s: %s", name, vstring_str(why));
		conf_fatal(name, vstring_str(buf));
	}
	vstring_free(why);
	value = vstring_export(buf);
	htable_enter(cache, name, value);
	return (value);
}

static const MAIL_PARAM *
table_param(const char *name, const char *caller)
{
	const MAIL_PARAM *param = mail_param_find(name);

	if (param == NULL)
		msg_panic("%s: unknown parameter: %s", caller, name);
	return (param);
}

const char *
mail_conf_str(const char *name)
{
	ensure_init();
	table_param(name, "mail_conf_str");
	return (cached_eval(name));
}

const char *
mail_conf_lookup(const char *name)
{
	ensure_init();
	if (htable_find(entries, name) == NULL)
		return (NULL);
	return (cached_eval(name));
}

/* Typed value of a table parameter, with its bounds. */
static long
typed_value(const char *name, const char *value, int type, int unit,
	    long min, long max)
{
	VSTRING *why = vstring_alloc(100);
	long    result = 0;
	int     flag = 0;
	int     status;

	switch (type) {
	case MAIL_PARAM_BOOL:
		status = mail_conf_conv_bool(name, value, &flag, why);
		result = flag;
		break;
	case MAIL_PARAM_TIME:
		status = mail_conf_conv_time(name, value, unit, min, max, &result, why);
		break;
	default:
		status = mail_conf_conv_int(name, value, min, max, &result, why);
		break;
	}
	if (status < 0)
		conf_fatal(name, vstring_str(why));
	vstring_free(why);
	return (result);
}

static long
table_typed(const char *name, int type, const char *caller)
{
	const MAIL_PARAM *param = table_param(name, caller);
	long    max = param->max;

	if (param->type != type && !(type == MAIL_PARAM_SIZE
				     && param->type == MAIL_PARAM_LONG))
		msg_panic("%s: parameter %s has another type", caller, name);
	if (max == 0)
		max = (type == MAIL_PARAM_INT ? INT_MAX : LONG_MAX);
	return (typed_value(name, cached_eval(name), type, param->unit,
			    param->min, max));
}

long
mail_conf_int(const char *name)
{
	ensure_init();
	return (table_typed(name, MAIL_PARAM_INT, "mail_conf_int"));
}

int
mail_conf_bool(const char *name)
{
	ensure_init();
	return ((int) table_typed(name, MAIL_PARAM_BOOL, "mail_conf_bool"));
}

long
mail_conf_time(const char *name)
{
	ensure_init();
	return (table_typed(name, MAIL_PARAM_TIME, "mail_conf_time"));
}

long
mail_conf_size(const char *name)
{
	ensure_init();
	return (table_typed(name, MAIL_PARAM_SIZE, "mail_conf_size"));
}

const char *
mail_conf_transport_str(const char *transport, const char *suffix)
{
	const MAIL_PARAM_TRANSPORT *tp = mail_param_transport_find(suffix);
	VSTRING *name = vstring_alloc(100);
	const char *value;

	ensure_init();
	if (tp == NULL)
		msg_panic("mail_conf_transport_str: unknown suffix: %s", suffix);
	vstring_sprintf(name, "%s_%s", transport, suffix);
	if (mail_param_find(vstring_str(name)) == NULL)
		mail_conf_register(vstring_str(name), tp->defval);
	value = cached_eval(vstring_str(name));
	vstring_free(name);
	return (value);
}

static long
transport_typed(const char *transport, const char *suffix, int type)
{
	const MAIL_PARAM_TRANSPORT *tp = mail_param_transport_find(suffix);
	const char *value = mail_conf_transport_str(transport, suffix);
	VSTRING *name = vstring_alloc(100);
	long    result;

	vstring_sprintf(name, "%s_%s", transport, suffix);
	result = typed_value(vstring_str(name), value, type, tp->unit, 0,
			     type == MAIL_PARAM_INT ? INT_MAX : LONG_MAX);
	vstring_free(name);
	return (result);
}

long
mail_conf_transport_int(const char *transport, const char *suffix)
{
	return (transport_typed(transport, suffix, MAIL_PARAM_INT));
}

long
mail_conf_transport_time(const char *transport, const char *suffix)
{
	return (transport_typed(transport, suffix, MAIL_PARAM_TIME));
}

void
mail_conf_override(const char *name, const char *value)
{
	ensure_init();
	set_entry(name, value, 0);
	forget_expansions();
}

/* One main.cf entry; read-only parameters are refused as Postfix does. */
static void
load_entry(const char *name, const char *value, int line, void *context)
{
	const MAIL_PARAM *param = mail_param_find(name);
	CONF_ENTRY *old;

	if (param && (param->flags & MAIL_PARAM_FLAG_READONLY)) {
		msg_warn("%s: read-only parameter assignment: %s=%s",
			 conf_path, name, value);
		return;
	}
	if ((old = htable_find(entries, name)) != NULL)
		msg_warn("%s, line %d: overriding earlier entry: %s=%s",
			 conf_path, line, name, old->value);
	set_entry(name, value, line);
}

int
mail_conf_load_stream(FILE *fp, const char *path, VSTRING *why)
{
	ensure_init();
	if (path != conf_path) {
		myfree(conf_path);
		conf_path = mystrdup(path);
	}
	forget_expansions();
	return (mail_conf_file_parse(fp, conf_path, load_entry, NULL, why));
}

void
mail_conf_set_dir(const char *config_dir)
{
	char   *dir = mystrdup(config_dir);

	mail_conf_reset();
	myfree(conf_dir);
	conf_dir = dir;
	myfree(conf_path);
	conf_path = mymalloc(strlen(dir) + sizeof("/main.cf"));
	strcpy(conf_path, dir);
	strcat(conf_path, "/main.cf");
}

int
mail_conf_load(const char *config_dir, int explicit_dir, VSTRING *why)
{
	FILE   *fp;
	int     status;

	mail_conf_set_dir(config_dir);
	if (explicit_dir)
		set_entry("config_directory", conf_dir, 0);
	if ((fp = fopen(conf_path, "r")) == NULL) {
		vstring_sprintf(why, "open %s: %s", conf_path, strerror(errno));
		return (-1);
	}
	status = mail_conf_load_stream(fp, conf_path, why);
	fclose(fp);
	return (status);
}

const char *
mail_conf_dir(void)
{
	ensure_init();
	return (conf_dir);
}

const char *
mail_conf_path(void)
{
	ensure_init();
	return (conf_path);
}

void
mail_conf_init_flags(const char *config_dir, int flags)
{
	VSTRING *why = vstring_alloc(100);
	int     explicit_dir = 1;

	if (config_dir == NULL && (config_dir = getenv("MAIL_CONFIG")) == NULL) {
		config_dir = DEF_CONFIG_DIR;
		explicit_dir = 0;
	}
	if (mail_conf_load(config_dir, explicit_dir, why) < 0)
		msg_fatal("%s", vstring_str(why));
	if (flags & MAIL_CONF_FLAG_CHECK) {
		/* A missing master.cf is the master's problem, not ours. */
		vstring_sprintf(why, "%s/master.cf", conf_dir);
		if (access(vstring_str(why), F_OK) == 0
		    && mail_conf_services_load(why) < 0)
			msg_warn("%s", vstring_str(why));
		if (mail_conf_scan(why) < 0)
			msg_fatal("%s", vstring_str(why));
		mail_conf_warn_unused();
	}
	vstring_free(why);
}

void
mail_conf_init(const char *config_dir)
{
	mail_conf_init_flags(config_dir, MAIL_CONF_FLAG_CHECK);
}
