/*
 * tls_server - the server side of TLS (smtpd STARTTLS and wrapper mode)
 *
 *	tls_server_init(params, why) builds the process's server context:
 *	certificate and key (or chain files), protocol range, cipher list,
 *	optional CAs for client certificates, session tickets. NULL with
 *	why when a file is missing, a key is readable by others or does not
 *	match, or a protocol or cipher setting is invalid.
 *	tls_server_start(ctx, stream, timeout, peer, why) runs the handshake
 *	on the stream's descriptor within timeout seconds and switches the
 *	stream to TLS; NULL with why on failure.
 *	tls_server_free(ctx) frees the context.
 *
 * A client certificate (ask_ccert) is requested but never required: a
 * bad one only leaves peer_trusted at 0, the handshake goes on.
 */
#include <errno.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "msg.h"
#include "mymalloc.h"
#include "vstream.h"
#include "vstring.h"
#include "tls.h"
#include "tls_priv.h"

static const unsigned char tls_server_sid_ctx[] = "postern-smtpd";

/* Record the outcome, never stop the handshake for a client certificate. */
static int
tls_server_verify_cb(int ok, X509_STORE_CTX *store)
{
	(void) ok;
	(void) store;
	return (1);
}

TLS_SERVER_CTX *
tls_server_init(const TLS_SERVER_PARAMS *params, VSTRING *why)
{
	TLS_SERVER_CTX *ctx;
	SSL_CTX *ssl_ctx;
	VSTRING *ciphers;
	int     min;
	int     max;

	tls_ssl_init();
	vstring_truncate(why, 0);
	if (tls_protocol_range(params->protocols, &min, &max, why) < 0)
		return (NULL);
	if (!tls_digest_ok(params->fpt_dgst, why))
		return (NULL);
	if ((params->chain_files == NULL || *params->chain_files == 0)
	    && (params->cert_file == NULL || *params->cert_file == 0)) {
		vstring_strcpy(why, "no server certificate file configured");
		return (NULL);
	}
	ERR_clear_error();
	if ((ssl_ctx = SSL_CTX_new(TLS_server_method())) == NULL) {
		vstring_strcpy(why, "cannot create a server TLS context: ");
		tls_print_errors(why);
		return (NULL);
	}
	tls_set_protocols_ctx(ssl_ctx, min, max);
	ciphers = vstring_alloc(100);
	if (tls_cipher_list(params->cipher_grade, params->exclude_ciphers,
			    &params->lists, ciphers, why) < 0) {
		vstring_free(ciphers);
		SSL_CTX_free(ssl_ctx);
		return (NULL);
	}
	if (SSL_CTX_set_cipher_list(ssl_ctx, vstring_str(ciphers)) != 1) {
		vstring_sprintf(why, "invalid cipher list \"%s\": ",
				vstring_str(ciphers));
		tls_print_errors(why);
		vstring_free(ciphers);
		SSL_CTX_free(ssl_ctx);
		return (NULL);
	}
	vstring_free(ciphers);
	if (tls_load_cert_key(ssl_ctx, params->cert_file, params->key_file,
			      params->chain_files, why) < 0) {
		SSL_CTX_free(ssl_ctx);
		return (NULL);
	}
	if (params->ask_ccert) {
		const char *cafile = params->CAfile && *params->CAfile ?
		params->CAfile : NULL;
		const char *capath = params->CApath && *params->CApath ?
		params->CApath : NULL;

		if ((cafile || capath)
		    && SSL_CTX_load_verify_locations(ssl_ctx, cafile, capath) != 1) {
			vstring_sprintf(why, "cannot load CA certificates from %s: ",
					cafile ? cafile : capath);
			tls_print_errors(why);
			SSL_CTX_free(ssl_ctx);
			return (NULL);
		}
		if (cafile) {
			STACK_OF(X509_NAME) *names = SSL_load_client_CA_file(cafile);

			if (names)
				SSL_CTX_set_client_CA_list(ssl_ctx, names);
		}
		SSL_CTX_set_verify(ssl_ctx, SSL_VERIFY_PEER, tls_server_verify_cb);
	} else {
		SSL_CTX_set_verify(ssl_ctx, SSL_VERIFY_NONE, NULL);
	}
	SSL_CTX_set_options(ssl_ctx, SSL_OP_IGNORE_UNEXPECTED_EOF
			    | SSL_OP_NO_RENEGOTIATION);
	/* Built-in DH groups for DHE cipher suites (TLS 1.2 and older). */
	(void) SSL_CTX_set_dh_auto(ssl_ctx, 1);
	SSL_CTX_set_mode(ssl_ctx, SSL_MODE_ENABLE_PARTIAL_WRITE
			 | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	(void) SSL_CTX_set_session_id_context(ssl_ctx, tls_server_sid_ctx,
					      sizeof(tls_server_sid_ctx) - 1);
	SSL_CTX_set_session_cache_mode(ssl_ctx, SSL_SESS_CACHE_SERVER);
	if (params->cache_timeout > 0)
		(void) SSL_CTX_set_timeout(ssl_ctx, params->cache_timeout);
	ctx = mycalloc(1, sizeof(*ctx));
	ctx->ssl_ctx = ssl_ctx;
	ctx->loglevel = params->loglevel;
	ctx->ask_ccert = params->ask_ccert;
	ctx->fpt_dgst = mystrdup(params->fpt_dgst && *params->fpt_dgst ?
				 params->fpt_dgst : "sha256");
	return (ctx);
}

void
tls_server_free(TLS_SERVER_CTX *ctx)
{
	SSL_CTX_free(ctx->ssl_ctx);
	myfree(ctx->fpt_dgst);
	myfree(ctx);
}

TLS_SESS *
tls_server_start(TLS_SERVER_CTX *ctx, VSTREAM *stream, int timeout,
		 const char *peer_namaddr, VSTRING *why)
{
	TLS_IMPL *impl;
	TLS_SESS *sess;
	SSL    *ssl;
	ssize_t ret;

	vstring_truncate(why, 0);
	/* A "220 Ready to start TLS" still in our buffer would deadlock. */
	if (vstream_fflush(stream) != 0) {
		vstring_sprintf(why, "SSL_accept error from %s: lost connection",
				peer_namaddr);
		return (NULL);
	}
	ERR_clear_error();
	if ((ssl = SSL_new(ctx->ssl_ctx)) == NULL) {
		vstring_sprintf(why, "cannot start TLS for %s: ", peer_namaddr);
		tls_print_errors(why);
		return (NULL);
	}
	impl = tls_impl_create(ssl, vstream_fileno(stream), ctx->loglevel);
	sess = tls_sess_create(impl);
	if (ctx->loglevel >= 2)
		msg_info("setting up TLS connection from %s", peer_namaddr);
	ret = tls_do_io(impl, TLS_OP_ACCEPT, NULL, 0,
			timeout > 0 ? timeout * 1000 : -1);
	if (ret <= 0) {
		int     saved = errno;

		if (ret < 0 && saved == ETIMEDOUT) {
			vstring_sprintf(why, "SSL_accept error from %s: timed out",
					peer_namaddr);
		} else if (ERR_peek_error() != 0) {
			vstring_sprintf(why, "SSL_accept error from %s: ",
					peer_namaddr);
			tls_print_errors(why);
		} else {
			vstring_sprintf(why, "SSL_accept error from %s: %s",
					peer_namaddr, ret == 0 || saved == EPIPE ?
					"lost connection" : strerror(saved));
		}
		tls_session_stop(sess, (VSTREAM *) 0, 1);
		return (NULL);
	}
	tls_sess_fill(sess, ctx->fpt_dgst);
	/* peer_verified has no name to match on this side. */
	sess->peer_verified = sess->peer_trusted;
	if (ctx->loglevel >= 2) {
		msg_info("%s: TLS handshake done: %s, cipher %s, %s",
			 peer_namaddr, sess->protocol, sess->cipher,
			 sess->reused ? "session reused" : "new session");
		if (*sess->peer_cert_fpt)
			msg_info("%s: client certificate: subject_CN=%s, "
				 "issuer_CN=%s, fingerprint=%s, pkey_fingerprint=%s, %s",
				 peer_namaddr, sess->peer_CN, sess->issuer_CN,
				 sess->peer_cert_fpt, sess->peer_pkey_fpt,
				 sess->peer_trusted ? "trusted" : "untrusted");
	}
	tls_install_io(sess, stream);
	return (sess);
}
