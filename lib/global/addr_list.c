/*
 * addr_list - RFC 5322 address lists in message headers
 *
 * See addr_list.h. The text is tokenized once (addr_tok); this file
 * walks the tokens: address-list = address *("," address), address =
 * mailbox / group, group = phrase ":" [mailbox-list] ";", mailbox =
 * [phrase] "<" [route] addr-spec ">" / addr-spec, with comments anywhere.
 * Empty list elements (",,") are allowed, as obs-addr-list does.
 */
#include <string.h>

#include "mymalloc.h"
#include "vstring.h"
#include "addr_tok.h"
#include "addr_list.h"

typedef struct {
	const ADDR_TOKS *toks;
	size_t	pos;
	int	mflags;			/* addr_tok_mailbox() flags */
	ADDR_LIST *list;
	VSTRING *why;
	int	err;
} LIST_STATE;

#define TYPE_AT(ls, i)	((i) < (ls)->toks->len ? (ls)->toks->tok[i].type : 0)
#define IS_WORD(t)	((t) == ADDR_TOK_ATOM || (t) == ADDR_TOK_QSTRING)

ADDR_LIST *
addr_list_alloc(void)
{
	ADDR_LIST *list = mymalloc(sizeof(*list));

	list->len = 0;
	list->size = 4;
	list->items = mymalloc_array(list->size, sizeof(ADDR_ITEM));
	return (list);
}

void
addr_list_free(ADDR_LIST *list)
{
	size_t  i;

	for (i = 0; i < list->len; i++) {
		myfree(list->items[i].addr);
		myfree(list->items[i].name);
		if (list->items[i].group)
			myfree(list->items[i].group);
	}
	myfree(list->items);
	myfree(list);
}

static void
list_error(LIST_STATE *ls, const char *text)
{
	if (ls->err == 0 && ls->why)
		vstring_strcpy(ls->why, text);
	ls->err = -1;
}

/* Collapse whitespace runs (folding included) to one space; trim. */
static void
squeeze_space(VSTRING *buf)
{
	char   *src = vstring_str(buf);
	char   *dst = src;
	int     space = 0;

	for (; *src; src++) {
		if (*src == ' ' || *src == '\t' || *src == '\r' || *src == '\n') {
			space = (dst > vstring_str(buf));
			continue;
		}
		if (space)
			*dst++ = ' ';
		space = 0;
		*dst++ = *src;
	}
	vstring_truncate(buf, (size_t) (dst - vstring_str(buf)));
}

/*
 * Decode the phrase in tokens [start, end) into name; 0, or -1 when the
 * range holds anything but words, dots and comments. When the phrase is
 * empty, the first comment in [start, limit) names the mailbox.
 */
static int
decode_phrase(LIST_STATE *ls, size_t start, size_t end, size_t limit,
	              VSTRING *name)
{
	const ADDR_TOK *tp;
	size_t  i;

	VSTRING_RESET(name);
	for (i = start; i < end; i++) {
		tp = ls->toks->tok + i;
		if (tp->type == ADDR_TOK_COMMENT)
			continue;
		if (!IS_WORD(tp->type) && tp->type != '.')
			return (-1);
		if ((tp->flags & ADDR_TOK_FLAG_SPACE) && vstring_len(name) > 0)
			vstring_addch(name, ' ');
		vstring_memcat(name, tp->text, tp->len);
	}
	squeeze_space(name);
	for (i = start; vstring_len(name) == 0 && i < limit; i++) {
		if (ls->toks->tok[i].type == ADDR_TOK_COMMENT) {
			vstring_strcpy(name, ls->toks->tok[i].text);
			squeeze_space(name);
		}
	}
	return (0);
}

static void
add_item(ADDR_LIST *list, const char *addr, const char *name, const char *group)
{
	ADDR_ITEM *ip;

	if (list->len == list->size) {
		list->size *= 2;
		list->items = myrealloc_array(list->items, list->size, sizeof(ADDR_ITEM));
	}
	ip = list->items + list->len++;
	ip->addr = mystrdup(addr);
	ip->name = mystrdup(name);
	ip->group = group ? mystrdup(group) : NULL;
}

/* Parse one mailbox, up to (not including) the next top-level ',' or ';'. */
static void
parse_mailbox(LIST_STATE *ls, const char *group)
{
	VSTRING *addr = vstring_alloc(64);
	VSTRING *name = vstring_alloc(64);
	VSTRING *why = vstring_alloc(64);
	size_t  start = ls->pos;
	size_t  end;
	size_t  lt = 0;
	size_t  gt = 0;
	size_t  i;
	int     ok = 0;

	for (end = start; end < ls->toks->len; end++) {
		if (TYPE_AT(ls, end) == '<' && lt == 0 && gt == 0)
			lt = end + 1;		/* 1-based: 0 means none */
		else if (TYPE_AT(ls, end) == '>' && lt != 0 && gt == 0)
			gt = end + 1;
		else if ((TYPE_AT(ls, end) == ',' || TYPE_AT(ls, end) == ';')
			 && (lt == 0 || gt != 0))
			break;
	}
	ls->pos = end;
	for (i = start; i < end && TYPE_AT(ls, i) == ADDR_TOK_COMMENT; i++)
		 /* void */ ;
	if (i == end) {
		/* Nothing but comments between commas: not a mailbox. */
	} else if (lt == 0) {
		/* addr-spec, perhaps with a comment for a name. */
		if (addr_tok_mailbox(ls->toks, start, end, ls->mflags, addr, NULL, why) < 0) {
			list_error(ls, vstring_str(why));
		} else {
			decode_phrase(ls, start, start, end, name);
			ok = 1;
		}
	} else if (gt == 0) {
		list_error(ls, "missing '>'");
	} else if (decode_phrase(ls, start, lt - 1, end, name) < 0) {
		list_error(ls, "invalid display name");
	} else {
		for (i = gt; i < end; i++)
			if (TYPE_AT(ls, i) != ADDR_TOK_COMMENT)
				break;
		if (i < end) {
			list_error(ls, "unexpected text after '>'");
		} else {
			for (i = lt; i < gt - 1 && TYPE_AT(ls, i) == ADDR_TOK_COMMENT; i++)
				 /* void */ ;
			if (i == gt - 1) {
				ok = 1;			/* <> */
			} else if (addr_tok_mailbox(ls->toks, lt, gt - 1, ls->mflags,
						    addr, NULL, why) < 0) {
				list_error(ls, vstring_str(why));
			} else {
				ok = 1;
			}
		}
	}
	if (ok)
		add_item(ls->list, vstring_str(addr), vstring_str(name), group);
	vstring_free(addr);
	vstring_free(name);
	vstring_free(why);
}

/* Parse "phrase : [mailbox-list] ;" starting at the phrase. */
static void
parse_group(LIST_STATE *ls, size_t colon)
{
	VSTRING *group = vstring_alloc(32);

	if (decode_phrase(ls, ls->pos, colon, colon, group) < 0)
		list_error(ls, "invalid group name");
	ls->pos = colon + 1;
	for (;;) {
		while (TYPE_AT(ls, ls->pos) == ',')
			ls->pos++;
		if (ls->pos >= ls->toks->len) {
			list_error(ls, "group without ';'");
			break;
		}
		if (TYPE_AT(ls, ls->pos) == ';') {
			ls->pos++;
			break;
		}
		parse_mailbox(ls, vstring_str(group));
	}
	vstring_free(group);
}

int
addr_list_parse(ADDR_LIST *list, const char *text, int flags, VSTRING *why)
{
	ADDR_TOKS *toks = addr_tok_alloc();
	LIST_STATE ls;
	size_t  j;
	int     t;

	ls.toks = toks;
	ls.pos = 0;
	ls.mflags = (flags & ADDR_LIST_FLAG_UTF8) ? ADDR_TOK_MBOX_UTF8 : 0;
	ls.list = list;
	ls.why = why;
	ls.err = addr_tok_parse(toks, text, strlen(text), ADDR_TOK_PARSE_FOLD, why);
	while (ls.pos < toks->len) {
		t = TYPE_AT(&ls, ls.pos);
		if (t == ',') {
			ls.pos++;
			continue;
		}
		if (t == ';') {
			list_error(&ls, "';' outside a group");
			ls.pos++;
			continue;
		}
		/* A phrase followed by ':' starts a group. */
		for (j = ls.pos; IS_WORD(TYPE_AT(&ls, j)) || TYPE_AT(&ls, j) == '.'
		     || TYPE_AT(&ls, j) == ADDR_TOK_COMMENT; j++)
			 /* void */ ;
		if (TYPE_AT(&ls, j) == ':')
			parse_group(&ls, j);
		else
			parse_mailbox(&ls, NULL);
	}
	addr_tok_free(toks);
	return (ls.err);
}
