/*
 * tls_client - the client side of TLS (smtp and lmtp)
 *
 *	tls_client_init(params, why) builds the process's client context:
 *	CAs for verification, an optional client certificate and key, and
 *	an in-process session cache. NULL with why on bad files or keys.
 *	tls_client_start(ctx, stream, start, why) runs the handshake on the
 *	stream's descriptor with the protocols, ciphers and SNI of this
 *	start, offers a cached session for start->serverid, then checks the
 *	server according to start->level (see tls.h). On success the stream
 *	speaks TLS; NULL with why on failure (the stream is then unusable).
 *	tls_client_free(ctx) frees the context and its cached sessions.
 *	With a cache_file, sessions are also saved there and looked up there
 *	when this process has none (tls_scache.c), so that all smtp
 *	processes share them.
 *
 * Certificate checks never abort the handshake (SSL_VERIFY_NONE: OpenSSL
 * still verifies the chain and keeps the result), so that may/encrypt
 * work with any certificate and failures at higher levels can say why.
 * Sessions, TLS 1.3 tickets included, reach the cache through the
 * new-session callback, which may fire long after the handshake, when
 * the ticket is read during the SMTP dialogue.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "msg.h"
#include "mymalloc.h"
#include "argv.h"
#include "htable.h"
#include "vstream.h"
#include "vstring.h"
#include "tls.h"
#include "tls_priv.h"

typedef struct TLS_CACHE_ENTRY {
	SSL_SESSION *session;
	time_t	expires;
} TLS_CACHE_ENTRY;

static int tls_client_ex_index = -1;

static void
tls_cache_entry_free(void *ptr)
{
	TLS_CACHE_ENTRY *ent = ptr;

	SSL_SESSION_free(ent->session);
	myfree(ent);
}

/* OpenSSL hands us a new session (or TLS 1.3 ticket): keep it. */
static int
tls_client_new_session(SSL *ssl, SSL_SESSION *session)
{
	TLS_IMPL *impl = SSL_get_ex_data(ssl, tls_client_ex_index);
	TLS_CLIENT_CTX *cctx;
	TLS_CACHE_ENTRY *ent;
	HTABLE_INFO *ht;

	if (impl == NULL || impl->serverid == NULL || impl->cctx == NULL)
		return (0);
	if (!SSL_SESSION_is_resumable(session))
		return (0);
	cctx = impl->cctx;
	ent = mymalloc(sizeof(*ent));
	ent->session = session;
	ent->expires = time(NULL) + cctx->cache_timeout;
	if ((ht = htable_locate(cctx->cache, impl->serverid)) != NULL) {
		tls_cache_entry_free(ht->value);
		ht->value = ent;
	} else {
		htable_enter(cctx->cache, impl->serverid, ent);
	}
	if (*cctx->cache_file)
		tls_scache_save(cctx->cache_file, impl->serverid, session,
				ent->expires);
	if (impl->loglevel >= 2)
		msg_info("save session %s to %s cache", impl->serverid,
			 *cctx->cache_file ? "memory and file" : "memory");
	return (1);				/* the reference is ours now */
}

/* A live cached session for serverid, or NULL. */
static SSL_SESSION *
tls_cache_find(TLS_CLIENT_CTX *cctx, const char *serverid)
{
	TLS_CACHE_ENTRY *ent;
	SSL_SESSION *session;
	time_t	expires;

	if ((ent = htable_find(cctx->cache, serverid)) == NULL) {
		/* Another process may have one. */
		if (*cctx->cache_file == 0
		    || (session = tls_scache_load(cctx->cache_file, serverid,
						  &expires)) == NULL)
			return (NULL);
		ent = mymalloc(sizeof(*ent));
		ent->session = session;
		ent->expires = expires;
		htable_enter(cctx->cache, serverid, ent);
	}
	if (ent->expires <= time(NULL)
	    || !SSL_SESSION_is_resumable(ent->session)) {
		htable_delete(cctx->cache, serverid, tls_cache_entry_free);
		return (NULL);
	}
	return (ent->session);
}

static void
tls_copy_list(const char **dst, const char *src)
{
	*dst = src ? mystrdup(src) : NULL;
}

static void
tls_free_list(const char *p)
{
	if (p)
		myfree((void *) p);
}

TLS_CLIENT_CTX *
tls_client_init(const TLS_CLIENT_PARAMS *params, VSTRING *why)
{
	TLS_CLIENT_CTX *ctx;
	SSL_CTX *ssl_ctx;
	const char *cafile;
	const char *capath;

	tls_ssl_init();
	vstring_truncate(why, 0);
	if (tls_client_ex_index < 0
	    && (tls_client_ex_index = SSL_get_ex_new_index(0, NULL, NULL,
							   NULL, NULL)) < 0)
		msg_fatal("cannot allocate OpenSSL ex_data index");
	ERR_clear_error();
	if ((ssl_ctx = SSL_CTX_new(TLS_client_method())) == NULL) {
		vstring_strcpy(why, "cannot create a client TLS context: ");
		tls_print_errors(why);
		return (NULL);
	}
	cafile = params->CAfile && *params->CAfile ? params->CAfile : NULL;
	capath = params->CApath && *params->CApath ? params->CApath : NULL;
	if ((cafile || capath)
	    && SSL_CTX_load_verify_locations(ssl_ctx, cafile, capath) != 1) {
		vstring_sprintf(why, "cannot load CA certificates from %s: ",
				cafile ? cafile : capath);
		tls_print_errors(why);
		SSL_CTX_free(ssl_ctx);
		return (NULL);
	}
	if (tls_load_cert_key(ssl_ctx, params->cert_file, params->key_file,
			      params->chain_files, why) < 0) {
		SSL_CTX_free(ssl_ctx);
		return (NULL);
	}
	SSL_CTX_set_verify(ssl_ctx, SSL_VERIFY_NONE, NULL);
	SSL_CTX_set_options(ssl_ctx, SSL_OP_IGNORE_UNEXPECTED_EOF
			    | SSL_OP_NO_RENEGOTIATION);
	SSL_CTX_set_mode(ssl_ctx, SSL_MODE_ENABLE_PARTIAL_WRITE
			 | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	SSL_CTX_set_session_cache_mode(ssl_ctx, SSL_SESS_CACHE_CLIENT
				       | SSL_SESS_CACHE_NO_INTERNAL_STORE);
	SSL_CTX_sess_set_new_cb(ssl_ctx, tls_client_new_session);

	ctx = mycalloc(1, sizeof(*ctx));
	ctx->ssl_ctx = ssl_ctx;
	ctx->loglevel = params->loglevel;
	ctx->cache_timeout = params->cache_timeout > 0 ?
	    params->cache_timeout : 3600;
	ctx->cache_file = mystrdup(params->cache_file ? params->cache_file : "");
	ctx->cache = htable_create(13);
	tls_copy_list(&ctx->lists.high, params->lists.high);
	tls_copy_list(&ctx->lists.medium, params->lists.medium);
	tls_copy_list(&ctx->lists.low, params->lists.low);
	tls_copy_list(&ctx->lists.export_list, params->lists.export_list);
	tls_copy_list(&ctx->lists.null_list, params->lists.null_list);
	return (ctx);
}

void
tls_client_free(TLS_CLIENT_CTX *ctx)
{
	htable_free(ctx->cache, tls_cache_entry_free);
	SSL_CTX_free(ctx->ssl_ctx);
	myfree(ctx->cache_file);
	tls_free_list(ctx->lists.high);
	tls_free_list(ctx->lists.medium);
	tls_free_list(ctx->lists.low);
	tls_free_list(ctx->lists.export_list);
	tls_free_list(ctx->lists.null_list);
	myfree(ctx);
}

/* Lowercase copy without a trailing dot. */
static char *
tls_name_norm(const char *name, size_t len)
{
	char   *res = mystrndup(name, len);
	char   *cp;

	for (cp = res; *cp; cp++)
		*cp = (char) tolower((unsigned char) *cp);
	if (cp > res && cp[-1] == '.')
		cp[-1] = 0;
	return (res);
}

static int
tls_ends_with(const char *str, const char *suffix)
{
	size_t  slen = strlen(str);
	size_t  xlen = strlen(suffix);

	return (slen >= xlen && strcmp(str + slen - xlen, suffix) == 0);
}

/*
 * One certificate name against one wanted name (both normalised).
 * "*.x.y" in a certificate covers exactly one label; ".x.y" wanted means
 * any name below x.y.
 */
static int
tls_name_match(const char *wanted, const char *certname)
{
	const char *dot;
	int     wild = strncmp(certname, "*.", 2) == 0
	    && strchr(certname + 2, '.') != NULL
	    && strchr(certname + 2, '*') == NULL;

	if (*certname == 0 || *wanted == 0)
		return (0);
	if (*wanted == '.') {
		if (wild)
			return (tls_ends_with(certname + 1, wanted));
		if (strchr(certname, '*') != NULL)
			return (0);
		return (strlen(certname) > strlen(wanted)
			&& tls_ends_with(certname, wanted));
	}
	if (wild) {
		if ((dot = strchr(wanted, '.')) == NULL || dot == wanted)
			return (0);
		return (strcmp(dot + 1, certname + 2) == 0);
	}
	if (strchr(certname, '*') != NULL)
		return (0);
	return (strcmp(wanted, certname) == 0);
}

/* Is wanted an IP address literal ([1.2.3.4] or 1.2.3.4)? */
static int
tls_ip_literal(const char *wanted, char *buf, size_t len)
{
	unsigned char addr[16];
	size_t  n = strlen(wanted);

	if (n >= 2 && wanted[0] == '[' && wanted[n - 1] == ']') {
		wanted++;
		n -= 2;
	}
	if (n >= len)
		return (0);
	memcpy(buf, wanted, n);
	buf[n] = 0;
	if (strncasecmp(buf, "ipv6:", 5) == 0)
		memmove(buf, buf + 5, n - 4);
	return (inet_pton(AF_INET, buf, addr) == 1
		|| inet_pton(AF_INET6, buf, addr) == 1);
}

/* The DNS subjectAltNames, or the subject CNs without any. */
static ARGV *
tls_cert_names(X509 *peer)
{
	ARGV   *names = argv_alloc(4);
	GENERAL_NAMES *gens;
	X509_NAME *subj;
	int     i;

	gens = X509_get_ext_d2i(peer, NID_subject_alt_name, NULL, NULL);
	if (gens) {
		for (i = 0; i < sk_GENERAL_NAME_num(gens); i++) {
			const GENERAL_NAME *gn = sk_GENERAL_NAME_value(gens, i);
			const unsigned char *data;
			int     len;
			char   *n;

			if (gn->type != GEN_DNS)
				continue;
			data = ASN1_STRING_get0_data(gn->d.dNSName);
			len = ASN1_STRING_length(gn->d.dNSName);
			if (len <= 0 || memchr(data, 0, (size_t) len) != NULL)
				continue;
			n = tls_name_norm((const char *) data, (size_t) len);
			argv_add(names, n);
			myfree(n);
		}
		GENERAL_NAMES_free(gens);
	}
	if (names->len > 0)
		return (names);
	subj = X509_get_subject_name(peer);
	for (i = -1; (i = X509_NAME_get_index_by_NID(subj, NID_commonName, i)) >= 0;) {
		const ASN1_STRING *s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subj, i));
		unsigned char *utf8 = NULL;
		int     len = ASN1_STRING_to_UTF8(&utf8, s);

		if (len > 0 && memchr(utf8, 0, (size_t) len) == NULL) {
			char   *n = tls_name_norm((const char *) utf8, (size_t) len);

			argv_add(names, n);
			myfree(n);
		}
		if (utf8)
			OPENSSL_free(utf8);
	}
	return (names);
}

static int
tls_check_names(X509 *peer, const char *const *matchargv)
{
	ARGV   *names;
	size_t  i;
	int     matched = 0;
	char    ipbuf[64];

	if (matchargv == NULL)
		return (0);
	names = tls_cert_names(peer);
	for (; *matchargv && !matched; matchargv++) {
		char   *wanted = tls_name_norm(*matchargv, strlen(*matchargv));

		if (tls_ip_literal(wanted, ipbuf, sizeof(ipbuf))) {
			matched = X509_check_ip_asc(peer, ipbuf, 0) == 1;
		} else {
			for (i = 0; i < names->len && !matched; i++)
				matched = tls_name_match(wanted, names->argv[i]);
		}
		myfree(wanted);
	}
	argv_free(names);
	return (matched);
}

/* Fingerprints compare as hex digits: case and colons do not matter. */
static int
tls_fpt_equal(const char *a, const char *b)
{
	for (;;) {
		while (*a == ':')
			a++;
		while (*b == ':')
			b++;
		if (*a == 0 || *b == 0)
			return (*a == *b);
		if (toupper((unsigned char) *a) != toupper((unsigned char) *b))
			return (0);
		a++;
		b++;
	}
}

static int
tls_check_fpt(const TLS_SESS *sess, const TLS_CLIENT_START *start)
{
	const char *fpt = start->fpt_pkey ? sess->peer_pkey_fpt :
	sess->peer_cert_fpt;
	const char *const *cpp;

	if (*fpt == 0 || start->matchargv == NULL)
		return (0);
	for (cpp = start->matchargv; *cpp; cpp++)
		if (tls_fpt_equal(*cpp, fpt))
			return (1);
	return (0);
}

/* The certificate checks of start->level: 0, or -1 with why. */
static int
tls_client_check(TLS_SESS *sess, const TLS_CLIENT_START *start,
		 VSTRING *why)
{
	TLS_IMPL *impl = sess->impl;
	X509   *peer = SSL_get1_peer_certificate(impl->ssl);
	const char *namaddr = start->namaddr ? start->namaddr : "server";
	long    vres = SSL_get_verify_result(impl->ssl);
	int     must = start->level == TLS_LEV_FINGERPRINT
	|| start->level == TLS_LEV_VERIFY || start->level == TLS_LEV_SECURE;
	int     log_untrusted = must || impl->loglevel >= 2;
	int     ret = 0;

	if (peer == NULL) {
		if (must) {
			msg_info("%s: server sent no certificate", namaddr);
			vstring_strcpy(why, "Server certificate not verified");
			ret = -1;
		}
		return (ret);
	}
	if (!sess->peer_trusted && log_untrusted
	    && start->level != TLS_LEV_FINGERPRINT)
		msg_info("certificate verification failed for %s: %s",
			 namaddr, X509_verify_cert_error_string(vres));
	switch (start->level) {
	case TLS_LEV_FINGERPRINT:
		sess->peer_verified = tls_check_fpt(sess, start);
		if (!sess->peer_verified) {
			msg_info("%s: certificate fingerprint mismatch: %s",
				 namaddr, start->fpt_pkey ?
				 sess->peer_pkey_fpt : sess->peer_cert_fpt);
			vstring_strcpy(why, "Server certificate not verified: "
				       "fingerprint mismatch");
			ret = -1;
		}
		break;
	case TLS_LEV_VERIFY:
	case TLS_LEV_SECURE:
		if (!sess->peer_trusted) {
			vstring_strcpy(why, "Server certificate not trusted");
			ret = -1;
			break;
		}
		sess->peer_verified = tls_check_names(peer, start->matchargv);
		if (!sess->peer_verified) {
			msg_info("%s: server certificate name mismatch: "
				 "subject_CN=%s", namaddr, sess->peer_CN);
			vstring_strcpy(why, "Server certificate not verified");
			ret = -1;
		}
		break;
	default:
		/* may, encrypt (and dane, handled as may): record only. */
		sess->peer_verified = 0;
		break;
	}
	X509_free(peer);
	return (ret);
}

TLS_SESS *
tls_client_start(TLS_CLIENT_CTX *ctx, VSTREAM *stream,
		 const TLS_CLIENT_START *start, VSTRING *why)
{
	const char *namaddr = start->namaddr ? start->namaddr :
	(start->host ? start->host : "server");
	VSTRING *ciphers;
	TLS_IMPL *impl;
	TLS_SESS *sess;
	SSL_SESSION *cached = NULL;
	SSL    *ssl;
	ssize_t ret;
	int     min;
	int     max;

	vstring_truncate(why, 0);
	if (start->level == TLS_LEV_DANE_ONLY) {
		vstring_strcpy(why, "TLS security level dane-only needs DNSSEC, "
			       "which is not supported");
		return (NULL);
	}
	if (tls_protocol_range(start->protocols, &min, &max, why) < 0)
		return (NULL);
	if (!tls_digest_ok(start->fpt_dgst, why))
		return (NULL);
	ciphers = vstring_alloc(100);
	if (tls_cipher_list(start->cipher_grade, start->exclude_ciphers,
			    &ctx->lists, ciphers, why) < 0) {
		vstring_free(ciphers);
		return (NULL);
	}
	if (vstream_fflush(stream) != 0) {
		vstring_sprintf(why, "SSL_connect error to %s: lost connection",
				namaddr);
		vstring_free(ciphers);
		return (NULL);
	}
	ERR_clear_error();
	if ((ssl = SSL_new(ctx->ssl_ctx)) == NULL) {
		vstring_sprintf(why, "cannot start TLS to %s: ", namaddr);
		tls_print_errors(why);
		vstring_free(ciphers);
		return (NULL);
	}
	if (SSL_set_cipher_list(ssl, vstring_str(ciphers)) != 1) {
		vstring_sprintf(why, "invalid cipher list \"%s\": ",
				vstring_str(ciphers));
		tls_print_errors(why);
		vstring_free(ciphers);
		SSL_free(ssl);
		return (NULL);
	}
	vstring_free(ciphers);
	(void) SSL_set_min_proto_version(ssl, min);
	(void) SSL_set_max_proto_version(ssl, max);
	if (start->sni && *start->sni
	    && SSL_set_tlsext_host_name(ssl, start->sni) != 1) {
		vstring_sprintf(why, "cannot set SNI name \"%s\": ", start->sni);
		tls_print_errors(why);
		SSL_free(ssl);
		return (NULL);
	}
	impl = tls_impl_create(ssl, vstream_fileno(stream), ctx->loglevel);
	impl->cctx = ctx;
	if (start->serverid && *start->serverid) {
		impl->serverid = mystrdup(start->serverid);
		if ((cached = tls_cache_find(ctx, start->serverid)) != NULL) {
			(void) SSL_set_session(ssl, cached);
			if (ctx->loglevel >= 2)
				msg_info("%s: reloaded session %s from memory cache",
					 namaddr, start->serverid);
		}
	}
	SSL_set_ex_data(ssl, tls_client_ex_index, impl);
	sess = tls_sess_create(impl);
	if (ctx->loglevel >= 2)
		msg_info("setting up TLS connection to %s", namaddr);
	ret = tls_do_io(impl, TLS_OP_CONNECT, NULL, 0,
			start->timeout > 0 ? start->timeout * 1000 : -1);
	if (ret <= 0) {
		int     saved = errno;

		if (ret < 0 && saved == ETIMEDOUT) {
			vstring_sprintf(why, "SSL_connect error to %s: timed out",
					namaddr);
		} else if (ERR_peek_error() != 0) {
			vstring_sprintf(why, "SSL_connect error to %s: ", namaddr);
			tls_print_errors(why);
		} else {
			vstring_sprintf(why, "SSL_connect error to %s: %s", namaddr,
					ret == 0 || saved == EPIPE ?
					"lost connection" : strerror(saved));
		}
		/* A session the server refused is no good for the next try. */
		if (cached && start->serverid)
			htable_delete(ctx->cache, start->serverid,
				      tls_cache_entry_free);
		tls_session_stop(sess, (VSTREAM *) 0, 1);
		return (NULL);
	}
	tls_sess_fill(sess, start->fpt_dgst);
	if (ctx->loglevel >= 2) {
		msg_info("%s: TLS handshake done: %s, cipher %s, %s", namaddr,
			 sess->protocol, sess->cipher,
			 sess->reused ? "session reused" : "new session");
		if (*sess->peer_cert_fpt)
			msg_info("%s: server certificate: subject_CN=%s, "
				 "issuer_CN=%s, fingerprint=%s, pkey_fingerprint=%s",
				 namaddr, sess->peer_CN, sess->issuer_CN,
				 sess->peer_cert_fpt, sess->peer_pkey_fpt);
	}
	if (tls_client_check(sess, start, why) < 0) {
		tls_session_stop(sess, (VSTREAM *) 0, 0);
		return (NULL);
	}
	tls_install_io(sess, stream);
	return (sess);
}
