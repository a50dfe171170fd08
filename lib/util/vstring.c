/*
 * vstring - growable, binary-safe strings
 *
 *	vstring_alloc() makes an empty string with room for len bytes;
 *	vstring_free() releases it; vstring_export() releases the handle
 *	and hands the buffer to the caller.
 *	vstring_reserve() makes room for incr more bytes.
 *	vstring_truncate() shortens (never lengthens) the string.
 *	vstring_strcpy()/strncpy()/strcat()/strncat()/memcpy()/memcat()/
 *	addch() replace or append content.
 *	vstring_sprintf() and vstring_sprintf_append() format into it.
 *	vstring_trim_space() removes leading and trailing white space;
 *	vstring_lower() folds ASCII to lower case.
 *
 * Errors: size overflow and out of memory are fatal.
 */
#include <stdio.h>
#include <string.h>
#include <stdint.h>
#include <ctype.h>

#include "msg.h"
#include "mymalloc.h"
#include "vstring.h"

VSTRING *
vstring_alloc(size_t len)
{
	VSTRING *vp = mymalloc(sizeof(*vp));

	if (len < 16)
		len = 16;
	if (len == SIZE_MAX)
		msg_fatal("vstring_alloc: size overflow");
	vp->buf = mymalloc(len + 1);
	vp->size = len + 1;
	vp->len = 0;
	vp->buf[0] = '\0';
	return (vp);
}

void
vstring_free(VSTRING *vp)
{
	if (vp == NULL)
		return;
	myfree(vp->buf);
	myfree(vp);
}

char   *
vstring_export(VSTRING *vp)
{
	char   *buf = vp->buf;

	myfree(vp);
	return (buf);
}

VSTRING *
vstring_reserve(VSTRING *vp, size_t incr)
{
	size_t  need;
	size_t  nsize;

	if (incr > SIZE_MAX - vp->len - 1)
		msg_fatal("vstring_reserve: size overflow");
	need = vp->len + incr + 1;
	if (need <= vp->size)
		return (vp);
	nsize = vp->size;
	while (nsize < need)
		nsize = (nsize > SIZE_MAX / 2) ? need : nsize * 2;
	vp->buf = myrealloc(vp->buf, nsize);
	vp->size = nsize;
	return (vp);
}

VSTRING *
vstring_truncate(VSTRING *vp, size_t len)
{
	if (len < vp->len) {
		vp->len = len;
		vp->buf[len] = '\0';
	}
	return (vp);
}

VSTRING *
vstring_memcat(VSTRING *vp, const void *src, size_t len)
{
	vstring_reserve(vp, len);
	if (len > 0)
		memmove(vp->buf + vp->len, src, len);
	vp->len += len;
	vp->buf[vp->len] = '\0';
	return (vp);
}

VSTRING *
vstring_memcpy(VSTRING *vp, const void *src, size_t len)
{
	vp->len = 0;
	return (vstring_memcat(vp, src, len));
}

VSTRING *
vstring_strcpy(VSTRING *vp, const char *src)
{
	return (vstring_memcpy(vp, src, strlen(src)));
}

VSTRING *
vstring_strncpy(VSTRING *vp, const char *src, size_t len)
{
	const char *nul = memchr(src, '\0', len);

	return (vstring_memcpy(vp, src, nul ? (size_t) (nul - src) : len));
}

VSTRING *
vstring_strcat(VSTRING *vp, const char *src)
{
	return (vstring_memcat(vp, src, strlen(src)));
}

VSTRING *
vstring_strncat(VSTRING *vp, const char *src, size_t len)
{
	const char *nul = memchr(src, '\0', len);

	return (vstring_memcat(vp, src, nul ? (size_t) (nul - src) : len));
}

VSTRING *
vstring_addch(VSTRING *vp, int ch)
{
	char    c = (char) ch;

	return (vstring_memcat(vp, &c, 1));
}

VSTRING *
vstring_vsprintf_append(VSTRING *vp, const char *fmt, va_list ap)
{
	va_list ap2;
	int     n;

	va_copy(ap2, ap);
	n = vsnprintf(vp->buf + vp->len, vp->size - vp->len, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		msg_panic("vstring_vsprintf_append: bad format \"%s\"", fmt);
	if ((size_t) n >= vp->size - vp->len) {
		vstring_reserve(vp, (size_t) n);
		n = vsnprintf(vp->buf + vp->len, vp->size - vp->len, fmt, ap);
		if (n < 0)
			msg_panic("vstring_vsprintf_append: bad format \"%s\"", fmt);
	}
	vp->len += (size_t) n;
	return (vp);
}

VSTRING *
vstring_sprintf(VSTRING *vp, const char *fmt, ...)
{
	va_list ap;

	vp->len = 0;
	va_start(ap, fmt);
	vstring_vsprintf_append(vp, fmt, ap);
	va_end(ap);
	return (vp);
}

VSTRING *
vstring_sprintf_append(VSTRING *vp, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vstring_vsprintf_append(vp, fmt, ap);
	va_end(ap);
	return (vp);
}

VSTRING *
vstring_trim_space(VSTRING *vp)
{
	size_t  start = 0;
	size_t  end = vp->len;

	while (start < end && isspace((unsigned char) vp->buf[start]))
		start++;
	while (end > start && isspace((unsigned char) vp->buf[end - 1]))
		end--;
	if (start > 0)
		memmove(vp->buf, vp->buf + start, end - start);
	vp->len = end - start;
	vp->buf[vp->len] = '\0';
	return (vp);
}

VSTRING *
vstring_lower(VSTRING *vp)
{
	size_t  i;

	for (i = 0; i < vp->len; i++)
		vp->buf[i] = (char) tolower((unsigned char) vp->buf[i]);
	return (vp);
}
