/*
 * tls_io - TLS records on a descriptor, with deadlines
 *
 *	tls_impl_create() attaches an SSL object to a descriptor through a
 *	BIO that never blocks and never raises SIGPIPE; every SSL operation
 *	then goes through tls_do_io(), which waits with poll() for what
 *	OpenSSL wants (read or write) and gives up at the deadline.
 *	tls_install_io() plugs tls_vstream_read/write into a VSTREAM with
 *	vstream_control_io(); tls_session_stop() unplugs them, says
 *	close_notify and frees everything. tls_sess_create()/tls_sess_fill()
 *	build the TLS_SESS a caller sees. tls_pending() counts input that
 *	OpenSSL holds and the descriptor no longer shows (tls.h).
 *
 * Errors: -1 with errno (ETIMEDOUT at the deadline, EPIPE when the peer
 * is gone, EIO for a TLS protocol error); nothing here logs unless the
 * session's loglevel asks for it.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "msg.h"
#include "mymalloc.h"
#include "iostuff.h"
#include "vstream.h"
#include "vstring.h"
#include "tls.h"
#include "tls_priv.h"

/* BIO data: the descriptor and whether it is a socket. */
typedef struct TLS_BIO_DATA {
	int	fd;
	int	is_socket;
} TLS_BIO_DATA;

static BIO_METHOD *tls_bio_method;

static int
tls_bio_write(BIO *bio, const char *buf, int len)
{
	TLS_BIO_DATA *bd = BIO_get_data(bio);
	ssize_t n;

	BIO_clear_retry_flags(bio);
	if (len <= 0)
		return (0);
	do {
		n = bd->is_socket ?
		    send(bd->fd, buf, (size_t) len, MSG_DONTWAIT | MSG_NOSIGNAL) :
		    write(bd->fd, buf, (size_t) len);
	} while (n < 0 && errno == EINTR);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		BIO_set_retry_write(bio);
	return ((int) n);
}

static int
tls_bio_read(BIO *bio, char *buf, int len)
{
	TLS_BIO_DATA *bd = BIO_get_data(bio);
	ssize_t n;

	BIO_clear_retry_flags(bio);
	if (len <= 0)
		return (0);
	do {
		n = bd->is_socket ?
		    recv(bd->fd, buf, (size_t) len, MSG_DONTWAIT) :
		    read(bd->fd, buf, (size_t) len);
	} while (n < 0 && errno == EINTR);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		BIO_set_retry_read(bio);
	return ((int) n);
}

static int
tls_bio_puts(BIO *bio, const char *str)
{
	return (tls_bio_write(bio, str, (int) strlen(str)));
}

static long
tls_bio_ctrl(BIO *bio, int cmd, long num, void *ptr)
{
	(void) bio;
	(void) num;
	(void) ptr;
	switch (cmd) {
	case BIO_CTRL_FLUSH:
		return (1);
	default:
		return (0);
	}
}

static int
tls_bio_destroy(BIO *bio)
{
	TLS_BIO_DATA *bd = BIO_get_data(bio);

	if (bd)
		myfree(bd);
	BIO_set_data(bio, NULL);
	BIO_set_init(bio, 0);
	return (1);
}

static BIO *
tls_bio_new(int fd, int is_socket)
{
	TLS_BIO_DATA *bd;
	BIO    *bio;

	if (tls_bio_method == NULL) {
		tls_bio_method = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK,
					      "postern socket");
		if (tls_bio_method == NULL
		    || !BIO_meth_set_write(tls_bio_method, tls_bio_write)
		    || !BIO_meth_set_read(tls_bio_method, tls_bio_read)
		    || !BIO_meth_set_puts(tls_bio_method, tls_bio_puts)
		    || !BIO_meth_set_ctrl(tls_bio_method, tls_bio_ctrl)
		    || !BIO_meth_set_destroy(tls_bio_method, tls_bio_destroy))
			msg_fatal("cannot create an OpenSSL BIO method");
	}
	if ((bio = BIO_new(tls_bio_method)) == NULL)
		msg_fatal("cannot create an OpenSSL BIO: out of memory");
	bd = mymalloc(sizeof(*bd));
	bd->fd = fd;
	bd->is_socket = is_socket;
	BIO_set_data(bio, bd);
	BIO_set_init(bio, 1);
	return (bio);
}

TLS_IMPL *
tls_impl_create(SSL *ssl, int fd, int loglevel)
{
	TLS_IMPL *impl = mycalloc(1, sizeof(*impl));
	int     is_socket = io_kind(fd) == IO_KIND_SOCKET;
	BIO    *bio;

	impl->ssl = ssl;
	impl->fd = fd;
	impl->loglevel = loglevel;
	/* Sockets use MSG_DONTWAIT; pipes and the like need O_NONBLOCK. */
	if (!is_socket && non_blocking(fd, NON_BLOCKING) == BLOCKING)
		impl->restore_blocking = 1;
	bio = tls_bio_new(fd, is_socket);
	SSL_set_bio(ssl, bio, bio);
	return (impl);
}

void
tls_impl_free(TLS_IMPL *impl)
{
	if (impl->restore_blocking)
		(void) non_blocking(impl->fd, BLOCKING);
	if (impl->ssl)
		SSL_free(impl->ssl);
	if (impl->serverid)
		myfree(impl->serverid);
	if (impl->params)
		myfree(impl->params);
	myfree(impl);
}

ssize_t
tls_do_io(TLS_IMPL *impl, int op, void *buf, size_t len, int timeout_ms)
{
	long long deadline = timeout_ms < 0 ? 0 : monotonic_ms() + timeout_ms;
	int     ilen = len > INT32_MAX ? INT32_MAX : (int) len;
	int     ret;
	int     err;
	int     left;
	int     saved_errno;

	for (;;) {
		ERR_clear_error();
		errno = 0;
		switch (op) {
		case TLS_OP_ACCEPT:
			ret = SSL_accept(impl->ssl);
			break;
		case TLS_OP_CONNECT:
			ret = SSL_connect(impl->ssl);
			break;
		case TLS_OP_READ:
			ret = SSL_read(impl->ssl, buf, ilen);
			break;
		case TLS_OP_WRITE:
			ret = SSL_write(impl->ssl, buf, ilen);
			break;
		case TLS_OP_SHUTDOWN:
			ret = SSL_shutdown(impl->ssl);
			/* 0: close_notify sent; we do not wait for the peer's. */
			if (ret == 0)
				return (1);
			break;
		default:
			msg_panic("tls_do_io: bad operation %d", op);
		}
		if (ret > 0)
			return (ret);
		saved_errno = errno;
		err = SSL_get_error(impl->ssl, ret);
		switch (err) {
		case SSL_ERROR_WANT_READ:
		case SSL_ERROR_WANT_WRITE:
			if (timeout_ms < 0) {
				left = -1;
			} else {
				long long now = monotonic_ms();

				left = now >= deadline ? 0 : (int) (deadline - now);
			}
			if ((err == SSL_ERROR_WANT_READ ?
			     read_wait(impl->fd, left) :
			     write_wait(impl->fd, left)) < 0) {
				if (errno != ETIMEDOUT)
					errno = EIO;
				return (-1);
			}
			continue;
		case SSL_ERROR_ZERO_RETURN:
			return (0);
		case SSL_ERROR_SYSCALL:
			if (saved_errno == 0 && ERR_peek_error() == 0) {
				/* End of file without close_notify. */
				if (op == TLS_OP_READ)
					return (0);
				errno = EPIPE;
				return (-1);
			}
			errno = saved_errno ? saved_errno : EIO;
			return (-1);
		default:
			errno = EIO;
			return (-1);
		}
	}
}

/* Log OpenSSL's reason for a failed read or write (loglevel >= 2). */
static ssize_t
tls_io_result(TLS_IMPL *impl, ssize_t n, const char *what)
{
	if (n < 0 && impl->loglevel >= 2 && ERR_peek_error() != 0) {
		VSTRING *why = vstring_alloc(100);
		int     saved = errno;

		tls_print_errors(why);
		msg_info("%s error: %s", what, vstring_str(why));
		vstring_free(why);
		errno = saved;
	}
	ERR_clear_error();
	return (n);
}

static ssize_t
tls_vstream_read(int fd, void *buf, size_t len, int timeout_ms, void *ctx)
{
	TLS_SESS *sess = ctx;
	TLS_IMPL *impl = sess->impl;
	ssize_t n;

	(void) fd;
	n = tls_do_io(impl, TLS_OP_READ, buf, len, timeout_ms);
	return (tls_io_result(impl, n, "SSL_read"));
}

static ssize_t
tls_vstream_write(int fd, const void *buf, size_t len, int timeout_ms,
		  void *ctx)
{
	TLS_SESS *sess = ctx;
	TLS_IMPL *impl = sess->impl;
	ssize_t n;

	(void) fd;
	n = tls_do_io(impl, TLS_OP_WRITE, (void *) buf, len, timeout_ms);
	return (tls_io_result(impl, n, "SSL_write"));
}

size_t
tls_pending(const TLS_SESS *sess)
{
	TLS_IMPL *impl;
	int     n;

	if (sess == NULL || (impl = sess->impl) == NULL || impl->ssl == NULL)
		return (0);
	if ((n = SSL_pending(impl->ssl)) > 0)
		return ((size_t) n);
	/* A record read from the socket but not yet decrypted. */
	return (SSL_has_pending(impl->ssl) ? 1 : 0);
}

void
tls_install_io(TLS_SESS *sess, VSTREAM *stream)
{
	vstream_control_io(stream, tls_vstream_read, tls_vstream_write, sess);
}

TLS_SESS *
tls_sess_create(TLS_IMPL *impl)
{
	TLS_SESS *sess = mycalloc(1, sizeof(*sess));

	sess->protocol = mystrdup("");
	sess->cipher = mystrdup("");
	sess->peer_CN = mystrdup("");
	sess->issuer_CN = mystrdup("");
	sess->peer_cert_fpt = mystrdup("");
	sess->peer_pkey_fpt = mystrdup("");
	sess->impl = impl;
	return (sess);
}

/* The first commonName of a name, "" when there is none. */
static char *
tls_name_CN(const X509_NAME *name)
{
	int     idx;
	X509_NAME_ENTRY *ent;
	const ASN1_STRING *data;
	unsigned char *utf8 = NULL;
	int     len;
	char   *res;

	if (name == NULL
	    || (idx = X509_NAME_get_index_by_NID(name, NID_commonName, -1)) < 0
	    || (ent = X509_NAME_get_entry(name, idx)) == NULL
	    || (data = X509_NAME_ENTRY_get_data(ent)) == NULL
	    || (len = ASN1_STRING_to_UTF8(&utf8, data)) < 0)
		return (mystrdup(""));
	/* A NUL inside a name is an attack; do not let it cut the name. */
	if (memchr(utf8, 0, (size_t) len) != NULL)
		res = mystrdup("");
	else
		res = mystrndup((char *) utf8, (size_t) len);
	OPENSSL_free(utf8);
	return (res);
}

static void
tls_replace(char **field, char *value)
{
	myfree(*field);
	*field = value;
}

void
tls_sess_fill(TLS_SESS *sess, const char *dgst)
{
	TLS_IMPL *impl = sess->impl;
	const SSL_CIPHER *cipher = SSL_get_current_cipher(impl->ssl);
	X509   *peer;

	tls_replace(&sess->protocol, mystrdup(SSL_get_version(impl->ssl)));
	tls_replace(&sess->cipher, mystrdup(cipher ?
					    SSL_CIPHER_get_name(cipher) : ""));
	sess->cipher_usebits = cipher ?
	    SSL_CIPHER_get_bits(cipher, &sess->cipher_algbits) : 0;
	sess->reused = SSL_session_reused(impl->ssl);
	if (impl->params)
		myfree(impl->params);
	impl->params = tls_sess_params(impl->ssl);
	if ((peer = SSL_get1_peer_certificate(impl->ssl)) != NULL) {
		tls_replace(&sess->peer_CN,
			    tls_name_CN(X509_get_subject_name(peer)));
		tls_replace(&sess->issuer_CN,
			    tls_name_CN(X509_get_issuer_name(peer)));
		tls_replace(&sess->peer_cert_fpt, tls_fingerprint(peer, dgst));
		tls_replace(&sess->peer_pkey_fpt, tls_pkey_fingerprint(peer, dgst));
		sess->peer_trusted =
		    SSL_get_verify_result(impl->ssl) == X509_V_OK;
		X509_free(peer);
	}
}

void
tls_session_stop(TLS_SESS *sess, VSTREAM *stream, int failed)
{
	TLS_IMPL *impl = sess->impl;

	if (stream)
		vstream_control_io(stream, NULL, NULL, NULL);
	if (impl) {
		/* A short, bounded close_notify; the peer's answer is not needed. */
		if (!failed && impl->ssl && SSL_is_init_finished(impl->ssl))
			(void) tls_do_io(impl, TLS_OP_SHUTDOWN, NULL, 0, 1000);
		ERR_clear_error();
		tls_impl_free(impl);
	}
	myfree(sess->protocol);
	myfree(sess->cipher);
	myfree(sess->peer_CN);
	myfree(sess->issuer_CN);
	myfree(sess->peer_cert_fpt);
	myfree(sess->peer_pkey_fpt);
	myfree(sess);
}
