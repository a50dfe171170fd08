/*
 * tls_scache - client TLS sessions in a file shared between processes
 *
 *	tls_scache_load(file, serverid, &expires) returns the session saved
 *	under serverid (a new reference) and its expiry time, or NULL.
 *	tls_scache_save(file, serverid, session, expires) saves a session,
 *	replacing any older one under that id and dropping expired ones.
 *
 * The file ("type:path" is accepted, the type is ignored) holds one line
 * per server: "serverid TAB expiry TAB base64(DER session)". It holds
 * session secrets, so it is created with mode 0600 and never followed
 * through a symlink. Readers take a shared flock(), writers an exclusive
 * one and rewrite the file in place; a lock that stays busy makes us
 * skip the cache, never wait long. This is a cache: every failure only
 * costs a full handshake, and is logged once per process as a warning.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>

#include <openssl/ssl.h>

#include "msg.h"
#include "mymalloc.h"
#include "iostuff.h"
#include "base64.h"
#include "vstring.h"
#include "tls_priv.h"

#define TLS_SCACHE_MAX_SIZE	(8 * 1024 * 1024)
#define TLS_SCACHE_MAX_ENTRIES	5000

static int tls_scache_warned;

static void
tls_scache_warn(const char *what, const char *path)
{
	if (tls_scache_warned++ == 0)
		msg_warn("TLS session cache %s: %s: %s", path, what,
			 strerror(errno));
}

/* "btree:/path" -> "/path": Postfix-style names are accepted. */
static const char *
tls_scache_path(const char *file)
{
	const char *colon = strchr(file, ':');
	const char *slash = strchr(file, '/');

	if (colon && (slash == NULL || colon < slash))
		return (colon + 1);
	return (file);
}

static int
tls_scache_lock(int fd, int how)
{
	int     i;

	for (i = 0; i < 50; i++) {
		if (flock(fd, how | LOCK_NB) == 0)
			return (0);
		if (errno != EWOULDBLOCK && errno != EINTR)
			return (-1);
		usleep(10000);
	}
	errno = ETIMEDOUT;
	return (-1);
}

static int
tls_scache_read(int fd, VSTRING *buf)
{
	char    chunk[8192];
	ssize_t n;

	vstring_truncate(buf, 0);
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return (-1);
		}
		if (vstring_len(buf) + (size_t) n > TLS_SCACHE_MAX_SIZE) {
			errno = EFBIG;
			return (-1);
		}
		vstring_memcat(buf, chunk, (size_t) n);
	}
	return (0);
}

static int
tls_scache_key_ok(const char *serverid)
{
	return (*serverid && strpbrk(serverid, "\t\r\n") == NULL);
}

/*
 * Split one line in place: id, expiry, data. 0 when malformed.
 */
static int
tls_scache_parse(char *line, char **id, time_t *expires, char **data)
{
	char   *t1 = strchr(line, '\t');
	char   *t2;
	char   *end;
	long long val;

	if (t1 == NULL || (t2 = strchr(t1 + 1, '\t')) == NULL)
		return (0);
	*t1 = *t2 = 0;
	errno = 0;
	val = strtoll(t1 + 1, &end, 10);
	if (errno || *end || end == t1 + 1 || val <= 0)
		return (0);
	*id = line;
	*expires = (time_t) val;
	*data = t2 + 1;
	return (1);
}

SSL_SESSION *
tls_scache_load(const char *file, const char *serverid, time_t *expires)
{
	const char *path = tls_scache_path(file);
	SSL_SESSION *session = NULL;
	VSTRING *buf;
	VSTRING *der;
	char   *cp;
	char   *next;
	char   *id;
	char   *data;
	time_t	exp;
	time_t	now = time(NULL);
	int     fd;

	if (!tls_scache_key_ok(serverid))
		return (NULL);
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		if (errno != ENOENT)
			tls_scache_warn("cannot open", path);
		return (NULL);
	}
	buf = vstring_alloc(1024);
	if (tls_scache_lock(fd, LOCK_SH) < 0 || tls_scache_read(fd, buf) < 0) {
		tls_scache_warn("cannot read", path);
		vstring_free(buf);
		(void) close(fd);
		return (NULL);
	}
	(void) close(fd);
	der = vstring_alloc(1024);
	for (cp = vstring_str(buf); cp && *cp && session == NULL; cp = next) {
		if ((next = strchr(cp, '\n')) != NULL)
			*next++ = 0;
		if (!tls_scache_parse(cp, &id, &exp, &data)
		    || strcmp(id, serverid) != 0 || exp <= now)
			continue;
		if (base64_decode(der, data, strlen(data)) == 0) {
			const unsigned char *p = (unsigned char *) vstring_str(der);

			session = d2i_SSL_SESSION(NULL, &p, (long) vstring_len(der));
			if (session && !SSL_SESSION_is_resumable(session)) {
				SSL_SESSION_free(session);
				session = NULL;
			}
			*expires = exp;
		}
	}
	vstring_free(der);
	vstring_free(buf);
	return (session);
}

void
tls_scache_save(const char *file, const char *serverid,
		SSL_SESSION *session, time_t expires)
{
	const char *path = tls_scache_path(file);
	VSTRING *buf;
	VSTRING *out;
	VSTRING *enc;
	unsigned char *der = NULL;
	struct stat st;
	char   *cp;
	char   *next;
	char   *id;
	char   *data;
	time_t	exp;
	time_t	now = time(NULL);
	int     der_len;
	int     fd;
	int     kept = 0;

	if (!tls_scache_key_ok(serverid))
		return;
	if ((der_len = i2d_SSL_SESSION(session, &der)) <= 0)
		return;
	if ((fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
		       0600)) < 0) {
		tls_scache_warn("cannot open", path);
		OPENSSL_free(der);
		return;
	}
	buf = vstring_alloc(1024);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		errno = EINVAL;
		tls_scache_warn("not a regular file", path);
		goto done;
	}
	if (tls_scache_lock(fd, LOCK_EX) < 0 || tls_scache_read(fd, buf) < 0) {
		tls_scache_warn("cannot read", path);
		goto done;
	}
	out = vstring_alloc(vstring_len(buf) + 1024);
	enc = vstring_alloc(1024);
	/* Oldest lines come first: past the limit, they go. */
	for (cp = vstring_str(buf); (cp = strchr(cp, '\n')) != NULL; cp++)
		kept++;
	kept -= TLS_SCACHE_MAX_ENTRIES - 1;
	for (cp = vstring_str(buf); cp && *cp; cp = next) {
		if ((next = strchr(cp, '\n')) != NULL)
			*next++ = 0;
		if (kept-- > 0)
			continue;
		if (!tls_scache_parse(cp, &id, &exp, &data)
		    || strcmp(id, serverid) == 0 || exp <= now)
			continue;
		vstring_sprintf_append(out, "%s\t%lld\t%s\n", id,
				       (long long) exp, data);
	}
	base64_encode(enc, der, (size_t) der_len);
	vstring_sprintf_append(out, "%s\t%lld\t%s\n", serverid,
			       (long long) expires, vstring_str(enc));
	if (lseek(fd, 0, SEEK_SET) < 0 || ftruncate(fd, 0) < 0
	    || write_buf(fd, vstring_str(out), vstring_len(out), 1000) < 0)
		tls_scache_warn("cannot write", path);
	vstring_free(enc);
	vstring_free(out);
done:
	vstring_free(buf);
	(void) close(fd);
	OPENSSL_free(der);
}
