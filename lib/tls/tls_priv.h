#ifndef POSTERN_TLS_PRIV_H
#define POSTERN_TLS_PRIV_H

/*
 * tls_priv - what tls_misc.c, tls_server.c and tls_client.c share
 *
 *	TLS_SERVER_CTX / TLS_CLIENT_CTX are the opaque contexts of tls.h;
 *	TLS_IMPL is TLS_SESS.impl: the SSL object and the descriptor.
 *	tls_bio_new(fd) makes a BIO on fd that never blocks and never raises
 *	SIGPIPE (sockets: MSG_DONTWAIT|MSG_NOSIGNAL; other descriptors are
 *	switched to non-blocking mode for the session).
 *	tls_impl_create(ssl, fd, loglevel) wraps an SSL object with that BIO.
 *	tls_impl_free() frees it and restores the descriptor's mode.
 *	tls_do_io(impl, op, buf, len, timeout_ms) runs one SSL operation to
 *	completion within timeout_ms (-1: no limit): the count (or 1 for a
 *	handshake), 0 at clean end of file, -1 with errno (ETIMEDOUT).
 *	tls_print_errors(why) appends OpenSSL's error queue to why and
 *	clears the queue. tls_cipher_list() builds an OpenSSL cipher string
 *	from a grade and exclusions. tls_fingerprint()/tls_pkey_fingerprint()
 *	digest a certificate. tls_sess_fill() fills the TLS_SESS fields
 *	common to both sides. tls_sess_params() describes the key exchange
 *	and the signatures of a finished handshake for the log summary.
 *	tls_install_io() plugs the session into a
 *	stream. tls_ssl_init() loads OpenSSL once. tls_scache_load/save()
 *	keep client sessions in the cache file (tls_scache.c).
 */
#include <time.h>

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "htable.h"
#include "vstring.h"
#include "tls.h"

struct TLS_SERVER_CTX {
	SSL_CTX *ssl_ctx;
	int	loglevel;
	int	ask_ccert;
	char   *fpt_dgst;
};

struct TLS_CLIENT_CTX {
	SSL_CTX *ssl_ctx;
	int	loglevel;
	int	cache_timeout;
	char   *cache_file;
	HTABLE *cache;			/* serverid -> TLS_CACHE_ENTRY */
	TLS_CIPHER_LISTS lists;		/* copies */
};

typedef struct TLS_IMPL {
	SSL    *ssl;
	int	fd;
	int	restore_blocking;	/* we set O_NONBLOCK on a non-socket */
	int	loglevel;
	TLS_CLIENT_CTX *cctx;		/* client side: where sessions go */
	char   *serverid;		/* client side: the cache key */
	char   *params;			/* " key-exchange ... server-signature
					 * ..." or "" (tls_sess_params) */
} TLS_IMPL;

#define TLS_OP_ACCEPT	1
#define TLS_OP_CONNECT	2
#define TLS_OP_READ	3
#define TLS_OP_WRITE	4
#define TLS_OP_SHUTDOWN	5

extern void tls_ssl_init(void);
extern TLS_IMPL *tls_impl_create(SSL *ssl, int fd, int loglevel);
extern void tls_impl_free(TLS_IMPL *impl);
extern ssize_t tls_do_io(TLS_IMPL *impl, int op, void *buf, size_t len,
			 int timeout_ms);
extern void tls_print_errors(VSTRING *why);
extern int tls_cipher_list(const char *grade, const char *exclude,
			   const TLS_CIPHER_LISTS *lists, VSTRING *out,
			   VSTRING *why);
extern char *tls_fingerprint(X509 *cert, const char *dgst);
extern char *tls_pkey_fingerprint(X509 *cert, const char *dgst);
extern int tls_digest_ok(const char *dgst, VSTRING *why);
extern TLS_SESS *tls_sess_create(TLS_IMPL *impl);
extern void tls_sess_fill(TLS_SESS *sess, const char *dgst);
extern char *tls_sess_params(SSL *ssl);
extern void tls_install_io(TLS_SESS *sess, VSTREAM *stream);
extern int tls_load_cert_key(SSL_CTX *ssl_ctx, const char *cert_file,
			     const char *key_file, const char *chain_files,
			     VSTRING *why);
extern void tls_set_protocols_ctx(SSL_CTX *ssl_ctx, int min, int max);
extern SSL_SESSION *tls_scache_load(const char *file, const char *serverid,
				    time_t *expires);
extern void tls_scache_save(const char *file, const char *serverid,
			    SSL_SESSION *session, time_t expires);

#endif
