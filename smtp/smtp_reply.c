/*
 * smtp_reply - parsing what an SMTP/LMTP server says
 *
 *	smtp_reply_alloc() and smtp_reply_free() manage an SMTP_REPLY.
 *	smtp_get_reply() reads one (multi-line) reply from session->stream:
 *	its code, enhanced status (from the last line's text when it has
 *	one of the code's class, else "C.0.0"), the lines joined by spaces
 *	for log lines, and each line's text for EHLO parsing. Lines longer
 *	than SMTP_LINE_MAX are cut, at most SMTP_REPLY_LINES_MAX lines are
 *	read; a line that is not "DDD", "DDD text" or "DDD-text" ends the
 *	reply and makes it malformed (code 0, status 4.0.0). Returns 0, or
 *	-1 on end of file, error or timeout.
 *	smtp_ehlo_features() records the extensions of an EHLO/LHLO reply
 *	in session->features, session->size_limit (SIZE n) and
 *	session->auth_mechs (AUTH words, or NULL).
 *
 * Only libutil is needed here, so the fuzz target fuzz_smtp_reply links
 * this file alone.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "msg.h"
#include "mymalloc.h"
#include "stringops.h"
#include "smtp.h"

#define STR(x)	vstring_str(x)
#define SMTP_LINE_MAX	4096
#define SMTP_REPLY_LINES_MAX	1000

SMTP_REPLY *
smtp_reply_alloc(void)
{
	SMTP_REPLY *reply = mymalloc(sizeof(*reply));

	reply->code = 0;
	strcpy(reply->dsn, "4.0.0");
	reply->text = vstring_alloc(100);
	reply->lines = argv_alloc(5);
	return (reply);
}

void
smtp_reply_free(SMTP_REPLY *reply)
{
	vstring_free(reply->text);
	argv_free(reply->lines);
	myfree(reply);
}

/* Length of an enhanced status code "c.ddd.ddd" at text, or 0. */
static size_t
smtp_dsn_len(const char *text, int class)
{
	const char *cp = text;
	int	i;
	int	n;

	if (*cp != '0' + class || cp[1] != '.')
		return (0);
	cp += 2;
	for (i = 0; i < 2; i++) {
		for (n = 0; isdigit((unsigned char) *cp) && n < 3; n++)
			cp++;
		if (n == 0 || (i == 0 && *cp != '.'))
			return (0);
		if (i == 0)
			cp++;
	}
	if (*cp && *cp != ' ' && *cp != '\t')
		return (0);
	return ((size_t) (cp - text));
}

int
smtp_get_reply(SMTP_SESSION *session, SMTP_REPLY *reply)
{
	VSTRING *line = vstring_alloc(100);
	char   *cp;
	size_t	len;
	int	status;
	int	last = 0;
	int	count = 0;
	int	ret = 0;

	reply->code = 0;
	VSTRING_RESET(reply->text);
	argv_truncate(reply->lines, 0);
	while (!last) {
		status = vstream_fgets_bound(session->stream, line, SMTP_LINE_MAX);
		if (status == VSTREAM_GETS_EOF || status == VSTREAM_GETS_PARTIAL) {
			ret = -1;
			break;
		}
		if (status == VSTREAM_GETS_TRUNC) {
			/* Drop the rest of an overlong line. */
			VSTRING *junk = vstring_alloc(100);
			int	s;

			while ((s = vstream_fgets_bound(session->stream, junk,
						     SMTP_LINE_MAX)) == VSTREAM_GETS_TRUNC)
				 /* void */ ;
			vstring_free(junk);
			if (s != VSTREAM_GETS_OK) {
				ret = -1;
				break;
			}
		}
		len = vstring_len(line);
		while (len > 0 && (STR(line)[len - 1] == '\n'
				   || STR(line)[len - 1] == '\r'))
			len--;
		vstring_truncate(line, len);
		cp = STR(line);
		if (len >= 3 && isdigit((unsigned char) cp[0])
		    && isdigit((unsigned char) cp[1]) && isdigit((unsigned char) cp[2])
		    && (cp[3] == 0 || cp[3] == ' ' || cp[3] == '-')) {
			reply->code = (cp[0] - '0') * 100 + (cp[1] - '0') * 10
				+ (cp[2] - '0');
			last = (cp[3] != '-');
			argv_add(reply->lines, cp[3] ? cp + 4 : "");
		} else {
			/* Not a reply line: treat as the end of a bad reply. */
			reply->code = 0;
			last = 1;
			argv_add(reply->lines, cp);
		}
		if (vstring_len(reply->text))
			vstring_strcat(reply->text, " ");
		vstring_strcat(reply->text, cp);
		if (++count >= SMTP_REPLY_LINES_MAX)
			last = 1;
	}
	vstring_free(line);
	if (ret < 0)
		return (-1);
	if (reply->code < 200 || reply->code > 599) {
		/* A malformed reply is a temporary failure of the server. */
		reply->code = 0;
		strcpy(reply->dsn, "4.0.0");
		return (0);
	}
	cp = reply->lines->argv[reply->lines->len - 1];
	if ((len = smtp_dsn_len(cp, reply->code / 100)) > 0
	    && len < sizeof(reply->dsn)) {
		memcpy(reply->dsn, cp, len);
		reply->dsn[len] = 0;
	} else {
		snprintf(reply->dsn, sizeof(reply->dsn), "%d.0.0",
			 reply->code / 100);
	}
	return (0);
}

void
smtp_ehlo_features(SMTP_SESSION *session, const SMTP_REPLY *reply)
{
	size_t	i;
	ARGV   *words;
	const char *kw;

	session->features = SMTP_FEATURE_ESMTP;
	session->size_limit = 0;
	if (session->auth_mechs) {
		myfree(session->auth_mechs);
		session->auth_mechs = NULL;
	}
	for (i = 1; i < reply->lines->len; i++) {
		words = argv_split(reply->lines->argv[i], " \t=");
		if (words->len == 0) {
			argv_free(words);
			continue;
		}
		kw = words->argv[0];
		if (strcasecmp(kw, "PIPELINING") == 0)
			session->features |= SMTP_FEATURE_PIPELINING;
		else if (strcasecmp(kw, "SIZE") == 0) {
			session->features |= SMTP_FEATURE_SIZE;
			if (words->len > 1 && alldig(words->argv[1]))
				session->size_limit = strtol(words->argv[1],
							     NULL, 10);
		} else if (strcasecmp(kw, "8BITMIME") == 0)
			session->features |= SMTP_FEATURE_8BITMIME;
		else if (strcasecmp(kw, "SMTPUTF8") == 0)
			session->features |= SMTP_FEATURE_SMTPUTF8;
		else if (strcasecmp(kw, "DSN") == 0)
			session->features |= SMTP_FEATURE_DSN;
		else if (strcasecmp(kw, "STARTTLS") == 0)
			session->features |= SMTP_FEATURE_STARTTLS;
		else if (strcasecmp(kw, "ENHANCEDSTATUSCODES") == 0)
			session->features |= SMTP_FEATURE_ENHANCED;
		else if (strcasecmp(kw, "AUTH") == 0 && words->len > 1) {
			VSTRING *mechs = vstring_alloc(50);
			size_t	j;

			session->features |= SMTP_FEATURE_AUTH;
			for (j = 1; j < words->len; j++) {
				if (j > 1)
					vstring_strcat(mechs, " ");
				vstring_strcat(mechs, words->argv[j]);
			}
			if (session->auth_mechs)
				myfree(session->auth_mechs);
			session->auth_mechs = vstring_export(mechs);
		}
		argv_free(words);
	}
}
