/*
 * smtpd_check - SMTP access restrictions, as Postfix's smtpd_*_restrictions
 *
 * The session (smtpd.c, smtpd_trans.c) asks one question per SMTP stage
 * through smtpd_check.h; this file parses the restriction lists, runs
 * the stages and formats and logs the decision. smtpd_check_rest.c
 * evaluates a restriction list, smtpd_check_access.c the check_*_access
 * tables, smtpd_check_addr.c the address classes, mynetworks and name
 * syntax.
 *
 *	smtpd_check_init() parses smtpd_{client,helo,sender,relay,recipient,
 *		etrn,data,end_of_data}_restrictions and smtpd_restriction_classes
 *		and opens every table they name (before chroot). As Postfix
 *		does, it is fatal when neither smtpd_relay_restrictions nor
 *		smtpd_recipient_restrictions has one of reject_unauth_destination,
 *		defer_unauth_destination, reject, defer, defer_if_permit or
 *		check_relay_domains, and when a restriction class has no value.
 *		It may be called again (tests): the old state is released.
 *	smtpd_check_client/helo/mail/rcpt/etrn/data/eod() evaluate a stage.
 *
 * Behaviour follows Postfix 3.7 (checked against Debian's postfix):
 * - smtpd_delay_reject = yes (default): client, helo and sender lists run
 *   at RCPT (and client and helo at ETRN), before the relay and recipient
 *   lists; smtpd_check_client/helo/mail then answer OK. With "no" they
 *   run at their own stage and log CONNECT, HELO/EHLO or MAIL.
 * - RCPT runs smtpd_relay_restrictions then smtpd_recipient_restrictions,
 *   or the other way round when smtpd_relay_before_recipient_restrictions
 *   = no (the default below compatibility_level 3.6). "postmaster"
 *   without a domain is always accepted (RFC 5321).
 * - A restriction name that is not known is NOT fatal at start-up, as in
 *   Postfix: when evaluation reaches it, it logs 'warning: unknown smtpd
 *   restriction: "NAME"' and answers "451 4.3.5 Server configuration
 *   error" (smtpd_check.h says fatal; Postfix is the specification here).
 *   "dunno" is an access table result, not a restriction, as in Postfix.
 * - defer_if_permit set by an earlier stage still applies at RCPT; the
 *   engine keeps it per session (one session per process at a time, as
 *   in Postfix): smtpd_check_client() starts a session.
 * - Lookup errors: a check_*_access table answers "451 4.3.5 <x>: ...
 *   rejected: Server configuration error", an address class lookup
 *   (mydestination, relay_domains, ...) or mynetworks "451 4.3.0 <x>:
 *   Temporary lookup failure", each with a warning; both are deferrals.
 * - smtpd_helo_required ("503 5.5.1 Error: send HELO/EHLO first") is the
 *   session's: smtpd_trans.c answers it before asking smtpd_check_mail().
 * - Restrictions that need DNS, a policy server, address verification,
 *   TLS or SASL maps (reject_rbl_client, reject_unknown_sender_domain,
 *   check_policy_service, reject_unverified_recipient, permit_mx_backup,
 *   check_*_mx_access, ...) are accepted but not evaluated yet: each
 *   logs one warning per process and counts as dunno, so none of them
 *   ever permits.
 * - smtpd_reject_unlisted_recipient (RCPT, after the restriction lists
 *   unless they rejected, whatever permitted the client) and
 *   smtpd_reject_unlisted_sender (with the sender restrictions) are in
 *   smtpd_check_maps.c, as are reject_unlisted_recipient/_sender.
 *   reject_unauth_pipelining is a no-op: the session itself rejects and
 *   disconnects a client that pipelines where it must not. There is no
 *   TLS yet, so reject_plaintext_session always rejects.
 * - SMTPD_CHECK_ARGS has no command name: a HELO-stage log line says
 *   EHLO when the protocol starts with 'E', LHLO for LMTP, else HELO; and
 *   no SASL method: only " sasl_username=..." is logged.
 *
 * Replies: "CODE X.Y.Z text", e.g. "554 5.7.1 <u@example.com>: Relay
 * access denied"; 4xx answers SMTPD_CHECK_DEFER, 5xx SMTPD_CHECK_REJECT.
 * Every decision is logged as Postfix does: "NOQUEUE: reject: RCPT from
 * host[addr]: REPLY; from=<s> to=<r> proto=ESMTP helo=<h>"; warn_if_reject
 * logs "reject_warning:" and goes on.
 */
#include <stdarg.h>
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

/* The restriction lists, in the order smtpd_check_init() reads them. */
static ARGV *client_list;
static ARGV *helo_list;
static ARGV *mail_list;
static ARGV *relay_list;
static ARGV *rcpt_list;
static ARGV *etrn_list;
static ARGV *data_list;
static ARGV *eod_list;
static HTABLE *rest_classes;		/* name -> ARGV */
static ARGV *class_names;		/* smtpd_restriction_classes */
static int initialized;

/* Parameters read once. */
static int delay_reject;
static int relay_before_rcpt;
static int soft_bounce;
static int port_logging;

/* Per session: defer_if_permit raised by the client, helo, sender stage. */
static CHK_DEFER session_dip;
static int dip_client;
static int dip_helo;
static int dip_sender;
static VSTRING *session_key;

#define REPLY_LIMIT	510

/* chk_split_list - restriction list text into names; NULL: bad braces */

ARGV   *
chk_split_list(const char *text)
{
	ARGV   *argv = argv_alloc(8);
	const char *cp = text;
	const char *start;
	int	level;

	for (;;) {
		cp += strspn(cp, CHARS_COMMA_SP);
		if (*cp == 0)
			break;
		for (start = cp, level = 0; *cp; cp++) {
			if (*cp == '{') {
				level++;
			} else if (*cp == '}') {
				if (--level < 0)
					break;
			} else if (level == 0 && strchr(CHARS_COMMA_SP, *cp)) {
				break;
			}
		}
		if (level != 0) {
			argv_free(argv);
			return (NULL);
		}
		argv_addn(argv, start, cp - start);
	}
	return (argv);
}

/* Replies and logging. */

void
chk_log(CHK_STATE *state, const char *whatsup, const char *text)
{
	const SMTPD_CHECK_ARGS *args = state->args;
	VSTRING *buf = vstring_alloc(200);

	vstring_sprintf(buf, "%s: %s: %s from %s: %s;",
			args->queue_id ? args->queue_id : "NOQUEUE",
			whatsup, state->where, vstring_str(state->namaddr), text);
	if (state->sender)
		vstring_sprintf_append(buf, " from=<%s>", state->sender);
	if (state->recipient)
		vstring_sprintf_append(buf, " to=<%s>", state->recipient);
	if (args->protocol)
		vstring_sprintf_append(buf, " proto=%s", args->protocol);
	if (state->helo_name)
		vstring_sprintf_append(buf, " helo=<%s>", state->helo_name);
	if (args->sasl_username)
		vstring_sprintf_append(buf, " sasl_username=%s",
				       args->sasl_username);
	msg_info("%s", vstring_str(buf));
	vstring_free(buf);
}

/* printable - what a client sent must not break a reply or log line */

static void
printable(char *str)
{
	unsigned char *cp;

	for (cp = (unsigned char *) str; *cp; cp++)
		if (*cp < ' ' || *cp == 0x7f)
			*cp = ' ';
}

int
chk_reject(CHK_STATE *state, int err_class, int code, const char *dsn,
	   const char *fmt, ...)
{
	VSTRING *reply = state->reply;
	CHK_DEFER *dir = &state->defer_if_reject;
	int	warn_only;
	va_list ap;

	/* Configuration and lookup errors are never mere warnings. */
	warn_only = (state->warn_if_reject && err_class == CHK_ERR_POLICY);

	vstring_sprintf(reply, "%d %s ", code, dsn);
	va_start(ap, fmt);
	vstring_vsprintf_append(reply, fmt, ap);
	va_end(ap);
	if (code < 400 || code > 599) {
		msg_warn("SMTP reply code configuration error: %s",
			 vstring_str(reply));
		vstring_strcpy(reply, "450 4.7.1 Service unavailable");
	}
	if (!chk_dsn_valid(vstring_str(reply) + 4)) {
		msg_warn("DSN detail code configuration error: %s",
			 vstring_str(reply));
		vstring_strcpy(reply, "450 4.7.1 Service unavailable");
	}
	if (vstring_len(reply) > REPLY_LIMIT)
		vstring_truncate(reply, REPLY_LIMIT);
	printable(vstring_str(reply));

	/* An earlier temporary problem turns this reject into a deferral. */
	if (!warn_only && dir->active && vstring_str(reply)[0] == '5') {
		dir->active = 0;
		state->warn_if_reject = 0;
		return (chk_reject(state, dir->err_class, dir->code, dir->dsn,
				   "%s", vstring_str(dir->reason)));
	}
	if (soft_bounce && vstring_str(reply)[0] == '5')
		vstring_str(reply)[0] = '4';
	vstring_str(reply)[4] = vstring_str(reply)[0];
	chk_log(state, warn_only ? "reject_warning" : "reject",
		vstring_str(reply));
	return (warn_only ? CHK_DUNNO : CHK_REJECT);
}

void
chk_defer_if(CHK_DEFER *defer, int err_class, int code, const char *dsn,
	     const char *fmt, ...)
{
	va_list ap;

	/* The first reason is the one reported. */
	if (defer->active)
		return;
	defer->active = 1;
	defer->err_class = err_class;
	defer->code = code;
	snprintf(defer->dsn, sizeof(defer->dsn), "%s", dsn);
	if (defer->reason == NULL)
		defer->reason = vstring_alloc(100);
	va_start(ap, fmt);
	VSTRING_RESET(defer->reason);
	vstring_vsprintf_append(defer->reason, fmt, ap);
	va_end(ap);
}

int
chk_server_error(CHK_STATE *state)
{
	return (chk_reject(state, CHK_ERR_SOFTWARE, 451, "4.3.5",
			   "Server configuration error"));
}

/* Stages. */

/* state_init - the view of one request */

static void
state_init(CHK_STATE *state, const SMTPD_CHECK_ARGS *args, const char *where,
	   VSTRING *reply)
{
	memset(state, 0, sizeof(*state));
	state->args = args;
	state->where = where;
	state->sender = args->sender;
	state->helo_name = args->helo_name;
	state->client_name = args->client_name ? args->client_name : "unknown";
	state->reverse_name = args->reverse_client_name ?
	    args->reverse_client_name : state->client_name;
	state->client_addr = args->client_addr ? args->client_addr : "unknown";
	state->namaddr = vstring_alloc(100);
	vstring_sprintf(state->namaddr, "%s[%s]", state->client_name,
			state->client_addr);
	if (port_logging && args->client_port)
		vstring_sprintf_append(state->namaddr, ":%s", args->client_port);
	state->reply = reply;
	state->defer_if_permit = &session_dip;
}

static void
state_done(CHK_STATE *state)
{
	vstring_free(state->namaddr);
	if (state->defer_if_reject.reason)
		vstring_free(state->defer_if_reject.reason);
}

/* stage_reset - what each stage starts without (Postfix's RESET) */

static void
stage_reset(CHK_STATE *state)
{
	state->recursion = 0;
	state->warn_if_reject = 0;
	state->defer_if_reject.active = 0;
}

/* session_check - a new client forgets the old one's deferrals */

static void
session_check(const SMTPD_CHECK_ARGS *args, int force)
{
	VSTRING *key = vstring_alloc(100);

	vstring_sprintf(key, "%s|%s|%s", args->client_addr ? args->client_addr : "",
			args->client_port ? args->client_port : "",
			args->client_name ? args->client_name : "");
	if (force || strcmp(vstring_str(key), vstring_str(session_key)) != 0) {
		vstring_strcpy(session_key, vstring_str(key));
		session_dip.active = 0;
		dip_client = dip_helo = dip_sender = 0;
	}
	vstring_free(key);
}

/*
 * run_list - one restriction list, starting from the defer_if_permit
 * state (dip) the earlier stages left; what it leaves is saved in
 * *dip_out for the later stages (when not NULL)
 */
static int
run_list(CHK_STATE *state, ARGV *list, int dip, const char *reply_name,
	 const char *reply_class, const char *def_acl, int *dip_out)
{
	int	status = CHK_DUNNO;

	session_dip.active = dip;
	stage_reset(state);
	if (list->len)
		status = chk_generic(state, list, reply_name, reply_class,
				     def_acl);
	if (dip_out != NULL)
		*dip_out = session_dip.active;
	return (status);
}

static int
stage_client(CHK_STATE *state)
{
	return (run_list(state, client_list, 0, vstring_str(state->namaddr),
			 CHK_NAME_CLIENT, "check_client_access", &dip_client));
}

static int
stage_helo(CHK_STATE *state)
{
	if (state->helo_name == NULL)
		return (CHK_DUNNO);
	return (run_list(state, helo_list, dip_client, state->helo_name,
			 CHK_NAME_HELO, "check_helo_access", &dip_helo));
}

static int
stage_mail(CHK_STATE *state)
{
	int	status;

	if (state->sender == NULL)
		return (CHK_DUNNO);
	status = run_list(state, mail_list, dip_client | dip_helo,
			  state->sender, CHK_NAME_SENDER, "check_sender_access",
			  &dip_sender);
	/* smtpd_reject_unlisted_sender: after the list, unless it rejected. */
	if (status != CHK_REJECT && chk_maps_reject_unlisted_sender()
	    && chk_unlisted_sender(state, state->sender) == CHK_REJECT)
		status = CHK_REJECT;
	return (status);
}

/* defer_if_permitted - a permit becomes the postponed deferral */

static int
defer_if_permitted(CHK_STATE *state, int status)
{
	CHK_DEFER *dip = state->defer_if_permit;

	if (status != CHK_REJECT && dip->active)
		status = chk_reject(state, dip->err_class, dip->code, dip->dsn,
				    "%s", vstring_str(dip->reason));
	return (status);
}

/* answer - the caller's result code */

static int
answer(CHK_STATE *state, int status)
{
	int	result = SMTPD_CHECK_OK;

	if (status == CHK_REJECT)
		result = vstring_str(state->reply)[0] == '4' ?
		    SMTPD_CHECK_DEFER : SMTPD_CHECK_REJECT;
	else
		VSTRING_RESET(state->reply);
	state_done(state);
	return (result);
}

static void
check_initialized(const char *myname)
{
	if (!initialized)
		msg_panic("%s: smtpd_check_init() was not called", myname);
}

/*
 * own_stage - client, HELO or sender restrictions at their own SMTP stage
 * (smtpd_delay_reject = no); with delay_reject they wait for RCPT.
 */
static int
own_stage(const SMTPD_CHECK_ARGS *args, VSTRING *reply, const char *where,
	  int (*stage) (CHK_STATE *))
{
	CHK_STATE state;

	VSTRING_RESET(reply);
	if (delay_reject)
		return (SMTPD_CHECK_OK);
	state_init(&state, args, where, reply);
	return (answer(&state, stage(&state)));
}

int
smtpd_check_client(const SMTPD_CHECK_ARGS *args, VSTRING *reply)
{
	check_initialized("smtpd_check_client");
	session_check(args, 1);
	if (args->client_addr == NULL) {
		VSTRING_RESET(reply);
		return (SMTPD_CHECK_OK);
	}
	return (own_stage(args, reply, "CONNECT", stage_client));
}

/* helo_where - "EHLO", "HELO" or "LHLO", as far as the args tell */

static const char *
helo_where(const SMTPD_CHECK_ARGS *args)
{
	if (args->protocol && strncasecmp(args->protocol, "LMTP", 4) == 0)
		return ("LHLO");
	if (args->protocol && (args->protocol[0] == 'E'
			       || args->protocol[0] == 'e'))
		return ("EHLO");
	return ("HELO");
}

int
smtpd_check_helo(const SMTPD_CHECK_ARGS *args, VSTRING *reply)
{
	check_initialized("smtpd_check_helo");
	session_check(args, 0);
	return (own_stage(args, reply, helo_where(args), stage_helo));
}

int
smtpd_check_mail(const SMTPD_CHECK_ARGS *args, VSTRING *reply)
{
	check_initialized("smtpd_check_mail");
	session_check(args, 0);
	return (own_stage(args, reply, "MAIL", stage_mail));
}

int
smtpd_check_rcpt(const SMTPD_CHECK_ARGS *args, VSTRING *reply)
{
	CHK_STATE state;
	ARGV   *lists[2];
	int	status = CHK_DUNNO;
	int	n;

	check_initialized("smtpd_check_rcpt");
	session_check(args, 0);
	VSTRING_RESET(reply);
	if (args->recipient == NULL || strcasecmp(args->recipient, "postmaster") == 0)
		return (SMTPD_CHECK_OK);
	state_init(&state, args, "RCPT", reply);
	state.recipient = args->recipient;
	if (delay_reject) {
		if ((status = stage_client(&state)) == CHK_REJECT
		    || (status = stage_helo(&state)) == CHK_REJECT
		    || (status = stage_mail(&state)) == CHK_REJECT)
			return (answer(&state, status));
	}
	session_dip.active = dip_sender;
	stage_reset(&state);
	lists[0] = relay_before_rcpt ? relay_list : rcpt_list;
	lists[1] = relay_before_rcpt ? rcpt_list : relay_list;
	for (n = 0; n < 2; n++) {
		status = CHK_DUNNO;
		if (lists[n]->len)
			status = chk_generic(&state, lists[n], args->recipient,
					     CHK_NAME_RECIPIENT,
					     "check_recipient_access");
		if (status == CHK_REJECT)
			break;
	}
	status = defer_if_permitted(&state, status);
	/* smtpd_reject_unlisted_recipient: whatever permitted the client. */
	if (status != CHK_REJECT && chk_maps_reject_unlisted_rcpt())
		status = chk_unlisted_rcpt(&state, args->recipient);
	return (answer(&state, status));
}

int
smtpd_check_etrn(const SMTPD_CHECK_ARGS *args, VSTRING *reply)
{
	CHK_STATE state;
	int	status;

	check_initialized("smtpd_check_etrn");
	session_check(args, 0);
	VSTRING_RESET(reply);
	if (args->etrn_domain == NULL)
		return (SMTPD_CHECK_OK);
	state_init(&state, args, "ETRN", reply);
	state.etrn_domain = args->etrn_domain;
	if (delay_reject) {
		if ((status = stage_client(&state)) == CHK_REJECT
		    || (status = stage_helo(&state)) == CHK_REJECT)
			return (answer(&state, status));
	}
	status = run_list(&state, etrn_list, dip_client | dip_helo,
			  args->etrn_domain, CHK_NAME_ETRN, "check_etrn_access",
			  (int *) 0);
	return (answer(&state, defer_if_permitted(&state, status)));
}

/* data_stage - DATA and end-of-data: no default table, no recipient */

static int
data_stage(const SMTPD_CHECK_ARGS *args, VSTRING *reply, const char *where,
	   ARGV *list, const char *reply_class)
{
	CHK_STATE state;
	int	status = CHK_DUNNO;

	session_check(args, 0);
	VSTRING_RESET(reply);
	state_init(&state, args, where, reply);
	/* With several recipients, naming one of them would mislead. */
	if (args->recipient_count <= 1)
		state.recipient = args->recipient;
	status = run_list(&state, list, 0, where, reply_class, NULL, (int *) 0);
	return (answer(&state, defer_if_permitted(&state, status)));
}

int
smtpd_check_data(const SMTPD_CHECK_ARGS *args, VSTRING *reply)
{
	check_initialized("smtpd_check_data");
	return (data_stage(args, reply, "DATA", data_list, CHK_NAME_DATA));
}

int
smtpd_check_eod(const SMTPD_CHECK_ARGS *args, VSTRING *reply)
{
	check_initialized("smtpd_check_eod");
	return (data_stage(args, reply, "END-OF-MESSAGE", eod_list,
			   CHK_NAME_EOD));
}

/* chk_class_find - a restriction class from smtpd_restriction_classes */

ARGV   *
chk_class_find(const char *name)
{
	return (rest_classes ? htable_find(rest_classes, name) : NULL);
}

/* Initialization. */

/* parse_list - a restriction list; its tables are opened now */

static ARGV *
parse_list(const char *pname, const char *value)
{
	ARGV   *list;
	size_t	i;
	int	policy_arg;

	if ((list = chk_split_list(value)) == NULL)
		msg_fatal("parameter %s: unbalanced '{' or '}' in \"%s\"",
			  pname, value);
	for (i = 0; i < list->len; i++) {
		policy_arg = (i > 0 && strcasecmp(list->argv[i - 1],
						  "check_policy_service") == 0);
		if (!policy_arg && list->argv[i][0] != '{'
		    && strchr(list->argv[i], ':') != NULL)
			chk_table_register(list->argv[i]);
	}
	return (list);
}

/* parse_param - the restriction list a main.cf parameter holds */

static ARGV *
parse_param(const char *pname)
{
	return (parse_list(pname, mail_conf_str(pname)));
}

/* has_required - does a list (or its classes) end relaying by default? */

static int
has_required(ARGV *list, int depth)
{
	static const char *required[] = {
		"reject_unauth_destination", "defer_unauth_destination",
		"reject", "defer", "defer_if_permit", "check_relay_domains",
		NULL,
	};
	ARGV   *expansion;
	size_t	i;
	size_t	j;

	if (depth > 100)
		return (0);
	for (i = 0; i < list->len; i++) {
		if (strcasecmp(list->argv[i], "warn_if_reject") == 0
		    && i + 1 < list->len) {
			i += 1;
			continue;
		}
		if (strcasecmp(list->argv[i], "permit") == 0) {
			if (i + 1 < list->len)
				msg_warn("restriction `%s' after `%s' is ignored",
					 list->argv[i + 1], list->argv[i]);
			return (0);
		}
		for (j = 0; required[j] != NULL; j++)
			if (strcasecmp(list->argv[i], required[j]) == 0)
				return (1);
		if ((expansion = htable_find(rest_classes, list->argv[i])) != NULL
		    && has_required(expansion, depth + 1))
			return (1);
	}
	return (0);
}

static void
class_free(void *ptr)
{
	argv_free((ARGV *) ptr);
}

static void
check_free(void)
{
	ARGV  **lists[] = {&client_list, &helo_list, &mail_list, &relay_list,
	&rcpt_list, &etrn_list, &data_list, &eod_list, NULL};
	size_t	i;

	for (i = 0; lists[i] != NULL; i++) {
		if (*lists[i] != NULL) {
			argv_free(*lists[i]);
			*lists[i] = NULL;
		}
	}
	if (rest_classes != NULL) {
		htable_free(rest_classes, class_free);
		rest_classes = NULL;
	}
	if (class_names != NULL)
		class_names = argv_free(class_names);
	chk_rest_free();
	chk_access_free();
	chk_addr_free();
	chk_maps_free();
}

void
smtpd_check_init(void)
{
	const char *name;
	const char *value;
	size_t	i;

	check_free();
	chk_access_init();
	chk_addr_init();
	chk_rest_init();
	chk_maps_init();

	client_list = parse_param("smtpd_client_restrictions");
	helo_list = parse_param("smtpd_helo_restrictions");
	mail_list = parse_param("smtpd_sender_restrictions");
	relay_list = parse_param("smtpd_relay_restrictions");
	rcpt_list = parse_param("smtpd_recipient_restrictions");
	etrn_list = parse_param("smtpd_etrn_restrictions");
	data_list = parse_param("smtpd_data_restrictions");
	eod_list = parse_param("smtpd_end_of_data_restrictions");

	rest_classes = htable_create(10);
	class_names = argv_split(mail_conf_str("smtpd_restriction_classes"),
				 CHARS_COMMA_SP);
	for (i = 0; i < class_names->len; i++) {
		name = class_names->argv[i];
		if ((value = mail_conf_lookup(name)) == NULL || *value == 0)
			msg_fatal("restriction class `%s' needs a definition",
				  name);
		if (htable_find(rest_classes, name) == NULL)
			htable_enter(rest_classes, name, parse_list(name, value));
	}

	/* People get relay control wrong too often: refuse to run open. */
	if (!has_required(rcpt_list, 0) && !has_required(relay_list, 0))
		msg_fatal("in parameter smtpd_relay_restrictions or "
			  "smtpd_recipient_restrictions, specify at least one "
			  "working instance of: reject_unauth_destination, "
			  "defer_unauth_destination, reject, defer, "
			  "defer_if_permit or check_relay_domains");

	delay_reject = mail_conf_bool("smtpd_delay_reject");
	relay_before_rcpt =
	    mail_conf_bool("smtpd_relay_before_recipient_restrictions");
	soft_bounce = mail_conf_bool("soft_bounce");
	port_logging = mail_conf_bool("smtpd_client_port_logging");

	if (session_key == NULL)
		session_key = vstring_alloc(100);
	VSTRING_RESET(session_key);
	session_dip.active = 0;
	dip_client = dip_helo = dip_sender = 0;
	initialized = 1;
}
