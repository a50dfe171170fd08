/*
 * smtp_tls - TLS security levels for the delivery client
 *
 *	smtp_tls_policy(dest, host, port, policy) decides the level for a
 *	destination: smtp_tls_security_level (or the legacy smtp_use_tls /
 *	smtp_enforce_tls), overridden by smtp_tls_policy_maps, looked up
 *	with the nexthop as written ("[host]:port", "[host]", "domain"),
 *	then with the parent domains as ".parent". A policy value is
 *	"level [match=...] [protocols=...] [ciphers=...] [exclude=...]".
 *	An unknown level, a lookup error or "dane-only" (no DNSSEC here)
 *	give TLS_LEV_INVALID: the caller defers. "dane" works as "may".
 *	smtp_tls_policy_free() frees what a policy holds.
 *
 *	smtp_tls_start(state, session, policy, wrapper) runs STARTTLS
 *	after EHLO (or, with wrapper, the handshake before the greeting:
 *	smtp_tls_wrappermode) and then EHLO again. The levels:
 *	  may		TLS when offered; a failed handshake returns SMTP_PLAIN
 *			so the caller reconnects in plain text;
 *	  encrypt	TLS required: "TLS is required, but was not offered
 *			by host X[addr]" (4.7.4) when missing;
 *	  fingerprint	the certificate digest must be one of
 *			smtp_tls_fingerprint_cert_match (or match=a|b);
 *	  verify	a trusted chain and a name from
 *			smtp_tls_verify_cert_match (default: the server's
 *			host name);
 *	  secure	the same with smtp_tls_secure_cert_match (default the
 *			nexthop and its subdomains).
 *	"hostname", "nexthop" and "dot-nexthop" in the match lists become
 *	names here. Failures of the higher levels defer with 4.7.5 and the
 *	library's reason ("Server certificate not verified"). With
 *	smtp_tls_loglevel >= 1 a line like Postfix's "Verified TLS
 *	connection established to host[addr]:port: TLSv1.3 with cipher
 *	TLS_AES_256_GCM_SHA384 (256/256 bits)" is logged.
 */
#include <string.h>
#include <strings.h>

#include "msg.h"
#include "mymalloc.h"
#include "stringops.h"
#include "dict.h"
#include "smtp.h"

#define STR(x)	vstring_str(x)

/* Parse a policy table value into policy; 0 or -1. */
static int
smtp_tls_policy_parse(const char *key, const char *value,
		      SMTP_TLS_POLICY *policy)
{
	ARGV   *words = argv_split(value, " \t\r\n,");
	size_t	i;
	int	level;
	char   *eq;

	if (words->len == 0) {
		argv_free(words);
		msg_warn("%s: %s: empty policy", smtp_param("tls_policy_maps"),
			 key);
		return (-1);
	}
	level = tls_level_lookup(words->argv[0]);
	if (level == TLS_LEV_INVALID) {
		msg_warn("%s: %s: invalid TLS security level \"%s\"",
			 smtp_param("tls_policy_maps"), key, words->argv[0]);
		argv_free(words);
		return (-1);
	}
	policy->level = level;
	for (i = 1; i < words->len; i++) {
		if ((eq = strchr(words->argv[i], '=')) == NULL) {
			msg_warn("%s: %s: bad attribute \"%s\"",
				 smtp_param("tls_policy_maps"), key, words->argv[i]);
			continue;
		}
		*eq++ = 0;
		if (strcasecmp(words->argv[i], "match") == 0) {
			if (policy->match == NULL)
				policy->match = argv_alloc(2);
			argv_split_append(policy->match, eq,
					  level == TLS_LEV_FINGERPRINT ? "|" : ":");
		} else if (strcasecmp(words->argv[i], "protocols") == 0) {
			if (policy->protocols)
				myfree(policy->protocols);
			policy->protocols = mystrdup(eq);
		} else if (strcasecmp(words->argv[i], "ciphers") == 0) {
			if (policy->ciphers)
				myfree(policy->ciphers);
			policy->ciphers = mystrdup(eq);
		} else if (strcasecmp(words->argv[i], "exclude") == 0) {
			if (policy->exclude)
				myfree(policy->exclude);
			policy->exclude = mystrdup(eq);
		} else {
			msg_warn("%s: %s: ignoring attribute \"%s\"",
				 smtp_param("tls_policy_maps"), key, words->argv[i]);
		}
	}
	argv_free(words);
	return (0);
}

/* One lookup: 1 found (parsed), 0 not found, -1 error. */
static int
smtp_tls_policy_find(const char *key, SMTP_TLS_POLICY *policy)
{
	const char *value;
	int	status;

	status = maps_find(smtp_var.tls_policy, key, MAPS_FLAG_NONE, &value);
	if (status == DICT_STAT_SUCCESS)
		return (smtp_tls_policy_parse(key, value, policy) < 0 ? -1 : 1);
	if (status == DICT_STAT_ERROR) {
		msg_warn("%s: lookup of %s failed: %s",
			 smtp_param("tls_policy_maps"), key,
			 maps_error(smtp_var.tls_policy));
		return (-1);
	}
	return (0);
}

void
smtp_tls_policy(const char *dest, const char *host, unsigned port,
		SMTP_TLS_POLICY *policy)
{
	const char *cp;
	int	found = 0;

	(void) port;
	memset(policy, 0, sizeof(*policy));
	policy->level = smtp_var.tls_level;
	if (smtp_var.tls_policy) {
		found = smtp_tls_policy_find(dest, policy);
		if (found == 0 && dest[0] == '[' && (cp = strrchr(dest, ']'))
		    && cp[1] == ':') {
			char   *bare = mystrndup(dest, (size_t) (cp - dest) + 1);

			found = smtp_tls_policy_find(bare, policy);
			myfree(bare);
		}
		if (found == 0 && dest[0] != '[' && strcasecmp(dest, host) != 0)
			found = smtp_tls_policy_find(host, policy);
		for (cp = strchr(host, '.'); found == 0 && dest[0] != '['
		     && cp != NULL; cp = strchr(cp + 1, '.'))
			found = smtp_tls_policy_find(cp, policy);
		if (found < 0) {
			policy->level = TLS_LEV_INVALID;
			return;
		}
	}
	if (policy->level == TLS_LEV_DANE)
		policy->level = TLS_LEV_MAY;
	if (policy->level == TLS_LEV_DANE_ONLY) {
		msg_warn("%s: TLS level dane-only needs DNSSEC, which is not "
			 "supported", dest);
		policy->level = TLS_LEV_INVALID;
		return;
	}
	if (policy->level == TLS_LEV_MAY && smtp_var.tls_ctx == NULL)
		policy->level = TLS_LEV_NONE;
}

void
smtp_tls_policy_free(SMTP_TLS_POLICY *policy)
{
	if (policy->match)
		argv_free(policy->match);
	if (policy->protocols)
		myfree(policy->protocols);
	if (policy->ciphers)
		myfree(policy->ciphers);
	if (policy->exclude)
		myfree(policy->exclude);
	memset(policy, 0, sizeof(*policy));
}

/* Names or fingerprints to match, with keywords expanded. */
static ARGV *
smtp_tls_matchargv(SMTP_SESSION *session, const SMTP_TLS_POLICY *policy)
{
	ARGV   *in;
	ARGV   *out = argv_alloc(4);
	VSTRING *buf = vstring_alloc(100);
	size_t	i;

	if (policy->match) {
		in = argv_alloc(4);
		for (i = 0; i < policy->match->len; i++)
			argv_add(in, policy->match->argv[i]);
	} else if (policy->level == TLS_LEV_FINGERPRINT) {
		in = argv_split(smtp_var.tls_fpt_match, ", \t\r\n");
	} else if (policy->level == TLS_LEV_VERIFY) {
		in = argv_split(smtp_var.tls_verify_match, ", \t\r\n:");
	} else {
		in = argv_split(smtp_var.tls_secure_match, ", \t\r\n:");
	}
	for (i = 0; i < in->len; i++) {
		const char *word = in->argv[i];

		if (policy->level == TLS_LEV_FINGERPRINT)
			argv_add(out, word);
		else if (strcasecmp(word, "hostname") == 0)
			argv_add(out, session->host);
		else if (strcasecmp(word, "nexthop") == 0)
			argv_add(out, session->dest_host);
		else if (strcasecmp(word, "dot-nexthop") == 0) {
			vstring_sprintf(buf, ".%s", session->dest_host);
			argv_add(out, STR(buf));
		} else
			argv_add(out, word);
	}
	argv_free(in);
	vstring_free(buf);
	return (out);
}

/* Fail for a required-TLS reason; keeps the session usable for QUIT. */
static int
smtp_tls_required(SMTP_STATE *state, SMTP_SESSION *session,
		  const char *status, const char *reason)
{
	smtp_why_set(&state->why, status, session->relay, "%s", reason);
	vstring_strcpy(state->why.mname, session->host);
	return (SMTP_RETRY);
}

int
smtp_tls_start(SMTP_STATE *state, SMTP_SESSION *session,
	       const SMTP_TLS_POLICY *policy, int wrapper)
{
	TLS_CLIENT_START start;
	SMTP_REPLY *reply;
	VSTRING *why;
	VSTRING *serverid;
	VSTRING *buf;
	ARGV   *match;
	TLS_SESS *sess;
	int	level = policy->level;
	int	mandatory = level >= TLS_LEV_ENCRYPT;
	const char *sni = "";

	if (!wrapper && !(session->features & SMTP_FEATURE_STARTTLS)) {
		if (!mandatory)
			return (SMTP_OK);
		buf = vstring_alloc(100);
		vstring_sprintf(buf, "TLS is required, but was not offered by "
				"host %s", session->namaddr);
		(void) smtp_tls_required(state, session, "4.7.4", STR(buf));
		vstring_free(buf);
		return (SMTP_RETRY);
	}
	if (smtp_var.tls_ctx == NULL) {
		if (!mandatory && !wrapper)
			return (SMTP_OK);
		session->broken = wrapper;
		return (smtp_tls_required(state, session, "4.7.5", "TLS is "
				 "required, but our TLS engine is unavailable"));
	}
	if (!wrapper) {
		reply = smtp_reply_alloc();
		smtp_cmd(session, smtp_var.starttls_timeout, "STARTTLS");
		if (smtp_chat(session, smtp_var.starttls_timeout, reply) < 0) {
			smtp_io_fail(&state->why, session, "sending STARTTLS");
			smtp_reply_free(reply);
			return (SMTP_RETRY);
		}
		if (reply->code != 220) {
			if (mandatory) {
				smtp_reply_fail(&state->why, session, reply, "STARTTLS");
				smtp_reply_free(reply);
				return (SMTP_RETRY);
			}
			smtp_reply_free(reply);
			return (SMTP_OK);
		}
		smtp_reply_free(reply);
		(void) vstream_discard_input(session->stream);
	}
	why = vstring_alloc(100);
	serverid = vstring_alloc(100);
	buf = vstring_alloc(100);
	match = smtp_tls_matchargv(session, policy);
	vstring_sprintf(serverid, "%s:%s:%u:%s&l=%s", smtp_prefix, session->addr,
			session->port, session->host, tls_level_name(level));
	if (strcasecmp(smtp_var.tls_servername, "hostname") == 0)
		sni = session->host;
	else if (strcasecmp(smtp_var.tls_servername, "nexthop") == 0)
		sni = session->dest_host;
	else
		sni = smtp_var.tls_servername;
	memset(&start, 0, sizeof(start));
	start.level = level;
	start.timeout = smtp_var.starttls_timeout;
	start.host = session->host;
	start.namaddr = session->relay;
	start.serverid = STR(serverid);
	start.protocols = policy->protocols ? policy->protocols : mandatory ?
		smtp_var.tls_mand_protocols : smtp_var.tls_protocols;
	start.cipher_grade = policy->ciphers ? policy->ciphers : mandatory ?
		smtp_var.tls_mand_ciphers : smtp_var.tls_ciphers;
	start.exclude_ciphers = policy->exclude ? policy->exclude : mandatory ?
		smtp_var.tls_mand_excl_ciphers : smtp_var.tls_excl_ciphers;
	start.matchargv = (const char *const *) match->argv;
	start.fpt_dgst = smtp_var.tls_fpt_dgst;
	start.fpt_pkey = 0;
	start.sni = sni;
	sess = tls_client_start(smtp_var.tls_ctx, session->stream, &start, why);
	argv_free(match);
	vstring_free(serverid);
	if (sess == NULL) {
		session->broken = 1;
		if (level == TLS_LEV_MAY && !wrapper) {
			msg_info("%s: TLS handshake with %s failed: %s; trying "
				 "again without TLS", state->req->queue_id,
				 session->relay, STR(why));
			vstring_free(why);
			vstring_free(buf);
			return (SMTP_PLAIN);
		}
		if (strstr(STR(why), "certificate") || strstr(STR(why), "fingerprint"))
			smtp_why_set(&state->why, "4.7.5", session->relay, "%s",
				     STR(why));
		else {
			msg_info("%s: TLS handshake with %s failed: %s",
				 state->req->queue_id, session->relay, STR(why));
			smtp_why_set(&state->why, "4.7.5", session->relay,
				     "Cannot start TLS: handshake failure");
		}
		vstring_strcpy(state->why.mname, session->host);
		vstring_free(why);
		vstring_free(buf);
		return (SMTP_RETRY);
	}
	session->tls = sess;
	if (smtp_var.tls_loglevel >= 1)
		msg_info("%s TLS connection established to %s: %s",
			 sess->peer_verified ? "Verified" : sess->peer_trusted ?
			 "Trusted" : (sess->peer_cert_fpt && *sess->peer_cert_fpt)
			 ? "Untrusted" : "Anonymous", session->relay,
			 tls_session_summary(sess, buf));
	vstring_free(why);
	vstring_free(buf);
	if (!wrapper)
		return (smtp_helo(state, session, 0));
	return (SMTP_OK);
}
