/*
 * tls_misc - the parts of lib/tls both sides share
 *
 *	tls_level_name()/tls_level_lookup() map security level names.
 *	tls_protocol_range() parses Postfix's protocol syntax into an
 *	OpenSSL version range. tls_cipher_list() turns a cipher grade and
 *	exclusions into an OpenSSL cipher string. tls_check_key_perms()
 *	refuses private key files others can read. tls_session_summary()
 *	formats a session for log lines. tls_fingerprint() and
 *	tls_pkey_fingerprint() digest a certificate or its public key.
 *	tls_load_cert_key() loads a certificate and key (or chain files)
 *	into an SSL_CTX after the permission check. tls_print_errors()
 *	moves OpenSSL's error queue into a reason string.
 *
 * Errors: -1 or NULL with a one-line reason in why; nothing here logs
 * or exits for bad input.
 */
#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <openssl/err.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "msg.h"
#include "mymalloc.h"
#include "argv.h"
#include "vstring.h"
#include "tls.h"
#include "tls_priv.h"

static const struct {
	const char *name;
	int	level;
} tls_levels[] = {
	{"none", TLS_LEV_NONE},
	{"may", TLS_LEV_MAY},
	{"encrypt", TLS_LEV_ENCRYPT},
	{"fingerprint", TLS_LEV_FINGERPRINT},
	{"dane", TLS_LEV_DANE},
	{"dane-only", TLS_LEV_DANE_ONLY},
	{"verify", TLS_LEV_VERIFY},
	{"secure", TLS_LEV_SECURE},
};

#define TLS_NLEVELS (sizeof(tls_levels) / sizeof(tls_levels[0]))

void
tls_ssl_init(void)
{
	static int done;

	if (done)
		return;
	if (OPENSSL_init_ssl(0, NULL) != 1)
		msg_fatal("cannot initialize the OpenSSL library");
	done = 1;
}

const char *
tls_level_name(int level)
{
	size_t  i;

	for (i = 0; i < TLS_NLEVELS; i++)
		if (tls_levels[i].level == level)
			return (tls_levels[i].name);
	return ("invalid");
}

int
tls_level_lookup(const char *name)
{
	size_t  i;

	if (name == NULL)
		return (TLS_LEV_INVALID);
	for (i = 0; i < TLS_NLEVELS; i++)
		if (strcasecmp(tls_levels[i].name, name) == 0)
			return (tls_levels[i].level);
	return (TLS_LEV_INVALID);
}

/* Protocols in order; SSLv2 is known by name but OpenSSL 3 lacks it. */
static const struct {
	const char *name;
	int	version;
} tls_protos[] = {
	{"SSLv2", 0},
	{"SSLv3", SSL3_VERSION},
	{"TLSv1", TLS1_VERSION},
	{"TLSv1.1", TLS1_1_VERSION},
	{"TLSv1.2", TLS1_2_VERSION},
	{"TLSv1.3", TLS1_3_VERSION},
};

#define TLS_NPROTOS ((int) (sizeof(tls_protos) / sizeof(tls_protos[0])))

static int
tls_proto_index(const char *name)
{
	int     i;

	for (i = 0; i < TLS_NPROTOS; i++)
		if (strcasecmp(tls_protos[i].name, name) == 0)
			return (i);
	return (-1);
}

int
tls_protocol_range(const char *text, int *min_version, int *max_version,
		   VSTRING *why)
{
	ARGV   *toks;
	char    include[TLS_NPROTOS];
	char    exclude[TLS_NPROTOS];
	int     any_include = 0;
	int     lo = 1;			/* index bounds from >= and <= */
	int     hi = TLS_NPROTOS - 1;
	int     first = -1;
	int     last = -1;
	size_t  i;
	int     j;

	*min_version = 0;
	*max_version = 0;
	if (text == NULL || *text == 0)
		return (0);
	memset(include, 0, sizeof(include));
	memset(exclude, 0, sizeof(exclude));
	toks = argv_split(text, ", :\t\r\n");
	for (i = 0; i < toks->len; i++) {
		const char *tok = toks->argv[i];
		int     op = 0;

		if (strncmp(tok, ">=", 2) == 0 || strncmp(tok, "<=", 2) == 0) {
			op = *tok;
			tok += 2;
		} else if (*tok == '!') {
			op = '!';
			tok += 1;
		}
		/* Allow ">= TLSv1.2" with a space after the operator. */
		if (*tok == 0 && op != 0 && i + 1 < toks->len)
			tok = toks->argv[++i];
		if ((j = tls_proto_index(tok)) < 0) {
			vstring_sprintf(why, "invalid TLS protocol name \"%s\" in \"%s\"",
					tok, text);
			argv_free(toks);
			return (-1);
		}
		switch (op) {
		case '>':
			if (j > lo)
				lo = j;
			break;
		case '<':
			if (j < hi)
				hi = j;
			break;
		case '!':
			exclude[j] = 1;
			break;
		default:
			include[j] = 1;
			any_include = 1;
			break;
		}
	}
	argv_free(toks);
	for (j = 1; j < TLS_NPROTOS; j++) {
		if (j < lo || j > hi || exclude[j])
			continue;
		if (any_include && !include[j])
			continue;
		if (first < 0)
			first = j;
		last = j;
	}
	if (first < 0) {
		vstring_sprintf(why, "TLS protocol list \"%s\" leaves no protocol",
				text);
		return (-1);
	}
	/* OpenSSL takes a range: gaps inside it are not representable. */
	*min_version = first == 1 ? 0 : tls_protos[first].version;
	*max_version = last == TLS_NPROTOS - 1 ? 0 : tls_protos[last].version;
	return (0);
}

void
tls_set_protocols_ctx(SSL_CTX *ssl_ctx, int min, int max)
{
	(void) SSL_CTX_set_min_proto_version(ssl_ctx, min);
	(void) SSL_CTX_set_max_proto_version(ssl_ctx, max);
}

/* Postfix's defaults, for callers that leave a list unset. */
static const char *
tls_grade_list(const char *grade, const TLS_CIPHER_LISTS *lists)
{
	const char *val;
	const char *dflt;

	if (strcasecmp(grade, "high") == 0) {
		val = lists ? lists->high : NULL;
		dflt = "aNULL:-aNULL:HIGH:@STRENGTH";
	} else if (strcasecmp(grade, "medium") == 0) {
		val = lists ? lists->medium : NULL;
		dflt = "aNULL:-aNULL:HIGH:MEDIUM:+RC4:@STRENGTH";
	} else if (strcasecmp(grade, "low") == 0) {
		val = lists ? lists->low : NULL;
		dflt = "aNULL:-aNULL:HIGH:MEDIUM:LOW:+RC4:@STRENGTH";
	} else if (strcasecmp(grade, "export") == 0) {
		val = lists ? lists->export_list : NULL;
		dflt = "aNULL:-aNULL:HIGH:MEDIUM:LOW:EXPORT:+RC4:@STRENGTH";
	} else if (strcasecmp(grade, "null") == 0) {
		val = lists ? lists->null_list : NULL;
		dflt = "eNULL:!aNULL";
	} else {
		return (NULL);
	}
	return (val && *val ? val : dflt);
}

int
tls_cipher_list(const char *grade, const char *exclude,
		const TLS_CIPHER_LISTS *lists, VSTRING *out, VSTRING *why)
{
	const char *base;
	ARGV   *ex;
	size_t  i;

	if (grade == NULL || *grade == 0)
		grade = "medium";
	if ((base = tls_grade_list(grade, lists)) == NULL) {
		vstring_sprintf(why, "invalid TLS cipher grade \"%s\"", grade);
		return (-1);
	}
	vstring_strcpy(out, base);
	if (exclude && *exclude) {
		ex = argv_split(exclude, ", :\t\r\n");
		for (i = 0; i < ex->len; i++)
			vstring_sprintf_append(out, ":!%s", ex->argv[i]);
		argv_free(ex);
	}
	return (0);
}

int
tls_check_key_perms(const char *path, VSTRING *why)
{
	struct stat st;

	if (path == NULL || *path == 0) {
		vstring_strcpy(why, "no private key file");
		return (-1);
	}
	if (stat(path, &st) < 0) {
		vstring_sprintf(why, "cannot access private key file %s: %s",
				path, strerror(errno));
		return (-1);
	}
	if (!S_ISREG(st.st_mode)) {
		vstring_sprintf(why, "private key file %s is not a regular file",
				path);
		return (-1);
	}
	if (st.st_mode & (S_IRGRP | S_IROTH)) {
		vstring_sprintf(why, "private key file %s is readable by group or "
				"others (mode %04o); refusing to use it", path,
				(unsigned) (st.st_mode & 07777));
		return (-1);
	}
	return (0);
}

const char *
tls_session_summary(const TLS_SESS *sess, VSTRING *buf)
{
	const TLS_IMPL *impl = sess->impl;

	vstring_sprintf(buf, "%s with cipher %s (%d/%d bits)",
			sess->protocol, sess->cipher, sess->cipher_usebits,
			sess->cipher_algbits);
	if (impl && impl->params)
		vstring_strcat(buf, impl->params);
	return (vstring_str(buf));
}

/* The curve of an EC key ("prime256v1"), or NULL. */
static const char *
tls_pkey_curve(const EVP_PKEY *pkey, char *buf, size_t len)
{
	size_t  got;

	if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME,
					   buf, len, &got) != 1 || *buf == 0)
		return (NULL);
	return (buf);
}

/*
 * " ROLE-signature NAME (curve)" or "... NAME (N bits)" for the key of a
 * certificate, then " ROLE-digest DIGEST" when the handshake signed
 * with it (a resumed session shows the key, not a digest). TLS 1.3 only
 * signs with RSA-PSS, so an RSA key is "RSA-PSS", as Postfix says.
 */
static void
tls_sig_append(VSTRING *buf, const char *role, EVP_PKEY *pkey,
	       int have_dgst, int dgst_nid)
{
	char    curve[80];
	const char *name;
	const char *cv;

	if (pkey == NULL)
		return;
	if (EVP_PKEY_is_a(pkey, "EC")) {
		vstring_sprintf_append(buf, " %s-signature ECDSA", role);
		if ((cv = tls_pkey_curve(pkey, curve, sizeof(curve))) != NULL)
			vstring_sprintf_append(buf, " (%s)", cv);
	} else if (EVP_PKEY_is_a(pkey, "RSA") || EVP_PKEY_is_a(pkey, "RSA-PSS")) {
		vstring_sprintf_append(buf, " %s-signature RSA-PSS", role);
		if (EVP_PKEY_get_bits(pkey) > 0)
			vstring_sprintf_append(buf, " (%d bits)",
					       EVP_PKEY_get_bits(pkey));
	} else {
		name = OBJ_nid2sn(EVP_PKEY_get_base_id(pkey));
		if (name == NULL || *name == 0)
			return;
		vstring_sprintf_append(buf, " %s-signature %s", role, name);
	}
	if (have_dgst && dgst_nid != NID_undef
	    && (name = OBJ_nid2sn(dgst_nid)) != NULL && *name)
		vstring_sprintf_append(buf, " %s-digest %s", role, name);
}

char   *
tls_sess_params(SSL *ssl)
{
	VSTRING *buf = vstring_alloc(100);
	EVP_PKEY *kex = NULL;
	X509   *cert;
	int     server = SSL_is_server(ssl);
	int     dgst_nid;
	int     have_dgst;
	char    curve[80];
	const char *cv;
	const char *name;

	/*
	 * Postfix 3.7 reports these details for TLS 1.3 only (compared on
	 * both sides, ECDHE and TLS 1.2: nothing after the cipher bits).
	 */
	if (SSL_version(ssl) < TLS1_3_VERSION)
		return (vstring_export(buf));

	/* The key exchange: the peer's ephemeral key. */
	if (SSL_get_peer_tmp_key(ssl, &kex) == 1 && kex != NULL) {
		if (EVP_PKEY_is_a(kex, "EC")) {
			vstring_strcat(buf, " key-exchange ECDHE");
			if ((cv = tls_pkey_curve(kex, curve, sizeof(curve))) != NULL)
				vstring_sprintf_append(buf, " (%s)", cv);
		} else if (EVP_PKEY_is_a(kex, "DH")) {
			vstring_sprintf_append(buf, " key-exchange DHE (%d bits)",
					       EVP_PKEY_get_bits(kex));
		} else if ((name = OBJ_nid2sn(EVP_PKEY_get_base_id(kex))) != NULL
			   && *name) {
			vstring_sprintf_append(buf, " key-exchange %s", name);
		}
		EVP_PKEY_free(kex);
	} else {
		/* Without a known key exchange Postfix reports nothing more. */
		return (vstring_export(buf));
	}

	/*
	 * The server's key, then the client's. Our own certificate counts on
	 * the server (it is always ours to present); on the client only when
	 * it signed (the server asked for it). The peer's when it sent one.
	 */
	dgst_nid = NID_undef;
	if (server) {
		have_dgst = SSL_get_signature_nid(ssl, &dgst_nid);
		if ((cert = SSL_get_certificate(ssl)) != NULL)
			tls_sig_append(buf, "server", X509_get0_pubkey(cert),
				       have_dgst, dgst_nid);
		dgst_nid = NID_undef;
		have_dgst = SSL_get_peer_signature_nid(ssl, &dgst_nid);
		if ((cert = SSL_get0_peer_certificate(ssl)) != NULL)
			tls_sig_append(buf, "client", X509_get0_pubkey(cert),
				       have_dgst, dgst_nid);
	} else {
		have_dgst = SSL_get_peer_signature_nid(ssl, &dgst_nid);
		if ((cert = SSL_get0_peer_certificate(ssl)) != NULL)
			tls_sig_append(buf, "server", X509_get0_pubkey(cert),
				       have_dgst, dgst_nid);
		dgst_nid = NID_undef;
		if (SSL_get_signature_nid(ssl, &dgst_nid) == 1
		    && (cert = SSL_get_certificate(ssl)) != NULL)
			tls_sig_append(buf, "client", X509_get0_pubkey(cert),
				       1, dgst_nid);
	}
	return (vstring_export(buf));
}

void
tls_print_errors(VSTRING *why)
{
	unsigned long err;
	const char *data;
	int     flags;
	int     n = 0;
	char    buf[256];

	while ((err = ERR_get_error_all(NULL, NULL, NULL, &data, &flags)) != 0) {
		const char *reason = ERR_reason_error_string(err);

		if (n++ > 0)
			vstring_strcat(why, "; ");
		if (reason) {
			vstring_strcat(why, reason);
		} else {
			ERR_error_string_n(err, buf, sizeof(buf));
			vstring_strcat(why, buf);
		}
		if ((flags & ERR_TXT_STRING) && data && *data)
			vstring_sprintf_append(why, " (%s)", data);
	}
	if (n == 0)
		vstring_strcat(why, "unknown error");
}

static const EVP_MD *
tls_digest_byname(const char *dgst)
{
	if (dgst == NULL || *dgst == 0)
		dgst = "sha256";
	return (EVP_get_digestbyname(dgst));
}

int
tls_digest_ok(const char *dgst, VSTRING *why)
{
	if (tls_digest_byname(dgst) == NULL) {
		vstring_sprintf(why, "unknown fingerprint digest \"%s\"", dgst);
		return (0);
	}
	return (1);
}

static char *
tls_hex_colon(const unsigned char *md, unsigned int len)
{
	static const char hex[] = "0123456789ABCDEF";
	char   *out = mymalloc(len * 3 + 1);
	unsigned int i;

	for (i = 0; i < len; i++) {
		out[3 * i] = hex[md[i] >> 4];
		out[3 * i + 1] = hex[md[i] & 0xf];
		out[3 * i + 2] = ':';
	}
	out[len ? 3 * len - 1 : 0] = 0;
	return (out);
}

char   *
tls_fingerprint(X509 *cert, const char *dgst)
{
	const EVP_MD *md = tls_digest_byname(dgst);
	unsigned char buf[EVP_MAX_MD_SIZE];
	unsigned int len;

	if (md == NULL || X509_digest(cert, md, buf, &len) != 1)
		return (mystrdup(""));
	return (tls_hex_colon(buf, len));
}

char   *
tls_pkey_fingerprint(X509 *cert, const char *dgst)
{
	const EVP_MD *md = tls_digest_byname(dgst);
	unsigned char buf[EVP_MAX_MD_SIZE];
	unsigned int len;
	unsigned char *der = NULL;
	int     der_len;
	char   *res;

	if (md == NULL)
		return (mystrdup(""));
	/* The whole DER SubjectPublicKeyInfo, not just the key bits. */
	der_len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert), &der);
	if (der_len <= 0)
		return (mystrdup(""));
	if (EVP_Digest(der, (size_t) der_len, buf, &len, md, NULL) != 1)
		res = mystrdup("");
	else
		res = tls_hex_colon(buf, len);
	OPENSSL_free(der);
	return (res);
}

/* Load a certificate chain and key into ssl_ctx, files checked first. */
int
tls_load_cert_key(SSL_CTX *ssl_ctx, const char *cert_file,
		  const char *key_file, const char *chain_files, VSTRING *why)
{
	ARGV   *files;
	size_t  i;

	if (chain_files && *chain_files) {
		files = argv_split(chain_files, ", \t\r\n");
		for (i = 0; i < files->len; i++) {
			const char *f = files->argv[i];

			if (tls_check_key_perms(f, why) < 0)
				break;
			ERR_clear_error();
			if (SSL_CTX_use_PrivateKey_file(ssl_ctx, f, SSL_FILETYPE_PEM) != 1) {
				vstring_sprintf(why, "cannot load private key from %s: ", f);
				tls_print_errors(why);
				break;
			}
			if (SSL_CTX_use_certificate_chain_file(ssl_ctx, f) != 1) {
				vstring_sprintf(why, "cannot load certificate chain from %s: ", f);
				tls_print_errors(why);
				break;
			}
			if (SSL_CTX_check_private_key(ssl_ctx) != 1) {
				vstring_sprintf(why, "private key in %s does not match its "
						"certificate: ", f);
				tls_print_errors(why);
				break;
			}
		}
		i = (i == files->len);
		argv_free(files);
		return (i ? 0 : -1);
	}
	if (cert_file == NULL || *cert_file == 0)
		return (0);
	if (key_file == NULL || *key_file == 0)
		key_file = cert_file;
	/* Check the key file before reading anything from it. */
	if (tls_check_key_perms(key_file, why) < 0)
		return (-1);
	ERR_clear_error();
	if (SSL_CTX_use_certificate_chain_file(ssl_ctx, cert_file) != 1) {
		vstring_sprintf(why, "cannot load certificate from %s: ", cert_file);
		tls_print_errors(why);
		return (-1);
	}
	if (SSL_CTX_use_PrivateKey_file(ssl_ctx, key_file, SSL_FILETYPE_PEM) != 1) {
		if (ERR_GET_REASON(ERR_peek_last_error()) == X509_R_KEY_VALUES_MISMATCH)
			vstring_sprintf(why, "private key in %s does not match the "
					"certificate in %s: ", key_file, cert_file);
		else
			vstring_sprintf(why, "cannot load private key from %s: ",
					key_file);
		tls_print_errors(why);
		return (-1);
	}
	if (SSL_CTX_check_private_key(ssl_ctx) != 1) {
		vstring_sprintf(why, "private key in %s does not match the "
				"certificate in %s: ", key_file, cert_file);
		tls_print_errors(why);
		return (-1);
	}
	return (0);
}
