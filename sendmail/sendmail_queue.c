/*
 * sendmail_queue - enqueue the message on standard input through postdrop
 *
 *	sendmail_queue() runs $command_directory/postdrop -r -c DIR and
 *		writes the message to it as maildrop records (maildrop.h);
 *		returns 0, or postdrop's exit status (EX_TEMPFAIL when it
 *		died); usage errors exit EX_USAGE here.
 *
 * The envelope: the sender (-f/-r, "<>" for the null sender, else the
 * login name of the real user ID), rewrite_context=local, the full name
 * (-F, else $NAME, else the password file's GECOS field up to the first
 * comma, '&' standing for the capitalized login name), -B's encoding,
 * extract_recipients=yes for -t, -V, -R, then each recipient named on
 * the command line (address lists are split, display names dropped)
 * with -N's notification list.
 *
 * The content: stdin line by line, lines longer than line_length_limit
 * split into FRAGMENT records. sendmail_fix_line_endings decides about
 * CRLF: "always" strips a CR before every LF, "strict" only when the
 * first line ends in CRLF, "never" keeps it. Without -i/-oi a line with
 * only "." ends the message, as Sendmail does; there is no dot-unstuffing.
 */
#include <sys/types.h>
#include <sys/wait.h>
#include <ctype.h>
#include <errno.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "msg.h"
#include "mymalloc.h"
#include "argv.h"
#include "vstream.h"
#include "vstring.h"
#include "mail_conf.h"
#include "addr_list.h"
#include "rec_type.h"
#include "rec_stream.h"
#include "maildrop.h"
#include "sendmail.h"

/* The envelope sender in internal form ("" for the null sender). */
static char *
sender_address(const char *arg, const char *login)
{
	ADDR_LIST *list;
	VSTRING *why;
	char   *result;

	if (arg == NULL)
		return (mystrdup(login));
	while (*arg == ' ' || *arg == '\t')
		arg++;
	if (*arg == 0 || strcmp(arg, "<>") == 0)
		return (mystrdup(""));
	list = addr_list_alloc();
	why = vstring_alloc(100);
	(void) addr_list_parse(list, arg, ADDR_LIST_FLAG_UTF8, why);
	if (list->len != 1)
		msg_fatal_status(EX_USAGE, "bad sender address syntax: %s", arg);
	result = mystrdup(list->items[0].addr);
	addr_list_free(list);
	vstring_free(why);
	return (result);
}

/* Recipients named on the command line, in internal form. */
static ARGV *
recipient_addresses(const ARGV *args)
{
	ARGV   *rcpts = argv_alloc(4);
	ADDR_LIST *list;
	VSTRING *why = vstring_alloc(100);
	size_t  i;
	size_t  j;

	for (i = 0; i < args->len; i++) {
		list = addr_list_alloc();
		if (addr_list_parse(list, args->argv[i], ADDR_LIST_FLAG_UTF8,
				    why) < 0 && list->len == 0)
			msg_fatal_status(EX_USAGE, "bad recipient address "
					 "syntax: %s", args->argv[i]);
		for (j = 0; j < list->len; j++)
			if (*list->items[j].addr)
				argv_add(rcpts, list->items[j].addr);
		addr_list_free(list);
	}
	vstring_free(why);
	return (rcpts);
}

/* -F, $NAME, or the GECOS name with '&' expanded. */
static char *
full_name(const char *opt, const struct passwd *pw)
{
	const char *env = getenv("NAME");
	VSTRING *buf;
	const char *cp;

	if (opt != NULL)
		return (mystrdup(opt));
	if (env != NULL)
		return (mystrdup(env));
	if (pw == NULL || pw->pw_gecos == NULL)
		return (mystrdup(""));
	buf = vstring_alloc(64);
	for (cp = pw->pw_gecos; *cp && *cp != ','; cp++) {
		if (*cp == '&') {
			vstring_addch(buf, toupper((unsigned char) pw->pw_name[0]));
			if (pw->pw_name[0])
				vstring_strcat(buf, pw->pw_name + 1);
		} else {
			vstring_addch(buf, *cp);
		}
	}
	return (vstring_export(buf));
}

/* Drop control characters that would break a header (the validator refuses them). */
static void
strip_controls(char *text)
{
	char   *src;
	char   *dst;

	for (src = dst = text; *src; src++)
		if ((unsigned char) *src >= 0x20 && *src != 0x7f)
			*dst++ = *src;
	*dst = 0;
}

static const char *
notify_text(int notify, VSTRING *out)
{
	VSTRING_RESET(out);
	if (notify & SM_NOTIFY_NEVER)
		return (vstring_str(vstring_strcpy(out, "NEVER")));
	if (notify & SM_NOTIFY_SUCCESS)
		vstring_strcat(out, "SUCCESS");
	if (notify & SM_NOTIFY_FAILURE)
		vstring_strcat(out, vstring_len(out) ? ",FAILURE" : "FAILURE");
	if (notify & SM_NOTIFY_DELAY)
		vstring_strcat(out, vstring_len(out) ? ",DELAY" : "DELAY");
	return (vstring_str(out));
}

static void
put_str(VSTREAM *fp, int type, const char *str)
{
	(void) rec_stream_put(fp, type, str, strlen(str));
}

static void
put_attr(VSTREAM *fp, const char *name, const char *value, VSTRING *buf)
{
	vstring_sprintf(buf, "%s=%s", name, value);
	(void) rec_stream_put(fp, REC_TYPE_ATTR, vstring_str(buf),
			      vstring_len(buf));
}

/* Copy stdin into content records; stops early when the pipe breaks. */
static void
copy_content(const SENDMAIL_OPTS *opts, VSTREAM *fp)
{
	const char *fix = mail_conf_str("sendmail_fix_line_endings");
	size_t  piece = (size_t) mail_conf_int("line_length_limit");
	int     strip_cr = strcmp(fix, "always") == 0;
	int     strict = strcmp(fix, "strict") == 0;
	int     first = 1;
	char   *line = NULL;
	size_t  size = 0;
	ssize_t len;

	if (piece > MAILDROP_REC_MAX)
		piece = MAILDROP_REC_MAX;
	while ((len = getline(&line, &size, stdin)) >= 0) {
		if (len > 0 && line[len - 1] == '\n') {
			len--;
			if (first && strict && len > 0 && line[len - 1] == '\r')
				strip_cr = 1;
			if (strip_cr && len > 0 && line[len - 1] == '\r')
				len--;
		}
		first = 0;
		if (opts->dot_ends && len == 1 && line[0] == '.')
			break;
		if (rec_stream_put_line(fp, line, (size_t) len, piece) < 0
		    || vstream_ferror(fp))
			break;
	}
	if (ferror(stdin))
		msg_fatal_status(EX_IOERR, "read message from standard input: %s",
				 strerror(errno));
	free(line);
}

int
sendmail_queue(const SENDMAIL_OPTS *opts, const char *config_dir)
{
	struct passwd *pw = getpwuid(getuid());
	VSTRING *buf = vstring_alloc(100);
	VSTRING *path = vstring_alloc(100);
	char   *login;
	char   *sender;
	char   *name;
	ARGV   *rcpts;
	VSTREAM *fp;
	int     pipefd[2];
	pid_t   pid;
	int     status;
	size_t  i;

	if (pw == NULL)
		msg_fatal_status(EX_USAGE, "no login name found for user ID %ld",
				 (long) getuid());
	login = mystrdup(pw->pw_name);
	sender = sender_address(opts->sender, login);
	name = full_name(opts->full_name, pw);
	strip_controls(name);
	rcpts = recipient_addresses(opts->recipients);
	if (rcpts->len == 0 && !opts->extract)
		msg_fatal_status(EX_USAGE, "no recipient addresses: name them on "
				 "the command line or use -t");

	/* postdrop reads the records on its standard input. */
	vstring_sprintf(path, "%s/postdrop", mail_conf_str("command_directory"));
	(void) signal(SIGPIPE, SIG_IGN);
	if (pipe(pipefd) < 0)
		msg_fatal_status(EX_TEMPFAIL, "pipe: %s", strerror(errno));
	if ((pid = fork()) < 0)
		msg_fatal_status(EX_TEMPFAIL, "fork: %s", strerror(errno));
	if (pid == 0) {
		char   *args[] = {vstring_str(path), (char *) "-r", (char *) "-c",
		(char *) config_dir, NULL};

		(void) close(pipefd[1]);
		if (pipefd[0] != 0) {
			if (dup2(pipefd[0], 0) < 0)
				msg_fatal_status(EX_TEMPFAIL, "dup2: %s",
						 strerror(errno));
			(void) close(pipefd[0]);
		}
		(void) signal(SIGPIPE, SIG_DFL);
		execv(args[0], args);
		msg_fatal_status(EX_UNAVAILABLE, "execute %s: %s", args[0],
				 strerror(errno));
	}
	(void) close(pipefd[0]);
	fp = vstream_fdopen(pipefd[1], O_WRONLY);

	put_str(fp, REC_TYPE_SENDER, sender);
	put_attr(fp, MAILDROP_ATTR_CONTEXT, "local", buf);
	if (*name)
		put_attr(fp, MAILDROP_ATTR_FULLNAME, name, buf);
	if (opts->body_type)
		put_attr(fp, MAILDROP_ATTR_ENCODING, opts->body_type, buf);
	if (opts->extract)
		put_attr(fp, MAILDROP_ATTR_EXTRACT, "yes", buf);
	if (opts->envid)
		put_str(fp, REC_TYPE_DSN_ENVID, opts->envid);
	if (opts->ret)
		put_str(fp, REC_TYPE_DSN_RET, opts->ret);
	for (i = 0; i < rcpts->len; i++) {
		if (opts->notify)
			put_str(fp, REC_TYPE_DSN_NOTIFY,
				notify_text(opts->notify, buf));
		put_str(fp, REC_TYPE_RCPT, rcpts->argv[i]);
	}
	(void) rec_stream_put(fp, REC_TYPE_MESSAGE, "", 0);
	copy_content(opts, fp);
	(void) rec_stream_put(fp, REC_TYPE_XTRA, "", 0);
	(void) rec_stream_put(fp, REC_TYPE_END, "", 0);
	(void) vstream_fflush(fp);
	(void) vstream_close(fp);

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			msg_fatal_status(EX_TEMPFAIL, "waitpid: %s", strerror(errno));
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		status = 0;
	else if (WIFEXITED(status) && WEXITSTATUS(status) >= EX__BASE
		 && WEXITSTATUS(status) <= EX__MAX)
		status = WEXITSTATUS(status);
	else
		status = EX_TEMPFAIL;
	if (status != 0)
		msg_warn("%s(%ld): message not queued: %s exited with status %d",
			 login, (long) getuid(), vstring_str(path), status);

	argv_free(rcpts);
	myfree(name);
	myfree(sender);
	myfree(login);
	vstring_free(path);
	vstring_free(buf);
	return (status);
}
