/*
 * Unit tests for lib/tls: names and protocol syntax, key permission
 * checks, and real handshakes over socketpair() between a server child
 * (forked per connection, so it shares the parent's server context and
 * its ticket keys) and a client in this process, with certificates made
 * here with the OpenSSL API in a temporary directory.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "mymalloc.h"
#include "iostuff.h"
#include "vstring.h"
#include "vstream.h"
#include "tls.h"
#include "tls_priv.h"

/* ---------- certificates ---------- */

static char tmpdir[] = "/tmp/test_tls.XXXXXX";

/* The path of a file in tmpdir; the same name gives the same string. */
static char *
tpath(const char *name)
{
	static char paths[32][256];
	static int n;
	char    buf[256];
	int     i;

	snprintf(buf, sizeof(buf), "%s/%s", tmpdir, name);
	for (i = 0; i < n; i++)
		if (strcmp(paths[i], buf) == 0)
			return (paths[i]);
	assert_true(n < 32);
	memcpy(paths[n], buf, sizeof(buf));
	return (paths[n++]);
}

static EVP_PKEY *
make_key(void)
{
	EVP_PKEY *key = EVP_EC_gen("P-256");

	assert_non_null(key);
	return (key);
}

static void
add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX v3;
	X509_EXTENSION *ext;

	X509V3_set_ctx(&v3, issuer, cert, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
	assert_non_null(ext);
	assert_int_equal(X509_add_ext(cert, ext, -1), 1);
	X509_EXTENSION_free(ext);
}

/* A certificate for cn, signed by issuer (NULL: self-signed). */
static X509 *
make_cert(const char *cn, EVP_PKEY *key, X509 *issuer, EVP_PKEY *ikey,
	  int is_ca, const char *sans)
{
	static long serial = 1;
	X509   *cert = X509_new();
	X509_NAME *name = X509_NAME_new();

	X509_set_version(cert, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(cert), serial++);
	X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
	X509_gmtime_adj(X509_getm_notAfter(cert), 86400);
	X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
				   (const unsigned char *) "Postern Test", -1, -1, 0);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
				   (const unsigned char *) cn, -1, -1, 0);
	X509_set_subject_name(cert, name);
	X509_set_issuer_name(cert, issuer ? X509_get_subject_name(issuer) : name);
	X509_NAME_free(name);
	X509_set_pubkey(cert, key);
	if (is_ca) {
		add_ext(cert, issuer ? issuer : cert, NID_basic_constraints,
			"critical,CA:TRUE");
		add_ext(cert, issuer ? issuer : cert, NID_key_usage,
			"critical,keyCertSign,cRLSign");
	} else {
		add_ext(cert, issuer ? issuer : cert, NID_basic_constraints,
			"critical,CA:FALSE");
		add_ext(cert, issuer ? issuer : cert, NID_ext_key_usage,
			"serverAuth,clientAuth");
		if (sans && *sans)
			add_ext(cert, issuer ? issuer : cert, NID_subject_alt_name,
				sans);
	}
	assert_true(X509_sign(cert, issuer ? ikey : key, EVP_sha256()) > 0);
	return (cert);
}

static void
write_cert(const char *path, X509 *cert, X509 *chain)
{
	FILE   *fp = fopen(path, "a");

	assert_non_null(fp);
	assert_int_equal(PEM_write_X509(fp, cert), 1);
	if (chain)
		assert_int_equal(PEM_write_X509(fp, chain), 1);
	fclose(fp);
}

static void
write_key(const char *path, EVP_PKEY *key, mode_t mode)
{
	FILE   *fp = fopen(path, "a");

	assert_non_null(fp);
	assert_int_equal(PEM_write_PrivateKey(fp, key, NULL, NULL, 0, NULL, NULL), 1);
	fclose(fp);
	assert_int_equal(chmod(path, mode), 0);
}

static char *srv_fpt;			/* sha256 of the server certificate */
static char *srv_pkey_fpt;
static char *srv_md5_fpt;

/*
 * ca.pem (trusted CA), other-ca.pem (an unrelated CA), server.pem/key
 * (CN mx.example.com, SANs mx.example.com, smtp.example.net,
 * *.wild.example.org, IP 127.0.0.1), cnonly.pem/key (no SANs, CN
 * cn.example.com), client.pem/key, chain.pem (key + cert + CA), bad.key
 * (a key that matches nothing).
 */
static int
setup_certs(void **state)
{
	EVP_PKEY *cakey;
	EVP_PKEY *otherkey;
	EVP_PKEY *key;
	X509   *ca;
	X509   *other;
	X509   *cert;

	(void) state;
	assert_non_null(mkdtemp(tmpdir));
	cakey = make_key();
	ca = make_cert("Test CA", cakey, NULL, NULL, 1, NULL);
	write_cert(tpath("ca.pem"), ca, NULL);
	otherkey = make_key();
	other = make_cert("Other CA", otherkey, NULL, NULL, 1, NULL);
	write_cert(tpath("other-ca.pem"), other, NULL);

	key = make_key();
	cert = make_cert("mx.example.com", key, ca, cakey, 0,
			 "DNS:mx.example.com,DNS:smtp.example.net,"
			 "DNS:*.wild.example.org,IP:127.0.0.1");
	write_cert(tpath("server.pem"), cert, NULL);
	write_key(tpath("server.key"), key, 0600);
	write_key(tpath("chain.pem"), key, 0600);
	write_cert(tpath("chain.pem"), cert, ca);
	srv_fpt = tls_fingerprint(cert, "sha256");
	srv_pkey_fpt = tls_pkey_fingerprint(cert, "sha256");
	srv_md5_fpt = tls_fingerprint(cert, "md5");
	X509_free(cert);
	EVP_PKEY_free(key);

	key = make_key();
	cert = make_cert("cn.example.com", key, ca, cakey, 0, NULL);
	write_cert(tpath("cnonly.pem"), cert, NULL);
	write_key(tpath("cnonly.key"), key, 0600);
	X509_free(cert);
	EVP_PKEY_free(key);

	key = make_key();
	cert = make_cert("client.example.com", key, ca, cakey, 0,
			 "DNS:client.example.com");
	write_cert(tpath("client.pem"), cert, NULL);
	write_key(tpath("client.key"), key, 0600);
	X509_free(cert);
	EVP_PKEY_free(key);

	key = make_key();
	write_key(tpath("bad.key"), key, 0600);
	write_key(tpath("open.key"), key, 0644);
	EVP_PKEY_free(key);

	X509_free(ca);
	X509_free(other);
	EVP_PKEY_free(cakey);
	EVP_PKEY_free(otherkey);
	return (0);
}

static int
teardown_certs(void **state)
{
	char    cmd[300];

	(void) state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	return (system(cmd) == 0 ? 0 : -1);
}

/* ---------- names and syntax ---------- */

static void
test_level_names(void **state)
{
	static const char *names[] = {"none", "may", "encrypt", "fingerprint",
	"dane", "dane-only", "verify", "secure"};
	size_t  i;

	(void) state;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		assert_string_equal(tls_level_name(tls_level_lookup(names[i])),
				    names[i]);
	assert_int_equal(tls_level_lookup("may"), TLS_LEV_MAY);
	assert_int_equal(tls_level_lookup("secure"), TLS_LEV_SECURE);
	assert_int_equal(tls_level_lookup("dane-only"), TLS_LEV_DANE_ONLY);
	assert_int_equal(tls_level_lookup("maybe"), TLS_LEV_INVALID);
	assert_int_equal(tls_level_lookup(""), TLS_LEV_INVALID);
	assert_true(TLS_LEV_MAY < TLS_LEV_ENCRYPT
		    && TLS_LEV_ENCRYPT < TLS_LEV_FINGERPRINT
		    && TLS_LEV_VERIFY < TLS_LEV_SECURE);
}

static void
test_protocol_range(void **state)
{
	static const struct {
		const char *text;
		int     ret;
		int     min;
		int     max;
	} cases[] = {
		{"", 0, 0, 0},
		{">=TLSv1.2", 0, TLS1_2_VERSION, 0},
		{"<=TLSv1.3", 0, 0, 0},
		{"<=TLSv1.2", 0, 0, TLS1_2_VERSION},
		{">=TLSv1.2 <=TLSv1.2", 0, TLS1_2_VERSION, TLS1_2_VERSION},
		{">=TLSv1.1, <=TLSv1.2", 0, TLS1_1_VERSION, TLS1_2_VERSION},
		{">= TLSv1.3", 0, TLS1_3_VERSION, 0},
		{"!SSLv2, !SSLv3, !TLSv1, !TLSv1.1", 0, TLS1_2_VERSION, 0},
		{"!SSLv2:!SSLv3", 0, TLS1_VERSION, 0},
		{"!SSLv2 !SSLv3 !TLSv1 !TLSv1.1 !TLSv1.2", 0, TLS1_3_VERSION, 0},
		{"!TLSv1.3", 0, 0, TLS1_2_VERSION},
		{"TLSv1.2, TLSv1.3", 0, TLS1_2_VERSION, 0},
		{"TLSv1.2", 0, TLS1_2_VERSION, TLS1_2_VERSION},
		{"!SSLv2, >=TLSv1.2", 0, TLS1_2_VERSION, 0},
		{"tlsv1.2 tlsv1.3", 0, TLS1_2_VERSION, 0},
		{">=TLSv1.4", -1, 0, 0},
		{"!SSLv4", -1, 0, 0},
		{"bogus", -1, 0, 0},
		{">=TLSv1.3 <=TLSv1.2", -1, 0, 0},
		{"!SSLv3 !TLSv1 !TLSv1.1 !TLSv1.2 !TLSv1.3", -1, 0, 0},
	};
	VSTRING *why = vstring_alloc(10);
	size_t  i;
	int     min;
	int     max;

	(void) state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		vstring_truncate(why, 0);
		min = max = 12345;
		if (tls_protocol_range(cases[i].text, &min, &max, why)
		    != cases[i].ret)
			fail_msg("\"%s\": wrong status (%s)", cases[i].text,
				 vstring_str(why));
		if (cases[i].ret == 0) {
			assert_int_equal(min, cases[i].min);
			assert_int_equal(max, cases[i].max);
		} else {
			assert_true(vstring_len(why) > 0);
		}
	}
	assert_int_equal(tls_protocol_range("!TLSv9", &min, &max, why), -1);
	assert_non_null(strstr(vstring_str(why), "TLSv9"));
	vstring_free(why);
}

static void
test_cipher_list(void **state)
{
	VSTRING *out = vstring_alloc(10);
	VSTRING *why = vstring_alloc(10);
	TLS_CIPHER_LISTS lists = {"HIGHLIST", "MEDLIST", NULL, NULL, NULL};

	(void) state;
	assert_int_equal(tls_cipher_list("high", "", &lists, out, why), 0);
	assert_string_equal(vstring_str(out), "HIGHLIST");
	assert_int_equal(tls_cipher_list("medium", "aNULL, RC4 MD5", &lists,
					 out, why), 0);
	assert_string_equal(vstring_str(out), "MEDLIST:!aNULL:!RC4:!MD5");
	assert_int_equal(tls_cipher_list("low", NULL, &lists, out, why), 0);
	assert_string_equal(vstring_str(out),
			    "aNULL:-aNULL:HIGH:MEDIUM:LOW:+RC4:@STRENGTH");
	assert_int_equal(tls_cipher_list("superb", NULL, &lists, out, why), -1);
	assert_non_null(strstr(vstring_str(why), "superb"));
	vstring_free(out);
	vstring_free(why);
}

/* ---------- contexts ---------- */

static TLS_SERVER_PARAMS
server_params(void)
{
	TLS_SERVER_PARAMS p;

	memset(&p, 0, sizeof(p));
	p.cert_file = tpath("server.pem");
	p.key_file = tpath("server.key");
	p.chain_files = "";
	p.CAfile = "";
	p.CApath = "";
	p.protocols = ">=TLSv1.2";
	p.cipher_grade = "medium";
	p.exclude_ciphers = "";
	p.fpt_dgst = "sha256";
	p.cache_timeout = 3600;
	return (p);
}

static TLS_CLIENT_PARAMS
client_params(const char *cafile)
{
	TLS_CLIENT_PARAMS p;

	memset(&p, 0, sizeof(p));
	p.CAfile = cafile;
	p.CApath = "";
	p.cert_file = "";
	p.key_file = "";
	p.chain_files = "";
	p.cache_file = "";
	p.cache_timeout = 3600;
	return (p);
}

static void
test_key_perms(void **state)
{
	VSTRING *why = vstring_alloc(10);
	TLS_SERVER_PARAMS sp = server_params();
	TLS_SERVER_CTX *sctx;
	char    expect[400];

	(void) state;
	assert_int_equal(tls_check_key_perms(tpath("server.key"), why), 0);
	assert_int_equal(tls_check_key_perms(tpath("open.key"), why), -1);
	snprintf(expect, sizeof(expect), "private key file %s is readable by "
		 "group or others (mode 0644); refusing to use it",
		 tpath("open.key"));
	assert_string_equal(vstring_str(why), expect);
	assert_int_equal(chmod(tpath("open.key"), 0640), 0);
	assert_int_equal(tls_check_key_perms(tpath("open.key"), why), -1);
	assert_non_null(strstr(vstring_str(why), "(mode 0640); refusing"));
	assert_int_equal(chmod(tpath("open.key"), 0400), 0);
	assert_int_equal(tls_check_key_perms(tpath("open.key"), why), 0);
	assert_int_equal(chmod(tpath("open.key"), 0644), 0);
	assert_int_equal(tls_check_key_perms(tpath("missing.key"), why), -1);
	assert_non_null(strstr(vstring_str(why), "missing.key"));
	assert_int_equal(tls_check_key_perms(tmpdir, why), -1);
	assert_non_null(strstr(vstring_str(why), "not a regular file"));

	/* The server context refuses it before reading. */
	sp.key_file = tpath("open.key");
	assert_null(tls_server_init(&sp, why));
	assert_string_equal(vstring_str(why), expect);

	/* A key that does not belong to the certificate. */
	sp.key_file = tpath("bad.key");
	assert_null(tls_server_init(&sp, why));
	if (strstr(vstring_str(why), "does not match") == NULL)
		fail_msg("mismatch: %s", vstring_str(why));

	/* A bad protocol setting. */
	sp = server_params();
	sp.protocols = ">=TLSv2";
	assert_null(tls_server_init(&sp, why));
	assert_non_null(strstr(vstring_str(why), "TLSv2"));

	/* The right key, and chain files. */
	sp = server_params();
	sctx = tls_server_init(&sp, why);
	assert_non_null(sctx);
	tls_server_free(sctx);
	sp.cert_file = "";
	sp.key_file = "";
	sp.chain_files = tpath("chain.pem");
	sctx = tls_server_init(&sp, why);
	if (sctx == NULL)
		fail_msg("chain files: %s", vstring_str(why));
	tls_server_free(sctx);

	/* Client side: the same checks on its certificate. */
	{
		TLS_CLIENT_PARAMS cp = client_params("");
		TLS_CLIENT_CTX *cctx;

		cp.cert_file = tpath("client.pem");
		cp.key_file = tpath("open.key");
		assert_null(tls_client_init(&cp, why));
		assert_non_null(strstr(vstring_str(why), "refusing to use it"));
		cp.key_file = tpath("client.key");
		assert_non_null(cctx = tls_client_init(&cp, why));
		tls_client_free(cctx);
		cp = client_params(tpath("nonexistent-ca.pem"));
		assert_null(tls_client_init(&cp, why));
	}
	vstring_free(why);
}

/* ---------- handshakes ---------- */

typedef struct RESULT {
	TLS_SESS *sess;			/* client session (open) */
	VSTREAM *stream;
	char    why[512];		/* client why */
	char    server[512];		/* "OK ..." or "ERR why" from the server */
	pid_t   pid;
	int     report_fd;
} RESULT;

/* The server child: handshake, report, echo one line, wait for EOF. */
static void
server_child(TLS_SERVER_CTX *sctx, int fd, int report_fd)
{
	VSTREAM *stream = vstream_fdopen(fd, O_RDWR);
	VSTRING *why = vstring_alloc(100);
	VSTRING *line = vstring_alloc(100);
	TLS_SESS *sess;
	char    report[1024];

	vstream_set_timeout(stream, 10);
	sess = tls_server_start(sctx, stream, 10, "client[127.0.0.1]", why);
	if (sess == NULL) {
		snprintf(report, sizeof(report), "ERR %s\n", vstring_str(why));
		if (write(report_fd, report, strlen(report)) < 0)
		_exit(3);
		_exit(2);
	}
	snprintf(report, sizeof(report), "OK %s reused=%d cn=%s trusted=%d\n",
		 sess->protocol, sess->reused, *sess->peer_CN ?
		 sess->peer_CN : "-", sess->peer_trusted);
	if (write(report_fd, report, strlen(report)) < 0)
		_exit(3);
	if (vstream_fgets_bound(stream, line, 1000) == VSTREAM_GETS_OK) {
		vstream_fprintf(stream, "250 got %s", vstring_str(line));
		vstream_fflush(stream);
		/* Wait for the client to finish. */
		while (vstream_fgets_bound(stream, line, 1000) == VSTREAM_GETS_OK)
			;
	}
	tls_session_stop(sess, stream, 0);
	vstream_close(stream);
	_exit(0);
}

static int
connect_pair(TLS_SERVER_CTX *sctx, RESULT *res)
{
	int     sv[2];
	int     rp[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(pipe(rp), 0);
	res->pid = fork();
	assert_true(res->pid >= 0);
	if (res->pid == 0) {
		close(sv[0]);
		close(rp[0]);
		server_child(sctx, sv[1], rp[1]);
	}
	close(sv[1]);
	close(rp[1]);
	res->report_fd = rp[0];
	return (sv[0]);
}

static void
finish(RESULT *res)
{
	ssize_t n;
	size_t  got = 0;
	int     status;

	if (res->sess) {
		tls_session_stop(res->sess, res->stream, 0);
		res->sess = NULL;
	}
	if (res->stream)
		vstream_close(res->stream);
	res->stream = NULL;
	while ((n = read(res->report_fd, res->server + got,
			 sizeof(res->server) - 1 - got)) > 0)
		got += (size_t) n;
	res->server[got] = 0;
	close(res->report_fd);
	assert_int_equal(waitpid(res->pid, &status, 0), res->pid);
}

/*
 * One connection: the client starts TLS with these settings, and on
 * success sends a line and reads the echo (which also brings TLS 1.3
 * tickets in). The client session stays open in res unless it failed.
 */
static int
run_client(TLS_SERVER_CTX *sctx, TLS_CLIENT_CTX *cctx,
	   const TLS_CLIENT_START *start, RESULT *res)
{
	VSTRING *why = vstring_alloc(100);
	VSTRING *line = vstring_alloc(100);
	int     fd;

	memset(res, 0, sizeof(*res));
	fd = connect_pair(sctx, res);
	res->stream = vstream_fdopen(fd, O_RDWR);
	vstream_set_timeout(res->stream, 10);
	res->sess = tls_client_start(cctx, res->stream, start, why);
	snprintf(res->why, sizeof(res->why), "%s", vstring_str(why));
	if (res->sess) {
		vstream_fprintf(res->stream, "EHLO client.example.com\r\n");
		assert_int_equal(vstream_fflush(res->stream), 0);
		assert_int_equal(vstream_fgets_bound(res->stream, line, 1000),
				 VSTREAM_GETS_OK);
		assert_string_equal(vstring_str(line),
				    "250 got EHLO client.example.com\r\n");
	}
	vstring_free(why);
	vstring_free(line);
	return (res->sess != NULL);
}

static TLS_CLIENT_START
client_start(int level)
{
	TLS_CLIENT_START s;

	memset(&s, 0, sizeof(s));
	s.level = level;
	s.timeout = 10;
	s.host = "mx.example.com";
	s.namaddr = "mx.example.com[127.0.0.1]:25";
	s.serverid = "";
	s.protocols = ">=TLSv1.2";
	s.cipher_grade = "medium";
	s.exclude_ciphers = "";
	s.fpt_dgst = "sha256";
	s.sni = "";
	return (s);
}

static TLS_SERVER_CTX *
server_ctx(const char *protocols)
{
	TLS_SERVER_PARAMS sp = server_params();
	VSTRING *why = vstring_alloc(10);
	TLS_SERVER_CTX *sctx;

	if (protocols)
		sp.protocols = protocols;
	sctx = tls_server_init(&sp, why);
	if (sctx == NULL)
		fail_msg("tls_server_init: %s", vstring_str(why));
	vstring_free(why);
	return (sctx);
}

static TLS_CLIENT_CTX *
client_ctx(const char *cafile)
{
	TLS_CLIENT_PARAMS cp = client_params(cafile);
	VSTRING *why = vstring_alloc(10);
	TLS_CLIENT_CTX *cctx;

	cctx = tls_client_init(&cp, why);
	if (cctx == NULL)
		fail_msg("tls_client_init: %s", vstring_str(why));
	vstring_free(why);
	return (cctx);
}

static void
test_handshake_default(void **state)
{
	TLS_SERVER_CTX *sctx = server_ctx(NULL);
	TLS_CLIENT_CTX *cctx = client_ctx("");
	TLS_CLIENT_START start = client_start(TLS_LEV_MAY);
	VSTRING *buf = vstring_alloc(10);
	RESULT  res;

	(void) state;
	start.protocols = "";
	if (!run_client(sctx, cctx, &start, &res))
		fail_msg("handshake failed: %s", res.why);
	assert_string_equal(res.sess->protocol, "TLSv1.3");
	assert_string_equal(res.sess->peer_CN, "mx.example.com");
	assert_string_equal(res.sess->issuer_CN, "Test CA");
	assert_string_equal(res.sess->peer_cert_fpt, srv_fpt);
	assert_string_equal(res.sess->peer_pkey_fpt, srv_pkey_fpt);
	/* may: no CAs configured, so untrusted, but the session stands. */
	assert_int_equal(res.sess->peer_trusted, 0);
	assert_int_equal(res.sess->peer_verified, 0);
	assert_int_equal(res.sess->reused, 0);
	assert_true(res.sess->cipher_usebits >= 128);
	{
		VSTRING *expect = vstring_alloc(10);

		/* Postfix's wording: the client logs the server's signature. */
		vstring_sprintf(expect, "TLSv1.3 with cipher %s (%d/%d bits) "
				"key-exchange X25519 server-signature ECDSA "
				"(prime256v1) server-digest SHA256",
				res.sess->cipher, res.sess->cipher_usebits,
				res.sess->cipher_algbits);
		assert_string_equal(tls_session_summary(res.sess, buf),
				    vstring_str(expect));
		assert_non_null(strstr(vstring_str(buf),
				       "TLSv1.3 with cipher TLS_"));
		vstring_free(expect);
	}
	/* Nothing is left over inside OpenSSL after the echo. */
	assert_int_equal(tls_pending(res.sess), 0);
	assert_int_equal(tls_pending(NULL), 0);
	finish(&res);
	assert_string_equal(res.server, "OK TLSv1.3 reused=0 cn=- trusted=0\n");

	/* SNI and a large transfer both ways still work. */
	start.sni = "mx.example.com";
	if (!run_client(sctx, cctx, &start, &res))
		fail_msg("handshake with SNI failed: %s", res.why);
	finish(&res);
	vstring_free(buf);
	tls_client_free(cctx);
	tls_server_free(sctx);
}

static void
test_tls12(void **state)
{
	TLS_SERVER_CTX *sctx = server_ctx(">=TLSv1.2 <=TLSv1.2");
	TLS_CLIENT_CTX *cctx = client_ctx("");
	TLS_CLIENT_START start = client_start(TLS_LEV_ENCRYPT);
	RESULT  res;

	(void) state;
	start.protocols = ">=TLSv1.2 <=TLSv1.2";
	if (!run_client(sctx, cctx, &start, &res))
		fail_msg("handshake failed: %s", res.why);
	assert_string_equal(res.sess->protocol, "TLSv1.2");
	assert_non_null(strstr(res.sess->cipher, "ECDHE"));
	finish(&res);
	assert_string_equal(res.server, "OK TLSv1.2 reused=0 cn=- trusted=0\n");

	/* Old exclusion syntax on the client, range on the server. */
	start.protocols = "!SSLv2, !SSLv3, !TLSv1, !TLSv1.1";
	if (!run_client(sctx, cctx, &start, &res))
		fail_msg("handshake failed: %s", res.why);
	assert_string_equal(res.sess->protocol, "TLSv1.2");
	finish(&res);
	tls_client_free(cctx);
	tls_server_free(sctx);
}

static void
test_protocol_mismatch(void **state)
{
	TLS_SERVER_CTX *sctx = server_ctx(">=TLSv1.3");
	TLS_CLIENT_CTX *cctx = client_ctx("");
	TLS_CLIENT_START start = client_start(TLS_LEV_ENCRYPT);
	RESULT  res;

	(void) state;
	start.protocols = "<=TLSv1.2";
	assert_false(run_client(sctx, cctx, &start, &res));
	finish(&res);
	assert_non_null(strstr(res.why,
			       "SSL_connect error to mx.example.com[127.0.0.1]:25: "));
	assert_non_null(strstr(res.server,
			       "ERR SSL_accept error from client[127.0.0.1]: "));
	assert_non_null(strstr(res.server, "protocol"));
	tls_client_free(cctx);
	tls_server_free(sctx);
}

static void
test_fingerprint(void **state)
{
	TLS_SERVER_CTX *sctx = server_ctx(NULL);
	TLS_CLIENT_CTX *cctx = client_ctx("");
	TLS_CLIENT_START start = client_start(TLS_LEV_FINGERPRINT);
	const char *wrong = "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:"
	"00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF";
	char    lower[200];
	const char *argv[3];
	RESULT  res;
	size_t  i;

	(void) state;
	/* Certificate fingerprint, second in the list, lower case. */
	for (i = 0; srv_fpt[i]; i++)
		lower[i] = (char) tolower((unsigned char) srv_fpt[i]);
	lower[i] = 0;
	argv[0] = wrong;
	argv[1] = lower;
	argv[2] = NULL;
	start.matchargv = argv;
	if (!run_client(sctx, cctx, &start, &res))
		fail_msg("fingerprint match failed: %s", res.why);
	assert_int_equal(res.sess->peer_verified, 1);
	assert_int_equal(res.sess->peer_trusted, 0);
	finish(&res);

	/* md5 digest. */
	argv[0] = srv_md5_fpt;
	argv[1] = NULL;
	start.fpt_dgst = "md5";
	if (!run_client(sctx, cctx, &start, &res))
		fail_msg("md5 fingerprint match failed: %s", res.why);
	assert_string_equal(res.sess->peer_cert_fpt, srv_md5_fpt);
	assert_int_equal(strlen(res.sess->peer_cert_fpt), 16 * 3 - 1);
	finish(&res);

	/* Public key fingerprint. */
	start.fpt_dgst = "sha256";
	start.fpt_pkey = 1;
	argv[0] = srv_pkey_fpt;
	if (!run_client(sctx, cctx, &start, &res))
		fail_msg("pkey fingerprint match failed: %s", res.why);
	finish(&res);

	/* The certificate digest does not match a public key digest. */
	argv[0] = srv_fpt;
	assert_false(run_client(sctx, cctx, &start, &res));
	finish(&res);
	assert_non_null(strstr(res.why, "fingerprint mismatch"));

	start.fpt_pkey = 0;
	argv[0] = wrong;
	assert_false(run_client(sctx, cctx, &start, &res));
	finish(&res);
	assert_string_equal(res.why,
			    "Server certificate not verified: fingerprint mismatch");

	/* dane (no DNSSEC here) works as may; dane-only is refused. */
	start.level = TLS_LEV_DANE;
	assert_true(run_client(sctx, cctx, &start, &res));
	finish(&res);
	start.level = TLS_LEV_DANE_ONLY;
	{
		VSTRING *why = vstring_alloc(10);
		VSTREAM *vs = vstream_fdopen(dup(0), O_RDWR);

		assert_null(tls_client_start(cctx, vs, &start, why));
		assert_non_null(strstr(vstring_str(why), "dane-only"));
		vstream_close(vs);
		vstring_free(why);
	}

	/* The same certificate at level encrypt is fine. */
	start.level = TLS_LEV_ENCRYPT;
	assert_true(run_client(sctx, cctx, &start, &res));
	assert_int_equal(res.sess->peer_verified, 0);
	finish(&res);
	tls_client_free(cctx);
	tls_server_free(sctx);
}

/* Level verify against a list of names: 1 when accepted. */
static int
verify_names(TLS_SERVER_CTX *sctx, TLS_CLIENT_CTX *cctx, int level,
	     const char *name1, const char *name2, char *why, size_t len)
{
	TLS_CLIENT_START start = client_start(level);
	const char *argv[3] = {name1, name2, NULL};
	RESULT  res;
	int     ok;

	start.matchargv = argv;
	ok = run_client(sctx, cctx, &start, &res);
	if (ok) {
		assert_int_equal(res.sess->peer_trusted, 1);
		assert_int_equal(res.sess->peer_verified, 1);
	}
	finish(&res);
	snprintf(why, len, "%s", res.why);
	return (ok);
}

static void
test_verify(void **state)
{
	TLS_SERVER_CTX *sctx = server_ctx(NULL);
	TLS_CLIENT_CTX *good = client_ctx(tpath("ca.pem"));
	TLS_CLIENT_CTX *other = client_ctx(tpath("other-ca.pem"));
	TLS_CLIENT_START start = client_start(TLS_LEV_MAY);
	char    why[512];
	RESULT  res;

	(void) state;
	/* Untrusted CA. */
	assert_false(verify_names(sctx, other, TLS_LEV_VERIFY, "mx.example.com",
				  NULL, why, sizeof(why)));
	assert_string_equal(why, "Server certificate not trusted");
	assert_false(verify_names(sctx, other, TLS_LEV_SECURE, "mx.example.com",
				  NULL, why, sizeof(why)));
	assert_string_equal(why, "Server certificate not trusted");

	/* Trusted, and the name matches a subjectAltName. */
	assert_true(verify_names(sctx, good, TLS_LEV_VERIFY, "mx.example.com",
				 NULL, why, sizeof(why)));
	assert_true(verify_names(sctx, good, TLS_LEV_SECURE, "nexthop.invalid",
				 "SMTP.Example.NET.", why, sizeof(why)));
	/* The CN is not consulted when there are DNS subjectAltNames. */
	assert_true(verify_names(sctx, good, TLS_LEV_SECURE, "[127.0.0.1]",
				 NULL, why, sizeof(why)));

	/* Name mismatch. */
	assert_false(verify_names(sctx, good, TLS_LEV_VERIFY, "example.com",
				  "mx.example.net", why, sizeof(why)));
	assert_string_equal(why, "Server certificate not verified");
	assert_false(verify_names(sctx, good, TLS_LEV_SECURE, "mx.example.co",
				  NULL, why, sizeof(why)));

	/* ".example.com": any subdomain, not the domain itself. */
	assert_true(verify_names(sctx, good, TLS_LEV_SECURE, ".example.com",
				 NULL, why, sizeof(why)));
	assert_true(verify_names(sctx, good, TLS_LEV_SECURE, ".com",
				 NULL, why, sizeof(why)));
	assert_false(verify_names(sctx, good, TLS_LEV_SECURE, ".mx.example.com",
				  NULL, why, sizeof(why)));
	assert_false(verify_names(sctx, good, TLS_LEV_SECURE, ".ample.com",
				  NULL, why, sizeof(why)));

	/* "*.wild.example.org" covers one label. */
	assert_true(verify_names(sctx, good, TLS_LEV_SECURE, "a.wild.example.org",
				 NULL, why, sizeof(why)));
	assert_false(verify_names(sctx, good, TLS_LEV_SECURE,
				  "a.b.wild.example.org", NULL, why, sizeof(why)));
	assert_false(verify_names(sctx, good, TLS_LEV_SECURE, "wild.example.org",
				  NULL, why, sizeof(why)));
	assert_true(verify_names(sctx, good, TLS_LEV_SECURE, ".example.org",
				 NULL, why, sizeof(why)));

	/* may with the right CA: trusted, not verified. */
	if (!run_client(sctx, good, &start, &res))
		fail_msg("may: %s", res.why);
	assert_int_equal(res.sess->peer_trusted, 1);
	assert_int_equal(res.sess->peer_verified, 0);
	finish(&res);

	tls_client_free(good);
	tls_client_free(other);
	tls_server_free(sctx);
}

static void
test_verify_cn_only(void **state)
{
	TLS_SERVER_PARAMS sp = server_params();
	TLS_CLIENT_CTX *good = client_ctx(tpath("ca.pem"));
	VSTRING *vwhy = vstring_alloc(10);
	TLS_SERVER_CTX *sctx;
	char    why[512];

	(void) state;
	sp.cert_file = tpath("cnonly.pem");
	sp.key_file = tpath("cnonly.key");
	assert_non_null(sctx = tls_server_init(&sp, vwhy));
	assert_true(verify_names(sctx, good, TLS_LEV_VERIFY, "cn.example.com",
				 NULL, why, sizeof(why)));
	assert_false(verify_names(sctx, good, TLS_LEV_VERIFY, "mx.example.com",
				  NULL, why, sizeof(why)));
	tls_server_free(sctx);
	tls_client_free(good);
	vstring_free(vwhy);
}

static void
resumption(const char *protocols, const char *expect_proto)
{
	TLS_SERVER_CTX *sctx = server_ctx(NULL);
	TLS_CLIENT_CTX *cctx = client_ctx(tpath("ca.pem"));
	TLS_CLIENT_START start = client_start(TLS_LEV_VERIFY);
	const char *argv[] = {"mx.example.com", NULL};
	RESULT  res;

	start.protocols = protocols;
	start.matchargv = argv;
	start.serverid = "smtp:127.0.0.1:25:mx.example.com";
	assert_true(run_client(sctx, cctx, &start, &res));
	assert_string_equal(res.sess->protocol, expect_proto);
	assert_int_equal(res.sess->reused, 0);
	finish(&res);

	/* Same id: offered and resumed, with the checks still done. */
	if (!run_client(sctx, cctx, &start, &res))
		fail_msg("resumed handshake failed: %s", res.why);
	assert_string_equal(res.sess->protocol, expect_proto);
	assert_int_equal(res.sess->reused, 1);
	assert_int_equal(res.sess->peer_verified, 1);
	assert_string_equal(res.sess->peer_CN, "mx.example.com");
	finish(&res);
	assert_non_null(strstr(res.server, "reused=1"));

	/* And again (the newest ticket replaced the old one). */
	assert_true(run_client(sctx, cctx, &start, &res));
	assert_int_equal(res.sess->reused, 1);
	finish(&res);

	/* Another id: a full handshake. */
	start.serverid = "smtp:127.0.0.1:25:other.example.com";
	assert_true(run_client(sctx, cctx, &start, &res));
	assert_int_equal(res.sess->reused, 0);
	finish(&res);

	/* Name check on a resumed session still fails when it should. */
	start.serverid = "smtp:127.0.0.1:25:mx.example.com";
	argv[0] = "wrong.example.com";
	assert_false(run_client(sctx, cctx, &start, &res));
	finish(&res);
	assert_string_equal(res.why, "Server certificate not verified");

	tls_client_free(cctx);
	tls_server_free(sctx);
}

static void
test_resumption_tls13(void **state)
{
	(void) state;
	resumption(">=TLSv1.3", "TLSv1.3");
}

static void
test_resumption_tls12(void **state)
{
	(void) state;
	resumption("<=TLSv1.2", "TLSv1.2");
}

/* Sessions shared through the cache file between client contexts. */
static void
file_cache(const char *protocols)
{
	TLS_SERVER_CTX *sctx = server_ctx(NULL);
	TLS_CLIENT_PARAMS cp = client_params(tpath("ca.pem"));
	TLS_CLIENT_START start = client_start(TLS_LEV_SECURE);
	const char *argv[] = {"mx.example.com", NULL};
	VSTRING *why = vstring_alloc(10);
	TLS_CLIENT_CTX *c1;
	TLS_CLIENT_CTX *c2;
	struct stat st;
	char    typed[300];
	RESULT  res;

	(void) unlink(tpath("scache"));
	cp.cache_file = tpath("scache");
	start.protocols = protocols;
	start.matchargv = argv;
	start.serverid = "smtp:127.0.0.1:25:mx.example.com&c=x";
	assert_non_null(c1 = tls_client_init(&cp, why));
	assert_true(run_client(sctx, c1, &start, &res));
	assert_int_equal(res.sess->reused, 0);
	finish(&res);
	assert_int_equal(stat(tpath("scache"), &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);

	/* A fresh context (another smtp process) finds it in the file. */
	assert_non_null(c2 = tls_client_init(&cp, why));
	if (!run_client(sctx, c2, &start, &res))
		fail_msg("resumption from file: %s", res.why);
	assert_int_equal(res.sess->reused, 1);
	assert_int_equal(res.sess->peer_verified, 1);
	finish(&res);
	tls_client_free(c2);

	/* Without the file, a fresh context has nothing to offer. */
	cp.cache_file = "";
	assert_non_null(c2 = tls_client_init(&cp, why));
	assert_true(run_client(sctx, c2, &start, &res));
	assert_int_equal(res.sess->reused, 0);
	finish(&res);
	tls_client_free(c2);

	/* "type:path" names the same file. */
	snprintf(typed, sizeof(typed), "btree:%s", tpath("scache"));
	cp.cache_file = typed;
	assert_non_null(c2 = tls_client_init(&cp, why));
	assert_true(run_client(sctx, c2, &start, &res));
	assert_int_equal(res.sess->reused, 1);
	finish(&res);
	tls_client_free(c2);

	tls_client_free(c1);
	tls_server_free(sctx);
	vstring_free(why);
}

static void
test_file_cache_tls13(void **state)
{
	(void) state;
	file_cache(">=TLSv1.3");
}

static void
test_file_cache_tls12(void **state)
{
	(void) state;
	file_cache("<=TLSv1.2");
}

/* A session older than cache_timeout is not offered. */
static void
test_cache_timeout(void **state)
{
	TLS_SERVER_CTX *sctx = server_ctx(NULL);
	TLS_CLIENT_PARAMS cp = client_params("");
	TLS_CLIENT_START start = client_start(TLS_LEV_ENCRYPT);
	VSTRING *why = vstring_alloc(10);
	TLS_CLIENT_CTX *cctx;
	struct timespec ts = {2, 100000000};
	RESULT  res;

	(void) state;
	cp.cache_timeout = 1;
	start.serverid = "smtp:127.0.0.1:25:short";
	assert_non_null(cctx = tls_client_init(&cp, why));
	assert_true(run_client(sctx, cctx, &start, &res));
	finish(&res);
	assert_true(run_client(sctx, cctx, &start, &res));
	assert_int_equal(res.sess->reused, 1);
	finish(&res);
	/* The entry's lifetime is whole seconds: wait past it. */
	nanosleep(&ts, NULL);
	assert_true(run_client(sctx, cctx, &start, &res));
	assert_int_equal(res.sess->reused, 0);
	finish(&res);
	tls_client_free(cctx);
	tls_server_free(sctx);
	vstring_free(why);
}

/* ---------- shared session ticket keys ---------- */

static TLS_SERVER_CTX *
ticket_ctx(const char *protocols, const char *path, int lifetime)
{
	TLS_SERVER_CTX *sctx = server_ctx(protocols);
	VSTRING *why = vstring_alloc(10);

	if (tls_server_ticket_keys(sctx, path, "aes-256-cbc", lifetime, why) < 0)
		fail_msg("tls_server_ticket_keys: %s", vstring_str(why));
	vstring_free(why);
	return (sctx);
}

static char *
slurp(const char *path)
{
	static char buf[2048];
	int     fd = open(path, O_RDONLY);
	ssize_t n;

	assert_true(fd >= 0);
	n = read(fd, buf, sizeof(buf) - 1);
	assert_true(n > 0);
	buf[n] = 0;
	close(fd);
	return (buf);
}

/* The key lines of a key file (comment dropped); count in *n. */
static void
key_lines(const char *path, char lines[2][200], int *n)
{
	char   *text = slurp(path);
	char   *line;
	char   *next;

	*n = 0;
	for (line = text; line && *line; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = 0;
		if (*line == '#')
			continue;
		assert_true(*n < 2);
		assert_true(strlen(line) < 200);
		memcpy(lines[(*n)++], line, strlen(line) + 1);
	}
}

/* A full handshake with one context, then resumption with another. */
static int
resumes_across(TLS_SERVER_CTX *first, TLS_SERVER_CTX *second,
	       const char *protocols)
{
	TLS_CLIENT_CTX *cctx = client_ctx(tpath("ca.pem"));
	TLS_CLIENT_START start = client_start(TLS_LEV_MAY);
	RESULT  res;
	int     reused;

	start.protocols = protocols;
	start.serverid = "smtp:127.0.0.1:25:mx.example.com";
	if (!run_client(first, cctx, &start, &res))
		fail_msg("handshake failed: %s", res.why);
	assert_int_equal(res.sess->reused, 0);
	finish(&res);
	if (!run_client(second, cctx, &start, &res))
		fail_msg("second handshake failed: %s", res.why);
	reused = res.sess->reused;
	finish(&res);
	assert_int_equal(strstr(res.server, "reused=1") != NULL, reused);
	tls_client_free(cctx);
	return (reused);
}

static void
test_ticket_keys(void **state)
{
	const char *path = tpath("ticket_keys");
	const char *lnk = tpath("ticket_link");
	VSTRING *why = vstring_alloc(10);
	TLS_SERVER_CTX *a;
	TLS_SERVER_CTX *b;
	TLS_SERVER_CTX *own;
	TLS_SERVER_CTX *c;
	struct stat st;
	char    first[2][200];
	char    again[2][200];
	char    rotated[2][200];
	char    text[600];
	int     n;
	int     fd;
	long long created;

	(void) state;
	(void) unlink(path);

	/* Created 0600 on first use, with one key; the next use reads it. */
	a = ticket_ctx(NULL, path, 3600);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0600);
	key_lines(path, first, &n);
	assert_int_equal(n, 1);
	b = ticket_ctx(NULL, path, 3600);
	key_lines(path, again, &n);
	assert_int_equal(n, 1);
	assert_string_equal(again[0], first[0]);

	/* Two contexts (two smtpd processes) resume each other's sessions. */
	assert_int_equal(resumes_across(a, b, ">=TLSv1.3"), 1);
	assert_int_equal(resumes_across(b, a, "<=TLSv1.2"), 1);

	/* Without the shared keys, another context cannot. */
	own = ticket_ctx(NULL, "", 3600);
	assert_int_equal(resumes_across(a, own, ">=TLSv1.3"), 0);
	assert_int_equal(resumes_across(own, a, "<=TLSv1.2"), 0);
	tls_server_free(own);

	/* Rotation: an old current key becomes the previous one. */
	assert_int_equal(sscanf(first[0], "%lld", &created), 1);
	snprintf(text, sizeof(text), "# test\n%lld%s\n", created - 4000,
		 strchr(first[0], ' '));
	fd = open(path, O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t) strlen(text));
	close(fd);
	c = ticket_ctx(NULL, path, 3600);
	key_lines(path, rotated, &n);
	assert_int_equal(n, 2);
	assert_string_equal(strchr(rotated[1], ' '), strchr(first[0], ' '));
	assert_string_not_equal(strchr(rotated[0], ' '), strchr(first[0], ' '));
	/* Tickets under the previous key are still accepted... */
	assert_int_equal(resumes_across(a, c, ">=TLSv1.3"), 1);
	assert_int_equal(resumes_across(a, c, "<=TLSv1.2"), 1);
	/* ...and new ones (current key) are unknown to the old context. */
	assert_int_equal(resumes_across(c, a, ">=TLSv1.3"), 0);
	tls_server_free(c);

	/* Past two lifetimes, the previous key is dropped as well. */
	snprintf(text, sizeof(text), "%lld%s\n%lld%s\n", created - 8000,
		 strchr(rotated[0], ' '), created - 9000, strchr(rotated[1], ' '));
	fd = open(path, O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t) strlen(text));
	close(fd);
	c = ticket_ctx(NULL, path, 3600);
	key_lines(path, again, &n);
	assert_int_equal(n, 1);
	assert_string_not_equal(strchr(again[0], ' '), strchr(rotated[0], ' '));
	tls_server_free(c);

	/* Garbage is replaced by a fresh key. */
	fd = open(path, O_WRONLY | O_TRUNC);
	assert_int_equal(write(fd, "junk\n", 5), 5);
	close(fd);
	c = ticket_ctx(NULL, path, 3600);
	key_lines(path, again, &n);
	assert_int_equal(n, 1);
	tls_server_free(c);

	/* Refused: a symlink, a file others can read, a bad cipher. */
	(void) unlink(lnk);
	assert_int_equal(symlink(path, lnk), 0);
	assert_int_equal(tls_server_ticket_keys(a, lnk, "aes-256-cbc", 3600,
						why), -1);
	assert_non_null(strstr(vstring_str(why), lnk));
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(tls_server_ticket_keys(a, path, "aes-256-cbc", 3600,
						why), -1);
	assert_non_null(strstr(vstring_str(why), "refusing to use it"));
	assert_int_equal(chmod(path, 0600), 0);
	assert_int_equal(tls_server_ticket_keys(a, path, "aes-256-gcm", 3600,
						why), -1);
	assert_non_null(strstr(vstring_str(why), "aes-256-gcm"));
	assert_int_equal(tls_server_ticket_keys(a, path, "no-such-cipher", 3600,
						why), -1);
	/* The context still works with its keys after the refusals. */
	assert_int_equal(resumes_across(a, b, ">=TLSv1.3"), 1);

	/* An empty cipher turns tickets off: no resumption across. */
	c = server_ctx(NULL);
	assert_int_equal(tls_server_ticket_keys(c, path, "", 3600, why), 0);
	assert_int_equal(resumes_across(c, b, ">=TLSv1.3"), 0);
	tls_server_free(c);

	(void) unlink(lnk);
	(void) unlink(path);
	tls_server_free(a);
	tls_server_free(b);
	vstring_free(why);
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec + ts.tv_nsec / 1e9);
}

static void
test_timeouts(void **state)
{
	TLS_SERVER_CTX *sctx = server_ctx(NULL);
	TLS_CLIENT_CTX *cctx = client_ctx("");
	TLS_CLIENT_START start = client_start(TLS_LEV_ENCRYPT);
	VSTRING *why = vstring_alloc(10);
	VSTREAM *stream;
	TLS_SESS *sess;
	double  t0;
	double  t;
	int     sv[2];

	(void) state;
	/* Client: the server never answers the ClientHello. */
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	stream = vstream_fdopen(sv[0], O_RDWR);
	start.timeout = 1;
	t0 = now();
	sess = tls_client_start(cctx, stream, &start, why);
	t = now() - t0;
	assert_null(sess);
	assert_true(t >= 0.9 && t < 3.0);
	assert_string_equal(vstring_str(why),
			    "SSL_connect error to mx.example.com[127.0.0.1]:25: "
			    "timed out");
	vstream_close(stream);
	close(sv[1]);

	/* Server: the client never says hello. */
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	stream = vstream_fdopen(sv[0], O_RDWR);
	t0 = now();
	sess = tls_server_start(sctx, stream, 1, "client[127.0.0.1]", why);
	t = now() - t0;
	assert_null(sess);
	assert_true(t >= 0.9 && t < 3.0);
	assert_string_equal(vstring_str(why),
			    "SSL_accept error from client[127.0.0.1]: timed out");
	vstream_close(stream);
	close(sv[1]);

	/* Peer closes at once: an error, not a hang. */
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	close(sv[1]);
	stream = vstream_fdopen(sv[0], O_RDWR);
	start.timeout = 5;
	t0 = now();
	assert_null(tls_client_start(cctx, stream, &start, why));
	assert_true(now() - t0 < 2.0);
	assert_non_null(strstr(vstring_str(why), "SSL_connect error to "));
	vstream_close(stream);

	vstring_free(why);
	tls_client_free(cctx);
	tls_server_free(sctx);
}

/* Data timeout after the handshake: the vstream deadline is honoured. */
static void
test_read_timeout(void **state)
{
	TLS_SERVER_CTX *sctx = server_ctx(NULL);
	TLS_CLIENT_CTX *cctx = client_ctx("");
	TLS_CLIENT_START start = client_start(TLS_LEV_ENCRYPT);
	VSTRING *line = vstring_alloc(10);
	RESULT  res;
	double  t0;

	(void) state;
	assert_true(run_client(sctx, cctx, &start, &res));
	/* The server child now waits for more lines; it sends nothing. */
	vstream_set_timeout(res.stream, 1);
	t0 = now();
	assert_int_equal(vstream_fgets_bound(res.stream, line, 100),
			 VSTREAM_GETS_EOF);
	assert_true(now() - t0 >= 0.9 && now() - t0 < 3.0);
	assert_true(vstream_ftimeout(res.stream));
	vstream_clearerr(res.stream);
	finish(&res);
	vstring_free(line);
	tls_client_free(cctx);
	tls_server_free(sctx);
}

static void
test_client_cert(void **state)
{
	TLS_SERVER_PARAMS sp = server_params();
	TLS_CLIENT_PARAMS cp = client_params("");
	TLS_CLIENT_START start = client_start(TLS_LEV_ENCRYPT);
	VSTRING *why = vstring_alloc(10);
	TLS_SERVER_CTX *sctx;
	TLS_CLIENT_CTX *cctx;
	TLS_CLIENT_CTX *nocert = client_ctx("");
	RESULT  res;

	(void) state;
	sp.ask_ccert = 1;
	sp.CAfile = tpath("ca.pem");
	assert_non_null(sctx = tls_server_init(&sp, why));
	cp.cert_file = tpath("client.pem");
	cp.key_file = tpath("client.key");
	assert_non_null(cctx = tls_client_init(&cp, why));
	assert_true(run_client(sctx, cctx, &start, &res));
	finish(&res);
	assert_string_equal(res.server,
			    "OK TLSv1.3 reused=0 cn=client.example.com trusted=1\n");
	/* No client certificate: still fine, just nothing to tell. */
	assert_true(run_client(sctx, nocert, &start, &res));
	finish(&res);
	assert_string_equal(res.server, "OK TLSv1.3 reused=0 cn=- trusted=0\n");
	tls_server_free(sctx);

	/* A client certificate from a CA the server does not know. */
	sp.CAfile = tpath("other-ca.pem");
	assert_non_null(sctx = tls_server_init(&sp, why));
	assert_true(run_client(sctx, cctx, &start, &res));
	finish(&res);
	assert_string_equal(res.server,
			    "OK TLSv1.3 reused=0 cn=client.example.com trusted=0\n");
	tls_server_free(sctx);
	tls_client_free(cctx);
	tls_client_free(nocert);
	vstring_free(why);
}

/* A large payload passes both ways (records, partial writes). */
static void
test_bulk(void **state)
{
	TLS_SERVER_CTX *sctx = server_ctx(NULL);
	TLS_CLIENT_CTX *cctx = client_ctx("");
	TLS_CLIENT_START start = client_start(TLS_LEV_ENCRYPT);
	VSTRING *why = vstring_alloc(10);
	VSTRING *line = vstring_alloc(10);
	VSTREAM *cs;
	VSTREAM *ss;
	TLS_SESS *sess;
	pid_t   pid;
	int     sv[2];
	int     status;
	int     i;

	(void) state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	if ((pid = fork()) == 0) {
		close(sv[0]);
		ss = vstream_fdopen(sv[1], O_RDWR);
		vstream_set_timeout(ss, 10);
		if ((sess = tls_server_start(sctx, ss, 10, "c", why)) == NULL)
			_exit(2);
		/* Echo every line back. */
		while (vstream_fgets_bound(ss, line, 100000) == VSTREAM_GETS_OK)
			vstream_fwrite(ss, vstring_str(line), vstring_len(line));
		vstream_fflush(ss);
		tls_session_stop(sess, ss, 0);
		vstream_close(ss);
		_exit(0);
	}
	close(sv[1]);
	cs = vstream_fdopen(sv[0], O_RDWR);
	vstream_set_timeout(cs, 10);
	assert_non_null(sess = tls_client_start(cctx, cs, &start, why));
	/* Lines larger than a TLS record and than the socket buffer. */
	for (i = 0; i < 20; i++) {
		VSTRING *expect = vstring_alloc(10);

		while (vstring_len(expect) < 50000)
			vstring_sprintf_append(expect, "%d-", i);
		vstring_addch(expect, '\n');
		assert_int_equal(vstream_fwrite(cs, vstring_str(expect),
						vstring_len(expect)),
				 (ssize_t) vstring_len(expect));
		assert_int_equal(vstream_fgets_bound(cs, line, 100000),
				 VSTREAM_GETS_OK);
		assert_string_equal(vstring_str(line), vstring_str(expect));
		vstring_free(expect);
	}
	/* Half close through close_notify: the server sees EOF and exits. */
	tls_session_stop(sess, cs, 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	vstream_close(cs);
	vstring_free(why);
	vstring_free(line);
	tls_client_free(cctx);
	tls_server_free(sctx);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_level_names),
		cmocka_unit_test(test_protocol_range),
		cmocka_unit_test(test_cipher_list),
		cmocka_unit_test(test_key_perms),
		cmocka_unit_test(test_handshake_default),
		cmocka_unit_test(test_tls12),
		cmocka_unit_test(test_protocol_mismatch),
		cmocka_unit_test(test_fingerprint),
		cmocka_unit_test(test_verify),
		cmocka_unit_test(test_verify_cn_only),
		cmocka_unit_test(test_resumption_tls13),
		cmocka_unit_test(test_resumption_tls12),
		cmocka_unit_test(test_file_cache_tls13),
		cmocka_unit_test(test_file_cache_tls12),
		cmocka_unit_test(test_cache_timeout),
		cmocka_unit_test(test_timeouts),
		cmocka_unit_test(test_read_timeout),
		cmocka_unit_test(test_client_cert),
		cmocka_unit_test(test_bulk),
		cmocka_unit_test(test_ticket_keys),
	};

	signal(SIGPIPE, SIG_IGN);
	return (cmocka_run_group_tests(tests, setup_certs, teardown_certs));
}
