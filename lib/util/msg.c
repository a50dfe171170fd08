/*
 * msg - diagnostics with Postfix's severity levels
 *
 *	msg_set_progname() names the program in command-style output.
 *	msg_output() adds an output handler; msg_output_reset() removes all.
 *	msg_stderr_init() sets the program name and logs to standard error
 *	as "name: warning: text".
 *	msg_cleanup() installs a function run before a fatal exit (tests
 *	use it to longjmp out of msg_fatal()).
 *	msg_info/warn/error/fatal/panic() format and emit one line.
 *
 * A message is formatted once and truncated to 8 kB; control characters
 * other than TAB are replaced with '?' so that log lines stay one line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>

#include "msg.h"

#define MSG_MAX_HANDLERS	4
#define MSG_MAX_LEN		8192

int     msg_verbose = 0;
int     msg_error_count = 0;

static const char *progname = "postern";
static MSG_OUTPUT_FN handlers[MSG_MAX_HANDLERS];
static int handler_count = 0;
static MSG_CLEANUP_FN cleanup_fn = NULL;
static int in_fatal = 0;

void
msg_set_progname(const char *name)
{
	const char *slash = strrchr(name, '/');

	progname = slash ? slash + 1 : name;
}

const char *
msg_progname(void)
{
	return (progname);
}

const char *
msg_level_prefix(int level)
{
	static const char *prefix[] = {"", "warning: ", "error: ", "fatal: ", "panic: "};

	if (level < MSG_INFO || level > MSG_PANIC)
		return ("");
	return (prefix[level]);
}

void
msg_output(MSG_OUTPUT_FN fn)
{
	int     i;

	for (i = 0; i < handler_count; i++)
		if (handlers[i] == fn)
			return;
	if (handler_count >= MSG_MAX_HANDLERS)
		msg_panic("msg_output: too many handlers");
	handlers[handler_count++] = fn;
}

void
msg_output_reset(void)
{
	handler_count = 0;
}

static void
msg_stderr_output(int level, const char *text)
{
	fprintf(stderr, "%s: %s%s\n", progname, msg_level_prefix(level), text);
	fflush(stderr);
}

void
msg_stderr_init(const char *name)
{
	msg_set_progname(name);
	msg_output(msg_stderr_output);
}

MSG_CLEANUP_FN
msg_cleanup(MSG_CLEANUP_FN fn)
{
	MSG_CLEANUP_FN old = cleanup_fn;

	/* A cleanup function may longjmp out of msg_fatal(); re-arm here. */
	in_fatal = 0;
	cleanup_fn = fn;
	return (old);
}

void
msg_vprintf(int level, const char *fmt, va_list ap)
{
	char    text[MSG_MAX_LEN];
	int     saved_errno = errno;
	char   *cp;
	int     i;

	vsnprintf(text, sizeof(text), fmt, ap);
	for (cp = text; *cp; cp++)
		if ((unsigned char) *cp < 0x20 && *cp != '\t')
			*cp = '?';
	if (handler_count == 0)
		msg_stderr_output(level, text);
	for (i = 0; i < handler_count; i++)
		handlers[i] (level, text);
	errno = saved_errno;
}

void
msg_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	msg_vprintf(MSG_INFO, fmt, ap);
	va_end(ap);
}

void
msg_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	msg_vprintf(MSG_WARN, fmt, ap);
	va_end(ap);
}

void
msg_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	msg_vprintf(MSG_ERROR, fmt, ap);
	va_end(ap);
	if (++msg_error_count >= 13)
		msg_fatal("too many errors - program terminated");
}

static void
msg_run_cleanup(void)
{
	MSG_CLEANUP_FN fn = cleanup_fn;

	if (fn != NULL && in_fatal++ == 0) {
		fn();
		in_fatal = 0;
	}
}

void
msg_fatal_status(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	msg_vprintf(MSG_FATAL, fmt, ap);
	va_end(ap);
	msg_run_cleanup();
	_exit(status);
}

void
msg_fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	msg_vprintf(MSG_FATAL, fmt, ap);
	va_end(ap);
	msg_run_cleanup();
	fflush(stdout);
	_exit(1);
}

void
msg_panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	msg_vprintf(MSG_PANIC, fmt, ap);
	va_end(ap);
	msg_run_cleanup();
	abort();
}
