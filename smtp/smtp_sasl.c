/*
 * smtp_sasl - SMTP AUTH to a relay (smtp_sasl_auth_enable)
 *
 *	smtp_sasl_auth(state, session) authenticates when the server
 *	offers AUTH and smtp_sasl_password_maps has credentials for it,
 *	looked up with the nexthop as written ("[host]:port"), then without
 *	the port ("[host]"), then the nexthop host or domain, then the
 *	server's host name; the value is "user:password". Without
 *	credentials or without AUTH the session goes on unauthenticated, as
 *	in Postfix. Mechanisms are the server's, minus those that
 *	smtp_sasl_mechanism_filter drops and those that
 *	smtp_sasl_security_options forbids (smtp_sasl_tls_security_options
 *	once TLS is active): with the default "noplaintext" PLAIN and LOGIN
 *	are never used over a plain-text connection.
 *	Returns SMTP_OK, or SMTP_RETRY with state->why set:
 *	"SASL authentication failed; cannot authenticate to server X: no
 *	mechanism available" (4.7.0), or "SASL authentication failed;
 *	server X said: 535 ..." (temporary with smtp_sasl_auth_soft_bounce).
 */
#include <string.h>
#include <strings.h>

#include "msg.h"
#include "mymalloc.h"
#include "dict.h"
#include "sasl_client.h"
#include "smtp.h"

#define STR(x)	vstring_str(x)

/* Credentials for this session: 1 found, 0 none, -1 lookup error. */
static int
smtp_sasl_passwd(SMTP_SESSION *session, const char **value)
{
	const char *keys[4];
	char   *bare = NULL;
	const char *cp;
	size_t	i;
	int	status = DICT_STAT_FAIL;

	keys[0] = session->dest;
	keys[1] = NULL;
	if (session->dest[0] == '[' && (cp = strrchr(session->dest, ']'))
	    && cp[1] == ':')
		keys[1] = bare = mystrndup(session->dest,
					   (size_t) (cp - session->dest) + 1);
	keys[2] = session->dest_host;
	keys[3] = session->host;
	for (i = 0; i < 4 && status == DICT_STAT_FAIL; i++) {
		if (keys[i] == NULL)
			continue;
		status = maps_find(smtp_var.sasl_passwd, keys[i], MAPS_FLAG_NONE,
				   value);
		if (status == DICT_STAT_ERROR)
			msg_warn("%s: lookup of %s failed: %s",
				 smtp_param("sasl_password_maps"), keys[i],
				 maps_error(smtp_var.sasl_passwd));
	}
	if (bare)
		myfree(bare);
	return (status == DICT_STAT_SUCCESS ? 1 :
		status == DICT_STAT_ERROR ? -1 : 0);
}

int
smtp_sasl_auth(SMTP_STATE *state, SMTP_SESSION *session)
{
	SASL_CLIENT *sc;
	SMTP_REPLY *reply;
	VSTRING *why;
	VSTRING *out;
	VSTRING *offered;
	ARGV   *mechs;
	const char *value;
	char   *user;
	char   *pass;
	int	sec;
	size_t	i;
	int	ret = SMTP_OK;
	int	status;

	if (!(session->features & SMTP_FEATURE_AUTH) || !session->auth_mechs
	    || smtp_var.sasl_passwd == NULL)
		return (SMTP_OK);
	if ((status = smtp_sasl_passwd(session, &value)) == 0)
		return (SMTP_OK);
	if (status < 0) {
		smtp_why_set(&state->why, "4.3.0", session->relay,
			     "%s lookup error", smtp_param("sasl_password_maps"));
		return (SMTP_RETRY);
	}
	if (sasl_passwd_split(value, &user, &pass) < 0) {
		user = mystrdup(value);
		pass = mystrdup("");
	}
	sec = session->tls ? smtp_var.sasl_tls_sec : smtp_var.sasl_sec;
	offered = vstring_alloc(50);
	mechs = argv_split(session->auth_mechs, " \t");
	for (i = 0; i < mechs->len; i++) {
		if (!sasl_mech_allowed(mechs->argv[i], sec))
			continue;
		if (vstring_len(offered))
			vstring_strcat(offered, " ");
		vstring_strcat(offered, mechs->argv[i]);
	}
	argv_free(mechs);
	why = vstring_alloc(100);
	out = vstring_alloc(100);
	reply = smtp_reply_alloc();
	sc = vstring_len(offered) ? sasl_client_create(STR(offered),
						       smtp_var.sasl_mech_filter,
						       user, pass, why) : NULL;
	memset(pass, 0, strlen(pass));
	myfree(user);
	myfree(pass);
	if (sc == NULL) {
		smtp_why_set(&state->why, "4.7.0", session->relay,
			     "SASL authentication failed; cannot authenticate "
			     "to server %s: no mechanism available",
			     session->namaddr);
		vstring_strcpy(state->why.mname, session->host);
		ret = SMTP_RETRY;
		goto done;
	}
	sasl_client_first(sc, out);
	if (vstring_len(out))
		smtp_cmd(session, smtp_var.helo_timeout, "AUTH %s %s",
			 sasl_client_mech(sc), STR(out));
	else
		smtp_cmd(session, smtp_var.helo_timeout, "AUTH %s",
			 sasl_client_mech(sc));
	for (;;) {
		if (smtp_chat(session, smtp_var.helo_timeout, reply) < 0) {
			smtp_io_fail(&state->why, session, "authenticating");
			ret = SMTP_RETRY;
			break;
		}
		if (reply->code == 334) {
			const char *challenge = reply->lines->argv[0];

			if (sasl_client_next(sc, challenge, out, why) < 0) {
				smtp_cmd(session, smtp_var.helo_timeout, "*");
				(void) smtp_chat(session, smtp_var.helo_timeout, reply);
				smtp_why_set(&state->why, "4.7.0", session->relay,
					     "SASL authentication failed; "
					     "cannot authenticate to server %s: %s",
					     session->namaddr, STR(why));
				ret = SMTP_RETRY;
				break;
			}
			smtp_cmd(session, smtp_var.helo_timeout, "%s", STR(out));
			continue;
		}
		if (reply->code / 100 == 2)
			break;
		smtp_why_set(&state->why, reply->dsn, session->relay,
			     "SASL authentication failed; server %s said: %s",
			     session->namaddr, STR(reply->text));
		vstring_strcpy(state->why.dtext, STR(reply->text));
		state->why.dtype_smtp = 1;
		vstring_strcpy(state->why.mname, session->host);
		if (smtp_var.sasl_soft_bounce
		    && STR(state->why.status)[0] == '5')
			STR(state->why.status)[0] = '4';
		ret = SMTP_RETRY;
		break;
	}
	sasl_client_free(sc);
done:
	smtp_reply_free(reply);
	vstring_free(why);
	vstring_free(out);
	vstring_free(offered);
	return (ret);
}
