#ifndef POSTERN_MSG_H
#define POSTERN_MSG_H

/*
 * msg - diagnostics with Postfix's severity levels
 *
 * Three levels of trouble and no others (STYLE.md): msg_panic() for our own
 * bugs (aborts), msg_fatal() for a broken environment (exits 1 so the master
 * restarts the process), msg_warn() for what a peer or a file can cause.
 * msg_info() reports normal events. Output goes to every registered
 * handler: msg_stderr_init() for commands ("postconf: warning: ..."), and
 * msg_syslog/msg_logfile (see log_output.h) for daemons.
 */
#include <stdarg.h>

#define MSG_INFO	0
#define MSG_WARN	1
#define MSG_ERROR	2
#define MSG_FATAL	3
#define MSG_PANIC	4

typedef void (*MSG_OUTPUT_FN) (int level, const char *text);
typedef void (*MSG_CLEANUP_FN) (void);

extern int msg_verbose;

extern void msg_set_progname(const char *name);
extern const char *msg_progname(void);
extern const char *msg_level_prefix(int level);
extern void msg_output(MSG_OUTPUT_FN fn);
extern void msg_output_reset(void);
extern void msg_stderr_init(const char *progname);
extern MSG_CLEANUP_FN msg_cleanup(MSG_CLEANUP_FN fn);

extern void msg_info(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
extern void msg_warn(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
extern void msg_error(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
extern void msg_fatal(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));
extern void msg_fatal_status(int status, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), noreturn));
extern void msg_panic(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));
extern void msg_vprintf(int level, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

/* Counts msg_error() calls; after 13, msg_error() is fatal, as Postfix. */
extern int msg_error_count;

#endif
