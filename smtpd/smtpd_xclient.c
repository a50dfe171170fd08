/*
 * smtpd_xclient - XCLIENT and XFORWARD (Postfix's SMTP extensions)
 *
 * XCLIENT lets an authorized proxy or test tool (smtpd_authorized_xclient
 * _hosts) replace the client's identity: NAME, REVERSE_NAME, ADDR, PORT,
 * PROTO, HELO, LOGIN, DESTADDR, DESTPORT. After success the session
 * starts over as if the new client had connected: a new 220 greeting, no
 * HELO, no pipelining until EHLO, and every per-client decision (XCLIENT
 * and XFORWARD authorization, restrictions, smtpd_forbid_bare_newline
 * exclusions) made again for the new identity.
 *
 * XFORWARD lets an authorized content filter
 * (smtpd_authorized_xforward_hosts) pass on the original client's NAME,
 * ADDR, PORT, PROTO, HELO, IDENT (queue ID) and SOURCE (LOCAL, REMOTE)
 * for logging; they end up in the queue file as log_* attributes and in
 * the "client=" log line, and are forgotten after each transaction.
 *
 * Values are xtext (RFC 3461); "[UNAVAILABLE]" (and "[TEMPUNAVAIL]" for
 * names) mean "not known". Neither command is allowed inside a mail
 * transaction. Replies follow Postfix's.
 *
 *	smtpd_xclient_init() reads the two host lists (before chroot).
 *	smtpd_xclient_access() decides whether the current client may use
 *	either command.
 *	smtpd_xclient_cmd(), smtpd_xforward_cmd() the commands: 0 or -1.
 *	smtpd_xforward_reset() forgets forwarded attributes.
 */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "msg.h"
#include "mymalloc.h"
#include "vstring.h"
#include "stringops.h"
#include "mail_conf.h"
#include "match_list.h"
#include "smtpd.h"

#define UNAVAILABLE	"[UNAVAILABLE]"
#define TEMPUNAVAIL	"[TEMPUNAVAIL]"
#define VALUE_MAX	255

static MATCH_LIST *xclient_hosts;
static MATCH_LIST *xforward_hosts;

static MATCH_LIST *
host_list(const char *pname)
{
	VSTRING *why = vstring_alloc(100);
	MATCH_LIST *list;

	list = match_list_create(pname, MATCH_LIST_NAMADR, mail_conf_str(pname),
				 match_list_parent_flag(pname,
				mail_conf_str("parent_domain_matches_subdomains")),
				 why);
	if (list == NULL)
		msg_fatal("%s", vstring_str(why));
	vstring_free(why);
	return (list);
}

void
smtpd_xclient_init(void)
{
	xclient_hosts = host_list("smtpd_authorized_xclient_hosts");
	xforward_hosts = host_list("smtpd_authorized_xforward_hosts");
}

static int
client_matches(MATCH_LIST *list, SMTPD_STATE *state)
{
	switch (match_list_match(list, state->peer.name, state->peer.addr)) {
	case MATCH_YES:
		return (1);
	case MATCH_ERROR:
		msg_warn("%s", match_list_error(list));
		return (0);
	default:
		return (0);
	}
}

void
smtpd_xclient_access(SMTPD_STATE *state)
{
	state->xclient_ok = client_matches(xclient_hosts, state);
	state->xforward_ok = client_matches(xforward_hosts, state);
}

/* Value checks: 0 or -1. */

static int
check_name(const char *value)
{
	const char *cp;

	if (*value == 0)
		return (-1);
	for (cp = value; *cp; cp++)
		if (!isalnum((unsigned char) *cp) && *cp != '-' && *cp != '.'
		    && *cp != '_')
			return (-1);
	return (0);
}

static int
check_word(const char *value)
{
	const char *cp;

	if (*value == 0)
		return (-1);
	for (cp = value; *cp; cp++)
		if (*cp <= ' ' || *cp >= 0x7f)
			return (-1);
	return (0);
}

static int
check_port(const char *value)
{
	char   *end;
	long	port;

	if (!isdigit((unsigned char) *value))
		return (-1);
	port = strtol(value, &end, 10);
	return (*end == 0 && port >= 0 && port <= 65535 ? 0 : -1);
}

/* check_addr - IPv4, or IPV6:addr; the normalized text goes to out */

static int
check_addr(const char *value, VSTRING *out)
{
	unsigned char bin[16];
	char	text[64];

	if (strncasecmp(value, "IPV6:", 5) == 0) {
		if (inet_pton(AF_INET6, value + 5, bin) != 1
		    || inet_ntop(AF_INET6, bin, text, sizeof(text)) == NULL)
			return (-1);
	} else {
		if (inet_pton(AF_INET, value, bin) != 1
		    || inet_ntop(AF_INET, bin, text, sizeof(text)) == NULL)
			return (-1);
	}
	vstring_strcpy(out, text);
	return (0);
}

/*
 * One attribute=value token: name upper-cased into "name", the decoded
 * value into "value". Returns 0, or -1 with the reply text in reply.
 */
static int
split_token(const char *token, VSTRING *name, VSTRING *value, VSTRING *reply)
{
	const char *eq = strchr(token, '=');
	VSTRING *buf;

	if (eq == NULL || eq == token) {
		vstring_strcpy(reply, "501 5.5.4 Error: attribute=value expected");
		return (-1);
	}
	vstring_strncpy(name, token, eq - token);
	uppercase(vstring_str(name));
	if (strcmp(eq + 1, UNAVAILABLE) == 0 || strcmp(eq + 1, TEMPUNAVAIL) == 0) {
		vstring_strcpy(value, eq + 1);
		return (0);
	}
	if (smtpd_xtext_decode(value, eq + 1, VALUE_MAX) < 0) {
		buf = vstring_alloc(100);
		vstring_sprintf(reply, "501 5.5.4 Bad %s syntax: %s",
				vstring_str(name),
				smtpd_printable(buf, eq + 1, 100));
		vstring_free(buf);
		return (-1);
	}
	return (0);
}

static int
bad_value(SMTPD_STATE *state, const char *name, const char *value)
{
	smtpd_reply(state, "501 5.5.4 Bad %s syntax: %s", name,
		    smtpd_printable(state->why, value, 100));
	return (-1);
}

static int
is_unavail(const char *value)
{
	return (strcmp(value, UNAVAILABLE) == 0 || strcmp(value, TEMPUNAVAIL) == 0);
}

/* Attribute values collected before anything changes. */
typedef struct XC_ATTRS {
	VSTRING *name;
	VSTRING *reverse;
	VSTRING *addr;
	VSTRING *port;
	VSTRING *proto;
	VSTRING *helo;
	VSTRING *login;
	VSTRING *destaddr;
	VSTRING *destport;
	VSTRING *ident;
	VSTRING *source;
	int	seen;			/* bits, one per attribute */
} XC_ATTRS;

#define A_NAME		(1 << 0)
#define A_REVERSE	(1 << 1)
#define A_ADDR		(1 << 2)
#define A_PORT		(1 << 3)
#define A_PROTO		(1 << 4)
#define A_HELO		(1 << 5)
#define A_LOGIN		(1 << 6)
#define A_DESTADDR	(1 << 7)
#define A_DESTPORT	(1 << 8)
#define A_IDENT		(1 << 9)
#define A_SOURCE	(1 << 10)

static void
attrs_init(XC_ATTRS *a)
{
	a->name = vstring_alloc(32);
	a->reverse = vstring_alloc(32);
	a->addr = vstring_alloc(32);
	a->port = vstring_alloc(8);
	a->proto = vstring_alloc(8);
	a->helo = vstring_alloc(32);
	a->login = vstring_alloc(32);
	a->destaddr = vstring_alloc(32);
	a->destport = vstring_alloc(8);
	a->ident = vstring_alloc(16);
	a->source = vstring_alloc(8);
	a->seen = 0;
}

static void
attrs_free(XC_ATTRS *a)
{
	vstring_free(a->name);
	vstring_free(a->reverse);
	vstring_free(a->addr);
	vstring_free(a->port);
	vstring_free(a->proto);
	vstring_free(a->helo);
	vstring_free(a->login);
	vstring_free(a->destaddr);
	vstring_free(a->destport);
	vstring_free(a->ident);
	vstring_free(a->source);
}

/*
 * Validate one attribute into a; "which" lists the names the command
 * knows. Returns 0, or -1 after the error reply.
 */
static int
attr_one(SMTPD_STATE *state, const char *cmd, int which, const char *token,
	 XC_ATTRS *a)
{
	VSTRING *name = vstring_alloc(16);
	VSTRING *value = vstring_alloc(64);
	const char *n;
	const char *v;
	int	ret = -1;

	if (split_token(token, name, value, state->reply) < 0) {
		smtpd_reply(state, "%s", vstring_str(state->reply));
		goto done;
	}
	n = vstring_str(name);
	v = vstring_str(value);
	if (strcmp(n, "NAME") == 0 && (which & A_NAME)) {
		if (is_unavail(v))
			v = "unknown";
		else if (check_name(v) < 0) {
			bad_value(state, n, v);
			goto done;
		}
		vstring_strcpy(a->name, v);
		a->seen |= A_NAME;
	} else if (strcmp(n, "REVERSE_NAME") == 0 && (which & A_REVERSE)) {
		if (is_unavail(v))
			v = "unknown";
		else if (check_name(v) < 0) {
			bad_value(state, n, v);
			goto done;
		}
		vstring_strcpy(a->reverse, v);
		a->seen |= A_REVERSE;
	} else if ((strcmp(n, "ADDR") == 0 && (which & A_ADDR))
		   || (strcmp(n, "DESTADDR") == 0 && (which & A_DESTADDR))) {
		VSTRING *dst = (n[0] == 'A') ? a->addr : a->destaddr;

		if (strcmp(v, UNAVAILABLE) == 0)
			vstring_strcpy(dst, "unknown");
		else if (check_addr(v, dst) < 0) {
			bad_value(state, n, v);
			goto done;
		}
		a->seen |= (n[0] == 'A') ? A_ADDR : A_DESTADDR;
	} else if ((strcmp(n, "PORT") == 0 && (which & A_PORT))
		   || (strcmp(n, "DESTPORT") == 0 && (which & A_DESTPORT))) {
		if (strcmp(v, UNAVAILABLE) == 0)
			v = "unknown";
		else if (check_port(v) < 0) {
			bad_value(state, n, v);
			goto done;
		}
		vstring_strcpy(n[0] == 'P' ? a->port : a->destport, v);
		a->seen |= (n[0] == 'P') ? A_PORT : A_DESTPORT;
	} else if (strcmp(n, "PROTO") == 0 && (which & A_PROTO)) {
		if (strcasecmp(cmd, "XCLIENT") == 0) {
			if (strcasecmp(v, "SMTP") != 0 && strcasecmp(v, "ESMTP") != 0) {
				bad_value(state, n, v);
				goto done;
			}
		} else if (!is_unavail(v) && check_name(v) < 0) {
			bad_value(state, n, v);
			goto done;
		}
		vstring_strcpy(a->proto, is_unavail(v) ? "" : v);
		uppercase(vstring_str(a->proto));
		a->seen |= A_PROTO;
	} else if ((strcmp(n, "HELO") == 0 && (which & A_HELO))
		   || (strcmp(n, "LOGIN") == 0 && (which & A_LOGIN))
		   || (strcmp(n, "IDENT") == 0 && (which & A_IDENT))) {
		if (is_unavail(v))
			v = "";
		else if (check_word(v) < 0) {
			bad_value(state, n, v);
			goto done;
		}
		vstring_strcpy(n[0] == 'H' ? a->helo : n[0] == 'L' ? a->login :
			       a->ident, v);
		a->seen |= n[0] == 'H' ? A_HELO : n[0] == 'L' ? A_LOGIN : A_IDENT;
	} else if (strcmp(n, "SOURCE") == 0 && (which & A_SOURCE)) {
		if (is_unavail(v))
			v = "";
		else if (strcasecmp(v, "LOCAL") != 0 && strcasecmp(v, "REMOTE") != 0) {
			bad_value(state, n, v);
			goto done;
		}
		vstring_strcpy(a->source, v);
		uppercase(vstring_str(a->source));
		a->seen |= A_SOURCE;
	} else {
		smtpd_reply(state, "501 5.5.4 Bad %s attribute name: %s", cmd,
			    smtpd_printable(state->why, n, 100));
		goto done;
	}
	ret = 0;
done:
	vstring_free(name);
	vstring_free(value);
	return (ret);
}

/* attr_loop - every token of arg through attr_one(); 0 or -1 */

static int
attr_loop(SMTPD_STATE *state, const char *cmd, int which, const char *arg,
	  XC_ATTRS *a)
{
	char   *copy = mystrdup(arg);
	char   *bp = copy;
	char   *token;
	int	ret = 0;

	while ((token = mystrtok(&bp, " \t")) != NULL)
		if ((ret = attr_one(state, cmd, which, token, a)) < 0)
			break;
	myfree(copy);
	return (ret);
}

static char *
dup_or_null(VSTRING *value)
{
	return (vstring_len(value) ? mystrdup(vstring_str(value)) : NULL);
}

#define SWAP_STR(field, value) do { \
		if (field) myfree(field); \
		(field) = (value); \
	} while (0)

int
smtpd_xclient_cmd(SMTPD_STATE *state, const char *arg)
{
	XC_ATTRS a;
	const char *name;
	const char *reverse;
	const char *addr;
	const char *port;

	if (*arg == 0) {
		smtpd_reply(state, "501 5.5.4 Syntax: XCLIENT attribute=value...");
		return (-1);
	}
	if (state->sender != NULL) {
		smtpd_reply(state, "503 5.5.1 Error: MAIL transaction in progress");
		return (-1);
	}
	if (!state->xclient_ok) {
		smtpd_reply(state, "550 5.7.0 Error: insufficient authorization");
		return (-1);
	}
	attrs_init(&a);
	if (attr_loop(state, "XCLIENT", A_NAME | A_REVERSE | A_ADDR | A_PORT
		      | A_PROTO | A_HELO | A_LOGIN | A_DESTADDR | A_DESTPORT,
		      arg, &a) < 0) {
		attrs_free(&a);
		return (-1);
	}

	/*
	 * A new address without a name is an unknown name: the old name
	 * belongs to the old address.
	 */
	addr = (a.seen & A_ADDR) ? vstring_str(a.addr) : state->peer.addr;
	name = (a.seen & A_NAME) ? vstring_str(a.name) :
	    (a.seen & A_ADDR) ? "unknown" : state->peer.name;
	reverse = (a.seen & A_REVERSE) ? vstring_str(a.reverse) :
	    (a.seen & (A_ADDR | A_NAME)) ? name : state->peer.reverse_name;
	port = (a.seen & A_PORT) ? vstring_str(a.port) : state->peer.port;
	smtpd_peer_set(&state->peer, name, reverse, addr, port,
		       mail_conf_bool("smtpd_client_port_logging"));
	if (a.seen & A_DESTADDR)
		SWAP_STR(state->peer.server_addr, mystrdup(vstring_str(a.destaddr)));
	if (a.seen & A_DESTPORT)
		SWAP_STR(state->peer.server_port, mystrdup(vstring_str(a.destport)));
	SWAP_STR(state->helo_name, (a.seen & A_HELO) ? dup_or_null(a.helo) : NULL);
	if (a.seen & A_PROTO)
		SWAP_STR(state->xclient_proto, dup_or_null(a.proto));
	if (a.seen & A_LOGIN)
		SWAP_STR(state->sasl_username, dup_or_null(a.login));
	attrs_free(&a);

	/* Start over as the new client. */
	smtpd_trans_reset(state);
	smtpd_xforward_reset(state);
	state->protocol = "SMTP";
	state->pipelining = 0;
	smtpd_client_init(state);
	if (state->access_denied)
		smtpd_reply(state, "%s", state->access_denied);
	else
		smtpd_reply_raw(state, "220 %s", var_smtpd_banner);
	return (0);
}

void
smtpd_xforward_reset(SMTPD_STATE *state)
{
	SMTPD_XFORWARD *xf = &state->xf;

	SWAP_STR(xf->name, NULL);
	SWAP_STR(xf->addr, NULL);
	SWAP_STR(xf->port, NULL);
	SWAP_STR(xf->proto, NULL);
	SWAP_STR(xf->helo, NULL);
	SWAP_STR(xf->ident, NULL);
	SWAP_STR(xf->source, NULL);
}

int
smtpd_xforward_cmd(SMTPD_STATE *state, const char *arg)
{
	SMTPD_XFORWARD *xf = &state->xf;
	XC_ATTRS a;

	if (*arg == 0) {
		smtpd_reply(state, "501 5.5.4 Syntax: XFORWARD attribute=value...");
		return (-1);
	}
	if (state->sender != NULL) {
		smtpd_reply(state, "503 5.5.1 Error: MAIL transaction in progress");
		return (-1);
	}
	if (!state->xforward_ok) {
		smtpd_reply(state, "550 5.7.0 Error: insufficient authorization");
		return (-1);
	}
	attrs_init(&a);
	if (attr_loop(state, "XFORWARD", A_NAME | A_ADDR | A_PORT | A_PROTO
		      | A_HELO | A_IDENT | A_SOURCE, arg, &a) < 0) {
		attrs_free(&a);
		return (-1);
	}
	if (a.seen & A_NAME)
		SWAP_STR(xf->name, dup_or_null(a.name));
	if (a.seen & A_ADDR)
		SWAP_STR(xf->addr, strcmp(vstring_str(a.addr), "unknown") ?
			 dup_or_null(a.addr) : NULL);
	if (a.seen & A_PORT)
		SWAP_STR(xf->port, strcmp(vstring_str(a.port), "unknown") ?
			 dup_or_null(a.port) : NULL);
	if (a.seen & A_PROTO)
		SWAP_STR(xf->proto, dup_or_null(a.proto));
	if (a.seen & A_HELO)
		SWAP_STR(xf->helo, dup_or_null(a.helo));
	if (a.seen & A_IDENT)
		SWAP_STR(xf->ident, dup_or_null(a.ident));
	if (a.seen & A_SOURCE)
		SWAP_STR(xf->source, dup_or_null(a.source));
	attrs_free(&a);
	smtpd_reply(state, "250 2.0.0 Ok");
	return (0);
}
