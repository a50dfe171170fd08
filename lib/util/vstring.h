#ifndef POSTERN_VSTRING_H
#define POSTERN_VSTRING_H

/*
 * vstring - growable, binary-safe strings
 *
 * The buffer is always NUL-terminated after every operation below, so
 * vstring_str() can be passed to C string functions. Length is size_t.
 */
#include <stddef.h>
#include <stdarg.h>

typedef struct VSTRING {
	char   *buf;		/* data, NUL-terminated */
	size_t  len;		/* bytes used, excluding the NUL */
	size_t  size;		/* bytes allocated, including the NUL */
} VSTRING;

#define vstring_str(vp)	((vp)->buf)
#define vstring_len(vp)	((vp)->len)
#define vstring_end(vp)	((vp)->buf + (vp)->len)

extern VSTRING *vstring_alloc(size_t len);
extern void vstring_free(VSTRING *vp);
extern char *vstring_export(VSTRING *vp);
extern VSTRING *vstring_reserve(VSTRING *vp, size_t incr);
extern VSTRING *vstring_truncate(VSTRING *vp, size_t len);
#define VSTRING_RESET(vp) vstring_truncate((vp), 0)
extern VSTRING *vstring_strcpy(VSTRING *vp, const char *src);
extern VSTRING *vstring_strncpy(VSTRING *vp, const char *src, size_t len);
extern VSTRING *vstring_strcat(VSTRING *vp, const char *src);
extern VSTRING *vstring_strncat(VSTRING *vp, const char *src, size_t len);
extern VSTRING *vstring_memcpy(VSTRING *vp, const void *src, size_t len);
extern VSTRING *vstring_memcat(VSTRING *vp, const void *src, size_t len);
extern VSTRING *vstring_addch(VSTRING *vp, int ch);
extern VSTRING *vstring_sprintf(VSTRING *vp, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
extern VSTRING *vstring_sprintf_append(VSTRING *vp, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
extern VSTRING *vstring_vsprintf_append(VSTRING *vp, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
extern VSTRING *vstring_trim_space(VSTRING *vp);
extern VSTRING *vstring_lower(VSTRING *vp);

#endif
