/*
 * sasl_client - the client side of SMTP AUTH: PLAIN and LOGIN
 *
 *	sasl_client_create() picks PLAIN, else LOGIN, from the server's
 *	offer, restricted by a filter list; sasl_client_mech() names it.
 *	sasl_client_first() gives the initial response (base64);
 *	sasl_client_next() answers one 334 challenge.
 *	sasl_client_free() wipes the credentials and frees.
 *	sasl_passwd_split() splits "user:password" at the first colon.
 *	sasl_security_options() parses smtp_sasl_security_options words.
 *	sasl_mech_allowed() says whether a mechanism meets those options.
 *
 * Errors: peers cause them (a bad challenge, no common mechanism), so
 * they are a return value with a reason in why; nothing logs here.
 *
 * Security options follow Cyrus SASL, which Postfix uses: a mechanism
 * passes when it has every property asked for. PLAIN and LOGIN only
 * have "not anonymous", so any of noplaintext, noactive, nodictionary,
 * mutual_auth or forward_secrecy rules them out; ANONYMOUS fails
 * noanonymous.
 */
#include <string.h>
#include <strings.h>

#include "msg.h"
#include "mymalloc.h"
#include "vstring.h"
#include "stringops.h"
#include "base64.h"
#include "sasl_client.h"

typedef enum {
	SASL_MECH_PLAIN,
	SASL_MECH_LOGIN,
} SASL_MECH;

struct SASL_CLIENT {
	SASL_MECH mech;
	char   *user;
	char   *pass;
	int     step;			/* challenges answered so far */
};

/* Properties of the mechanisms we know, in Cyrus SASL's terms. */
typedef struct {
	const char *name;
	int     props;
} SASL_MECH_PROPS;

static const SASL_MECH_PROPS sasl_mech_props[] = {
	{"PLAIN", SASL_SEC_NOANONYMOUS},
	{"LOGIN", SASL_SEC_NOANONYMOUS},
	{"ANONYMOUS", SASL_SEC_NOPLAINTEXT},
	{"CRAM-MD5", SASL_SEC_NOPLAINTEXT | SASL_SEC_NOANONYMOUS},
	{"DIGEST-MD5", SASL_SEC_NOPLAINTEXT | SASL_SEC_NOANONYMOUS
	 | SASL_SEC_MUTUAL_AUTH},
	{"NTLM", SASL_SEC_NOPLAINTEXT | SASL_SEC_NOANONYMOUS},
	{"SCRAM-SHA-1", SASL_SEC_NOPLAINTEXT | SASL_SEC_NOACTIVE
	 | SASL_SEC_NOANONYMOUS | SASL_SEC_MUTUAL_AUTH},
	{"SCRAM-SHA-256", SASL_SEC_NOPLAINTEXT | SASL_SEC_NOACTIVE
	 | SASL_SEC_NOANONYMOUS | SASL_SEC_MUTUAL_AUTH},
	{"GSSAPI", SASL_SEC_NOPLAINTEXT | SASL_SEC_NOACTIVE
	 | SASL_SEC_NOANONYMOUS | SASL_SEC_MUTUAL_AUTH},
	{"EXTERNAL", SASL_SEC_NOPLAINTEXT | SASL_SEC_NOACTIVE
	 | SASL_SEC_NODICTIONARY | SASL_SEC_NOANONYMOUS},
};

static const struct {
	const char *word;
	int     bit;
} sasl_sec_words[] = {
	{"noplaintext", SASL_SEC_NOPLAINTEXT},
	{"noactive", SASL_SEC_NOACTIVE},
	{"nodictionary", SASL_SEC_NODICTIONARY},
	{"noanonymous", SASL_SEC_NOANONYMOUS},
	{"mutual_auth", SASL_SEC_MUTUAL_AUTH},
	{"forward_secrecy", SASL_SEC_FORWARD_SECRECY},
};

#define ARRAY_LEN(a)	(sizeof(a) / sizeof((a)[0]))

/* Whether the list (comma/space separated) names name, any case. */
static int
sasl_list_has(const char *list, const char *name)
{
	char   *copy = mystrdup(list);
	char   *bp = copy;
	char   *word;
	int     found = 0;

	while ((word = mystrtok(&bp, CHARS_COMMA_SP)) != NULL) {
		if (strcasecmp(word, name) == 0) {
			found = 1;
			break;
		}
	}
	myfree(copy);
	return (found);
}

/* The offer as words separated by single spaces, for messages. */
static void
sasl_list_words(VSTRING *out, const char *list)
{
	char   *copy = mystrdup(list);
	char   *bp = copy;
	char   *word;
	int     first = 1;

	while ((word = mystrtok(&bp, CHARS_COMMA_SP)) != NULL) {
		if (!first)
			vstring_addch(out, ' ');
		first = 0;
		vstring_strcat(out, word);
	}
	myfree(copy);
}

static int
sasl_usable(const char *offered, const char *filter, const char *name)
{
	return (sasl_list_has(offered, name)
		&& (*filter == 0 || sasl_list_has(filter, name)));
}

/* sasl_client_create - pick PLAIN, else LOGIN */

SASL_CLIENT *
sasl_client_create(const char *offered, const char *filter,
		   const char *user, const char *pass, VSTRING *why)
{
	SASL_CLIENT *sc;
	SASL_MECH mech;
	size_t  mark;

	if (filter == NULL)
		filter = "";
	if (sasl_usable(offered, filter, "PLAIN")) {
		mech = SASL_MECH_PLAIN;
	} else if (sasl_usable(offered, filter, "LOGIN")) {
		mech = SASL_MECH_LOGIN;
	} else {
		vstring_strcpy(why, "no mechanism available (offered: ");
		mark = vstring_len(why);
		sasl_list_words(why, offered);
		if (vstring_len(why) == mark)
			vstring_strcat(why, "none");
		vstring_addch(why, ')');
		return (NULL);
	}
	sc = mymalloc(sizeof(*sc));
	sc->mech = mech;
	sc->user = mystrdup(user);
	sc->pass = mystrdup(pass);
	sc->step = 0;
	return (sc);
}

const char *
sasl_client_mech(const SASL_CLIENT *sc)
{
	return (sc->mech == SASL_MECH_PLAIN ? "PLAIN" : "LOGIN");
}

/* The PLAIN message: authzid (empty) NUL authcid NUL password. */
static void
sasl_plain_response(SASL_CLIENT *sc, VSTRING *out)
{
	size_t  ulen = strlen(sc->user);
	size_t  plen = strlen(sc->pass);
	size_t  len = ulen + plen + 2;
	char   *buf = mymalloc(len);

	buf[0] = 0;
	memcpy(buf + 1, sc->user, ulen);
	buf[ulen + 1] = 0;
	memcpy(buf + ulen + 2, sc->pass, plen);
	base64_encode(out, buf, len);
	explicit_bzero(buf, len);
	myfree(buf);
}

void
sasl_client_first(SASL_CLIENT *sc, VSTRING *out)
{
	if (sc->mech == SASL_MECH_PLAIN)
		sasl_plain_response(sc, out);
	else
		VSTRING_RESET(out);
}

/* sasl_client_next - answer one 334 challenge */

int
sasl_client_next(SASL_CLIENT *sc, const char *challenge, VSTRING *out,
		 VSTRING *why)
{
	VSTRING *decoded;
	size_t  len = strlen(challenge);
	int     ok;

	while (len > 0 && (challenge[len - 1] == ' ' || challenge[len - 1] == '\t'
			   || challenge[len - 1] == '\r'))
		len--;
	decoded = vstring_alloc(32);
	ok = (base64_decode(decoded, challenge, len) == 0);
	vstring_free(decoded);
	if (!ok) {
		vstring_strcpy(why, "malformed SASL challenge from server");
		return (-1);
	}

	/*
	 * LOGIN: the first challenge asks for the user name, the second for
	 * the password, whatever their text says (servers word them
	 * differently). PLAIN sent everything up front; we answer only an
	 * empty first challenge, from a server that ignored the initial
	 * response (RFC 4954 4).
	 */
	if (sc->mech == SASL_MECH_LOGIN && sc->step == 0) {
		base64_encode(out, sc->user, strlen(sc->user));
	} else if (sc->mech == SASL_MECH_LOGIN && sc->step == 1) {
		base64_encode(out, sc->pass, strlen(sc->pass));
	} else if (sc->mech == SASL_MECH_PLAIN && sc->step == 0 && len == 0) {
		sasl_plain_response(sc, out);
	} else {
		vstring_sprintf(why, "unexpected SASL challenge for %s",
				sasl_client_mech(sc));
		return (-1);
	}
	sc->step++;
	return (0);
}

void
sasl_client_free(SASL_CLIENT *sc)
{
	explicit_bzero(sc->user, strlen(sc->user));
	explicit_bzero(sc->pass, strlen(sc->pass));
	myfree(sc->user);
	myfree(sc->pass);
	myfree(sc);
}

/* sasl_passwd_split - "user:password" at the first colon */

int
sasl_passwd_split(const char *value, char **user, char **pass)
{
	const char *colon = strchr(value, ':');

	if (colon == NULL)
		return (-1);
	*user = mystrndup(value, (size_t) (colon - value));
	*pass = mystrdup(colon + 1);
	return (0);
}

/* sasl_security_options - option words to SASL_SEC_* bits */

int
sasl_security_options(const char *text, VSTRING *why)
{
	char   *copy = mystrdup(text);
	char   *bp = copy;
	char   *word;
	size_t  i;
	int     bits = 0;

	while ((word = mystrtok(&bp, CHARS_COMMA_SP)) != NULL) {
		for (i = 0; i < ARRAY_LEN(sasl_sec_words); i++)
			if (strcasecmp(word, sasl_sec_words[i].word) == 0)
				break;
		if (i == ARRAY_LEN(sasl_sec_words)) {
			vstring_sprintf(why, "unknown SASL security option \"%s\"",
					word);
			myfree(copy);
			return (-1);
		}
		bits |= sasl_sec_words[i].bit;
	}
	myfree(copy);
	return (bits);
}

/* sasl_mech_allowed - whether mech has every property asked for */

int
sasl_mech_allowed(const char *mech, int sec_bits)
{
	size_t  i;
	int     props = SASL_SEC_NOANONYMOUS;	/* unknown: assume no more */

	for (i = 0; i < ARRAY_LEN(sasl_mech_props); i++) {
		if (strcasecmp(mech, sasl_mech_props[i].name) == 0) {
			props = sasl_mech_props[i].props;
			break;
		}
	}
	return ((sec_bits & ~props) == 0);
}
