/*
 * tls_ticket - session ticket keys shared by all smtpd processes
 *
 *	tls_server_ticket_keys(ctx, path, cipher, lifetime, why) sets up
 *	RFC 5077 session tickets (TLS 1.2 tickets and TLS 1.3 stateless
 *	resumption) for a server context, with keys that every process
 *	using the same file shares, so that a client may resume with any
 *	smtpd process, not only with the one that issued its ticket.
 *
 *	The file holds two keys, each with its creation time: the current
 *	one encrypts new tickets, the previous one is still accepted (its
 *	tickets are renewed under the current key). When the current key
 *	is lifetime seconds old (or dated in the future), the next call
 *	makes a new current key and keeps the old one as previous. The file
 *	is read and, when needed, rewritten under an exclusive flock() on
 *	"path.lock", written to a temporary file and renamed into place,
 *	mode 0600; path and lock file are opened with O_NOFOLLOW, and a key
 *	file that is not a regular file owned by us, or that others can
 *	read, is refused. Callers run this as root before dropping
 *	privileges (smtpd's pre-init), in a directory only they can write.
 *
 *	cipher is the ticket cipher (tls_session_ticket_cipher,
 *	"aes-256-cbc"): CBC mode, 128-bit blocks, 128 to 256 bit keys; the
 *	MAC is HMAC-SHA256. An empty cipher disables tickets; so does a
 *	lifetime <= 0, which also disables the server's session cache
 *	(Postfix's smtpd_tls_session_cache_timeout semantics); both return
 *	0. An empty path gives this process keys of its own (no sharing).
 *	Returns 0, or -1 with why (bad cipher, file problems); the context
 *	then keeps OpenSSL's own per-process tickets.
 *
 * File format (text): lines "created name key hmac", hex, current first.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>

#include "msg.h"
#include "mymalloc.h"
#include "vstring.h"
#include "tls.h"
#include "tls_priv.h"

#define TLS_TKT_NAME_LEN	16
#define TLS_TKT_KEY_LEN		32	/* the largest cipher key allowed */
#define TLS_TKT_HMAC_LEN	32
#define TLS_TKT_KEYS		2	/* current, previous */

typedef struct TLS_TICKET_KEY {
	time_t	created;		/* 0: unused slot */
	unsigned char name[TLS_TKT_NAME_LEN];
	unsigned char key[TLS_TKT_KEY_LEN];
	unsigned char hmac[TLS_TKT_HMAC_LEN];
} TLS_TICKET_KEY;

struct TLS_TICKET_KEYS {
	TLS_TICKET_KEY keys[TLS_TKT_KEYS];
	EVP_CIPHER *cipher;
};

static int tls_ticket_ex_index = -1;

/* ---------- the file ---------- */

static void
tls_ticket_hex(VSTRING *buf, const unsigned char *data, size_t len)
{
	size_t  i;

	for (i = 0; i < len; i++)
		vstring_sprintf_append(buf, "%02x", data[i]);
}

static int
tls_ticket_unhex(const char *text, unsigned char *out, size_t len)
{
	size_t  i;
	unsigned int byte;

	if (strlen(text) != 2 * len)
		return (-1);
	for (i = 0; i < len; i++) {
		if (!isxdigit((unsigned char) text[2 * i])
		    || !isxdigit((unsigned char) text[2 * i + 1])
		    || sscanf(text + 2 * i, "%2x", &byte) != 1)
			return (-1);
		out[i] = (unsigned char) byte;
	}
	return (0);
}

/* Parse the file's text; 0, or -1 (the caller then starts afresh). */
static int
tls_ticket_parse(char *text, TLS_TICKET_KEY *keys)
{
	char   *line;
	char   *next;
	char    name[2 * TLS_TKT_NAME_LEN + 2];
	char    key[2 * TLS_TKT_KEY_LEN + 2];
	char    hmac[2 * TLS_TKT_HMAC_LEN + 2];
	long long created;
	int     n = 0;

	for (line = text; line && *line; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = 0;
		if (*line == '#' || *line == 0)
			continue;
		if (n >= TLS_TKT_KEYS
		    || sscanf(line, "%lld %33s %65s %65s", &created, name, key,
			      hmac) != 4
		    || created <= 0
		    || tls_ticket_unhex(name, keys[n].name, TLS_TKT_NAME_LEN) < 0
		    || tls_ticket_unhex(key, keys[n].key, TLS_TKT_KEY_LEN) < 0
		    || tls_ticket_unhex(hmac, keys[n].hmac, TLS_TKT_HMAC_LEN) < 0)
			return (-1);
		keys[n++].created = (time_t) created;
	}
	return (n > 0 ? 0 : -1);
}

static int
tls_ticket_newkey(TLS_TICKET_KEY *key, VSTRING *why)
{
	if (RAND_bytes(key->name, sizeof(key->name)) != 1
	    || RAND_priv_bytes(key->key, sizeof(key->key)) != 1
	    || RAND_priv_bytes(key->hmac, sizeof(key->hmac)) != 1) {
		vstring_strcpy(why, "cannot make a session ticket key: ");
		tls_print_errors(why);
		return (-1);
	}
	key->created = time((time_t *) 0);
	return (0);
}

/* Write the keys to path atomically (temporary file and rename). */
static int
tls_ticket_write(const char *path, const TLS_TICKET_KEY *keys, VSTRING *why)
{
	VSTRING *buf = vstring_alloc(300);
	VSTRING *tmp = vstring_alloc(100);
	int     fd;
	int     i;
	ssize_t n;
	size_t  done = 0;

	vstring_strcpy(buf, "# smtpd TLS session ticket keys: current, "
		       "previous\n");
	for (i = 0; i < TLS_TKT_KEYS; i++) {
		if (keys[i].created == 0)
			continue;
		vstring_sprintf_append(buf, "%lld ", (long long) keys[i].created);
		tls_ticket_hex(buf, keys[i].name, TLS_TKT_NAME_LEN);
		vstring_strcat(buf, " ");
		tls_ticket_hex(buf, keys[i].key, TLS_TKT_KEY_LEN);
		vstring_strcat(buf, " ");
		tls_ticket_hex(buf, keys[i].hmac, TLS_TKT_HMAC_LEN);
		vstring_strcat(buf, "\n");
	}
	vstring_sprintf(tmp, "%s.%ld.tmp", path, (long) getpid());
	(void) unlink(vstring_str(tmp));
	if ((fd = open(vstring_str(tmp), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW
		       | O_CLOEXEC, 0600)) < 0) {
		vstring_sprintf(why, "cannot create %s: %s", vstring_str(tmp),
				strerror(errno));
		goto fail;
	}
	while (done < vstring_len(buf)) {
		n = write(fd, vstring_str(buf) + done, vstring_len(buf) - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			vstring_sprintf(why, "cannot write %s: %s", vstring_str(tmp),
					strerror(errno));
			(void) close(fd);
			(void) unlink(vstring_str(tmp));
			goto fail;
		}
		done += (size_t) n;
	}
	if (fsync(fd) < 0 || close(fd) < 0) {
		vstring_sprintf(why, "cannot write %s: %s", vstring_str(tmp),
				strerror(errno));
		(void) unlink(vstring_str(tmp));
		goto fail;
	}
	if (rename(vstring_str(tmp), path) < 0) {
		vstring_sprintf(why, "cannot rename %s to %s: %s",
				vstring_str(tmp), path, strerror(errno));
		(void) unlink(vstring_str(tmp));
		goto fail;
	}
	vstring_free(buf);
	vstring_free(tmp);
	return (0);

fail:
	vstring_free(buf);
	vstring_free(tmp);
	return (-1);
}

/* Read, rotate when due, and write back; under the lock. */
static int
tls_ticket_load(const char *path, int lifetime, TLS_TICKET_KEY *keys,
		VSTRING *why)
{
	VSTRING *lock_path = vstring_alloc(100);
	VSTRING *text = vstring_alloc(300);
	struct stat st;
	int     lock_fd;
	int     fd;
	int     ret = -1;
	int     dirty = 0;
	time_t  now;
	char    chunk[1024];
	ssize_t n;

	memset(keys, 0, sizeof(keys[0]) * TLS_TKT_KEYS);
	vstring_sprintf(lock_path, "%s.lock", path);
	if ((lock_fd = open(vstring_str(lock_path), O_RDWR | O_CREAT | O_NOFOLLOW
			    | O_CLOEXEC, 0600)) < 0) {
		vstring_sprintf(why, "cannot open %s: %s", vstring_str(lock_path),
				strerror(errno));
		goto out;
	}
	while (flock(lock_fd, LOCK_EX) < 0) {
		if (errno != EINTR) {
			vstring_sprintf(why, "cannot lock %s: %s",
					vstring_str(lock_path), strerror(errno));
			goto out;
		}
	}
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK)) < 0) {
		if (errno != ENOENT) {
			vstring_sprintf(why, "cannot open %s: %s", path,
					strerror(errno));
			goto out;
		}
		dirty = 1;
	} else {
		if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
			vstring_sprintf(why, "%s is not a regular file", path);
			(void) close(fd);
			goto out;
		}
		if (st.st_uid != geteuid() || (st.st_mode & 077) != 0) {
			vstring_sprintf(why, "%s must be owned by uid %ld and not "
					"accessible by others (owner %ld, mode "
					"0%03o); refusing to use it", path,
					(long) geteuid(), (long) st.st_uid,
					(unsigned) (st.st_mode & 0777));
			(void) close(fd);
			goto out;
		}
		while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0 || vstring_len(text) > 4096) {
				vstring_sprintf(why, "cannot read %s: %s", path,
						n < 0 ? strerror(errno) :
						"file too large");
				(void) close(fd);
				goto out;
			}
			vstring_memcat(text, chunk, (size_t) n);
		}
		(void) close(fd);
		if (tls_ticket_parse(vstring_str(text), keys) < 0) {
			msg_warn("%s: malformed session ticket key file; "
				 "making new keys", path);
			memset(keys, 0, sizeof(keys[0]) * TLS_TKT_KEYS);
			dirty = 1;
		}
	}
	now = time((time_t *) 0);
	/* A previous key older than two lifetimes protects nothing valid. */
	if (keys[1].created
	    && (now - keys[1].created >= 2 * (time_t) lifetime
		|| keys[1].created > now + 60)) {
		memset(keys + 1, 0, sizeof(keys[1]));
		dirty = 1;
	}
	if (keys[0].created == 0 || now - keys[0].created >= lifetime
	    || keys[0].created > now + 60) {
		if (keys[0].created && keys[0].created <= now + 60
		    && now - keys[0].created < 2 * (time_t) lifetime)
			keys[1] = keys[0];
		else
			memset(keys + 1, 0, sizeof(keys[1]));
		if (tls_ticket_newkey(keys, why) < 0)
			goto out;
		dirty = 1;
	}
	if (dirty && tls_ticket_write(path, keys, why) < 0)
		goto out;
	ret = 0;

out:
	if (lock_fd >= 0)
		(void) close(lock_fd);
	vstring_free(lock_path);
	vstring_free(text);
	if (ret < 0)
		OPENSSL_cleanse(keys, sizeof(keys[0]) * TLS_TKT_KEYS);
	return (ret);
}

/* ---------- OpenSSL ---------- */

static int
tls_ticket_mac_init(EVP_MAC_CTX *hctx, const TLS_TICKET_KEY *key)
{
	OSSL_PARAM params[3];

	params[0] = OSSL_PARAM_construct_octet_string(OSSL_MAC_PARAM_KEY,
						      (void *) key->hmac,
						      TLS_TKT_HMAC_LEN);
	params[1] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
						     (char *) "SHA256", 0);
	params[2] = OSSL_PARAM_construct_end();
	return (EVP_MAC_CTX_set_params(hctx, params));
}

static int
tls_ticket_cb(SSL *ssl, unsigned char *key_name, unsigned char *iv,
	      EVP_CIPHER_CTX *cctx, EVP_MAC_CTX *hctx, int enc)
{
	struct TLS_TICKET_KEYS *tk;
	const TLS_TICKET_KEY *key;
	int     i;

	tk = SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), tls_ticket_ex_index);
	if (tk == NULL)
		return (-1);
	if (enc) {
		key = tk->keys;
		if (RAND_bytes(iv, EVP_CIPHER_get_iv_length(tk->cipher)) != 1)
			return (-1);
		memcpy(key_name, key->name, TLS_TKT_NAME_LEN);
		if (EVP_EncryptInit_ex(cctx, tk->cipher, NULL, key->key, iv) != 1
		    || tls_ticket_mac_init(hctx, key) != 1)
			return (-1);
		return (1);
	}
	for (i = 0; i < TLS_TKT_KEYS; i++) {
		key = tk->keys + i;
		if (key->created == 0
		    || memcmp(key_name, key->name, TLS_TKT_NAME_LEN) != 0)
			continue;
		if (tls_ticket_mac_init(hctx, key) != 1
		    || EVP_DecryptInit_ex(cctx, tk->cipher, NULL, key->key,
					  iv) != 1)
			return (-1);
		/* The previous key's tickets get a new one under the current. */
		return (i == 0 ? 1 : 2);
	}
	return (0);				/* unknown key: full handshake */
}

static void
tls_ticket_free_cb(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx,
		   long argl, void *argp)
{
	struct TLS_TICKET_KEYS *tk = ptr;

	(void) parent;
	(void) ad;
	(void) idx;
	(void) argl;
	(void) argp;
	if (tk) {
		EVP_CIPHER_free(tk->cipher);
		OPENSSL_cleanse(tk->keys, sizeof(tk->keys));
		myfree(tk);
	}
}

int
tls_server_ticket_keys(TLS_SERVER_CTX *ctx, const char *path,
		       const char *cipher, int lifetime, VSTRING *why)
{
	struct TLS_TICKET_KEYS *tk;
	struct TLS_TICKET_KEYS *old;
	EVP_CIPHER *evp;
	TLS_TICKET_KEY keys[TLS_TKT_KEYS];

	vstring_truncate(why, 0);
	if (lifetime <= 0) {
		SSL_CTX_set_options(ctx->ssl_ctx, SSL_OP_NO_TICKET);
		SSL_CTX_set_session_cache_mode(ctx->ssl_ctx, SSL_SESS_CACHE_OFF);
		return (0);
	}
	if (lifetime < 120)
		lifetime = 120;
	if (cipher == NULL || *cipher == 0) {
		SSL_CTX_set_options(ctx->ssl_ctx, SSL_OP_NO_TICKET);
		return (0);
	}
	ERR_clear_error();
	if ((evp = EVP_CIPHER_fetch(NULL, cipher, NULL)) == NULL) {
		vstring_sprintf(why, "invalid tls_session_ticket_cipher \"%s\"",
				cipher);
		ERR_clear_error();
		return (-1);
	}
	if (EVP_CIPHER_get_mode(evp) != EVP_CIPH_CBC_MODE
	    || EVP_CIPHER_get_block_size(evp) != 16
	    || EVP_CIPHER_get_key_length(evp) < 16
	    || EVP_CIPHER_get_key_length(evp) > TLS_TKT_KEY_LEN
	    || EVP_CIPHER_get_iv_length(evp) > EVP_MAX_IV_LENGTH) {
		vstring_sprintf(why, "unsuitable tls_session_ticket_cipher "
				"\"%s\": CBC mode, 128-bit blocks and 128 to 256 "
				"bit keys are required", cipher);
		EVP_CIPHER_free(evp);
		return (-1);
	}
	if (path && *path) {
		if (tls_ticket_load(path, lifetime, keys, why) < 0) {
			EVP_CIPHER_free(evp);
			return (-1);
		}
	} else {
		memset(keys, 0, sizeof(keys));
		if (tls_ticket_newkey(keys, why) < 0) {
			EVP_CIPHER_free(evp);
			return (-1);
		}
	}
	if (tls_ticket_ex_index < 0
	    && (tls_ticket_ex_index =
		SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL,
					 tls_ticket_free_cb)) < 0)
		msg_fatal("cannot allocate OpenSSL ex_data index");
	tk = mycalloc(1, sizeof(*tk));
	memcpy(tk->keys, keys, sizeof(keys));
	OPENSSL_cleanse(keys, sizeof(keys));
	tk->cipher = evp;
	old = SSL_CTX_get_ex_data(ctx->ssl_ctx, tls_ticket_ex_index);
	if (SSL_CTX_set_ex_data(ctx->ssl_ctx, tls_ticket_ex_index, tk) != 1) {
		tls_ticket_free_cb(NULL, tk, NULL, 0, 0, NULL);
		vstring_strcpy(why, "cannot attach session ticket keys: ");
		tls_print_errors(why);
		return (-1);
	}
	if (old != NULL)
		tls_ticket_free_cb(NULL, old, NULL, 0, 0, NULL);
	if (SSL_CTX_set_tlsext_ticket_key_evp_cb(ctx->ssl_ctx,
						 tls_ticket_cb) != 1) {
		vstring_strcpy(why, "cannot install session ticket keys: ");
		tls_print_errors(why);
		return (-1);
	}
	SSL_CTX_clear_options(ctx->ssl_ctx, SSL_OP_NO_TICKET);
	return (0);
}
