/*
 * smtpd_check_rest - evaluate one restriction list (Postfix's generic_checks)
 *
 *	chk_rest_init() reads the reply codes the restrictions use;
 *		chk_rest_free() forgets them.
 *	chk_generic() evaluates a list left to right: the first restriction
 *		that permits, rejects or defers decides; warn_if_reject turns
 *		the next restriction's reject into a "reject_warning" log line;
 *		a bare type:table means the list's own check_*_access
 *		(def_acl); a restriction class is evaluated in place. An
 *		unknown name logs 'unknown smtpd restriction: "NAME"' and
 *		answers 451 4.3.5 Server configuration error, as Postfix does.
 *
 * Each restriction answers CHK_DUNNO, CHK_OK, or CHK_REJECT with the reply
 * formatted and logged by chk_reject(). Restrictions that need what
 * postern does not have yet (DNS, policy servers, TLS, SASL maps, address
 * verification, recipient tables) log one warning per process and count
 * as dunno; they are listed in the table below with what they need.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "msg.h"
#include "mymalloc.h"
#include "vstring.h"
#include "argv.h"
#include "htable.h"
#include "stringops.h"
#include "mail_conf.h"
#include "match_list.h"
#include "smtpd_check.h"
#include "smtpd_check_priv.h"

/* Reply codes and knobs, read once. */
static int reject_code;
static int defer_code;
static int relay_code;
static int non_fqdn_code;
static int bad_name_code;
static int unk_client_code;
static int plaintext_code;
static int mul_rcpt_code;
static int allow_untrusted_routing;
static char *null_access_key;
static HTABLE *unsupported_warned;	/* restriction names warned about */

void
chk_rest_init(void)
{
	chk_rest_free();
	reject_code = (int) mail_conf_int("reject_code");
	defer_code = (int) mail_conf_int("defer_code");
	relay_code = (int) mail_conf_int("relay_domains_reject_code");
	non_fqdn_code = (int) mail_conf_int("non_fqdn_reject_code");
	bad_name_code = (int) mail_conf_int("invalid_hostname_reject_code");
	unk_client_code = (int) mail_conf_int("unknown_client_reject_code");
	plaintext_code = (int) mail_conf_int("plaintext_reject_code");
	mul_rcpt_code = (int) mail_conf_int("multi_recipient_bounce_reject_code");
	allow_untrusted_routing = mail_conf_bool("allow_untrusted_routing");
	null_access_key = mystrdup(mail_conf_str("smtpd_null_access_lookup_key"));
	unsupported_warned = htable_create(10);
}

void
chk_rest_free(void)
{
	if (unsupported_warned != NULL) {
		htable_free(unsupported_warned, NULL);
		unsupported_warned = NULL;
	}
	if (null_access_key != NULL) {
		myfree(null_access_key);
		null_access_key = NULL;
	}
}

/* The restrictions postern knows (all of Postfix 3.7's). */

enum {
	R_PERMIT = 1, R_DEFER, R_REJECT, R_WARN_IF_REJECT, R_DEFER_IF_PERMIT,
	R_DEFER_IF_REJECT, R_REJECT_UNAUTH_PIPELINING, R_SLEEP,
	R_REJECT_PLAINTEXT,
	R_UNKNOWN_CLIENT, R_UNKNOWN_REVERSE, R_PERMIT_INET_INTERFACES,
	R_PERMIT_MYNETWORKS, R_CHECK_CLIENT, R_CHECK_REVERSE_CLIENT,
	R_CHECK_SASL,
	R_CHECK_HELO, R_INVALID_HELO, R_UNKNOWN_HELO, R_NON_FQDN_HELO,
	R_CHECK_SENDER, R_NON_FQDN_SENDER,
	R_CHECK_RECIPIENT, R_PERMIT_AUTH_DEST, R_REJECT_UNAUTH_DEST,
	R_DEFER_UNAUTH_DEST, R_CHECK_RELAY_DOMAINS, R_PERMIT_SASL_AUTH,
	R_NON_FQDN_RECIPIENT, R_MULTI_RCPT_BOUNCE,
	R_UNLISTED_SENDER, R_UNLISTED_RECIPIENT,
	R_CHECK_ETRN,
	R_UNSUPPORTED,
};

#define RF_MAP		(1<<0)	/* "name type:table" */
#define RF_ARG		(1<<1)	/* "name argument" (domain, number, ...) */
#define RF_POLICY	(1<<2)	/* argument is a policy server, not a table */

typedef struct RESTRICTION {
	const char *name;
	int	code;
	int	flags;
	const char *why;		/* R_UNSUPPORTED: what is missing */
} RESTRICTION;

static const RESTRICTION restrictions[] = {
	{"permit", R_PERMIT, 0, NULL},
	{"defer", R_DEFER, 0, NULL},
	{"reject", R_REJECT, 0, NULL},
	{"warn_if_reject", R_WARN_IF_REJECT, 0, NULL},
	{"defer_if_permit", R_DEFER_IF_PERMIT, 0, NULL},
	{"defer_if_reject", R_DEFER_IF_REJECT, 0, NULL},
	{"reject_unauth_pipelining", R_REJECT_UNAUTH_PIPELINING, 0, NULL},
	{"sleep", R_SLEEP, 0, NULL},
	{"reject_plaintext_session", R_REJECT_PLAINTEXT, 0, NULL},
	{"check_policy_service", R_UNSUPPORTED, RF_ARG | RF_POLICY,
	"policy service client"},
	/* Client. */
	{"reject_unknown_client_hostname", R_UNKNOWN_CLIENT, 0, NULL},
	{"reject_unknown_client", R_UNKNOWN_CLIENT, 0, NULL},
	{"reject_unknown_reverse_client_hostname", R_UNKNOWN_REVERSE, 0, NULL},
	{"permit_inet_interfaces", R_PERMIT_INET_INTERFACES, 0, NULL},
	{"permit_mynetworks", R_PERMIT_MYNETWORKS, 0, NULL},
	{"check_client_access", R_CHECK_CLIENT, RF_MAP, NULL},
	{"check_reverse_client_hostname_access", R_CHECK_REVERSE_CLIENT,
	RF_MAP, NULL},
	{"check_sasl_access", R_CHECK_SASL, RF_MAP, NULL},
	{"reject_maps_rbl", R_UNSUPPORTED, 0, "DNS lookups"},
	{"reject_rbl_client", R_UNSUPPORTED, RF_ARG, "DNS lookups"},
	{"reject_rbl", R_UNSUPPORTED, RF_ARG, "DNS lookups"},
	{"permit_dnswl_client", R_UNSUPPORTED, RF_ARG, "DNS lookups"},
	{"reject_rhsbl_client", R_UNSUPPORTED, RF_ARG, "DNS lookups"},
	{"permit_rhswl_client", R_UNSUPPORTED, RF_ARG, "DNS lookups"},
	{"reject_rhsbl_reverse_client", R_UNSUPPORTED, RF_ARG, "DNS lookups"},
	{"check_ccert_access", R_UNSUPPORTED, RF_MAP, "TLS"},
	{"permit_tls_clientcerts", R_UNSUPPORTED, 0, "TLS"},
	{"permit_tls_all_clientcerts", R_UNSUPPORTED, 0, "TLS"},
	{"check_client_ns_access", R_UNSUPPORTED, RF_MAP, "DNS lookups"},
	{"check_client_mx_access", R_UNSUPPORTED, RF_MAP, "DNS lookups"},
	{"check_client_a_access", R_UNSUPPORTED, RF_MAP, "DNS lookups"},
	{"check_reverse_client_ns_access", R_UNSUPPORTED, RF_MAP, "DNS lookups"},
	{"check_reverse_client_mx_access", R_UNSUPPORTED, RF_MAP, "DNS lookups"},
	{"check_reverse_client_a_access", R_UNSUPPORTED, RF_MAP, "DNS lookups"},
	/* HELO. */
	{"check_helo_access", R_CHECK_HELO, RF_MAP, NULL},
	{"reject_invalid_helo_hostname", R_INVALID_HELO, 0, NULL},
	{"reject_invalid_hostname", R_INVALID_HELO, 0, NULL},
	{"reject_unknown_helo_hostname", R_UNKNOWN_HELO, 0, "DNS lookups"},
	{"reject_unknown_hostname", R_UNKNOWN_HELO, 0, "DNS lookups"},
	{"reject_non_fqdn_helo_hostname", R_NON_FQDN_HELO, 0, NULL},
	{"reject_non_fqdn_hostname", R_NON_FQDN_HELO, 0, NULL},
	{"permit_naked_ip_address", R_UNSUPPORTED, 0, "this obsolete feature"},
	{"check_helo_ns_access", R_UNSUPPORTED, RF_MAP, "DNS lookups"},
	{"check_helo_mx_access", R_UNSUPPORTED, RF_MAP, "DNS lookups"},
	{"check_helo_a_access", R_UNSUPPORTED, RF_MAP, "DNS lookups"},
	{"reject_rhsbl_helo", R_UNSUPPORTED, RF_ARG, "DNS lookups"},
	/* Sender. */
	{"check_sender_access", R_CHECK_SENDER, RF_MAP, NULL},
	{"reject_non_fqdn_sender", R_NON_FQDN_SENDER, 0, NULL},
	{"reject_unknown_sender_domain", R_UNSUPPORTED, 0, "DNS lookups"},
	{"reject_unknown_address", R_UNSUPPORTED, 0, "DNS lookups"},
	{"reject_unverified_sender", R_UNSUPPORTED, 0, "address verification"},
	{"reject_unlisted_sender", R_UNLISTED_SENDER, 0, NULL},
	{"reject_sender_login_mismatch", R_UNSUPPORTED, 0, "SASL"},
	{"reject_authenticated_sender_login_mismatch", R_UNSUPPORTED, 0, "SASL"},
	{"reject_known_sender_login_mismatch", R_UNSUPPORTED, 0, "SASL"},
	{"reject_unauthenticated_sender_login_mismatch", R_UNSUPPORTED, 0, "SASL"},
	{"check_sender_ns_access", R_UNSUPPORTED, RF_MAP, "DNS lookups"},
	{"check_sender_mx_access", R_UNSUPPORTED, RF_MAP, "DNS lookups"},
	{"check_sender_a_access", R_UNSUPPORTED, RF_MAP, "DNS lookups"},
	{"reject_rhsbl_sender", R_UNSUPPORTED, RF_ARG, "DNS lookups"},
	/* Recipient. */
	{"check_recipient_access", R_CHECK_RECIPIENT, RF_MAP, NULL},
	{"permit_auth_destination", R_PERMIT_AUTH_DEST, 0, NULL},
	{"reject_unauth_destination", R_REJECT_UNAUTH_DEST, 0, NULL},
	{"defer_unauth_destination", R_DEFER_UNAUTH_DEST, 0, NULL},
	{"check_relay_domains", R_CHECK_RELAY_DOMAINS, 0, NULL},
	{"permit_sasl_authenticated", R_PERMIT_SASL_AUTH, 0, NULL},
	{"reject_non_fqdn_recipient", R_NON_FQDN_RECIPIENT, 0, NULL},
	{"reject_multi_recipient_bounce", R_MULTI_RCPT_BOUNCE, 0, NULL},
	{"reject_unknown_recipient_domain", R_UNSUPPORTED, 0, "DNS lookups"},
	{"permit_mx_backup", R_UNSUPPORTED, 0, "DNS lookups"},
	{"reject_unverified_recipient", R_UNSUPPORTED, 0, "address verification"},
	{"reject_unlisted_recipient", R_UNLISTED_RECIPIENT, 0, NULL},
	{"check_recipient_maps", R_UNLISTED_RECIPIENT, 0, NULL},
	{"check_recipient_ns_access", R_UNSUPPORTED, RF_MAP, "DNS lookups"},
	{"check_recipient_mx_access", R_UNSUPPORTED, RF_MAP, "DNS lookups"},
	{"check_recipient_a_access", R_UNSUPPORTED, RF_MAP, "DNS lookups"},
	{"reject_rhsbl_recipient", R_UNSUPPORTED, RF_ARG, "DNS lookups"},
	/* ETRN. */
	{"check_etrn_access", R_CHECK_ETRN, RF_MAP, NULL},
	{NULL, 0, 0, NULL},
};

static const RESTRICTION *
restriction_find(const char *name)
{
	const RESTRICTION *r;

	for (r = restrictions; r->name != NULL; r++)
		if (strcasecmp(r->name, name) == 0)
			return (r);
	return (NULL);
}

static int
dict_retry(CHK_STATE *state, const char *reply_name)
{
	return (chk_reject(state, CHK_ERR_DATA, 451, "4.3.0",
			   "<%s>: Temporary lookup failure", reply_name));
}

/* warn_unsupported - once per restriction name and process */

static void
warn_unsupported(const RESTRICTION *r)
{
	if (htable_find(unsupported_warned, r->name) != NULL)
		return;
	htable_enter(unsupported_warned, r->name, (void *) r);
	msg_warn("restriction %s needs %s, which this version of postern "
		 "does not have; it counts as dunno", r->name, r->why);
}

/* Individual restrictions. */

/* dup_if_truncate - drop one trailing dot ("name." but not "name..") */

static char *
dup_if_truncate(const char *name)
{
	size_t	len = strlen(name);

	if (len > 1 && name[len - 1] == '.' && name[len - 2] != '.')
		return (mystrndup(name, len - 1));
	return (mystrdup(name));
}

static int
reject_invalid_hostaddr(CHK_STATE *state, const char *addr,
			const char *reply_name, const char *reply_class)
{
	size_t	len = strlen(addr);
	char   *test;
	int	ok;

	if (addr[0] == '[' && len > 2 && addr[len - 1] == ']')
		test = mystrndup(addr + 1, len - 2);
	else
		test = mystrdup(addr);
	ok = chk_valid_hostaddr(test);
	myfree(test);
	if (ok)
		return (CHK_DUNNO);
	return (chk_reject(state, CHK_ERR_POLICY, bad_name_code, "5.5.2",
			   "<%s>: %s rejected: invalid ip address",
			   reply_name, reply_class));
}

static int
reject_invalid_hostname(CHK_STATE *state, const char *name,
			const char *reply_name, const char *reply_class)
{
	char   *test = dup_if_truncate(name);
	int	ok;

	ok = chk_valid_hostname(test) || chk_valid_hostaddr(test);
	myfree(test);
	if (ok)
		return (CHK_DUNNO);
	return (chk_reject(state, CHK_ERR_POLICY, bad_name_code, "5.5.2",
			   "<%s>: %s rejected: Invalid name",
			   reply_name, reply_class));
}

static int
reject_non_fqdn_hostname(CHK_STATE *state, const char *name,
			 const char *reply_name, const char *reply_class)
{
	char   *test = dup_if_truncate(name);
	int	ok;

	ok = chk_valid_hostname(test) && strchr(test, '.') != NULL;
	myfree(test);
	if (ok)
		return (CHK_DUNNO);
	return (chk_reject(state, CHK_ERR_POLICY, non_fqdn_code, "5.5.2",
			   "<%s>: %s rejected: need fully-qualified hostname",
			   reply_name, reply_class));
}

static int
reject_non_fqdn_address(CHK_STATE *state, const char *addr,
			const char *reply_name, const char *reply_class)
{
	const char *domain;
	char   *test;
	int	ok;

	domain = strrchr(addr, '@') ? strrchr(addr, '@') + 1 : "";
	if (domain[0] == '[' && domain[strlen(domain) - 1] == ']')
		return (CHK_DUNNO);
	test = dup_if_truncate(domain);
	ok = *test && chk_valid_hostname(test) && strchr(test, '.') != NULL;
	myfree(test);
	if (ok)
		return (CHK_DUNNO);
	return (chk_reject(state, CHK_ERR_POLICY, non_fqdn_code, "4.5.2",
			   "<%s>: %s rejected: need fully-qualified address",
			   reply_name, reply_class));
}

/*
 * check_helo_syntax - a HELO name check: name_check for a hostname, the
 * address syntax for an [address literal]
 */
static int
check_helo_syntax(CHK_STATE *state,
		  int (*name_check) (CHK_STATE *, const char *, const char *,
				     const char *))
{
	const char *helo = state->helo_name;

	if (helo == NULL)
		return (CHK_DUNNO);
	if (*helo == '[')
		return (reject_invalid_hostaddr(state, helo, helo, CHK_NAME_HELO));
	return (name_check(state, helo, helo, CHK_NAME_HELO));
}

/* permit_auth_destination - OK for a destination we accept mail for */

static int
permit_auth_destination(CHK_STATE *state, const char *recipient)
{
	CHK_RESOLVED res;
	int	status;

	res.addr = vstring_alloc(100);
	if (chk_resolve(recipient, &res) < 0) {
		vstring_free(res.addr);
		return (dict_retry(state, recipient));
	}
	vstring_free(res.addr);
	if (!allow_untrusted_routing && (res.flags & CHK_RESOLVE_ROUTED))
		return (CHK_DUNNO);
	switch (res.addr_class) {
	case SMTPD_CLASS_LOCAL:
	case SMTPD_CLASS_ALIAS:
	case SMTPD_CLASS_VIRTUAL:
	case SMTPD_CLASS_RELAY:
		status = CHK_OK;
		break;
	default:
		status = CHK_DUNNO;
		break;
	}
	return (status);
}

static int
reject_unauth_destination(CHK_STATE *state, const char *recipient,
			  int code, const char *dsn)
{
	int	status = permit_auth_destination(state, recipient);

	if (status == CHK_OK)
		return (CHK_DUNNO);
	if (status == CHK_REJECT)
		return (status);
	return (chk_reject(state, CHK_ERR_POLICY, code, dsn,
			   "<%s>: Relay access denied", recipient));
}

/* check_relay_domains - Postfix's deprecated relay control */

static int
check_relay_domains(CHK_STATE *state, const char *recipient)
{
	static int warned;
	int	status;

	if (!warned) {
		warned = 1;
		msg_warn("support for restriction \"check_relay_domains\" will "
			 "be removed from Postfix; instead, specify "
			 "\"reject_unauth_destination\"");
	}
	status = chk_relay_domains_match(state->client_name);
	if (status == MATCH_ERROR)
		return (dict_retry(state, recipient));
	if (status == MATCH_YES)
		return (CHK_OK);
	if ((status = permit_auth_destination(state, recipient)) != CHK_DUNNO)
		return (status);
	return (chk_reject(state, CHK_ERR_POLICY, relay_code, "5.7.1",
			   "<%s>: Relay access denied", recipient));
}

/* forbid_allowlist - some lookups may reject, never permit */

static int
forbid_allowlist(CHK_STATE *state, const char *name, int status,
		 const char *target)
{
	if (status != CHK_OK)
		return (status);
	msg_warn("restriction %s returns OK for %s", name, target);
	msg_warn("this is not allowed for security reasons");
	msg_warn("use DUNNO instead of OK if you want to make an exception");
	return (chk_server_error(state));
}

/* map_arg - the table after a check_*_access, or NULL (error logged) */

static const char *
map_arg(ARGV *list, size_t *i, const char *name)
{
	const char *arg = list->argv[*i + 1];

	if (arg == NULL || strchr(arg, ':') == NULL) {
		msg_warn("restriction %s: bad argument \"%s\": need "
			 "maptype:mapname", name, arg ? arg : "");
		return (NULL);
	}
	*i += 1;
	return (arg);
}

/* warn_ignored_rest - a decisive restriction makes the rest of the list dead */

static void
warn_ignored_rest(ARGV *list, size_t i, const char *name)
{
	if (i + 1 < list->len)
		msg_warn("restriction `%s' after `%s' is ignored",
			 list->argv[i + 1], name);
}

static const char *const acl_names =
	"check_client_access, check_reverse_client_hostname_access, "
	"check_helo_access, check_sender_access, check_recipient_access, "
	"check_etrn_access";

int
chk_generic(CHK_STATE *state, ARGV *list, const char *reply_name,
	    const char *reply_class, const char *def_acl)
{
	const SMTPD_CHECK_ARGS *args = state->args;
	int	saved_recursion = state->recursion++;
	const RESTRICTION *r;
	const char *name;
	const char *table = NULL;
	ARGV   *class_list;
	size_t	i;
	int	status = CHK_DUNNO;
	int	found;

	for (i = 0; i < list->len; i++) {
		name = list->argv[i];
		if (strcasecmp(name, "warn_if_reject") == 0) {
			if (state->warn_if_reject == 0)
				state->warn_if_reject = state->recursion;
			continue;
		}
		/* A bare table means this list's check_*_access. */
		if (strchr(name, ':') != NULL) {
			if (def_acl == NULL) {
				msg_warn("specify one of (%s) before %s "
					 "restriction \"%s\"", acl_names,
					 reply_class, name);
				status = chk_server_error(state);
				break;
			}
			name = def_acl;
			i -= 1;
		}
		status = CHK_DUNNO;
		if ((r = restriction_find(name)) != NULL && (r->flags & RF_MAP)) {
			if ((table = map_arg(list, &i, r->name)) == NULL) {
				status = chk_server_error(state);
				break;
			}
		}
		if (r == NULL) {
			if ((class_list = chk_class_find(name)) != NULL) {
				status = chk_generic(state, class_list, reply_name,
						     reply_class, def_acl);
			} else {
				msg_warn("unknown smtpd restriction: \"%s\"", name);
				status = chk_server_error(state);
			}
		} else {
			switch (r->code) {
			case R_PERMIT:
				status = CHK_OK;
				warn_ignored_rest(list, i, r->name);
				break;
			case R_DEFER:
			case R_REJECT:
				if (r->code == R_DEFER)
					status = chk_reject(state, CHK_ERR_POLICY,
							    defer_code, "4.3.2",
					      "<%s>: %s rejected: Try again later",
							    reply_name, reply_class);
				else
					status = chk_reject(state, CHK_ERR_POLICY,
							    reject_code, "5.7.1",
					       "<%s>: %s rejected: Access denied",
							    reply_name, reply_class);
				if (state->warn_if_reject == 0)
					warn_ignored_rest(list, i, r->name);
				break;
			case R_DEFER_IF_PERMIT:
				if (state->warn_if_reject == 0)
					chk_defer_if(state->defer_if_permit,
						     CHK_ERR_POLICY, 450, "4.7.0",
						     "<%s>: %s rejected: "
						     "defer_if_permit requested",
						     reply_name, reply_class);
				else
					status = chk_reject(state, CHK_ERR_POLICY,
							    450, "4.7.0",
							    "<%s>: %s rejected: "
						     "defer_if_permit requested",
							    reply_name, reply_class);
				break;
			case R_DEFER_IF_REJECT:
				chk_defer_if(&state->defer_if_reject, CHK_ERR_POLICY,
					     450, "4.7.0", "<%s>: %s rejected: "
					     "defer_if_reject requested",
					     reply_name, reply_class);
				break;
			case R_REJECT_UNAUTH_PIPELINING:
				/* The session enforces this itself. */
				break;
			case R_SLEEP:
				if (i + 1 >= list->len || !alldig(list->argv[i + 1])) {
					msg_warn("restriction sleep must be followed "
						 "by number");
					status = chk_server_error(state);
				} else {
					sleep((unsigned) atoi(list->argv[++i]));
				}
				break;
			case R_REJECT_PLAINTEXT:
				/* No TLS in postern yet: every session is plaintext. */
				status = chk_reject(state, CHK_ERR_POLICY,
						    plaintext_code, "4.7.1",
						    "Session encryption is required");
				break;
			case R_UNKNOWN_CLIENT:
				if (strcasecmp(state->client_name, "unknown") == 0)
					status = chk_reject(state, CHK_ERR_POLICY,
							    unk_client_code, "4.7.25",
					    "Client host rejected: cannot find your "
					       "hostname, [%s]", state->client_addr);
				break;
			case R_UNKNOWN_REVERSE:
				if (strcasecmp(state->reverse_name, "unknown") == 0)
					status = chk_reject(state, CHK_ERR_POLICY,
							    unk_client_code, "4.7.1",
					    "Client host rejected: cannot find your "
					       "reverse hostname, [%s]",
							    state->client_addr);
				break;
			case R_PERMIT_INET_INTERFACES:
				if (chk_inet_interfaces_match(state->client_addr))
					status = CHK_OK;
				break;
			case R_PERMIT_MYNETWORKS:
				switch (chk_mynetworks_match(state->client_name,
							     state->client_addr)) {
				case MATCH_YES:
					status = CHK_OK;
					break;
				case MATCH_ERROR:
					status = dict_retry(state, reply_name);
					break;
				}
				break;
			case R_CHECK_CLIENT:
				status = chk_namadr_access(state, table,
							   state->client_name,
							   state->client_addr,
						       vstring_str(state->namaddr),
							   CHK_NAME_CLIENT, def_acl);
				break;
			case R_CHECK_REVERSE_CLIENT:
				status = chk_namadr_access(state, table,
							   state->reverse_name,
							   state->client_addr,
							   state->reverse_name,
							   CHK_NAME_REV_CLIENT,
							   def_acl);
				status = forbid_allowlist(state, r->name, status,
							  state->reverse_name);
				break;
			case R_CHECK_SASL:
				if (args->sasl_username && *args->sasl_username)
					status = chk_plain_access(state, table,
							       args->sasl_username,
							       args->sasl_username,
							       CHK_NAME_SASL, def_acl);
				break;
			case R_CHECK_HELO:
				if (state->helo_name)
					status = chk_domain_access(state, table,
							      state->helo_name,
							   &found, state->helo_name,
							     CHK_NAME_HELO, def_acl);
				break;
			case R_INVALID_HELO:
				status = check_helo_syntax(state,
						       reject_invalid_hostname);
				break;
			case R_UNKNOWN_HELO:
				if (state->helo_name == NULL)
					break;
				if (*state->helo_name == '[')
					status = reject_invalid_hostaddr(state,
							      state->helo_name,
							      state->helo_name,
							      CHK_NAME_HELO);
				else
					warn_unsupported(r);
				break;
			case R_NON_FQDN_HELO:
				status = check_helo_syntax(state,
						      reject_non_fqdn_hostname);
				break;
			case R_CHECK_SENDER:
				if (state->sender && *state->sender)
					status = chk_mail_access(state, table,
								 state->sender,
								 state->sender,
								 CHK_NAME_SENDER,
								 def_acl);
				else if (state->sender)
					status = chk_plain_access(state, table,
							       null_access_key,
								  state->sender,
							       CHK_NAME_SENDER,
								  def_acl);
				break;
			case R_NON_FQDN_SENDER:
				if (state->sender && *state->sender)
					status = reject_non_fqdn_address(state,
								state->sender,
								state->sender,
							       CHK_NAME_SENDER);
				break;
			case R_CHECK_RECIPIENT:
				if (state->recipient)
					status = chk_mail_access(state, table,
							       state->recipient,
							       state->recipient,
							    CHK_NAME_RECIPIENT,
								 def_acl);
				break;
			case R_PERMIT_AUTH_DEST:
				if (state->recipient)
					status = permit_auth_destination(state,
							      state->recipient);
				break;
			case R_REJECT_UNAUTH_DEST:
				if (state->recipient)
					status = reject_unauth_destination(state,
							       state->recipient,
							       relay_code, "5.7.1");
				break;
			case R_DEFER_UNAUTH_DEST:
				if (state->recipient)
					status = reject_unauth_destination(state,
							       state->recipient,
							 relay_code - 100, "4.7.1");
				break;
			case R_CHECK_RELAY_DOMAINS:
				if (state->recipient)
					status = check_relay_domains(state,
							      state->recipient);
				if (state->warn_if_reject == 0)
					warn_ignored_rest(list, i, r->name);
				break;
			case R_PERMIT_SASL_AUTH:
				if (args->sasl_username && *args->sasl_username)
					status = CHK_OK;
				break;
			case R_NON_FQDN_RECIPIENT:
				if (state->recipient)
					status = reject_non_fqdn_address(state,
							       state->recipient,
							       state->recipient,
							    CHK_NAME_RECIPIENT);
				break;
			case R_UNLISTED_SENDER:
				if (state->sender && *state->sender)
					status = chk_unlisted_sender(state,
								state->sender);
				break;
			case R_UNLISTED_RECIPIENT:
				if (state->recipient)
					status = chk_unlisted_rcpt(state,
							      state->recipient);
				break;
			case R_MULTI_RCPT_BOUNCE:
				if (state->sender && *state->sender == 0
				    && args->recipient_count
				    > (strcmp(state->where, "RCPT") != 0))
					status = chk_reject(state, CHK_ERR_POLICY,
							    mul_rcpt_code, "5.5.3",
					     "<%s>: %s rejected: Multi-recipient "
							    "bounce", reply_name,
							    reply_class);
				break;
			case R_CHECK_ETRN:
				if (state->etrn_domain)
					status = chk_domain_access(state, table,
							    state->etrn_domain,
							 &found, state->etrn_domain,
							     CHK_NAME_ETRN, def_acl);
				break;
			case R_UNSUPPORTED:
				if ((r->flags & RF_ARG) && i + 1 < list->len
				    && (!(r->flags & RF_POLICY)
					|| strchr(list->argv[i + 1], ':'))) {
					i += 1;
				} else if (r->flags & RF_POLICY) {
					msg_warn("restriction %s must be followed "
						 "by transport:server", r->name);
					status = chk_server_error(state);
					break;
				} else if (r->flags & RF_ARG) {
					msg_warn("restriction %s requires domain "
						 "name argument", r->name);
				}
				warn_unsupported(r);
				break;
			default:
				msg_panic("chk_generic: restriction %s: code %d",
					  r->name, r->code);
			}
		}
		if (state->warn_if_reject >= state->recursion)
			state->warn_if_reject = 0;
		if (status != CHK_DUNNO)
			break;
		if (state->defer_if_permit->active && state->defer_if_reject.active)
			break;
	}
	state->recursion = saved_recursion;
	if (state->warn_if_reject >= state->recursion)
		state->warn_if_reject = 0;
	return (status);
}
