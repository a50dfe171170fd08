/*
 * local_token - the pure parts of local(8), kept apart for unit tests
 *
 *	local_token_split() splits an alias value or .forward line into
 *		addresses, |commands, /files and :include: paths.
 *	local_header_len(), local_delivered_seen() the header section and
 *		Delivered-To: loop detection.
 *	local_sysexit() sysexits(3) codes as enhanced status and text.
 *	local_list_has(), local_filter() small list and character helpers.
 *
 * Nothing here logs or fails.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "argv.h"
#include "mymalloc.h"
#include "vstring.h"
#include "local.h"

/* Add one token with its kind prefix. */
static void
local_token_add(ARGV *out, const char *text, size_t len)
{
	VSTRING *buf;
	int	kind;
	size_t	skip = 0;

	while (len > 0 && isspace((unsigned char) text[len - 1]))
		len--;
	while (len > 0 && isspace((unsigned char) *text)) {
		text++;
		len--;
	}
	if (len == 0)
		return;
	if (text[0] == '|') {
		kind = LOCAL_TOK_COMMAND;
		skip = 1;
	} else if (text[0] == '/') {
		kind = LOCAL_TOK_FILE;
	} else if (len > 9 && strncasecmp(text, ":include:", 9) == 0) {
		kind = LOCAL_TOK_INCLUDE;
		skip = 9;
	} else {
		kind = LOCAL_TOK_ADDRESS;
	}
	text += skip;
	len -= skip;
	while (len > 0 && isspace((unsigned char) *text)) {
		text++;
		len--;
	}
	if (len == 0)
		return;
	buf = vstring_alloc(len + 2);
	vstring_addch(buf, '0' + kind);
	vstring_strncat(buf, text, len);
	argv_add(out, vstring_str(buf));
	vstring_free(buf);
}

void
local_token_split(ARGV *out, const char *value)
{
	const char *cp = value;
	VSTRING *tok = vstring_alloc(100);
	int	quoted;

	for (;;) {
		while (*cp == ',' || isspace((unsigned char) *cp))
			cp++;
		if (*cp == 0)
			break;
		if (*cp == '#') {
			/* A comment runs to the end of the line. */
			while (*cp && *cp != '\n')
				cp++;
			continue;
		}
		VSTRING_RESET(tok);
		quoted = 0;
		if (*cp == '"') {
			/* "..." groups, backslash escapes; quotes removed. */
			for (cp++; *cp && *cp != '"'; cp++) {
				if (*cp == '\\' && cp[1])
					cp++;
				vstring_addch(tok, *cp);
			}
			if (*cp == '"')
				cp++;
			quoted = 1;
		}
		if (!quoted && *cp == '|') {
			/* A bare command runs to the next comma or newline. */
			while (*cp && *cp != ',' && *cp != '\n')
				vstring_addch(tok, *cp++);
		} else {
			/* Text glued to quotes (user"x"@dom) stays one token. */
			while (*cp && *cp != ',' && !isspace((unsigned char) *cp)) {
				if (*cp == '"') {
					for (cp++; *cp && *cp != '"'; cp++)
						vstring_addch(tok, *cp);
					if (*cp)
						cp++;
					continue;
				}
				vstring_addch(tok, *cp++);
				/* ":include: /path" with a space is one entry. */
				if (vstring_len(tok) == 9
				    && strcasecmp(vstring_str(tok), ":include:") == 0)
					while (*cp == ' ' || *cp == '\t')
						cp++;
			}
		}
		local_token_add(out, vstring_str(tok), vstring_len(tok));
	}
	vstring_free(tok);
}

size_t
local_header_len(const char *content, size_t len)
{
	const char *cp = content;
	const char *end = content + len;
	const char *nl;

	while (cp < end) {
		if (*cp == '\n')
			return (cp - content);
		/* A line that is no header and no continuation ends them. */
		if (!isspace((unsigned char) *cp)) {
			const char *colon;

			nl = memchr(cp, '\n', end - cp);
			colon = memchr(cp, ':', (nl ? nl : end) - cp);
			if (colon == 0)
				return (cp - content);
		}
		nl = memchr(cp, '\n', end - cp);
		if (nl == 0)
			return (len);
		cp = nl + 1;
	}
	return (len);
}

int
local_delivered_seen(const char *hdrs, size_t len, const char *addr)
{
	const char *cp = hdrs;
	const char *end = hdrs + len;
	const char *nl;
	const char *val;
	size_t	alen = strlen(addr);
	size_t	vlen;

	while (cp < end) {
		nl = memchr(cp, '\n', end - cp);
		if (nl == 0)
			nl = end;
		if (nl - cp > 13 && strncasecmp(cp, "Delivered-To:", 13) == 0) {
			val = cp + 13;
			while (val < nl && isspace((unsigned char) *val))
				val++;
			vlen = nl - val;
			while (vlen > 0 && isspace((unsigned char) val[vlen - 1]))
				vlen--;
			if (vlen == alen && strncasecmp(val, addr, alen) == 0)
				return (1);
		}
		cp = nl + 1;
	}
	return (0);
}

/* sysexits(3), with the enhanced status each one maps to. */
static const struct {
	int	code;
	const char *status;
	const char *text;
} local_sysexits[] = {
	{64, "5.3.0", "command line usage error"},
	{65, "5.6.0", "data format error"},
	{66, "5.3.0", "cannot open input"},
	{67, "5.1.1", "user unknown"},
	{68, "5.1.2", "host name unknown"},
	{69, "5.3.0", "service unavailable"},
	{70, "5.3.0", "internal software error"},
	{71, "4.3.0", "system resource problem"},
	{72, "5.3.0", "critical OS file missing"},
	{73, "5.2.0", "can't create user output file"},
	{74, "5.3.0", "input/output error"},
	{75, "4.3.0", "temporary failure"},
	{76, "5.5.0", "remote error in protocol"},
	{77, "5.7.0", "permission denied"},
	{78, "5.3.5", "local configuration error"},
};

const char *
local_sysexit(int code, const char **text)
{
	size_t	i;

	for (i = 0; i < sizeof(local_sysexits) / sizeof(local_sysexits[0]); i++) {
		if (local_sysexits[i].code == code) {
			if (text)
				*text = local_sysexits[i].text;
			return (local_sysexits[i].status);
		}
	}
	return (NULL);
}

int
local_list_has(const char *list, const char *word)
{
	const char *cp = list;
	size_t	len;
	size_t	wlen = strlen(word);

	for (;;) {
		cp += strspn(cp, ", \t\r\n");
		if (*cp == 0)
			return (0);
		len = strcspn(cp, ", \t\r\n");
		if (len == wlen && strncasecmp(cp, word, len) == 0)
			return (1);
		cp += len;
	}
}

char   *
local_filter(char *str, const char *allowed)
{
	char   *cp;

	for (cp = str; *cp; cp++)
		if (strchr(allowed, *cp) == 0)
			*cp = '_';
	return (str);
}
