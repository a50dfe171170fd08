/*
 * attr - the attribute protocol between processes (DESIGN.md section 4)
 *
 *	attr_print0/vprint0() and attr_print_plain/vprint_plain() send a
 *	request; attr_scan0/vscan0() and attr_scan_plain/vscan_plain()
 *	receive one; attr_set_limits() bounds what a scan accepts.
 *
 * One engine walks the caller's typed argument list; a small codec per
 * encoding reads and writes (name, value) pairs and the end marker.
 * Decoding is strict (STYLE.md): anything unexpected ends the request
 * with an error, never a guess.
 *
 * Errors: -1 plus a warning naming the problem; misuse panics.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msg.h"
#include "mymalloc.h"
#include "vstring.h"
#include "vstream.h"
#include "htable.h"
#include "base64.h"
#include "attr.h"

/* read_pair() results. */
#define PAIR_OK		1		/* name and value read */
#define PAIR_END	0		/* end marker */
#define PAIR_ERR	(-1)		/* reason in why */
#define PAIR_HANGUP	(-2)		/* end of file before any byte */

typedef struct ATTR_CODEC {
	const char *print_name;
	const char *scan_name;
	int     (*read_pair) (VSTREAM *, VSTRING *, VSTRING *, VSTRING *);
	const char *(*check_pair) (const char *, const char *);
	void    (*write_pair) (VSTREAM *, const char *, const char *, size_t);
	void    (*write_end) (VSTREAM *);
} ATTR_CODEC;

static size_t attr_name_max = ATTR_DEF_NAME_MAX;
static size_t attr_value_max = ATTR_DEF_VALUE_MAX;
static size_t attr_count_max = ATTR_DEF_COUNT_MAX;

void
attr_set_limits(size_t name_max, size_t value_max, size_t count_max)
{
	if (name_max > SIZE_MAX / 4 || value_max > SIZE_MAX / 4)
		msg_panic("attr_set_limits: limit too large");
	if (name_max)
		attr_name_max = name_max;
	if (value_max)
		attr_value_max = value_max;
	if (count_max)
		attr_count_max = count_max;
}

/* Why a read came up short: timeout, I/O error or end of file. */
static int
attr_short_read(VSTREAM *fp, VSTRING *why, const char *what)
{
	vstring_sprintf(why, "%s while reading %s",
			vstream_ftimeout(fp) ? "timeout" :
			vstream_ferror(fp) ? "read error" : "premature end of input",
			what);
	return (PAIR_ERR);
}

/* attr0 codec: name NUL value NUL ... NUL */

static int
attr0_read_item(VSTREAM *fp, VSTRING *buf, size_t limit, VSTRING *why,
		        const char *what)
{
	switch (vstream_fgetdelim_bound(fp, buf, limit + 1, '\0')) {
	case VSTREAM_GETS_OK:
		vstring_truncate(buf, vstring_len(buf) - 1);
		return (PAIR_OK);
	case VSTREAM_GETS_TRUNC:
		vstring_sprintf(why, "%s longer than %zu bytes", what, limit);
		return (PAIR_ERR);
	default:
		return (attr_short_read(fp, why, what));
	}
}

static int
attr0_read_pair(VSTREAM *fp, VSTRING *name, VSTRING *value, VSTRING *why)
{
	int     status;

	status = attr0_read_item(fp, name, attr_name_max, why, "attribute name");
	if (status != PAIR_OK)
		return (status == PAIR_ERR && vstring_len(name) == 0
			&& vstream_feof(fp) && !vstream_ferror(fp) ?
			PAIR_HANGUP : status);
	if (vstring_len(name) == 0)
		return (PAIR_END);
	return (attr0_read_item(fp, value, attr_value_max, why, "attribute value"));
}

static const char *
attr0_check_pair(const char *name, const char *value)
{
	return (*name == 0 ? "empty attribute name" : NULL);
}

static void
attr0_write_pair(VSTREAM *fp, const char *name, const char *value, size_t len)
{
	vstream_fwrite(fp, name, strlen(name) + 1);
	vstream_fwrite(fp, value, len);
	vstream_putc(fp, 0);
}

static void
attr0_write_end(VSTREAM *fp)
{
	vstream_putc(fp, 0);
}

/* plain codec: name=value LF ... LF */

static int
plain_read_pair(VSTREAM *fp, VSTRING *name, VSTRING *value, VSTRING *why)
{
	const char *line;
	const char *eq;
	size_t  len;

	switch (vstream_fgets_bound(fp, value, attr_name_max + attr_value_max + 2)) {
	case VSTREAM_GETS_OK:
		break;
	case VSTREAM_GETS_TRUNC:
		vstring_sprintf(why, "attribute line longer than %zu bytes",
				attr_name_max + attr_value_max + 1);
		return (PAIR_ERR);
	case VSTREAM_GETS_EOF:
		if (vstream_feof(fp) && !vstream_ferror(fp))
			return (PAIR_HANGUP);
		/* FALLTHROUGH */
	default:
		return (attr_short_read(fp, why, "attribute line"));
	}
	line = vstring_str(value);
	len = vstring_len(value) - 1;
	if (len == 0)
		return (PAIR_END);
	if (memchr(line, 0, len) != NULL) {
		vstring_strcpy(why, "NUL byte in attribute line");
		return (PAIR_ERR);
	}
	if ((eq = memchr(line, '=', len)) == NULL || eq == line) {
		vstring_strcpy(why, eq ? "empty attribute name" :
			       "missing '=' in attribute line");
		return (PAIR_ERR);
	}
	if ((size_t) (eq - line) > attr_name_max) {
		vstring_sprintf(why, "attribute name longer than %zu bytes",
				attr_name_max);
		return (PAIR_ERR);
	}
	if (len - (size_t) (eq - line) - 1 > attr_value_max) {
		vstring_sprintf(why, "attribute value longer than %zu bytes",
				attr_value_max);
		return (PAIR_ERR);
	}
	vstring_strncpy(name, line, (size_t) (eq - line));
	/* Shift the value to the front of its own buffer. */
	len -= (size_t) (eq - line) + 1;
	memmove(vstring_str(value), eq + 1, len);
	vstring_truncate(value, len);
	return (PAIR_OK);
}

static const char *
plain_check_pair(const char *name, const char *value)
{
	if (*name == 0)
		return ("empty attribute name");
	if (strpbrk(name, "=\n") != NULL)
		return ("attribute name contains '=' or newline");
	if (strchr(value, '\n') != NULL)
		return ("attribute value contains newline");
	return (NULL);
}

static void
plain_write_pair(VSTREAM *fp, const char *name, const char *value, size_t len)
{
	vstream_fputs(fp, name);
	vstream_putc(fp, '=');
	vstream_fwrite(fp, value, len);
	vstream_putc(fp, '\n');
}

static void
plain_write_end(VSTREAM *fp)
{
	vstream_putc(fp, '\n');
}

static const ATTR_CODEC attr0_codec = {
	"attr_print0", "attr_scan0", attr0_read_pair, attr0_check_pair,
	attr0_write_pair, attr0_write_end,
};

static const ATTR_CODEC plain_codec = {
	"attr_print_plain", "attr_scan_plain", plain_read_pair, plain_check_pair,
	plain_write_pair, plain_write_end,
};

/* Printing. */

/* Check (fp == NULL) or write one pair. */
static int
attr_emit(const ATTR_CODEC *codec, VSTREAM *fp, const char *name,
	          const char *value, size_t len, VSTRING *why)
{
	const char *problem;

	if (fp != NULL) {
		codec->write_pair(fp, name, value, len);
	} else if ((problem = codec->check_pair(name, value)) != NULL) {
		vstring_sprintf(why, "attribute \"%.100s\": %s", name, problem);
		return (-1);
	}
	return (0);
}

/* Walk the argument list once: check it (fp == NULL) or write it. */
static int
attr_print_walk(const ATTR_CODEC *codec, VSTREAM *fp, va_list ap,
		        VSTRING *buf, VSTRING *why)
{
	HTABLE_INFO **list;
	HTABLE_INFO **ht;
	HTABLE *table;
	const char *name;
	const char *value;
	const void *data;
	size_t  len;
	int     type;
	int     status = 0;

	while (status == 0 && (type = va_arg(ap, int)) != ATTR_TYPE_END) {
		if (type == ATTR_TYPE_HASH) {
			if ((table = va_arg(ap, HTABLE *)) == NULL)
				msg_panic("%s: null hash table", codec->print_name);
			list = htable_list_sorted(table);
			for (ht = list; status == 0 && *ht; ht++) {
				if ((value = (*ht)->value) == NULL)
					msg_panic("%s: null value for \"%s\"",
						  codec->print_name, (*ht)->key);
				status = attr_emit(codec, fp, (*ht)->key, value,
						   strlen(value), why);
			}
			myfree(list);
			continue;
		}
		if ((name = va_arg(ap, const char *)) == NULL)
			msg_panic("%s: null attribute name", codec->print_name);
		switch (type) {
		case ATTR_TYPE_INT:
			vstring_sprintf(buf, "%d", va_arg(ap, int));
			break;
		case ATTR_TYPE_LONG:
			vstring_sprintf(buf, "%ld", va_arg(ap, long));
			break;
		case ATTR_TYPE_STR:
			if ((value = va_arg(ap, const char *)) == NULL)
				msg_panic("%s: null value for \"%s\"",
					  codec->print_name, name);
			status = attr_emit(codec, fp, name, value, strlen(value), why);
			continue;
		case ATTR_TYPE_DATA:
			len = va_arg(ap, size_t);
			if ((data = va_arg(ap, const void *)) == NULL && len > 0)
				msg_panic("%s: null data for \"%s\"",
					  codec->print_name, name);
			/* The check pass needs no encoding: base64 is always safe. */
			if (fp != NULL)
				base64_encode(buf, data, len);
			else
				VSTRING_RESET(buf);
			break;
		default:
			msg_panic("%s: unknown type code %d", codec->print_name, type);
		}
		status = attr_emit(codec, fp, name, vstring_str(buf),
				   vstring_len(buf), why);
	}
	return (status);
}

static int
attr_vprint_any(const ATTR_CODEC *codec, VSTREAM *fp, int flags, va_list ap)
{
	VSTRING *buf = vstring_alloc(100);
	VSTRING *why = vstring_alloc(100);
	va_list ap2;
	int     status;

	/* Check everything first, so a bad value sends nothing at all. */
	va_copy(ap2, ap);
	status = attr_print_walk(codec, NULL, ap2, buf, why);
	va_end(ap2);
	if (status < 0) {
		msg_warn("%s: %s", codec->print_name, vstring_str(why));
	} else {
		vstream_request_begin(fp);
		(void) attr_print_walk(codec, fp, ap, buf, why);
		if ((flags & ATTR_FLAG_MORE) == 0)
			codec->write_end(fp);
		if (flags & ATTR_FLAG_FLUSH)
			(void) vstream_fflush(fp);
		vstream_request_end(fp);
		status = vstream_ferror(fp) ? -1 : 0;
	}
	vstring_free(buf);
	vstring_free(why);
	return (status);
}

/* Scanning. */

/* Strict decimal: optional '-', digits, nothing else, in range. */
static int
attr_parse_long(const char *str, long *result)
{
	const char *cp = str + (*str == '-');
	char   *end;
	long    val;

	if (!isdigit((unsigned char) *cp))
		return (-1);
	errno = 0;
	val = strtol(str, &end, 10);
	if (errno != 0 || *end != 0)
		return (-1);
	*result = val;
	return (0);
}

/* Store one received value; -1 with a reason when it does not convert. */
static int
attr_store(int type, void *dest, const char *name, VSTRING *value, VSTRING *why)
{
	long    val;

	switch (type) {
	case ATTR_TYPE_INT:
		if (attr_parse_long(vstring_str(value), &val) < 0
		    || val < INT_MIN || val > INT_MAX)
			break;
		*(int *) dest = (int) val;
		return (0);
	case ATTR_TYPE_LONG:
		if (attr_parse_long(vstring_str(value), &val) < 0)
			break;
		*(long *) dest = val;
		return (0);
	case ATTR_TYPE_STR:
		vstring_memcpy((VSTRING *) dest, vstring_str(value),
			       vstring_len(value));
		return (0);
	case ATTR_TYPE_DATA:
		if (base64_decode((VSTRING *) dest, vstring_str(value),
				  vstring_len(value)) < 0)
			break;
		return (0);
	}
	vstring_sprintf(why, "bad %s value for attribute \"%.100s\"",
			type == ATTR_TYPE_DATA ? "base64" : "numerical", name);
	return (-1);
}

static void
attr_hash_store(HTABLE *table, const char *name, const char *value)
{
	HTABLE_INFO *ht;

	if ((ht = htable_locate(table, name)) != NULL) {
		myfree(ht->value);
		ht->value = mystrdup(value);
	} else {
		htable_enter(table, name, mystrdup(value));
	}
}

/* One scan in progress. */
typedef struct ATTR_SCAN {
	const ATTR_CODEC *codec;
	VSTREAM *fp;
	int     flags;
	VSTRING *name;			/* last name read */
	VSTRING *value;			/* last value read */
	VSTRING *why;			/* reason for PAIR_ERR */
	size_t  extra;			/* skipped or hash attributes so far */
	int     pairs;			/* read attempts so far */
	int     ended;			/* end marker seen */
} ATTR_SCAN;

/* Next pair; a hang-up after the first byte of a request is an error. */
static int
attr_next(ATTR_SCAN *sp)
{
	int     status;

	if (sp->ended)
		return (PAIR_END);
	status = sp->codec->read_pair(sp->fp, sp->name, sp->value, sp->why);
	if (status == PAIR_HANGUP && sp->pairs > 0) {
		vstring_strcpy(sp->why,
			       "premature end of input while reading attribute name");
		status = PAIR_ERR;
	}
	sp->pairs++;
	sp->ended = (status == PAIR_END);
	return (status);
}

/* Count an attribute that no RECV_ATTR_* named (skipped, or hashed). */
static int
attr_count_extra(ATTR_SCAN *sp)
{
	if (++sp->extra > attr_count_max) {
		vstring_sprintf(sp->why, "more than %zu attributes", attr_count_max);
		return (PAIR_ERR);
	}
	return (PAIR_OK);
}

/* Read up to the attribute named want (NULL: the end marker). */
static int
attr_seek(ATTR_SCAN *sp, const char *want)
{
	int     status;

	while ((status = attr_next(sp)) == PAIR_OK) {
		if (want != NULL && strcmp(vstring_str(sp->name), want) == 0)
			return (PAIR_OK);
		if ((sp->flags & ATTR_FLAG_EXTRA) == 0) {
			vstring_sprintf(sp->why,
					"unexpected attribute \"%.100s\" (expected %s%.100s%s)",
					vstring_str(sp->name), want ? "\"" : "",
					want ? want : "end of request",
					want ? "\"" : "");
			return (PAIR_ERR);
		}
		if (attr_count_extra(sp) != PAIR_OK)
			return (PAIR_ERR);
	}
	return (status);
}

static int
attr_vscan_any(const ATTR_CODEC *codec, VSTREAM *fp, int flags, va_list ap)
{
	ATTR_SCAN scan;
	const char *want;
	HTABLE *table;
	void   *dest = NULL;
	int     count = 0;
	int     status = PAIR_OK;
	int     type;

	scan.codec = codec;
	scan.fp = fp;
	scan.flags = flags;
	scan.name = vstring_alloc(100);
	scan.value = vstring_alloc(100);
	scan.why = vstring_alloc(100);
	scan.extra = 0;
	scan.pairs = 0;
	scan.ended = 0;

	vstream_request_begin(fp);
	while (status >= 0 && (type = va_arg(ap, int)) != ATTR_TYPE_END) {
		if (type == ATTR_TYPE_HASH) {
			if ((table = va_arg(ap, HTABLE *)) == NULL)
				msg_panic("%s: null hash table", codec->scan_name);
			if (va_arg(ap, int) != ATTR_TYPE_END)
				msg_panic("%s: hash must be the last attribute",
					  codec->scan_name);
			while ((status = attr_next(&scan)) == PAIR_OK
			       && (status = attr_count_extra(&scan)) == PAIR_OK) {
				attr_hash_store(table, vstring_str(scan.name),
						vstring_str(scan.value));
				count++;
			}
			break;
		}
		want = va_arg(ap, const char *);
		switch (type) {
		case ATTR_TYPE_INT:
			dest = va_arg(ap, int *);
			break;
		case ATTR_TYPE_LONG:
			dest = va_arg(ap, long *);
			break;
		case ATTR_TYPE_STR:
		case ATTR_TYPE_DATA:
			dest = va_arg(ap, VSTRING *);
			break;
		default:
			msg_panic("%s: unknown type code %d", codec->scan_name, type);
		}
		if (want == NULL || dest == NULL)
			msg_panic("%s: null attribute name or destination",
				  codec->scan_name);
		if ((status = attr_seek(&scan, want)) == PAIR_OK) {
			if (attr_store(type, dest, want, scan.value, scan.why) < 0)
				status = PAIR_ERR;
			else
				count++;
		} else if (status == PAIR_END && (flags & ATTR_FLAG_MISSING)) {
			vstring_sprintf(scan.why, "missing attribute \"%.100s\"", want);
			status = PAIR_ERR;
		}
	}
	/* Everything requested is in: the end marker must come next. */
	if (status >= 0 && (flags & ATTR_FLAG_MORE) == 0)
		status = attr_seek(&scan, NULL);
	vstream_request_end(fp);
	if (status == PAIR_ERR)
		msg_warn("%s: %s (fd %d)", codec->scan_name, vstring_str(scan.why),
			 vstream_fileno(fp));
	vstring_free(scan.name);
	vstring_free(scan.value);
	vstring_free(scan.why);
	return (status < 0 ? -1 : count);
}

/* The public entry points. */

int
attr_vprint0(VSTREAM *fp, int flags, va_list ap)
{
	return (attr_vprint_any(&attr0_codec, fp, flags, ap));
}

int
attr_vprint_plain(VSTREAM *fp, int flags, va_list ap)
{
	return (attr_vprint_any(&plain_codec, fp, flags, ap));
}

int
attr_vscan0(VSTREAM *fp, int flags, va_list ap)
{
	return (attr_vscan_any(&attr0_codec, fp, flags, ap));
}

int
attr_vscan_plain(VSTREAM *fp, int flags, va_list ap)
{
	return (attr_vscan_any(&plain_codec, fp, flags, ap));
}

int
attr_print0(VSTREAM *fp, int flags, ...)
{
	va_list ap;
	int     ret;

	va_start(ap, flags);
	ret = attr_vprint0(fp, flags, ap);
	va_end(ap);
	return (ret);
}

int
attr_print_plain(VSTREAM *fp, int flags, ...)
{
	va_list ap;
	int     ret;

	va_start(ap, flags);
	ret = attr_vprint_plain(fp, flags, ap);
	va_end(ap);
	return (ret);
}

int
attr_scan0(VSTREAM *fp, int flags, ...)
{
	va_list ap;
	int     ret;

	va_start(ap, flags);
	ret = attr_vscan0(fp, flags, ap);
	va_end(ap);
	return (ret);
}

int
attr_scan_plain(VSTREAM *fp, int flags, ...)
{
	va_list ap;
	int     ret;

	va_start(ap, flags);
	ret = attr_vscan_plain(fp, flags, ap);
	va_end(ap);
	return (ret);
}
