/*
 * smtp_params - the delivery client's parameters under one prefix
 *
 *	smtp_param(suffix) is the full name of a parameter for the running
 *	protocol: "smtp_" or "lmtp_" followed by suffix, with the two names
 *	LMTP spells differently (helo_name -> lmtp_lhlo_name, helo_timeout
 *	-> lmtp_lhlo_timeout). The string is valid until the next call.
 *	smtp_params_init() reads every parameter into smtp_var; it runs in
 *	the pre-init hook, still privileged, because it also builds the TLS
 *	client context (key files) and opens smtp_tls_policy_maps and
 *	smtp_sasl_password_maps (which may hold secrets). It also lists
 *	this machine's names for loop detection in smtp_var.own_names:
 *	myhostname, the inet_interfaces addresses ("all": every active
 *	interface address; "loopback-only": 127.0.0.1 and ::1) and the
 *	proxy_interfaces addresses (host names resolved), as Postfix does.
 *
 * Errors: bad values are fatal with the parameter's name.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "msg.h"
#include "mymalloc.h"
#include "stringops.h"
#include "mail_conf.h"
#include "inet_local.h"
#include "sasl_client.h"
#include "smtp.h"

int	smtp_lmtp;
const char *smtp_prefix = "smtp";
SMTP_PARAMS smtp_var;

const char *
smtp_param(const char *suffix)
{
	static VSTRING *name;

	if (name == NULL)
		name = vstring_alloc(40);
	if (smtp_lmtp && strcmp(suffix, "helo_name") == 0)
		suffix = "lhlo_name";
	else if (smtp_lmtp && strcmp(suffix, "helo_timeout") == 0)
		suffix = "lhlo_timeout";
	vstring_sprintf(name, "%s_%s", smtp_prefix, suffix);
	return (vstring_str(name));
}

static const char *
pstr(const char *suffix)
{
	return (mail_conf_str(smtp_param(suffix)));
}

static int
pbool(const char *suffix)
{
	return (mail_conf_bool(smtp_param(suffix)));
}

static int
ptime(const char *suffix)
{
	long	val = mail_conf_time(smtp_param(suffix));

	return (val > 86400 * 365 ? 86400 * 365 : (int) val);
}

static int
pint(const char *suffix)
{
	return ((int) mail_conf_int(smtp_param(suffix)));
}

/* Port number from a number or a service name. */
static unsigned
smtp_port_value(const char *name, const char *text)
{
	struct servent *sp;
	char   *end;
	long	port;

	port = strtol(text, &end, 10);
	if (*text && *end == 0 && port > 0 && port < 65536)
		return ((unsigned) port);
	if ((sp = getservbyname(text, "tcp")) != NULL)
		return (ntohs((unsigned short) sp->s_port));
	if (strcmp(text, "smtp") == 0)
		return (25);
	if (strcmp(text, "lmtp") == 0)
		return (24);
	msg_fatal("%s: unknown service: %s", name, text);
}

/* Effective default TLS level from the level and the legacy booleans. */
static int
smtp_default_level(void)
{
	const char *text = pstr("tls_security_level");
	int	level;

	if (*text) {
		level = tls_level_lookup(text);
		if (level == TLS_LEV_INVALID)
			msg_fatal("%s: unknown TLS security level: %s",
				  smtp_param("tls_security_level"), text);
		return (level);
	}
	if (pbool("enforce_tls"))
		return (pbool("tls_enforce_peername") ? TLS_LEV_VERIFY :
			TLS_LEV_ENCRYPT);
	if (pbool("use_tls"))
		return (TLS_LEV_MAY);
	return (TLS_LEV_NONE);
}

static void
smtp_tls_init(void)
{
	TLS_CLIENT_PARAMS params;
	VSTRING *why;

	memset(&params, 0, sizeof(params));
	params.CAfile = pstr("tls_CAfile");
	params.CApath = pstr("tls_CApath");
	params.cert_file = pstr("tls_cert_file");
	params.key_file = pstr("tls_key_file");
	params.chain_files = pstr("tls_chain_files");
	params.cache_file = pstr("tls_session_cache_database");
	params.cache_timeout = ptime("tls_session_cache_timeout");
	params.loglevel = smtp_var.tls_loglevel;
	params.lists.high = mail_conf_str("tls_high_cipherlist");
	params.lists.medium = mail_conf_str("tls_medium_cipherlist");
	params.lists.low = mail_conf_str("tls_low_cipherlist");
	params.lists.export_list = mail_conf_str("tls_export_cipherlist");
	params.lists.null_list = mail_conf_str("tls_null_cipherlist");
	why = vstring_alloc(100);
	if ((smtp_var.tls_ctx = tls_client_init(&params, why)) == NULL)
		msg_warn("cannot initialize TLS client: %s; TLS will not be "
			 "used", vstring_str(why));
	vstring_free(why);
}

/* This machine's names and addresses, for loop detection. */
static ARGV *
smtp_own_names(void)
{
	ARGV   *own = argv_alloc(10);
	INET_LOCAL_LIST *list;
	VSTRING *why = vstring_alloc(100);
	char	buf[INET6_ADDRSTRLEN];
	char   *saved;
	char   *bp;
	char   *tok;
	int	protos;
	size_t	i;

	argv_add(own, smtp_var.myhostname);
	if (inet_local_protocols(mail_conf_str("inet_protocols"), &protos,
				 why) < 0)
		msg_fatal("%s", vstring_str(why));
	if ((list = inet_local_interfaces(mail_conf_str("inet_interfaces"),
					  protos, why)) == NULL)
		msg_fatal("%s", vstring_str(why));
	for (i = 0; i < list->len; i++)
		if (inet_ntop(list->addrs[i].family, list->addrs[i].addr,
			      buf, sizeof(buf)) != NULL)
			argv_add(own, buf);
	inet_local_free(list);

	/* proxy_interfaces: addresses of a proxy or NAT in front of us. */
	bp = saved = mystrdup(mail_conf_str("proxy_interfaces"));
	while ((tok = mystrtok(&bp, ", \t\r\n")) != NULL) {
		size_t	len = strlen(tok);
		struct addrinfo hints;
		struct addrinfo *res;
		struct addrinfo *ai;

		if (tok[0] == '[' && len > 2 && tok[len - 1] == ']') {
			tok[len - 1] = 0;
			tok++;
		}
		memset(&hints, 0, sizeof(hints));
		hints.ai_socktype = SOCK_STREAM;
		if (getaddrinfo(tok, NULL, &hints, &res) != 0)
			msg_fatal("config variable proxy_interfaces: "
				  "host not found: %s", tok);
		for (ai = res; ai; ai = ai->ai_next) {
			struct sockaddr_in *sin = (void *) ai->ai_addr;
			struct sockaddr_in6 *sin6 = (void *) ai->ai_addr;
			const void *src;

			if (ai->ai_family == AF_INET)
				src = &sin->sin_addr;
			else if (ai->ai_family == AF_INET6)
				src = &sin6->sin6_addr;
			else
				continue;
			if (inet_ntop(ai->ai_family, src, buf, sizeof(buf)))
				argv_add(own, buf);
		}
		freeaddrinfo(res);
	}
	myfree(saved);
	vstring_free(why);
	return (own);
}

void
smtp_params_init(void)
{
	VSTRING *why = vstring_alloc(100);
	const char *text;

	smtp_var.myhostname = mail_conf_str("myhostname");
	smtp_var.helo_name = pstr("helo_name");
	smtp_var.default_port = smtp_port_value(smtp_param("tcp_port"),
						pstr("tcp_port"));
	smtp_var.connect_timeout = ptime("connect_timeout");
	smtp_var.helo_timeout = ptime("helo_timeout");
	smtp_var.mail_timeout = ptime("mail_timeout");
	smtp_var.rcpt_timeout = ptime("rcpt_timeout");
	smtp_var.data_init_timeout = ptime("data_init_timeout");
	smtp_var.data_xfer_timeout = ptime("data_xfer_timeout");
	smtp_var.data_done_timeout = ptime("data_done_timeout");
	smtp_var.quit_timeout = ptime("quit_timeout");
	smtp_var.rset_timeout = ptime("rset_timeout");
	smtp_var.starttls_timeout = ptime("starttls_timeout");
	smtp_var.bind_address = pstr("bind_address");
	smtp_var.bind_address6 = pstr("bind_address6");
	smtp_var.mx_session_limit = pint("mx_session_limit");
	smtp_var.mx_address_limit = pint("mx_address_limit");
	smtp_var.address_preference = pstr("address_preference");
	smtp_var.host_lookup = pstr("host_lookup");
	smtp_var.inet_protocols = mail_conf_str("inet_protocols");
	smtp_var.fallback_relay = pstr("fallback_relay");
	smtp_var.skip_5xx_greeting = pbool("skip_5xx_greeting");
	smtp_var.skip_quit_response = pbool("skip_quit_response");
	smtp_var.never_send_ehlo = smtp_lmtp ? 0 :
		mail_conf_bool("smtp_never_send_ehlo");
	smtp_var.quote_rfc821_envelope = pbool("quote_rfc821_envelope");
	smtp_var.line_length_limit = (size_t) pint("line_length_limit");
	smtp_var.disable_mime_conversion =
		mail_conf_bool("disable_mime_output_conversion");
	smtp_var.own_names = smtp_own_names();

	smtp_var.cache_on_demand = pbool("connection_cache_on_demand");
	smtp_var.cache_destinations = pstr("connection_cache_destinations");
	smtp_var.cache_time_limit = ptime("connection_cache_time_limit");
	smtp_var.reuse_time_limit = ptime("connection_reuse_time_limit");
	smtp_var.reuse_count_limit = pint("connection_reuse_count_limit");

	smtp_var.tls_level = smtp_default_level();
	smtp_var.tls_wrappermode = pbool("tls_wrappermode");
	smtp_var.tls_loglevel = atoi(pstr("tls_loglevel"));
	smtp_var.tls_protocols = pstr("tls_protocols");
	smtp_var.tls_mand_protocols = pstr("tls_mandatory_protocols");
	smtp_var.tls_ciphers = pstr("tls_ciphers");
	smtp_var.tls_mand_ciphers = pstr("tls_mandatory_ciphers");
	smtp_var.tls_excl_ciphers = pstr("tls_exclude_ciphers");
	smtp_var.tls_mand_excl_ciphers = pstr("tls_mandatory_exclude_ciphers");
	smtp_var.tls_verify_match = pstr("tls_verify_cert_match");
	smtp_var.tls_secure_match = pstr("tls_secure_cert_match");
	smtp_var.tls_fpt_match = pstr("tls_fingerprint_cert_match");
	smtp_var.tls_fpt_dgst = pstr("tls_fingerprint_digest");
	smtp_var.tls_servername = pstr("tls_servername");
	text = pstr("tls_policy_maps");
	if (*text)
		smtp_var.tls_policy = maps_create(smtp_param("tls_policy_maps"),
						  text);
	if (smtp_var.tls_level > TLS_LEV_NONE || smtp_var.tls_policy
	    || smtp_var.tls_wrappermode)
		smtp_tls_init();

	smtp_var.sasl_enable = pbool("sasl_auth_enable");
	smtp_var.sasl_mech_filter = pstr("sasl_mechanism_filter");
	smtp_var.sasl_soft_bounce = pbool("sasl_auth_soft_bounce");
	if ((smtp_var.sasl_sec = sasl_security_options(
				pstr("sasl_security_options"), why)) < 0)
		msg_fatal("%s: %s", smtp_param("sasl_security_options"),
			  vstring_str(why));
	if ((smtp_var.sasl_tls_sec = sasl_security_options(
				pstr("sasl_tls_security_options"), why)) < 0)
		msg_fatal("%s: %s", smtp_param("sasl_tls_security_options"),
			  vstring_str(why));
	text = pstr("sasl_password_maps");
	if (smtp_var.sasl_enable && *text)
		smtp_var.sasl_passwd =
			maps_create(smtp_param("sasl_password_maps"), text);
	vstring_free(why);
}
