/*
 * mail_conf_check - which parameter names are known, and warnings
 *
 *	mail_conf_known() classifies a name: in the table, a per-transport
 *	parameter of a master.cf service, a legacy name (one that only
 *	appears as $name in a table default, such as virtual_maps), or a
 *	user-defined name (referenced by some main.cf or master.cf value,
 *	or listed in smtpd_restriction_classes).
 *	mail_conf_services_load() reads master.cf for services and "-o"
 *	settings; mail_conf_scan() checks main.cf values, collects
 *	references, and expands what Postfix expands when it starts (table
 *	parameters set in main.cf, compatibility_level, the computed
 *	defaults); mail_conf_warn_unused() reports what nothing knows.
 *
 * Errors: status -1 and a reason; warnings through msg_warn() in
 * Postfix's wording ("FILE: unused parameter: name=value", "FILE:
 * undefined parameter: name").
 */
#include <string.h>

#include "msg.h"
#include "mymalloc.h"
#include "vstring.h"
#include "argv.h"
#include "htable.h"
#include "stringops.h"
#include "mac_expand.h"
#include "mail_params.h"
#include "master_cf.h"
#include "mail_conf.h"
#include "mail_conf_priv.h"

static HTABLE *legacy_names;		/* built once from the table */
static HTABLE *user_names;		/* referenced names */
static ARGV *master_settings;		/* "-o" name, value, name, value... */
static char *master_path;

void
mail_conf_check_reset(void)
{
	if (user_names)
		htable_free(user_names, NULL);
	user_names = htable_create(50);
	if (master_settings)
		argv_free(master_settings);
	master_settings = argv_alloc(10);
	if (master_path)
		myfree(master_path);
	master_path = NULL;
}

/* Referenced names, each once, in the order first seen. */
typedef struct NAME_SET {
	HTABLE *table;
	ARGV   *order;
} NAME_SET;

static NAME_SET *
name_set_create(void)
{
	NAME_SET *set = mymalloc(sizeof(*set));

	set->table = htable_create(50);
	set->order = argv_alloc(10);
	return (set);
}

static void
name_set_free(NAME_SET *set)
{
	htable_free(set->table, NULL);
	argv_free(set->order);
	myfree(set);
}

static const char *
collect_name(const char *name, int mode, void *context, VSTRING *why)
{
	NAME_SET *set = context;

	if (htable_locate(set->table, name) == NULL) {
		htable_enter(set->table, name, NULL);
		argv_add(set->order, name);
	}
	return (NULL);
}

/* Legacy names: referenced by a (non-raw) default, not in the table. */
static void
build_legacy(void)
{
	NAME_SET *refs = name_set_create();
	VSTRING *junk = vstring_alloc(10);
	VSTRING *why = vstring_alloc(10);
	size_t  i;

	legacy_names = htable_create(50);
	for (i = 0; i < mail_param_count; i++) {
		if (mail_param_table[i].defval == NULL
		    || (mail_param_table[i].flags & MAIL_PARAM_FLAG_RAW))
			continue;
		(void) mac_expand(junk, mail_param_table[i].defval,
				  MAC_EXP_FLAG_SCAN, collect_name, refs, why);
	}
	for (i = 0; i < refs->order->len; i++)
		if (mail_param_find(refs->order->argv[i]) == NULL)
			htable_enter(legacy_names, refs->order->argv[i], NULL);
	name_set_free(refs);
	vstring_free(junk);
	vstring_free(why);
}

int
mail_conf_known(const char *name)
{
	if (mail_param_find(name))
		return (MAIL_CONF_KNOWN_TABLE);
	if (mail_conf_is_registered(name))
		return (MAIL_CONF_KNOWN_TRANSPORT);
	if (legacy_names == NULL)
		build_legacy();
	if (htable_locate(legacy_names, name))
		return (MAIL_CONF_KNOWN_LEGACY);
	if (user_names && htable_locate(user_names, name))
		return (MAIL_CONF_KNOWN_USER);
	return (MAIL_CONF_KNOWN_NONE);
}

/* Register <service>_<suffix> for each delivery service. */
static void
register_service(const char *service, const char *command)
{
	int     kind = mail_param_agent_kind(command);
	VSTRING *name;
	size_t  i;

	if (kind == 0)
		return;
	name = vstring_alloc(100);
	for (i = 0; i < mail_param_transport_count; i++) {
		if ((mail_param_transport_table[i].agents & kind) == 0)
			continue;
		vstring_sprintf(name, "%s_%s", service,
				mail_param_transport_table[i].suffix);
		if (mail_param_find(vstring_str(name)) == NULL)
			mail_conf_register(vstring_str(name),
					   mail_param_transport_table[i].defval);
	}
	vstring_free(name);
}

int
mail_conf_services_load(VSTRING *why)
{
	MASTER_CF *mc;
	const MASTER_CF_ENT *ent;
	size_t  i;
	size_t  j;

	if (user_names == NULL)
		mail_conf_check_reset();
	if (master_path)
		myfree(master_path);
	master_path = mymalloc(strlen(mail_conf_dir()) + sizeof("/master.cf"));
	strcpy(master_path, mail_conf_dir());
	strcat(master_path, "/master.cf");
	if ((mc = master_cf_read(master_path, why)) == NULL)
		return (-1);
	for (i = 0; i < master_cf_count(mc); i++) {
		ent = master_cf_entry(mc, i);
		register_service(master_cf_service(ent), master_cf_command(ent));
		for (j = 0; j < master_cf_override_count(ent); j++) {
			argv_add(master_settings, master_cf_override_name(ent, j));
			argv_add(master_settings, master_cf_override_value(ent, j));
		}
	}
	master_cf_free(mc);
	return (0);
}

/* Scan one value; references become user-defined names. */
static int
scan_value(const char *value, NAME_SET *refs, VSTRING *why)
{
	VSTRING *junk = vstring_alloc(10);
	int     status;

	status = mac_expand(junk, value, MAC_EXP_FLAG_SCAN, collect_name,
			    refs, why);
	vstring_free(junk);
	return ((status & MAC_EXP_ERROR) ? -1 : 0);
}

/* Names listed in smtpd_restriction_classes are user-defined too. */
static int
add_restriction_classes(VSTRING *why)
{
	VSTRING *classes = vstring_alloc(100);
	ARGV   *list;
	size_t  i;
	int     status = -1;

	if (mail_conf_eval("smtpd_restriction_classes", classes, why) == 0) {
		list = argv_split(vstring_str(classes), CHARS_COMMA_SP);
		for (i = 0; i < list->len; i++)
			if (htable_locate(user_names, list->argv[i]) == NULL)
				htable_enter(user_names, list->argv[i], NULL);
		argv_free(list);
		status = 0;
	}
	vstring_free(classes);
	return (status);
}

/* Expand one name; on error, the reason with the location. */
static int
verify_one(const char *name, VSTRING *buf, VSTRING *why)
{
	VSTRING *reason = vstring_alloc(100);
	int     line = 0;
	int     status;

	if ((status = mail_conf_eval(name, buf, reason)) < 0) {
		if (mail_conf_entry(name, &line) != NULL && line > 0)
			vstring_sprintf(why, "%s, line %d: parameter %s: %s",
					mail_conf_path(), line, name,
					vstring_str(reason));
		else
			vstring_sprintf(why, "%s: parameter %s: %s", mail_conf_path(),
					name, vstring_str(reason));
	}
	vstring_free(reason);
	return (status);
}

/*
 * Like Postfix, expand every table parameter that main.cf sets, check the
 * compatibility level, and compute the defaults that depend on the
 * machine: a value that cannot be used is an error now, not later.
 */
static int
verify_values(VSTRING *why)
{
	static const char *const computed[] = {
		"myhostname", "mydomain", "mynetworks", 0,
	};
	ARGV   *names = mail_conf_entry_names_ordered();
	VSTRING *buf = vstring_alloc(100);
	VSTRING *reason = vstring_alloc(100);
	const MAIL_PARAM *param;
	int     status = 0;
	int     cmp;
	size_t  i;

	for (i = 0; status == 0 && i < names->len; i++) {
		switch (mail_conf_known(names->argv[i])) {
		case MAIL_CONF_KNOWN_TABLE:
		case MAIL_CONF_KNOWN_TRANSPORT:
			param = mail_param_find(names->argv[i]);
			if (param == NULL || (param->flags & MAIL_PARAM_FLAG_RAW) == 0)
				status = verify_one(names->argv[i], buf, why);
			break;
		}
	}
	if (status == 0
	    && (status = verify_one("compatibility_level", buf, why)) == 0
	    && mac_exp_level_cmp(vstring_str(buf), "0", &cmp, reason) < 0) {
		vstring_sprintf(why, "%s: parameter compatibility_level: %s",
				mail_conf_path(), vstring_str(reason));
		status = -1;
	}
	for (i = 0; status == 0 && computed[i]; i++)
		status = verify_one(computed[i], buf, why);
	argv_free(names);
	vstring_free(buf);
	vstring_free(reason);
	return (status);
}

int
mail_conf_scan(VSTRING *why)
{
	ARGV   *names = mail_conf_entry_names_ordered();
	NAME_SET *refs = name_set_create();
	ARGV   *errors = argv_alloc(2);	/* name, reason, ... */
	const MAIL_PARAM *param;
	const char *value;
	const char *name;
	VSTRING *reason = vstring_alloc(100);
	size_t  i;
	int     line;
	int     status = 0;

	if (user_names == NULL)
		mail_conf_check_reset();
	for (i = 0; i < names->len; i++) {
		param = mail_param_find(names->argv[i]);
		if (param && (param->flags & MAIL_PARAM_FLAG_RAW))
			continue;
		value = mail_conf_entry(names->argv[i], &line);
		if (scan_value(value, refs, reason) < 0) {
			argv_add(errors, names->argv[i]);
			argv_add(errors, vstring_str(reason));
		}
	}
	/* master.cf "-o" values may reference parameters too. */
	for (i = 0; master_settings && i + 1 < master_settings->len; i += 2)
		(void) scan_value(master_settings->argv[i + 1], refs, reason);
	for (i = 0; i < refs->order->len; i++)
		if (htable_locate(user_names, refs->order->argv[i]) == NULL)
			htable_enter(user_names, refs->order->argv[i], NULL);

	/* Syntax errors are reported here; verify_values() decides. */
	for (i = 0; i + 1 < errors->len; i += 2) {
		(void) mail_conf_entry(errors->argv[i], &line);
		msg_warn("%s, line %d: parameter %s: %s", mail_conf_path(), line,
			 errors->argv[i], errors->argv[i + 1]);
	}
	if (status == 0)
		status = add_restriction_classes(why);
	for (i = 0; status == 0 && i < refs->order->len; i++) {
		name = refs->order->argv[i];
		switch (mail_conf_known(name)) {
		case MAIL_CONF_KNOWN_TABLE:
		case MAIL_CONF_KNOWN_TRANSPORT:
		case MAIL_CONF_KNOWN_LEGACY:
			continue;
		}
		if (mail_conf_entry(name, NULL) == NULL)
			msg_warn("%s: undefined parameter: %s",
				 mail_conf_path(), name);
	}
	if (status == 0)
		status = verify_values(why);
	argv_free(names);
	argv_free(errors);
	name_set_free(refs);
	vstring_free(reason);
	return (status);
}

void
mail_conf_warn_unused(void)
{
	ARGV   *names = mail_conf_entry_names_ordered();
	const char *value;
	size_t  i;
	int     line;

	for (i = 0; i < names->len; i++) {
		value = mail_conf_entry(names->argv[i], &line);
		if (line > 0 && mail_conf_known(names->argv[i]) == MAIL_CONF_KNOWN_NONE)
			msg_warn("%s: unused parameter: %s=%s", mail_conf_path(),
				 names->argv[i], value);
	}
	argv_free(names);
	for (i = 0; master_settings && i + 1 < master_settings->len; i += 2)
		if (mail_conf_known(master_settings->argv[i]) == MAIL_CONF_KNOWN_NONE)
			msg_warn("%s: unused parameter: %s=%s", master_path,
				 master_settings->argv[i],
				 master_settings->argv[i + 1]);
}
