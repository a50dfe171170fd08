/*
 * smtpd_tls - STARTTLS (RFC 3207) and wrapper mode for smtpd(8)
 *
 * The TLS work itself is lib/tls (tls.h); this file is the glue between
 * the smtpd_tls_* parameters and an SMTP session.
 *
 *	smtpd_tls_pre_init() reads the parameters and, when TLS is wanted
 *	(smtpd_tls_security_level may or encrypt, the older smtpd_use_tls
 *	and smtpd_enforce_tls, or smtpd_tls_wrappermode), builds the server
 *	context: certificate and key are read here, before the privilege
 *	drop. A context that cannot be built is logged as "warning: TLS
 *	library problem: <why>" and is never fatal: at level may the
 *	server then runs without STARTTLS; at level encrypt STARTTLS gets
 *	454 (and MAIL keeps getting 530); in wrapper mode every connection
 *	is dropped with a warning.
 *	It also loads (creating or rotating them when due) the session
 *	ticket keys that all smtpd processes share,
 *	$data_directory/smtpd_tls_ticket_keys (tls_server_ticket_keys()),
 *	so that a client may resume its TLS session with any process;
 *	a problem there is a warning, and tickets stay per process.
 *	smtpd_tls_level() and smtpd_tls_wrapper_mode() the configuration.
 *	smtpd_tls_offer() whether EHLO lists STARTTLS for this session.
 *	smtpd_tls_required() whether commands other than HELO, EHLO,
 *	STARTTLS, NOOP, QUIT and XCLIENT must wait for TLS (level encrypt).
 *	smtpd_tls_auth_allowed() whether SASL AUTH may be offered:
 *	smtpd_tls_auth_only (implied by level encrypt) keeps it to TLS
 *	sessions. (smtpd has no AUTH yet; this is its rule when it comes.)
 *	smtpd_tls_wrapper_start() the handshake at connect in wrapper mode;
 *	0, or -1 when the session is over (logged).
 *	smtpd_starttls_cmd() the STARTTLS command: 0, or -1 after a reply
 *	or (failed handshake, logged) with state->quit set.
 *	smtpd_tls_received() the TLS comment lines of the Received: header
 *	(with smtpd_tls_received_header), written to state->cleanup.
 *	smtpd_tls_stop() ends the TLS session before the stream is closed.
 *
 * Errors: peers get replies, the log gets warnings; nothing here exits.
 */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "msg.h"
#include "mymalloc.h"
#include "vstring.h"
#include "vstream.h"
#include "mail_conf.h"
#include "rec_type.h"
#include "cleanup_client.h"
#include "tls.h"
#include "smtpd.h"
#include "smtpd_tls.h"

#define STR(x)	vstring_str(x)

static TLS_SERVER_CTX *tls_ctx;		/* NULL: no TLS possible */
static int tls_level = SMTPD_TLS_NONE;
static int tls_wrapper;			/* smtpd_tls_wrappermode */
static int tls_auth_only;		/* smtpd_tls_auth_only */
static int tls_ask_ccert;		/* smtpd_tls_ask_ccert */
static int tls_loglevel;		/* smtpd_tls_loglevel */
static int tls_received_header;		/* smtpd_tls_received_header */
static int starttls_timeout;		/* smtpd_starttls_timeout */
static char *exclude_ciphers;		/* joined exclusion lists */

/* level_from_config - smtpd_tls_security_level, or the older booleans */

static int
level_from_config(void)
{
	const char *text = mail_conf_str("smtpd_tls_security_level");

	if (*text == 0) {
		if (mail_conf_bool("smtpd_enforce_tls"))
			return (SMTPD_TLS_ENCRYPT);
		if (mail_conf_bool("smtpd_use_tls"))
			return (SMTPD_TLS_MAY);
		return (SMTPD_TLS_NONE);
	}
	if (strcasecmp(text, "none") == 0)
		return (SMTPD_TLS_NONE);
	if (strcasecmp(text, "may") == 0)
		return (SMTPD_TLS_MAY);
	if (strcasecmp(text, "encrypt") == 0)
		return (SMTPD_TLS_ENCRYPT);
	if (strcasecmp(text, "fingerprint") == 0
	    || strcasecmp(text, "verify") == 0
	    || strcasecmp(text, "secure") == 0) {
		msg_warn("smtpd_tls_security_level = %s is not supported by "
			 "the SMTP server; using \"encrypt\"", text);
		return (SMTPD_TLS_ENCRYPT);
	}
	msg_fatal("invalid smtpd_tls_security_level value: \"%s\"", text);
}

/*
 * ticket_keys - session ticket keys shared by all smtpd processes, in
 * $data_directory (we are still root here). Without them each process
 * has keys of its own and a client can resume only with the process
 * that issued its ticket.
 */
static void
ticket_keys(int lifetime, VSTRING *why)
{
	VSTRING *path = vstring_alloc(100);

	vstring_sprintf(path, "%s/%s", mail_conf_str("data_directory"),
			SMTPD_TLS_TICKET_KEYS);
	if (tls_server_ticket_keys(tls_ctx, STR(path),
				   mail_conf_str("tls_session_ticket_cipher"),
				   lifetime, why) < 0)
		msg_warn("TLS session ticket keys: %s; sessions resume only "
			 "with the smtpd process that started them", STR(why));
	vstring_free(path);
}

void
smtpd_tls_pre_init(void)
{
	TLS_SERVER_PARAMS params;
	VSTRING *why;
	VSTRING *buf;
	int	mandatory;
	const char *excl;
	const char *mexcl;

	tls_level = level_from_config();
	tls_wrapper = mail_conf_bool("smtpd_tls_wrappermode");
	tls_auth_only = mail_conf_bool("smtpd_tls_auth_only");
	tls_ask_ccert = mail_conf_bool("smtpd_tls_ask_ccert");
	tls_loglevel = (int) mail_conf_int("smtpd_tls_loglevel");
	tls_received_header = mail_conf_bool("smtpd_tls_received_header");
	starttls_timeout = (int) mail_conf_time("smtpd_starttls_timeout");
	if (tls_level == SMTPD_TLS_NONE && !tls_wrapper)
		return;

	/* Wrapper mode and level encrypt have no clear-text fallback. */
	mandatory = tls_wrapper || tls_level == SMTPD_TLS_ENCRYPT;
	excl = mail_conf_str("smtpd_tls_exclude_ciphers");
	mexcl = mail_conf_str("smtpd_tls_mandatory_exclude_ciphers");
	buf = vstring_alloc(100);
	vstring_strcpy(buf, excl);
	if (mandatory && *mexcl)
		vstring_sprintf_append(buf, "%s%s", *excl ? ", " : "", mexcl);
	exclude_ciphers = vstring_export(buf);

	memset(&params, 0, sizeof(params));
	params.cert_file = mail_conf_str("smtpd_tls_cert_file");
	params.key_file = mail_conf_str("smtpd_tls_key_file");
	params.chain_files = mail_conf_str("smtpd_tls_chain_files");
	params.CAfile = mail_conf_str("smtpd_tls_CAfile");
	params.CApath = mail_conf_str("smtpd_tls_CApath");
	params.protocols = mail_conf_str(mandatory ?
					 "smtpd_tls_mandatory_protocols" :
					 "smtpd_tls_protocols");
	params.cipher_grade = mail_conf_str(mandatory ?
					    "smtpd_tls_mandatory_ciphers" :
					    "smtpd_tls_ciphers");
	params.exclude_ciphers = exclude_ciphers;
	params.fpt_dgst = mail_conf_str("smtpd_tls_fingerprint_digest");
	params.ask_ccert = tls_ask_ccert;
	params.loglevel = tls_loglevel;
	params.cache_timeout =
	    (int) mail_conf_time("smtpd_tls_session_cache_timeout");
	params.lists.high = mail_conf_str("tls_high_cipherlist");
	params.lists.medium = mail_conf_str("tls_medium_cipherlist");
	params.lists.low = mail_conf_str("tls_low_cipherlist");
	params.lists.export_list = mail_conf_str("tls_export_cipherlist");
	params.lists.null_list = mail_conf_str("tls_null_cipherlist");

	why = vstring_alloc(100);
	if (*params.chain_files == 0 && *params.cert_file == 0) {
		vstring_strcpy(why, "no server certificate: smtpd_tls_cert_file "
			       "and smtpd_tls_chain_files are empty");
	} else {
		tls_ctx = tls_server_init(&params, why);
	}
	if (tls_ctx != NULL)
		ticket_keys(params.cache_timeout, why);
	if (tls_ctx == NULL) {
		msg_warn("TLS library problem: %s", STR(why));
		if (tls_wrapper)
			msg_warn("smtpd_tls_wrappermode: connections will be "
				 "dropped until the TLS problem is fixed");
		else if (tls_level == SMTPD_TLS_ENCRYPT)
			msg_warn("smtpd_tls_security_level = encrypt: STARTTLS "
				 "will be answered with 454 and mail refused "
				 "until the TLS problem is fixed");
		else
			msg_warn("STARTTLS will not be offered");
	}
	vstring_free(why);
}

int
smtpd_tls_level(void)
{
	return (tls_level);
}

int
smtpd_tls_wrapper_mode(void)
{
	return (tls_wrapper);
}

int
smtpd_tls_offer(SMTPD_STATE *state)
{
	if (state->tls || tls_wrapper
	    || (state->discard_mask & SMTPD_EHLO_STARTTLS))
		return (0);
	/* At level encrypt, STARTTLS tells the client why it gets 454. */
	return (tls_level == SMTPD_TLS_ENCRYPT
		|| (tls_level == SMTPD_TLS_MAY && tls_ctx != NULL));
}

int
smtpd_tls_required(SMTPD_STATE *state)
{
	return (state->tls == NULL
		&& (tls_wrapper || tls_level == SMTPD_TLS_ENCRYPT));
}

int
smtpd_tls_auth_allowed(SMTPD_STATE *state)
{
	if (state->tls)
		return (1);
	return (!tls_auth_only && tls_level != SMTPD_TLS_ENCRYPT);
}

/* has_cert - the client presented a certificate */

static int
has_cert(const TLS_SESS *sess)
{
	return ((sess->peer_cert_fpt && *sess->peer_cert_fpt)
		|| (sess->peer_CN && *sess->peer_CN));
}

/* established - the session is up; log it as Postfix does */

static void
established(SMTPD_STATE *state, TLS_SESS *sess)
{
	VSTRING *buf;

	state->tls = sess;
	if (tls_loglevel < 1)
		return;
	buf = vstring_alloc(100);
	msg_info("%s TLS connection established from %s: %s",
		 !has_cert(sess) ? "Anonymous" :
		 sess->peer_trusted ? "Trusted" : "Untrusted",
		 state->peer.namaddr, tls_session_summary(sess, buf));
	vstring_free(buf);
}

int
smtpd_tls_wrapper_start(SMTPD_STATE *state)
{
	TLS_SESS *sess;

	if (tls_ctx == NULL) {
		msg_warn("wrapper-mode request dropped from %s: TLS context "
			 "initialization failed; see the earlier TLS library "
			 "warning", state->peer.namaddr);
		return (-1);
	}
	sess = tls_server_start(tls_ctx, state->client, starttls_timeout,
				state->peer.namaddr, state->why);
	if (sess == NULL) {
		msg_info("%s", STR(state->why));
		msg_info("lost connection after CONNECT from %s",
			 state->peer.namaddr);
		return (-1);
	}
	established(state, sess);
	return (0);
}

int
smtpd_starttls_cmd(SMTPD_STATE *state, const char *arg)
{
	TLS_SESS *sess;
	size_t	dropped;

	if (*arg) {
		smtpd_reply(state, "501 5.5.4 Syntax: STARTTLS");
		return (-1);
	}
	if (state->tls) {
		smtpd_reply(state, "554 5.5.1 Error: TLS already active");
		return (-1);
	}
	if (tls_level == SMTPD_TLS_NONE
	    || (state->discard_mask & SMTPD_EHLO_STARTTLS)) {
		smtpd_reply(state, "502 5.5.1 Error: command not implemented");
		return (-1);
	}
	if (tls_ctx == NULL) {
		smtpd_reply(state, "454 4.7.0 TLS not available due to local "
			    "problem");
		return (-1);
	}
	smtpd_reply(state, "220 2.0.0 Ready to start TLS");
	smtpd_reply_flush(state);
	if (vstream_ferror(state->client)) {
		smtpd_lost(state, "STARTTLS");
		return (-1);
	}

	/*
	 * Whatever the client sent after STARTTLS came in clear text; read as
	 * if it came over TLS, it would be a command an attacker injected
	 * (CVE-2011-0411). Bytes still in the kernel are no plaintext for
	 * the handshake either: they make it fail.
	 */
	dropped = vstream_discard_input(state->client);
	if (dropped > 0)
		msg_warn("%s: discarding %zu bytes of pipelined or injected "
			 "input after STARTTLS", state->peer.namaddr, dropped);
	sess = tls_server_start(tls_ctx, state->client, starttls_timeout,
				state->peer.namaddr, state->why);
	if (sess == NULL) {
		msg_info("%s", STR(state->why));
		msg_info("lost connection after STARTTLS from %s",
			 state->peer.namaddr);
		state->quit = 1;
		return (-1);
	}
	established(state, sess);

	/* RFC 3207 section 4.2: forget what the client told in clear text. */
	smtpd_trans_reset(state);
	smtpd_xforward_reset(state);
	if (state->helo_name) {
		myfree(state->helo_name);
		state->helo_name = NULL;
	}
	state->protocol = "SMTP";
	state->pipelining = 0;
	return (0);
}

/* comment_text - certificate text fit for a header comment */

static const char *
comment_text(VSTRING *buf, const char *text)
{
	const unsigned char *cp;

	VSTRING_RESET(buf);
	for (cp = (const unsigned char *) (text ? text : ""); *cp; cp++) {
		if (vstring_len(buf) >= 200)
			break;
		vstring_addch(buf, (*cp < ' ' || *cp >= 0x7f || *cp == '('
				    || *cp == ')' || *cp == '"' || *cp == '\\') ?
			      '?' : *cp);
	}
	return (STR(buf));
}

void
smtpd_tls_received(SMTPD_STATE *state)
{
	TLS_SESS *sess = state->tls;
	CLEANUP_CLIENT *cc = state->cleanup;
	VSTRING *summary;
	VSTRING *cn;
	VSTRING *issuer;
	const char *text;
	const char *kex;
	const char *csig;

	if (sess == NULL || !tls_received_header)
		return;
	summary = vstring_alloc(100);
	text = tls_session_summary(sess, summary);

	/*
	 * Postfix folds the summary before "key-exchange" and before
	 * "client-signature" (when the library reports them).
	 */
	if ((kex = strstr(text, " key-exchange ")) == NULL) {
		cleanup_client_fmt(cc, REC_TYPE_NORMAL, "\t(using %s)", text);
	} else {
		cleanup_client_fmt(cc, REC_TYPE_NORMAL, "\t(using %.*s",
				   (int) (kex - text), text);
		if ((csig = strstr(kex, " client-signature ")) == NULL) {
			cleanup_client_fmt(cc, REC_TYPE_NORMAL, "\t %s)", kex + 1);
		} else {
			cleanup_client_fmt(cc, REC_TYPE_NORMAL, "\t %.*s",
					   (int) (csig - kex - 1), kex + 1);
			cleanup_client_fmt(cc, REC_TYPE_NORMAL, "\t %s)", csig + 1);
		}
	}
	if (has_cert(sess)) {
		cn = vstring_alloc(64);
		issuer = vstring_alloc(64);
		cleanup_client_fmt(cc, REC_TYPE_NORMAL,
				   "\t(Client CN \"%s\", Issuer \"%s\" (%s))",
				   comment_text(cn, sess->peer_CN),
				   comment_text(issuer, sess->issuer_CN),
				   sess->peer_trusted ? "verified OK" :
				   "not verified");
		vstring_free(cn);
		vstring_free(issuer);
	} else if (tls_ask_ccert) {
		cleanup_client_fmt(cc, REC_TYPE_NORMAL,
				   "\t(Client did not present a certificate)");
	} else {
		cleanup_client_fmt(cc, REC_TYPE_NORMAL,
				   "\t(No client certificate requested)");
	}
	vstring_free(summary);
}

void
smtpd_tls_stop(SMTPD_STATE *state)
{
	int	failed;

	if (state->tls == NULL)
		return;
	/* No close_notify into a connection that already broke. */
	failed = vstream_ferror(state->client) || vstream_feof(state->client);
	tls_session_stop(state->tls, state->client, failed);
	state->tls = NULL;
}
