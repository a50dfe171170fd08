#ifndef POSTERN_ATTR_H
#define POSTERN_ATTR_H

/*
 * attr - the attribute protocol between processes (DESIGN.md section 4)
 *
 * A request is a list of named attributes followed by an end marker. Two
 * wire encodings, Postfix's:
 *	attr0 (daemon to daemon): name NUL value NUL ... and a lone NUL as
 *	    end marker.
 *	plain (policy delegation, check_policy_service): name=value lines
 *	    and an empty line as end marker.
 * In both, int and long values travel as decimal text, data as base64,
 * and a hash table as its (name, value) pairs inline, sorted by name.
 *
 *	attr_print0(stream, flags, ..., ATTR_TYPE_END) and
 *	attr_print_plain() write one request; attr_print() is attr_print0().
 *	Output is buffered in the stream: pass ATTR_FLAG_FLUSH to flush, or
 *	call vstream_fflush() (a read from the same stream also flushes).
 *	ATTR_FLAG_MORE leaves out the end marker so that a later call can
 *	add attributes. Returns 0, or -1 on a write error or timeout, or
 *	when a name or value cannot be encoded (plain: a name with '=' or a
 *	newline, a value with a newline; both: an empty name), in which
 *	case nothing is written and a warning is logged.
 *
 *	attr_scan0(stream, flags, ..., ATTR_TYPE_END) and attr_scan_plain()
 *	read one request; attr_scan() is attr_scan0(). Attributes are
 *	expected in the order given. They return the number of attributes
 *	stored (each hash entry counts as one), or -1 on error:
 *	- an attribute other than the next one expected, unless
 *	  ATTR_FLAG_EXTRA, which skips it;
 *	- an expected attribute missing when the end marker arrives, only
 *	  with ATTR_FLAG_MISSING (without it, the count tells, and
 *	  destinations of missing attributes are left alone);
 *	- a value that does not convert (int or long not plain decimal in
 *	  range, data not canonical base64), a name or value longer than the
 *	  limits (see attr_set_limits), more than count_max skipped or hash
 *	  attributes, a plain line without '=' or with a NUL byte;
 *	- end of file, an I/O error or a timeout before the end marker.
 *	With ATTR_FLAG_MORE the scan stops after the last requested
 *	attribute without reading the end marker (a later scan continues).
 *	Errors are logged as warnings ("attr_scan0: unexpected attribute
 *	..."), except end of file before the first byte of a request,
 *	which is how a peer hangs up between requests: -1, silently, with
 *	vstream_feof() set. The stream's deadline covers the whole request
 *	(vstream_request_begin()).
 *	A received hash stores every remaining attribute up to the end
 *	marker as a mystrdup()ed string (replacing, and freeing, an older
 *	value of the same name); free the table with htable_free(t, myfree).
 *	RECV_ATTR_HASH must be last in the list.
 *
 *	attr_set_limits(name_max, value_max, count_max) sets the limits for
 *	all scans; 0 leaves a limit unchanged. Defaults: ATTR_DEF_NAME_MAX,
 *	ATTR_DEF_VALUE_MAX (on the encoded value), ATTR_DEF_COUNT_MAX.
 *
 * Arguments are built with the macros below, which check their types:
 *	attr_print(fp, ATTR_FLAG_NONE, SEND_ATTR_STR("sender", addr),
 *		   SEND_ATTR_INT("status", 0), ATTR_TYPE_END);
 *	attr_scan(fp, ATTR_FLAG_MISSING, RECV_ATTR_STR("sender", buf),
 *		  RECV_ATTR_INT("status", &status), ATTR_TYPE_END) == 2
 * A null pointer or an unknown type tag is a panic (our bug).
 */
#include <stdarg.h>
#include <stddef.h>

#include "vstring.h"
#include "htable.h"
#include "vstream.h"

#define ATTR_TYPE_END	0
#define ATTR_TYPE_INT	1
#define ATTR_TYPE_STR	2
#define ATTR_TYPE_HASH	3
#define ATTR_TYPE_LONG	4
#define ATTR_TYPE_DATA	5

#define ATTR_FLAG_NONE		0
#define ATTR_FLAG_MISSING	(1 << 0)	/* scan: missing is an error */
#define ATTR_FLAG_EXTRA		(1 << 1)	/* scan: skip unexpected names */
#define ATTR_FLAG_MORE		(1 << 2)	/* no end marker (print or scan) */
#define ATTR_FLAG_FLUSH		(1 << 3)	/* print: flush afterwards */
#define ATTR_FLAG_STRICT	ATTR_FLAG_MISSING

#define ATTR_DEF_NAME_MAX	1024
#define ATTR_DEF_VALUE_MAX	100000
#define ATTR_DEF_COUNT_MAX	10000

/* Identity functions that make the compiler check argument types. */
static inline const char *attr_vet_name(const char *name) { return (name); }
static inline const char *attr_vet_str(const char *str) { return (str); }
static inline int attr_vet_int(int val) { return (val); }
static inline long attr_vet_long(long val) { return (val); }
static inline size_t attr_vet_size(size_t len) { return (len); }
static inline const void *attr_vet_data(const void *ptr) { return (ptr); }
static inline HTABLE *attr_vet_hash(HTABLE *table) { return (table); }
static inline VSTRING *attr_vet_vstring(VSTRING *vp) { return (vp); }
static inline int *attr_vet_int_ptr(int *ptr) { return (ptr); }
static inline long *attr_vet_long_ptr(long *ptr) { return (ptr); }

#define SEND_ATTR_INT(name, val) \
	ATTR_TYPE_INT, attr_vet_name(name), attr_vet_int(val)
#define SEND_ATTR_LONG(name, val) \
	ATTR_TYPE_LONG, attr_vet_name(name), attr_vet_long(val)
#define SEND_ATTR_STR(name, val) \
	ATTR_TYPE_STR, attr_vet_name(name), attr_vet_str(val)
#define SEND_ATTR_DATA(name, len, ptr) \
	ATTR_TYPE_DATA, attr_vet_name(name), attr_vet_size(len), attr_vet_data(ptr)
#define SEND_ATTR_HASH(table) \
	ATTR_TYPE_HASH, attr_vet_hash(table)

#define RECV_ATTR_INT(name, ptr) \
	ATTR_TYPE_INT, attr_vet_name(name), attr_vet_int_ptr(ptr)
#define RECV_ATTR_LONG(name, ptr) \
	ATTR_TYPE_LONG, attr_vet_name(name), attr_vet_long_ptr(ptr)
#define RECV_ATTR_STR(name, vp) \
	ATTR_TYPE_STR, attr_vet_name(name), attr_vet_vstring(vp)
#define RECV_ATTR_DATA(name, vp) \
	ATTR_TYPE_DATA, attr_vet_name(name), attr_vet_vstring(vp)
#define RECV_ATTR_HASH(table) \
	ATTR_TYPE_HASH, attr_vet_hash(table)

extern int attr_print0(VSTREAM *stream, int flags, ...);
extern int attr_vprint0(VSTREAM *stream, int flags, va_list ap);
extern int attr_print_plain(VSTREAM *stream, int flags, ...);
extern int attr_vprint_plain(VSTREAM *stream, int flags, va_list ap);
extern int attr_scan0(VSTREAM *stream, int flags, ...);
extern int attr_vscan0(VSTREAM *stream, int flags, va_list ap);
extern int attr_scan_plain(VSTREAM *stream, int flags, ...);
extern int attr_vscan_plain(VSTREAM *stream, int flags, va_list ap);
extern void attr_set_limits(size_t name_max, size_t value_max, size_t count_max);

#define attr_print	attr_print0
#define attr_vprint	attr_vprint0
#define attr_scan	attr_scan0
#define attr_vscan	attr_vscan0

#endif
