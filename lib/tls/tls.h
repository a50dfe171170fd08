#ifndef POSTERN_TLS_H
#define POSTERN_TLS_H

/*
 * tls - TLS for both sides of SMTP, over OpenSSL
 *
 * One module for smtpd(8) (server side: STARTTLS and wrapper mode) and
 * smtp(8)/lmtp(8) (client side: security levels, certificate
 * verification, fingerprints, session resumption). It knows nothing about
 * main.cf: callers fill the parameter structures from their own
 * parameters (smtpd_tls_*, smtp_tls_*, lmtp_tls_*), so the library stays
 * on lib/util alone.
 *
 * Contexts (once per process, before privileges drop):
 *	tls_server_init(params, why) builds a server context: certificate
 *	and key (cert_file/key_file, or chain_files: each file holds a key
 *	followed by its certificate chain, PEM), optional CAfile/CApath for
 *	client certificates, protocols, cipher grade and exclusions. It
 *	refuses a key file that is group- or world-readable ("private key
 *	file FILE is readable by group or others (mode 0644); refusing to
 *	use it") and a key that does not match its certificate. NULL with
 *	the reason in why (one line, for a log or an error message).
 *	tls_server_ticket_keys(ctx, path, cipher, lifetime, why) gives a
 *	server context session-ticket keys shared through the file path
 *	(root, before the drop; created 0600 when missing), so that any
 *	process may resume a session another one started: a current key
 *	(encrypts) and the previous one (still decrypts), rotated when the
 *	current one is lifetime seconds old (smtpd_tls_session_cache_timeout,
 *	at least 120). cipher is tls_session_ticket_cipher (CBC, 128-bit
 *	blocks; HMAC-SHA256); empty disables tickets, and lifetime <= 0
 *	disables tickets and the session cache. Empty path: keys of this
 *	process only. 0, or -1 with why (context unchanged).
 *	tls_client_init(params, why) builds a client context: CAfile/CApath
 *	for verification, an optional client certificate and key (same
 *	checks as the server side), cipher exclusions. NULL with why.
 *
 * Protocol and cipher syntax (Postfix's, for operators' main.cf):
 *	protocols: ">=TLSv1.2", "<=TLSv1.3", ">=TLSv1.2 <=TLSv1.3", or the
 *	older exclusion form "!SSLv2, !SSLv3, !TLSv1, !TLSv1.1" (separators
 *	comma, colon, space); names SSLv2, SSLv3, TLSv1, TLSv1.1, TLSv1.2,
 *	TLSv1.3. An empty value allows all OpenSSL supports.
 *	tls_protocol_range(text, &min, &max, why) parses it into OpenSSL
 *	version numbers (0 = no bound); -1 with why for an unknown name.
 *	cipher grade: "high", "medium", "low", "export", "null" map to the
 *	tls_*_cipherlist parameter values the caller passes in
 *	TLS_CIPHER_LISTS; exclude_ciphers is a list of cipher names or
 *	OpenSSL cipher-string elements appended as "!name".
 *
 * Sessions:
 *	tls_server_start(ctx, stream, timeout, peer, why) runs the server
 *	handshake on the stream's descriptor within timeout seconds. On
 *	success the stream's I/O goes through TLS (vstream_control_io())
 *	and the session is returned; on failure NULL with why ("SSL_accept
 *	error from host[addr]: ..."); the stream is then unusable.
 *	Callers must call vstream_discard_input() before the handshake
 *	(STARTTLS injection) and may log what it dropped.
 *	tls_client_start(ctx, stream, start, why) runs the client handshake
 *	and then checks the peer according to start->level:
 *	  TLS_LEV_MAY, TLS_LEV_ENCRYPT: no certificate checks;
 *	  TLS_LEV_FINGERPRINT: the certificate's (or, with
 *		start->fpt_pkey, the public key's) digest in start->fpt_dgst
 *		(md5, sha1, sha256, ...) must equal one of start->matchargv,
 *		written as colon-separated hex, case-insensitive;
 *	  TLS_LEV_VERIFY, TLS_LEV_SECURE: the chain must verify against the
 *		context's CAs and one DNS subjectAltName (or, without any,
 *		the subject CN) must match one of start->matchargv:
 *		"example.com" exactly, ".example.com" any subdomain,
 *		"*.x" wildcards in certificates cover one label.
 *		(The caller expands Postfix's "hostname", "nexthop",
 *		"dot-nexthop" keywords into names before the call.)
 *	A failed check is reported as failure (NULL, why says
 *	"Server certificate not verified" / "Server certificate not
 *	trusted" / "fingerprint mismatch") for levels above encrypt; for
 *	may and encrypt the session stands with peer_verified = 0.
 *	Session resumption: start->serverid names the server (e.g.
 *	"smtp:127.0.0.1:25:mx.example.com&p=1&c=..."); a session from an
 *	earlier handshake under the same id (this process, or the client
 *	context's cache file, below) is offered, and TLS_SESS.reused says
 *	whether the server accepted it. New sessions (including TLS 1.3
 *	tickets, which arrive after the handshake) are stored under that id
 *	for cache_timeout seconds.
 *	tls_session_stop(sess, stream, failed) sends close_notify (unless
 *	failed), puts the stream back to plain I/O and frees the session.
 *	The stream and descriptor stay the caller's.
 *	tls_pending(sess) the input OpenSSL holds that neither the stream's
 *	buffer nor the descriptor (FIONREAD) shows: decrypted bytes not
 *	yet read (SSL_pending), or 1 when a record is buffered but not yet
 *	decrypted; 0 for none (or a NULL session). smtpd's pipelining
 *	guard adds it to what it sees.
 *
 * What a session tells (for log lines and Received headers):
 *	sess->protocol "TLSv1.3", sess->cipher "TLS_AES_256_GCM_SHA384",
 *	sess->cipher_usebits / cipher_algbits, sess->peer_CN, sess->issuer_CN
 *	("" when no certificate), sess->peer_cert_fpt / peer_pkey_fpt (hex
 *	with colons, in the digest the context was given), sess->peer_trusted
 *	(chain verified), sess->peer_verified (chain and name matched),
 *	sess->reused.
 *	tls_session_summary(sess, buf) formats Postfix's log wording:
 *	"TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)", and
 *	for TLS 1.3, as Postfix 3.7 does (either side): " key-exchange
 *	X25519" (or "ECDHE (prime256v1)", "DHE (N bits)"), " server-signature
 *	ECDSA (prime256v1)" (or "RSA-PSS (2048 bits)") " server-digest
 *	SHA256" (no digest when a resumed session signed nothing), then
 *	" client-signature ... client-digest ..." for a client certificate
 *	(on the client side only when it was used to sign). TLS 1.2 and
 *	older: the first part alone. Callers that fold it (Received:) split
 *	at " key-exchange " and " client-signature ".
 *	tls_level_name()/tls_level_lookup() convert "none", "may",
 *	"encrypt", "fingerprint", "verify", "secure", "dane", "dane-only"
 *	to and from TLS_LEV_*; lookup returns TLS_LEV_INVALID for others.
 *
 * Errors: OpenSSL's error queue is drained into why; nothing here calls
 * msg_fatal for a peer's behaviour.
 */
#include <stddef.h>
#include "vstream.h"
#include "vstring.h"

/* Security levels, weakest first (client side; the server uses NONE,
 * MAY and ENCRYPT). */
#define TLS_LEV_INVALID		(-2)
#define TLS_LEV_NOTFOUND	(-1)	/* policy lookup found nothing */
#define TLS_LEV_NONE		0
#define TLS_LEV_MAY		1
#define TLS_LEV_ENCRYPT		2
#define TLS_LEV_FINGERPRINT	3
#define TLS_LEV_DANE		4	/* parsed, treated as may (no DNSSEC) */
#define TLS_LEV_DANE_ONLY	5	/* parsed, refused (no DNSSEC) */
#define TLS_LEV_VERIFY		6
#define TLS_LEV_SECURE		7

/* The values of the tls_*_cipherlist parameters. */
typedef struct TLS_CIPHER_LISTS {
	const char *high;
	const char *medium;
	const char *low;
	const char *export_list;
	const char *null_list;
} TLS_CIPHER_LISTS;

typedef struct TLS_SERVER_PARAMS {
	const char *cert_file;		/* smtpd_tls_cert_file */
	const char *key_file;		/* smtpd_tls_key_file ("": cert_file) */
	const char *chain_files;	/* smtpd_tls_chain_files (wins) */
	const char *CAfile;		/* for client certificates */
	const char *CApath;
	const char *protocols;		/* smtpd_tls_protocols (or mandatory) */
	const char *cipher_grade;	/* smtpd_tls_ciphers (or mandatory) */
	const char *exclude_ciphers;	/* smtpd_tls_exclude_ciphers */
	const char *fpt_dgst;		/* smtpd_tls_fingerprint_digest */
	int	ask_ccert;		/* smtpd_tls_ask_ccert */
	int	loglevel;		/* smtpd_tls_loglevel */
	int	cache_timeout;		/* smtpd_tls_session_cache_timeout */
	TLS_CIPHER_LISTS lists;
} TLS_SERVER_PARAMS;

typedef struct TLS_CLIENT_PARAMS {
	const char *CAfile;		/* smtp_tls_CAfile */
	const char *CApath;		/* smtp_tls_CApath */
	const char *cert_file;		/* smtp_tls_cert_file (optional) */
	const char *key_file;
	const char *chain_files;
	const char *cache_file;		/* "" or a file for sessions shared
					 * between processes (see tls.c) */
	int	cache_timeout;		/* smtp_tls_session_cache_timeout */
	int	loglevel;		/* smtp_tls_loglevel */
	TLS_CIPHER_LISTS lists;
} TLS_CLIENT_PARAMS;

typedef struct TLS_CLIENT_START {
	int	level;			/* TLS_LEV_* */
	int	timeout;		/* handshake, seconds */
	const char *host;		/* server's DNS name: SNI and logging */
	const char *namaddr;		/* "host[addr]:port" for log lines */
	const char *serverid;		/* session cache key */
	const char *protocols;		/* per level: mandatory or not */
	const char *cipher_grade;
	const char *exclude_ciphers;
	const char *const *matchargv;	/* names or fingerprints, NULL-ended */
	const char *fpt_dgst;		/* fingerprint digest name */
	int	fpt_pkey;		/* fingerprint the public key */
	const char *sni;		/* "" none, else the name to send */
} TLS_CLIENT_START;

typedef struct TLS_SERVER_CTX TLS_SERVER_CTX;
typedef struct TLS_CLIENT_CTX TLS_CLIENT_CTX;

typedef struct TLS_SESS {
	char   *protocol;
	char   *cipher;
	int	cipher_usebits;
	int	cipher_algbits;
	char   *peer_CN;
	char   *issuer_CN;
	char   *peer_cert_fpt;
	char   *peer_pkey_fpt;
	int	peer_trusted;
	int	peer_verified;
	int	reused;
	void   *impl;			/* the library's own state */
} TLS_SESS;

extern TLS_SERVER_CTX *tls_server_init(const TLS_SERVER_PARAMS *params,
				       VSTRING *why);
extern TLS_CLIENT_CTX *tls_client_init(const TLS_CLIENT_PARAMS *params,
				       VSTRING *why);
extern void tls_server_free(TLS_SERVER_CTX *ctx);
extern int tls_server_ticket_keys(TLS_SERVER_CTX *ctx, const char *path,
				  const char *cipher, int lifetime,
				  VSTRING *why);
extern void tls_client_free(TLS_CLIENT_CTX *ctx);

extern TLS_SESS *tls_server_start(TLS_SERVER_CTX *ctx, VSTREAM *stream,
				  int timeout, const char *peer_namaddr,
				  VSTRING *why);
extern TLS_SESS *tls_client_start(TLS_CLIENT_CTX *ctx, VSTREAM *stream,
				  const TLS_CLIENT_START *start,
				  VSTRING *why);
extern void tls_session_stop(TLS_SESS *sess, VSTREAM *stream, int failed);
extern size_t tls_pending(const TLS_SESS *sess);

extern const char *tls_session_summary(const TLS_SESS *sess, VSTRING *buf);
extern const char *tls_level_name(int level);
extern int tls_level_lookup(const char *name);
extern int tls_protocol_range(const char *text, int *min_version,
			      int *max_version, VSTRING *why);
/* Check a secret file before use: 0, or -1 with why (missing, not a
 * regular file, group/world readable). */
extern int tls_check_key_perms(const char *path, VSTRING *why);

#endif
