/*
 * match_list - Postfix's list-valued parameters
 *
 *	match_list_create() parses a list into patterns, opening its tables.
 *	match_list_match() searches it: MATCH_YES, MATCH_NO or MATCH_ERROR.
 *	match_list_error() is the reason for the last MATCH_ERROR.
 *	match_list_parent_flag() reads parent_domain_matches_subdomains.
 *	match_list_free() releases a list.
 *
 * Errors: syntax errors fail match_list_create() with a reason; tables
 * and files that cannot be opened are logged with msg_warn() and make
 * searches that reach them answer MATCH_ERROR, as Postfix's surrogate
 * tables do. See match_list.h for the pattern language.
 */
#include <sys/socket.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "msg.h"
#include "mymalloc.h"
#include "vstring.h"
#include "argv.h"
#include "htable.h"
#include "stringops.h"
#include "readlline.h"
#include "cidr_match.h"
#include "dict.h"
#include "match_list.h"

#define MATCH_MAX_DEPTH	10		/* /file inside /file inside ... */

#define PAT_HOST	1		/* host or domain name, or string */
#define PAT_ADDR	2		/* address or network */
#define PAT_TABLE	3		/* type:table or /file/name surrogate */

typedef struct MATCH_PAT {
	int     type;			/* PAT_* */
	int     negate;			/* "!pattern" */
	char   *text;			/* folded literal, or table name */
	DICT   *dict;			/* PAT_TABLE, NULL when unavailable */
	char   *unavail;		/* PAT_TABLE: why it is unavailable */
	CIDR_MATCH cidr;		/* PAT_ADDR */
} MATCH_PAT;

struct MATCH_LIST {
	char   *pname;			/* parameter name, for messages */
	int     kind;			/* MATCH_LIST_* */
	int     flags;			/* MATCH_FLAG_* */
	MATCH_PAT *pats;
	size_t  len;
	size_t  size;
	HTABLE *dicts;			/* "type:name" -> DICT, opened once */
	VSTRING *fold_name;		/* search keys, lowercased */
	VSTRING *fold_addr;
	VSTRING *error;			/* reason for the last MATCH_ERROR */
};

static int match_list_parse(MATCH_LIST *, const char *, int, int, VSTRING *);

/*
 * Next token of *bufp, separated by CHARS_COMMA_SP; separators inside
 * balanced braces do not split (Postfix's inline:{...}). An unbalanced
 * '{' extends the token to the end of the text, as in Postfix.
 */
static char *
match_list_token(char **bufp)
{
	char   *start = *bufp + strspn(*bufp, CHARS_COMMA_SP);
	char   *cp;
	int     level = 0;

	if (*start == '\0') {
		*bufp = start;
		return (NULL);
	}
	for (cp = start; *cp; cp++) {
		if (*cp == '{')
			level++;
		else if (*cp == '}' && level > 0)
			level--;
		else if (level == 0 && strchr(CHARS_COMMA_SP, *cp) != NULL)
			break;
	}
	if (*cp != '\0')
		*cp++ = '\0';
	*bufp = cp;
	return (start);
}

static MATCH_PAT *
match_list_add(MATCH_LIST *list, int type, int negate, const char *text)
{
	MATCH_PAT *pat;

	if (list->len >= list->size) {
		list->size *= 2;
		list->pats = myrealloc_array(list->pats, list->size,
					     sizeof(*list->pats));
	}
	pat = list->pats + list->len++;
	memset(pat, 0, sizeof(*pat));
	pat->type = type;
	pat->negate = negate;
	pat->text = mystrdup(text);
	return (pat);
}

/* A table that cannot be used: every search that reaches it fails. */
static void
match_list_add_unavail(MATCH_LIST *list, int negate, const char *name,
		       const char *reason)
{
	MATCH_PAT *pat = match_list_add(list, PAT_TABLE, negate, name);

	pat->unavail = mystrdup(reason);
	msg_warn("%s: %s is unavailable. %s", list->pname, name, reason);
}

static void
match_list_add_table(MATCH_LIST *list, int negate, const char *name)
{
	DICT   *dict;
	VSTRING *why;

	if ((dict = htable_find(list->dicts, name)) == NULL) {
		why = vstring_alloc(100);
		dict = dict_open(name, O_RDONLY, DICT_FLAG_LOCK | DICT_FLAG_FOLD_FIX,
				 why);
		if (dict == NULL)
			match_list_add_unavail(list, negate, name, vstring_str(why));
		else
			htable_enter(list->dicts, name, dict);
		vstring_free(why);
		if (dict == NULL)
			return;
	}
	match_list_add(list, PAT_TABLE, negate, name)->dict = dict;
}

/* Read the patterns of a "/file/name", one logical line at a time. */
static int
match_list_file(MATCH_LIST *list, const char *path, int negate, int depth,
		VSTRING *why)
{
	FILE   *fp;
	VSTRING *line;
	VSTRING *name;
	int     lineno = 0;
	int     ret = 0;

	if (depth >= MATCH_MAX_DEPTH) {
		vstring_sprintf(why, "%s: %s: files nested too deeply",
				list->pname, path);
		return (-1);
	}
	if ((fp = fopen(path, "r")) == NULL) {
		name = vstring_alloc(100);
		line = vstring_alloc(100);
		vstring_sprintf(name, "non-existent:%s", path);
		vstring_sprintf(line, "open file %s: %s", path, strerror(errno));
		match_list_add_unavail(list, negate, vstring_str(name),
				       vstring_str(line));
		vstring_free(name);
		vstring_free(line);
		return (0);
	}
	line = vstring_alloc(100);
	while (ret == 0 && readlline(line, fp, &lineno, NULL) != NULL)
		ret = match_list_parse(list, vstring_str(line), negate, depth + 1,
				       why);
	if (ret == 0 && ferror(fp)) {
		vstring_sprintf(why, "%s: read file %s: %s", list->pname, path,
				strerror(errno));
		ret = -1;
	}
	fclose(fp);
	vstring_free(line);
	return (ret);
}

/* Is the part before ':' a table type this build knows? */
static int
match_list_known_type(const char *item)
{
	ARGV   *types = dict_type_names();
	size_t  len = strcspn(item, ":");
	size_t  i;
	int     known = 0;

	for (i = 0; i < types->len && !known; i++)
		known = (strlen(types->argv[i]) == len
			 && strncmp(types->argv[i], item, len) == 0);
	argv_free(types);
	return (known);
}

/* Made only of characters that can appear in an address pattern. */
static int
match_list_addr_chars(const char *item)
{
	return (item[strspn(item, "0123456789abcdefABCDEF.:/[]")] == '\0');
}

/*
 * Add a literal of a host/address list as an address pattern: 1 when it
 * was added, 0 when it is a host name pattern, -1 for a bad pattern.
 * Bracketed forms, net/mask forms and (our extension) bare IPv6 networks
 * must parse; a dotted quad is an address; anything else is a host name.
 * As in Postfix, "com/24" is a host name (it can never look like an
 * address), while "1.2.3/24" is a broken network.
 */
static int
match_list_addr_pattern(MATCH_LIST *list, int negate, const char *item,
			VSTRING *why)
{
	CIDR_MATCH cidr;
	CIDR_ADDR addr;
	VSTRING *reason;
	int     must_parse;

	must_parse = (*item == '[' || strchr(item, ':') != NULL
		      || (strchr(item, '/') != NULL
			  && match_list_addr_chars(item)));
	if (!must_parse
	    && (cidr_addr_parse(&addr, item) < 0 || addr.family != AF_INET))
		return (0);			/* a host name pattern */
	reason = vstring_alloc(100);
	if (cidr_match_parse(&cidr, item, reason) < 0) {
		vstring_sprintf(why, "%s: %s", list->pname, vstring_str(reason));
		vstring_free(reason);
		return (-1);
	}
	vstring_free(reason);
	match_list_add(list, PAT_ADDR, negate, item)->cidr = cidr;
	return (1);
}

/* Parse list text; negate applies to every pattern (from "!/file"). */
static int
match_list_parse(MATCH_LIST *list, const char *text, int negate, int depth,
		 VSTRING *why)
{
	char   *copy = mystrdup(text);
	char   *bp = copy;
	char   *item;
	int     neg;
	int     ret = 0;

	while (ret == 0 && (item = match_list_token(&bp)) != NULL) {
		if (*item == '#') {
			msg_warn("%s: comment at end of line is not supported: %s%s%s",
				 list->pname, item, *bp ? " " : "", bp);
			break;
		}
		for (neg = negate; *item == '!'; item++)
			neg = !neg;
		if (*item == '\0') {
			vstring_sprintf(why, "%s: no pattern after '!'", list->pname);
			ret = -1;
		} else if (*item == '/') {
			ret = match_list_file(list, item, neg, depth, why);
		} else if (*item != '[' && strchr(item, ':') != NULL
			   && (list->kind == MATCH_LIST_STRING
			       || list->kind == MATCH_LIST_DOMAIN
			       || match_list_known_type(item)
			       || !match_list_addr_chars(item))) {
			match_list_add_table(list, neg, item);
		} else if (list->kind == MATCH_LIST_NAMADR
			   || list->kind == MATCH_LIST_ADDR) {
			switch (match_list_addr_pattern(list, neg, item, why)) {
			case -1:
				ret = -1;
				break;
			case 0:
				lowercase(match_list_add(list, PAT_HOST, neg,
							 item)->text);
				break;
			}
		} else {
			lowercase(match_list_add(list, PAT_HOST, neg, item)->text);
		}
	}
	myfree(copy);
	return (ret);
}

MATCH_LIST *
match_list_create(const char *pname, int kind, const char *list_text,
		  int flags, VSTRING *why)
{
	MATCH_LIST *list;

	if (kind < MATCH_LIST_STRING || kind > MATCH_LIST_ADDR)
		msg_panic("match_list_create: bad kind %d", kind);
	list = mycalloc(1, sizeof(*list));
	list->pname = mystrdup(pname);
	list->kind = kind;
	list->flags = flags;
	list->size = 8;
	list->pats = mymalloc_array(list->size, sizeof(*list->pats));
	list->dicts = htable_create(4);
	list->fold_name = vstring_alloc(100);
	list->fold_addr = vstring_alloc(50);
	list->error = vstring_alloc(100);
	if (match_list_parse(list, list_text, 0, 0, why) < 0) {
		match_list_free(list);
		return (NULL);
	}
	return (list);
}

static void
match_list_close_dict(void *dict)
{
	dict_close((DICT *) dict);
}

void
match_list_free(MATCH_LIST *list)
{
	size_t  i;

	if (list == NULL)
		return;
	for (i = 0; i < list->len; i++) {
		myfree(list->pats[i].text);
		if (list->pats[i].unavail)
			myfree(list->pats[i].unavail);
	}
	myfree(list->pats);
	htable_free(list->dicts, match_list_close_dict);
	vstring_free(list->fold_name);
	vstring_free(list->fold_addr);
	vstring_free(list->error);
	myfree(list->pname);
	myfree(list);
}

const char *
match_list_error(const MATCH_LIST *list)
{
	return (vstring_str(list->error));
}

int
match_list_parent_flag(const char *pname, const char *parent_list)
{
	ARGV   *names = argv_split(parent_list, CHARS_COMMA_SP);
	size_t  i;
	int     found = 0;

	for (i = 0; i < names->len && !found; i++)
		found = (strcmp(names->argv[i], pname) == 0);
	argv_free(names);
	return (found ? MATCH_FLAG_PARENT : 0);
}

/* Record a failed table lookup; the table's own reason goes to the log. */
static int
match_list_fail(MATCH_LIST *list, const MATCH_PAT *pat, const char *detail)
{
	msg_warn("%s", detail);
	vstring_sprintf(list->error, "%s: %s: table lookup problem",
			list->pname, pat->text);
	return (MATCH_ERROR);
}

/* Look up one key: MATCH_YES, MATCH_NO or MATCH_ERROR. */
static int
match_list_lookup(MATCH_LIST *list, const MATCH_PAT *pat, const char *key)
{
	const char *value;
	VSTRING *detail;
	int     ret;

	if (pat->dict == NULL) {
		detail = vstring_alloc(100);
		vstring_sprintf(detail, "%s is unavailable. %s", pat->text,
				pat->unavail);
		ret = match_list_fail(list, pat, vstring_str(detail));
		vstring_free(detail);
		return (ret);
	}
	switch (dict_get(pat->dict, key, &value)) {
	case DICT_STAT_SUCCESS:
		return (MATCH_YES);
	case DICT_STAT_FAIL:
		return (MATCH_NO);
	default:
		return (match_list_fail(list, pat, dict_error_text(pat->dict)));
	}
}

/*
 * A host or domain name against a table: the name, then (fixed-string
 * tables only) each parent "b.c" or, without MATCH_FLAG_PARENT, ".b.c".
 */
static int
match_list_table_name(MATCH_LIST *list, const MATCH_PAT *pat, const char *name)
{
	const char *entry;
	const char *next;
	int     fixed = pat->dict != NULL
	&& (dict_flags(pat->dict) & DICT_FLAG_PATTERN) == 0;
	int     ret;

	for (entry = name; *entry != '\0'; entry = next) {
		if (entry == name || fixed)
			if ((ret = match_list_lookup(list, pat, entry)) != MATCH_NO)
				return (ret);
		if (!fixed || (next = strchr(entry + 1, '.')) == NULL)
			break;
		if (list->flags & MATCH_FLAG_PARENT)
			next += 1;
	}
	return (MATCH_NO);
}

/* A host or domain name against a literal pattern. */
static int
match_list_host(const MATCH_LIST *list, const char *name, const char *pattern)
{
	size_t  nlen;
	size_t  plen;

	if (strcmp(name, pattern) == 0)
		return (1);
	if (list->kind == MATCH_LIST_STRING)
		return (0);
	nlen = strlen(name);
	plen = strlen(pattern);
	if (nlen <= plen)
		return (0);
	if (list->flags & MATCH_FLAG_PARENT)
		return (name[nlen - plen - 1] == '.'
			&& strcmp(name + nlen - plen, pattern) == 0);
	return (pattern[0] == '.' && strcmp(name + nlen - plen, pattern) == 0);
}

int
match_list_match(MATCH_LIST *list, const char *name, const char *addr)
{
	const MATCH_PAT *pat;
	CIDR_ADDR bin_addr;
	int     have_bin = 0;
	int     ret;

	VSTRING_RESET(list->error);
	if (list->kind == MATCH_LIST_ADDR)
		name = NULL;
	else if (list->kind != MATCH_LIST_NAMADR)
		addr = NULL;
	if (name != NULL) {
		vstring_strcpy(list->fold_name, name);
		name = vstring_str(vstring_lower(list->fold_name));
	}
	if (addr != NULL) {
		vstring_strcpy(list->fold_addr, addr);
		addr = vstring_str(vstring_lower(list->fold_addr));
		have_bin = (cidr_addr_parse(&bin_addr, addr) == 0);
	}
	for (pat = list->pats; pat < list->pats + list->len; pat++) {
		ret = MATCH_NO;
		switch (pat->type) {
		case PAT_HOST:
			if (name != NULL && match_list_host(list, name, pat->text))
				ret = MATCH_YES;
			break;
		case PAT_ADDR:
			if (have_bin && cidr_match_exec(&pat->cidr, &bin_addr))
				ret = MATCH_YES;
			break;
		case PAT_TABLE:
			if (name != NULL) {
				if (list->kind == MATCH_LIST_STRING)
					ret = match_list_lookup(list, pat, name);
				else
					ret = match_list_table_name(list, pat, name);
			}
			if (ret == MATCH_NO && addr != NULL)
				ret = match_list_lookup(list, pat, addr);
			break;
		default:
			msg_panic("match_list_match: bad pattern type %d", pat->type);
		}
		if (ret == MATCH_ERROR)
			return (MATCH_ERROR);
		if (ret == MATCH_YES)
			return (pat->negate ? MATCH_NO : MATCH_YES);
	}
	return (MATCH_NO);
}
