/*
 * fuzz_smtp_reply - libFuzzer target for the smtp(8)/lmtp(8) client's
 * reply parser and EHLO keyword parser (smtp/smtp_reply.c)
 *
 * The input is what a server sends: replies are read one after another
 * with smtp_get_reply() until end of input, and each one is also given
 * to smtp_ehlo_features(). Invariants, each an abort() when broken:
 *
 *	a reply has a code of 0 (malformed) or 200..599 and at least one
 *	and at most 1000 lines; its status is "C.x.y" where C is the
 *	code's class (4 for a malformed reply) and x, y have 1..3 digits;
 *	the joined text holds no line end;
 *	a status taken from the text is the start of the last line;
 *	each read consumes input, so the loop ends;
 *	AUTH mechanisms are recorded exactly when the AUTH feature is,
 *	without leading or trailing space; a SIZE limit is not negative
 *	and only set with the SIZE feature.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vstream.h"
#include "vstring.h"
#include "mymalloc.h"
#include "../smtp/smtp.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Digits of one status field: 1..3, then the terminator. */
static const char *
digits(const char *cp, int term)
{
	int	n;

	for (n = 0; isdigit((unsigned char) *cp); n++)
		cp++;
	if (n < 1 || n > 3 || *cp != term)
		abort();
	return (cp + 1);
}

static void
check_reply(const SMTP_REPLY *reply)
{
	const char *cp = reply->dsn;
	const char *last;
	int	class;
	size_t	len;

	if (reply->code != 0 && (reply->code < 200 || reply->code > 599))
		abort();
	if (reply->lines->len < 1 || reply->lines->len > 1000)
		abort();
	class = reply->code ? reply->code / 100 : 4;
	if (cp[0] != '0' + class || cp[1] != '.')
		abort();
	cp = digits(cp + 2, '.');
	(void) digits(cp, 0);
	if (memchr(vstring_str(reply->text), '\n', vstring_len(reply->text)))
		abort();
	len = strlen(reply->dsn);
	last = reply->lines->argv[reply->lines->len - 1];
	if (reply->code && strcmp(reply->dsn + 1, ".0.0") != 0
	    && strncmp(last, reply->dsn, len) != 0)
		abort();
}

static void
check_features(const SMTP_SESSION *session)
{
	const char *m = session->auth_mechs;

	if (((session->features & SMTP_FEATURE_AUTH) != 0) != (m != NULL))
		abort();
	if (m && (*m == 0 || *m == ' ' || m[strlen(m) - 1] == ' '))
		abort();
	if (session->size_limit < 0)
		abort();
	if (session->size_limit && !(session->features & SMTP_FEATURE_SIZE))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	SMTP_SESSION session;
	SMTP_REPLY *reply = smtp_reply_alloc();
	size_t	count = 0;

	memset(&session, 0, sizeof(session));
	session.stream = vstream_memopen_read(data, size);
	while (smtp_get_reply(&session, reply) == 0) {
		check_reply(reply);
		smtp_ehlo_features(&session, reply);
		check_features(&session);
		/* Every reply takes at least one byte ("\n"). */
		if (++count > size)
			abort();
	}
	if (session.auth_mechs)
		myfree(session.auth_mechs);
	smtp_reply_free(reply);
	(void) vstream_close(session.stream);
	return (0);
}
