/*
 * master_cf - parse master.cf into service entries
 *
 *	master_cf_read() / master_cf_read_stream() parse a whole file;
 *	master_cf_free() releases it. master_cf_count(), master_cf_entry()
 *	and master_cf_find() reach the entries; master_cf_field() and the
 *	other master_cf_*() accessors read one entry's columns, resolved
 *	values, argv, "-o" overrides and file/line. master_cf_type_code()
 *	and master_cf_type_name() map service types. See master_cf.h for
 *	the syntax; master_cf_args.c normalizes the command arguments.
 *
 * Errors: a broken column ends the parse: NULL and "FILE, line N: ..." in
 * *why (open and read errors likewise). What Postfix only warns about is
 * logged with msg_warn() as "FILE, line N: ..." and the parse goes on.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "argv.h"
#include "msg.h"
#include "mymalloc.h"
#include "readlline.h"
#include "stringops.h"
#include "vstring.h"
#include "master_cf.h"
#include "master_cf_args.h"

struct MASTER_CF_ENT {
	char   *field[MASTER_CF_FLD_COMMAND];	/* columns 1-7 as written */
	int     type;			/* MASTER_CF_TYPE_* */
	int     private_flag;		/* resolved columns */
	int     unpriv;
	int     chroot;
	int     wakeup;
	int     wakeup_after_use;
	int     maxproc;
	ARGV   *argv;			/* command + normalized arguments */
	ARGV   *onames;			/* "-o name=value" overrides */
	ARGV   *ovalues;
	const char *file;		/* shared with the MASTER_CF */
	int     line;
};

struct MASTER_CF {
	char   *file;
	MASTER_CF_ENT **ent;
	size_t  count;
	size_t  size;
};

/* Where a logical line starts, for messages. */
typedef struct MC_POS {
	const char *file;
	int     line;
} MC_POS;

static const char *const mc_type_names[] = {
	0, "inet", "unix", "unix-dgram", "fifo", "pass",
};

#define MC_TYPE_MAX	MASTER_CF_TYPE_PASS
#define MC_SEPARATORS	" \t\r\n"

int
master_cf_type_code(const char *name)
{
	int     type;

	for (type = 1; type <= MC_TYPE_MAX; type++)
		if (strcmp(name, mc_type_names[type]) == 0)
			return (type);
	return (0);
}

const char *
master_cf_type_name(int type)
{
	return (type >= 1 && type <= MC_TYPE_MAX ? mc_type_names[type] : 0);
}

/*
 * Next column of a logical line, in place. "{" and "}" nest anywhere in a
 * column, and white space inside them does not end it; an unbalanced "{"
 * takes the rest of the line (the argument check reports it).
 */
static char *
mc_token(char **bufp)
{
	char   *start = *bufp + strspn(*bufp, MC_SEPARATORS);
	char   *cp;
	int     level = 0;

	if (*start == '\0') {
		*bufp = start;
		return (0);
	}
	for (cp = start; *cp; cp++) {
		if (*cp == '{')
			level++;
		else if (*cp == '}' && level > 0)
			level--;
		else if (level == 0 && strchr(MC_SEPARATORS, *cp))
			break;
	}
	if (*cp)
		*cp++ = '\0';
	*bufp = cp;
	return (start);
}

/* "y", "n" or "-" (default). */
static int
mc_bool(const char *text, int dflt, int *value)
{
	if (strcmp(text, "-") == 0)
		*value = dflt;
	else if (strcmp(text, "y") == 0)
		*value = 1;
	else if (strcmp(text, "n") == 0)
		*value = 0;
	else
		return (0);
	return (1);
}

/* Decimal digits [cp, end) as an int, saturating at INT_MAX. */
static int
mc_count(const char *cp, const char *end)
{
	long    val = 0;

	for (; cp < end; cp++) {
		val = val * 10 + (*cp - '0');
		if (val > INT_MAX)
			return (INT_MAX);
	}
	return ((int) val);
}

/* Wakeup: "-", or digits with an optional "?" suffix ("?" alone too). */
static int
mc_wakeup(MASTER_CF_ENT *ent, const char *text)
{
	size_t  n = strspn(text, "0123456789");

	ent->wakeup = 0;
	ent->wakeup_after_use = 0;
	if (strcmp(text, "-") == 0)
		return (1);
	if (text[n] == '?' && text[n + 1] == '\0')
		ent->wakeup_after_use = 1;
	else if (text[n] != '\0' || n == 0)
		return (0);
	ent->wakeup = mc_count(text, text + n);
	return (1);
}

static int
mc_maxproc(MASTER_CF_ENT *ent, const char *text)
{
	if (strcmp(text, "-") == 0)
		ent->maxproc = MASTER_CF_MAXPROC_DEFAULT;
	else if (alldig(text))
		ent->maxproc = mc_count(text, text + strlen(text));
	else
		return (0);
	return (1);
}

static void
mc_ent_free(MASTER_CF_ENT *ent)
{
	int     i;

	for (i = 0; i < MASTER_CF_FLD_COMMAND; i++)
		myfree(ent->field[i]);
	if (ent->argv)
		argv_free(ent->argv);
	if (ent->onames)
		argv_free(ent->onames);
	if (ent->ovalues)
		argv_free(ent->ovalues);
	myfree(ent);
}

/* Parse one logical line; NULL and *why on error. */
static MASTER_CF_ENT *
mc_parse_line(char *line, const MC_POS *pos, VSTRING *why)
{
	static const char *const names[] = {
		"service", "type", "private", "unprivileged", "chroot",
		"wakeup", "process_limit",
	};
	char   *text = mystrdup(line);		/* for messages */
	char   *bp = line;
	char   *col[MASTER_CF_FLD_COUNT];
	char  **tok = 0;
	size_t  ntok = 0;
	size_t  size = 0;
	char   *arg;
	MASTER_CF_ENT *ent;
	int     bad = -1;
	int     i;

	for (i = 0; i < MASTER_CF_FLD_COUNT; i++) {
		if ((col[i] = mc_token(&bp)) == 0) {
			vstring_sprintf(why, "%s, line %d: bad field count",
					pos->file, pos->line);
			myfree(text);
			return (0);
		}
	}
	ent = mycalloc(1, sizeof(*ent));
	ent->file = pos->file;
	ent->line = pos->line;
	for (i = 0; i < MASTER_CF_FLD_COMMAND; i++)
		ent->field[i] = mystrdup(col[i]);
	if ((ent->type = master_cf_type_code(col[MASTER_CF_FLD_TYPE])) == 0)
		bad = MASTER_CF_FLD_TYPE;
	else if (!mc_bool(col[MASTER_CF_FLD_PRIVATE], 1, &ent->private_flag))
		bad = MASTER_CF_FLD_PRIVATE;
	else if (!mc_bool(col[MASTER_CF_FLD_UNPRIV], 1, &ent->unpriv))
		bad = MASTER_CF_FLD_UNPRIV;
	else if (!mc_bool(col[MASTER_CF_FLD_CHROOT], 0, &ent->chroot))
		bad = MASTER_CF_FLD_CHROOT;
	else if (!mc_wakeup(ent, col[MASTER_CF_FLD_WAKEUP]))
		bad = MASTER_CF_FLD_WAKEUP;
	else if (!mc_maxproc(ent, col[MASTER_CF_FLD_MAXPROC]))
		bad = MASTER_CF_FLD_MAXPROC;
	if (bad >= 0) {
		vstring_sprintf(why, "%s, line %d: invalid %s field \"%s\" "
				"in \"%s\"", pos->file, pos->line, names[bad],
				col[bad], text);
		mc_ent_free(ent);
		myfree(text);
		return (0);
	}
	if (ent->type == MASTER_CF_TYPE_INET)
		ent->private_flag = 0;
	while ((arg = mc_token(&bp)) != 0) {
		if (ntok >= size) {
			size = size * 2 + 8;
			tok = myrealloc_array(tok, size, sizeof(*tok));
		}
		tok[ntok++] = arg;
	}
	ent->argv = argv_alloc(ntok + 1);
	argv_add(ent->argv, col[MASTER_CF_FLD_COMMAND]);
	ent->onames = argv_alloc(2);
	ent->ovalues = argv_alloc(2);
	master_cf_args(ent->argv, ent->onames, ent->ovalues, tok, ntok,
		       pos->file, pos->line);
	myfree(tok);
	myfree(text);
	return (ent);
}

static void
mc_append(MASTER_CF *mc, MASTER_CF_ENT *ent)
{
	if (mc->count >= mc->size) {
		mc->size = mc->size * 2 + 16;
		mc->ent = myrealloc_array(mc->ent, mc->size, sizeof(*mc->ent));
	}
	mc->ent[mc->count++] = ent;
}

MASTER_CF *
master_cf_read_stream(FILE *fp, const char *name, VSTRING *why)
{
	MASTER_CF *mc = mycalloc(1, sizeof(*mc));
	VSTRING *buf = vstring_alloc(200);
	MASTER_CF_ENT *ent;
	MC_POS  pos;
	int     lineno = 0;

	mc->file = mystrdup(name);
	pos.file = mc->file;
	while (readlline(buf, fp, &lineno, &pos.line) != 0) {
		if (isspace((unsigned char) *vstring_str(buf))) {
			msg_warn("%s, line %d: logical line must not start "
				 "with whitespace: \"%s\"", pos.file, pos.line,
				 vstring_str(buf));
			continue;
		}
		if ((ent = mc_parse_line(vstring_str(buf), &pos, why)) == 0) {
			vstring_free(buf);
			master_cf_free(mc);
			return (0);
		}
		mc_append(mc, ent);
	}
	vstring_free(buf);
	if (ferror(fp)) {
		vstring_sprintf(why, "read %s: %s", name, strerror(errno));
		master_cf_free(mc);
		return (0);
	}
	return (mc);
}

MASTER_CF *
master_cf_read(const char *path, VSTRING *why)
{
	MASTER_CF *mc;
	FILE   *fp;

	if ((fp = fopen(path, "r")) == 0) {
		vstring_sprintf(why, "open %s: %s", path, strerror(errno));
		return (0);
	}
	mc = master_cf_read_stream(fp, path, why);
	fclose(fp);
	return (mc);
}

void
master_cf_free(MASTER_CF *mc)
{
	size_t  i;

	for (i = 0; i < mc->count; i++)
		mc_ent_free(mc->ent[i]);
	myfree(mc->ent);
	myfree(mc->file);
	myfree(mc);
}

size_t
master_cf_count(const MASTER_CF *mc)
{
	return (mc->count);
}

const MASTER_CF_ENT *
master_cf_entry(const MASTER_CF *mc, size_t idx)
{
	if (idx >= mc->count)
		msg_panic("master_cf_entry: index %zu >= count %zu",
			  idx, mc->count);
	return (mc->ent[idx]);
}

const MASTER_CF_ENT *
master_cf_find(const MASTER_CF *mc, const char *service, int type)
{
	size_t  i;

	for (i = mc->count; i > 0; i--)
		if (mc->ent[i - 1]->type == type
		    && strcmp(mc->ent[i - 1]->field[0], service) == 0)
			return (mc->ent[i - 1]);
	return (0);
}

const char *
master_cf_field(const MASTER_CF_ENT *ent, int field)
{
	if (field == MASTER_CF_FLD_COMMAND)
		return (ent->argv->argv[0]);
	if (field < 0 || field > MASTER_CF_FLD_COMMAND)
		msg_panic("master_cf_field: bad field %d", field);
	return (ent->field[field]);
}

const char *
master_cf_service(const MASTER_CF_ENT *ent)
{
	return (ent->field[MASTER_CF_FLD_SERVICE]);
}

int
master_cf_type(const MASTER_CF_ENT *ent)
{
	return (ent->type);
}

int
master_cf_private(const MASTER_CF_ENT *ent)
{
	return (ent->private_flag);
}

int
master_cf_unpriv(const MASTER_CF_ENT *ent)
{
	return (ent->unpriv);
}

int
master_cf_chroot(const MASTER_CF_ENT *ent)
{
	return (ent->chroot);
}

int
master_cf_wakeup(const MASTER_CF_ENT *ent)
{
	return (ent->wakeup);
}

int
master_cf_wakeup_after_use(const MASTER_CF_ENT *ent)
{
	return (ent->wakeup_after_use);
}

int
master_cf_maxproc(const MASTER_CF_ENT *ent)
{
	return (ent->maxproc);
}

const char *
master_cf_command(const MASTER_CF_ENT *ent)
{
	return (ent->argv->argv[0]);
}

const ARGV *
master_cf_argv(const MASTER_CF_ENT *ent)
{
	return (ent->argv);
}

size_t
master_cf_override_count(const MASTER_CF_ENT *ent)
{
	return (ent->onames->len);
}

const char *
master_cf_override_name(const MASTER_CF_ENT *ent, size_t i)
{
	if (i >= ent->onames->len)
		msg_panic("master_cf_override_name: bad index %zu", i);
	return (ent->onames->argv[i]);
}

const char *
master_cf_override_value(const MASTER_CF_ENT *ent, size_t i)
{
	if (i >= ent->ovalues->len)
		msg_panic("master_cf_override_value: bad index %zu", i);
	return (ent->ovalues->argv[i]);
}

const char *
master_cf_file(const MASTER_CF_ENT *ent)
{
	return (ent->file);
}

int
master_cf_line(const MASTER_CF_ENT *ent)
{
	return (ent->line);
}
