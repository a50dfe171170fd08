/*
 * smtpd_check_access - check_*_access tables and what their entries say
 *
 * Tables named in restriction lists are opened once, before chroot, by
 * chk_table_register(); one that cannot be opened is remembered with its
 * reason, and every lookup in it is a lookup error (as Postfix's
 * surrogate tables do), logged "TYPE:NAME is unavailable. REASON" and
 * answered "451 4.3.5 <name>: ... rejected: Server configuration error".
 *
 *	chk_domain_access() looks up a host or domain name, then its parent
 *		domains ("sub.example.com", "example.com", "com"; with
 *		smtpd_access_maps left out of parent_domain_matches_subdomains
 *		".example.com", ".com"); no parent search for an address.
 *	chk_addr_access() looks up an IP address, then its networks
 *		("192.0.2.1", "192.0.2", "192.0", "192"; IPv6 by ':').
 *	chk_namadr_access() is the client lookup: host name first, and the
 *		address only when no name (or parent) entry was found.
 *	chk_mail_access() resolves a sender or recipient address and looks
 *		up "user+ext@domain", "user@domain", the domain and its
 *		parents, "user+ext@", "user@" (extensions per
 *		recipient_delimiter). An OK for a recipient that still routes
 *		elsewhere (user%host@domain) counts as DUNNO.
 *	chk_plain_access() looks up one key (the null sender's "<>").
 *
 * Partial keys (parents, networks, user@) are asked of fixed-string
 * tables only; regexp/pcre/cidr tables see the whole name, as access(5)
 * says.
 *
 * Table results (access(5)): OK, RELAY, all-numeric: permit; REJECT
 * [text], DEFER [text], "4NN/5NN [X.Y.Z] text": reject/defer with
 * access_map_reject_code / access_map_defer_code or the given code;
 * DUNNO; DEFER_IF_PERMIT, DEFER_IF_REJECT; WARN and INFO log a line; any
 * other value is a list of restrictions (restriction classes included),
 * evaluated in place. FILTER, HOLD, DISCARD, REDIRECT, BCC, PREPEND and
 * HANGUP need the queue-file side of smtpd, which postern does not have
 * yet: they log a warning (once per action) and count as DUNNO, so they
 * never permit what Postfix would not.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "msg.h"
#include "mymalloc.h"
#include "vstring.h"
#include "argv.h"
#include "htable.h"
#include "stringops.h"
#include "dict.h"
#include "mail_conf.h"
#include "match_list.h"
#include "smtpd_check.h"
#include "smtpd_check_priv.h"

typedef struct CHK_TABLE {
	DICT   *dict;			/* NULL: could not be opened */
	char   *why;			/* the reason it could not */
} CHK_TABLE;

static HTABLE *tables;
static int parent_style;		/* smtpd_access_maps parent matching */
static char *rcpt_delim;		/* recipient_delimiter */
static int map_reject_code;
static int map_defer_code;
static int allow_untrusted_routing;
static unsigned unsupported_warned;	/* one warning per action */

#define SERVER_ERROR_RESULT	"451 4.3.5 Server configuration error"
#define RECURSION_LIMIT		100

static void
table_free(void *ptr)
{
	CHK_TABLE *t = ptr;

	if (t->dict)
		dict_close(t->dict);
	if (t->why)
		myfree(t->why);
	myfree(t);
}

void
chk_access_init(void)
{
	chk_access_free();
	tables = htable_create(10);
	parent_style = match_list_parent_flag("smtpd_access_maps",
				mail_conf_str("parent_domain_matches_subdomains"));
	rcpt_delim = mystrdup(mail_conf_str("recipient_delimiter"));
	map_reject_code = (int) mail_conf_int("access_map_reject_code");
	map_defer_code = (int) mail_conf_int("access_map_defer_code");
	allow_untrusted_routing = mail_conf_bool("allow_untrusted_routing");
}

void
chk_access_free(void)
{
	if (tables != NULL) {
		htable_free(tables, table_free);
		tables = NULL;
	}
	if (rcpt_delim != NULL) {
		myfree(rcpt_delim);
		rcpt_delim = NULL;
	}
}

void
chk_table_register(const char *name)
{
	CHK_TABLE *t;
	VSTRING *why;

	if (htable_find(tables, name) != NULL)
		return;
	t = mycalloc(1, sizeof(*t));
	why = vstring_alloc(100);
	t->dict = dict_open(name, O_RDONLY, DICT_FLAG_LOCK | DICT_FLAG_FOLD_FIX,
			    why);
	if (t->dict == NULL) {
		t->why = vstring_export(why);
		msg_warn("%s is unavailable. %s", name, t->why);
	} else {
		vstring_free(why);
	}
	htable_enter(tables, name, t);
}

int
chk_table_known(const char *name)
{
	return (tables != NULL && htable_find(tables, name) != NULL);
}

/* table_fixed - may partial keys be asked of this table? */

static int
table_fixed(const CHK_TABLE *t)
{
	return (t->dict == NULL || (dict_flags(t->dict) & DICT_FLAG_PATTERN) == 0);
}

/* table_get - one lookup: DICT_STAT_SUCCESS, _FAIL or _ERROR (logged) */

static int
table_get(const char *name, CHK_TABLE *t, const char *key, const char **value)
{
	int	status;

	if (t->dict == NULL) {
		msg_warn("%s is unavailable. %s", name, t->why);
		msg_warn("%s lookup error for \"%s\"", name, key);
		return (DICT_STAT_ERROR);
	}
	status = dict_get(t->dict, key, value);
	if (status == DICT_STAT_ERROR)
		msg_warn("%s lookup error for \"%s\": %s", name, key,
			 dict_error_text(t->dict));
	return (status);
}

/* unsupported - an action postern cannot carry out yet */

static int
unsupported(const char *table, const char *action, unsigned bit)
{
	if ((unsupported_warned & bit) == 0) {
		unsupported_warned |= bit;
		msg_warn("access table %s: action %s is not supported by this "
			 "version of postern; the entry counts as DUNNO",
			 table, action);
	}
	return (CHK_DUNNO);
}

/* defer_if_permit - postpone, or defer now under warn_if_reject */

static int
defer_if_permit(CHK_STATE *state, int code, const char *dsn,
		const char *reply_name, const char *reply_class,
		const char *text)
{
	if (state->warn_if_reject == 0) {
		chk_defer_if(state->defer_if_permit, CHK_ERR_POLICY, code, dsn,
			     "<%s>: %s rejected: %s", reply_name, reply_class,
			     text);
		return (CHK_DUNNO);
	}
	return (chk_reject(state, CHK_ERR_POLICY, code, dsn,
			   "<%s>: %s rejected: %s", reply_name, reply_class,
			   text));
}

/* table_result - what an access table entry says (access(5)) */

static int
table_result(CHK_STATE *state, const char *table, const char *value,
	     const char *datum, const char *reply_name,
	     const char *reply_class, const char *def_acl)
{
	size_t	cmd_len = strcspn(value, " \t");
	const char *text = value + cmd_len;
	char	dsn[16];
	char	def_dsn[8];
	ARGV   *list;
	int	status;

	while (*text == ' ' || *text == '\t')
		text++;

#define IS(word) (cmd_len == strlen(word) && strncasecmp(value, word, cmd_len) == 0)

	if (IS("DUNNO"))
		return (CHK_DUNNO);
	if (IS("REJECT")) {
		text = chk_dsn_split(text, "5.7.1", dsn, sizeof(dsn));
		return (chk_reject(state, CHK_ERR_POLICY, map_reject_code,
				   chk_dsn_fix(dsn, reply_class),
				   "<%s>: %s rejected: %s", reply_name,
				   reply_class, *text ? text : "Access denied"));
	}
	if (IS("DEFER")) {
		text = chk_dsn_split(text, "4.7.1", dsn, sizeof(dsn));
		return (chk_reject(state, CHK_ERR_POLICY, map_defer_code,
				   chk_dsn_fix(dsn, reply_class),
				   "<%s>: %s rejected: %s", reply_name,
				   reply_class, *text ? text : "Access denied"));
	}
	if (IS("INFO")) {
		chk_log(state, "info", text);
		return (CHK_DUNNO);
	}
	if (IS("WARN")) {
		chk_log(state, "warn", text);
		return (CHK_DUNNO);
	}
	if (IS("FILTER"))
		return (unsupported(table, "FILTER", 1 << 0));
	if (IS("HOLD"))
		return (unsupported(table, "HOLD", 1 << 1));
	if (IS("DISCARD"))
		return (unsupported(table, "DISCARD", 1 << 2));
	if (IS("REDIRECT"))
		return (unsupported(table, "REDIRECT", 1 << 3));
	if (IS("BCC"))
		return (unsupported(table, "BCC", 1 << 4));
	if (IS("PREPEND"))
		return (unsupported(table, "PREPEND", 1 << 5));
	if (IS("HANGUP"))
		return (unsupported(table, "HANGUP", 1 << 6));
	if (IS("DEFER_IF_PERMIT")) {
		text = chk_dsn_split(text, "4.7.1", dsn, sizeof(dsn));
		return (defer_if_permit(state, map_defer_code,
					chk_dsn_fix(dsn, reply_class),
					reply_name, reply_class,
					*text ? text : "Service unavailable"));
	}
	if (IS("DEFER_IF_REJECT")) {
		text = chk_dsn_split(text, "4.7.1", dsn, sizeof(dsn));
		chk_defer_if(&state->defer_if_reject, CHK_ERR_POLICY,
			     map_defer_code, chk_dsn_fix(dsn, reply_class),
			     "<%s>: %s rejected: %s", reply_name, reply_class,
			     *text ? text : "Service unavailable");
		return (CHK_DUNNO);
	}
	/* Some out-of-band authentication stores time stamps: permit. */
	if (alldig(value))
		return (CHK_OK);
	if (cmd_len == 3 && *text && (value[0] == '4' || value[0] == '5')
	    && value[1] >= '0' && value[1] <= '9'
	    && value[2] >= '0' && value[2] <= '9') {
		snprintf(def_dsn, sizeof(def_dsn), "%c.7.1", value[0]);
		text = chk_dsn_split(text, def_dsn, dsn, sizeof(dsn));
		return (chk_reject(state, CHK_ERR_POLICY, atoi(value),
				   chk_dsn_fix(dsn, reply_class),
				   "<%s>: %s rejected: %s", reply_name,
				   reply_class, *text ? text : "Access denied"));
	}
	if (IS("OK") || IS("RELAY"))
		return (CHK_OK);

	/* Tables must be opened before chroot: none inside a table. */
	if (strchr(value, ':') != NULL) {
		msg_warn("access table %s has entry with lookup table: %s",
			 table, value);
		msg_warn("do not specify lookup tables inside SMTPD access maps");
		msg_warn("define a restriction class and specify its name instead.");
		return (chk_server_error(state));
	}
	if (state->recursion > RECURSION_LIMIT) {
		msg_warn("access table %s entry %s causes unreasonable recursion",
			 table, value);
		return (chk_server_error(state));
	}
	if ((list = chk_split_list(value)) == NULL) {
		msg_warn("access table %s entry \"%s\" has unbalanced braces",
			 table, datum);
		return (chk_server_error(state));
	}
	if (list->len == 0) {
		msg_warn("access table %s entry %s has empty value", table, value);
		status = CHK_OK;
	} else {
		status = chk_generic(state, list, reply_name, reply_class,
				     def_acl);
	}
	argv_free(list);
	return (status);
}

/* table_find - the registered table, or a configuration error result */

static CHK_TABLE *
table_find(const char *table)
{
	CHK_TABLE *t;

	if ((t = htable_find(tables, table)) == NULL)
		msg_warn("unexpected dictionary: %s", table);
	return (t);
}

int
chk_domain_access(CHK_STATE *state, const char *table, const char *domain,
		  int *found, const char *reply_name, const char *reply_class,
		  const char *def_acl)
{
	CHK_TABLE *t;
	const char *name;
	const char *next;
	const char *value;
	int	maybe_numerical = 1;
	int	status;

	*found = 1;
	if ((t = table_find(table)) == NULL)
		return (table_result(state, table, SERVER_ERROR_RESULT, domain,
				     reply_name, reply_class, def_acl));
	for (name = domain; *name != 0; name = next) {
		if (name == domain || table_fixed(t)) {
			status = table_get(table, t, name, &value);
			if (status == DICT_STAT_SUCCESS)
				return (table_result(state, table, value, domain,
						     reply_name, reply_class,
						     def_acl));
			if (status == DICT_STAT_ERROR)
				return (table_result(state, table,
						     SERVER_ERROR_RESULT, domain,
						     reply_name, reply_class,
						     def_acl));
		}
		/* No parent-domain magic for numerical addresses. */
		if (maybe_numerical
		    && (maybe_numerical = chk_valid_hostaddr(domain)) != 0)
			break;
		if ((next = strchr(name + 1, '.')) == NULL)
			break;
		if (parent_style == MATCH_FLAG_PARENT)
			next += 1;
	}
	*found = 0;
	return (CHK_DUNNO);
}

int
chk_addr_access(CHK_STATE *state, const char *table, const char *addr,
		int *found, const char *reply_name, const char *reply_class,
		const char *def_acl)
{
	CHK_TABLE *t;
	char   *key;
	const char *value;
	int	delim = strchr(addr, ':') ? ':' : '.';
	int	first = 1;
	int	status;
	int	result = CHK_DUNNO;

	*found = 1;
	if ((t = table_find(table)) == NULL)
		return (table_result(state, table, SERVER_ERROR_RESULT, addr,
				     reply_name, reply_class, def_acl));
	key = mystrdup(addr);
	*found = 0;
	do {
		if (!first && !table_fixed(t))
			break;
		first = 0;
		status = table_get(table, t, key, &value);
		if (status == DICT_STAT_SUCCESS) {
			*found = 1;
			result = table_result(state, table, value, addr,
					      reply_name, reply_class, def_acl);
			break;
		}
		if (status == DICT_STAT_ERROR) {
			*found = 1;
			result = table_result(state, table, SERVER_ERROR_RESULT,
					      addr, reply_name, reply_class,
					      def_acl);
			break;
		}
	} while (split_at_right(key, delim) != NULL && *key);
	myfree(key);
	return (result);
}

int
chk_namadr_access(CHK_STATE *state, const char *table, const char *name,
		  const char *addr, const char *reply_name,
		  const char *reply_class, const char *def_acl)
{
	int	found;
	int	status;

	/* A name entry, even DUNNO, wins over an address entry. */
	status = chk_domain_access(state, table, name, &found, reply_name,
				   reply_class, def_acl);
	if (status != CHK_DUNNO || found)
		return (status);
	return (chk_addr_access(state, table, addr, &found, reply_name,
				reply_class, def_acl));
}

int
chk_plain_access(CHK_STATE *state, const char *table, const char *key,
		 const char *reply_name, const char *reply_class,
		 const char *def_acl)
{
	CHK_TABLE *t;
	const char *value;
	int	status;

	if ((t = table_find(table)) == NULL)
		return (table_result(state, table, SERVER_ERROR_RESULT, key,
				     reply_name, reply_class, def_acl));
	status = table_get(table, t, key, &value);
	if (status == DICT_STAT_SUCCESS)
		return (table_result(state, table, value, key, reply_name,
				     reply_class, def_acl));
	if (status == DICT_STAT_ERROR)
		return (table_result(state, table, SERVER_ERROR_RESULT, key,
				     reply_name, reply_class, def_acl));
	return (CHK_DUNNO);
}

/* mail_keys - the lookup keys of an address, in access(5) order */

static void
mail_keys(const char *addr, ARGV *keys, ARGV *partial)
{
	const char *at = strrchr(addr, '@');
	const char *domain = at + 1;
	size_t	local_len = at - addr;
	size_t	base_len = local_len;
	const char *name;
	const char *next;
	VSTRING *buf = vstring_alloc(100);
	size_t	i;

	for (i = 1; i < local_len; i++) {
		if (*rcpt_delim && strchr(rcpt_delim, addr[i]) != NULL) {
			base_len = i;
			break;
		}
	}
	argv_add(keys, addr);
	argv_add(partial, "");
	if (base_len != local_len) {
		vstring_strncpy(buf, addr, base_len);
		vstring_sprintf_append(buf, "@%s", domain);
		argv_add(keys, vstring_str(buf));
		argv_add(partial, "y");
	}
	for (name = domain; *name; name = next) {
		argv_add(keys, name);
		argv_add(partial, "y");
		if (*domain == '[' || (next = strchr(name + 1, '.')) == NULL)
			break;
		if (parent_style == MATCH_FLAG_PARENT)
			next += 1;
	}
	vstring_strncpy(buf, addr, local_len + 1);
	argv_add(keys, vstring_str(buf));
	argv_add(partial, "y");
	if (base_len != local_len) {
		vstring_strncpy(buf, addr, base_len);
		vstring_strcat(buf, "@");
		argv_add(keys, vstring_str(buf));
		argv_add(partial, "y");
	}
	vstring_free(buf);
}

int
chk_mail_access(CHK_STATE *state, const char *table, const char *addr,
		const char *reply_name, const char *reply_class,
		const char *def_acl)
{
	CHK_TABLE *t;
	CHK_RESOLVED res;
	ARGV   *keys;
	ARGV   *partial;
	const char *value;
	size_t	i;
	int	status;
	int	result = CHK_DUNNO;

	res.addr = vstring_alloc(100);
	if (chk_resolve(addr, &res) < 0) {
		vstring_free(res.addr);
		return (chk_reject(state, CHK_ERR_DATA, 451, "4.3.0",
				   "<%s>: Temporary lookup failure", addr));
	}
	if ((t = table_find(table)) == NULL) {
		result = table_result(state, table, SERVER_ERROR_RESULT,
				      vstring_str(res.addr), reply_name,
				      reply_class, def_acl);
		vstring_free(res.addr);
		return (result);
	}
	keys = argv_alloc(8);
	partial = argv_alloc(8);
	mail_keys(vstring_str(res.addr), keys, partial);
	for (i = 0; i < keys->len; i++) {
		if (*partial->argv[i] && !table_fixed(t))
			continue;
		status = table_get(table, t, keys->argv[i], &value);
		if (status == DICT_STAT_SUCCESS) {
			result = table_result(state, table, value,
					      vstring_str(res.addr), reply_name,
					      reply_class, def_acl);
			/* Source-routed recipients are too suspicious for OK. */
			if (result == CHK_OK && !allow_untrusted_routing
			    && (res.flags & CHK_RESOLVE_ROUTED)
			    && strcmp(reply_class, CHK_NAME_RECIPIENT) == 0)
				result = CHK_DUNNO;
			break;
		}
		if (status == DICT_STAT_ERROR) {
			result = table_result(state, table, SERVER_ERROR_RESULT,
					      vstring_str(res.addr), reply_name,
					      reply_class, def_acl);
			break;
		}
	}
	argv_free(keys);
	argv_free(partial);
	vstring_free(res.addr);
	return (result);
}
