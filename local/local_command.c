/*
 * local_command - delivery to a |command or through mailbox_command
 *
 *	local_command() runs the command text (trusted configuration: an
 *	alias table, a .forward file, mailbox_command) as
 *	"local_command_shell -c TEXT" (default /bin/sh) with the rights
 *	given, the message on standard input, and a time limit of
 *	command_time_limit. Envelope data never enters the command text:
 *	it reaches the command only as environment variables (SENDER,
 *	RECIPIENT, ORIGINAL_RECIPIENT, USER, LOGNAME, HOME, SHELL,
 *	EXTENSION, DOMAIN, LOCAL, CLIENT_*, SASL_*), their characters
 *	limited to command_expansion_filter, plus PATH and the variables
 *	export_environment names (DESIGN.md section 5).
 *
 *	The input is a "From sender date" line, Return-Path:,
 *	X-Original-To:, Delivered-To: (when prepend_delivered_header says
 *	"command") and the message. Exit status 0 delivers; a sysexits(3)
 *	code maps to its enhanced status (EX_TEMPFAIL and EX_OSERR defer);
 *	any other status bounces with 5.3.0. When the output starts with
 *	an enhanced status code, that code decides. Some of the output
 *	goes into the reason.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "argv.h"
#include "msg.h"
#include "mymalloc.h"
#include "spawn.h"
#include "stringops.h"
#include "vstring.h"
#include "mail_conf.h"
#include "mbox_write.h"
#include "local.h"

#define LOCAL_OUTPUT_MAX	1000	/* command output kept in a reason */

static void
local_env(ARGV *env, const char *name, const char *value)
{
	VSTRING *buf = vstring_alloc(100);
	char   *val = mystrdup(value ? value : "");

	local_filter(val, mail_conf_str("command_expansion_filter"));
	vstring_sprintf(buf, "%s=%s", name, val);
	argv_add(env, vstring_str(buf));
	vstring_free(buf);
	myfree(val);
}

/* The command output, made fit for a log line. */
static void
local_output_text(VSTRING *out, const char *text, size_t len)
{
	size_t	i;

	if (len > LOCAL_OUTPUT_MAX)
		len = LOCAL_OUTPUT_MAX;
	for (i = 0; i < len; i++)
		vstring_addch(out, isprint((unsigned char) text[i]) ?
			      text[i] : ' ');
	vstring_trim_space(out);
}

/* "X.Y.Z " at the start of the output (RFC 3463), copied into status. */
static int
local_output_dsn(const char *text, char *status, size_t size)
{
	size_t	n;

	n = strspn(text, "0123456789.");
	if (n < 5 || n >= size || (text[0] != '2' && text[0] != '4'
				   && text[0] != '5') || text[1] != '.'
	    || (text[n] != ' ' && text[n] != 0))
		return (0);
	memcpy(status, text, n);
	status[n] = 0;
	return (strchr(status + 2, '.') != 0);
}

void
local_command(LOCAL_CTX *ctx, const char *command, uid_t uid, gid_t gid,
	      const char *what)
{
	LOCAL_RCPT *rs = ctx->rs;
	DELIVER_REQUEST *req = rs->msg->req;
	const char *shell = mail_conf_str("local_command_shell");
	const char *argv[4];
	ARGV   *env = argv_alloc(20);
	ARGV   *export;
	VSTRING *input;
	VSTRING *output = vstring_alloc(100);
	VSTRING *why = vstring_alloc(100);
	VSTRING *text = vstring_alloc(100);
	char	status[16];
	const char *dsn;
	const char *sysx;
	int	exit_status = 0;
	int	ret;
	size_t	i;

	if (local_dup(ctx, "command", command) == 0)
		goto out;
	argv[0] = *shell ? shell : "/bin/sh";
	argv[1] = "-c";
	argv[2] = command;
	argv[3] = NULL;

	argv_add(env, "PATH=/usr/bin:/bin");
	export = argv_split(mail_conf_str("export_environment"), CHARS_COMMA_SP);
	for (i = 0; i < export->len; i++) {
		const char *val = getenv(export->argv[i]);

		if (val) {
			vstring_sprintf(text, "%s=%s", export->argv[i], val);
			argv_add(env, vstring_str(text));
		}
	}
	argv_free(export);
	local_env(env, "SENDER", ctx->sender);
	local_env(env, "RECIPIENT", ctx->addr);
	local_env(env, "ORIGINAL_RECIPIENT", rs->orig);
	local_env(env, "LOCAL", ctx->local);
	local_env(env, "DOMAIN", ctx->domain);
	local_env(env, "EXTENSION", ctx->extension);
	if (ctx->user) {
		local_env(env, "USER", ctx->user);
		local_env(env, "LOGNAME", ctx->user);
	}
	if (ctx->home)
		local_env(env, "HOME", ctx->home);
	if (ctx->shell)
		local_env(env, "SHELL", ctx->shell);
	if (*req->client_name)
		local_env(env, "CLIENT_HOSTNAME", req->client_name);
	if (*req->client_addr)
		local_env(env, "CLIENT_ADDRESS", req->client_addr);
	if (*req->client_helo)
		local_env(env, "CLIENT_HELO", req->client_helo);
	if (*req->client_proto)
		local_env(env, "CLIENT_PROTOCOL", req->client_proto);
	if (*req->sasl_method)
		local_env(env, "SASL_METHOD", req->sasl_method);
	if (*req->sasl_username)
		local_env(env, "SASL_USERNAME", req->sasl_username);

	/* Not root: a user's test suite delivers as that user (DESIGN §5). */
	if (getuid() != 0) {
		uid = (uid_t) -1;
		gid = (gid_t) -1;
	}
	input = vstring_alloc(vstring_len(rs->msg->content) + 500);
	mailbox_from_line(input, ctx->sender, time(NULL));
	local_headers(input, ctx,
		      local_list_has(mail_conf_str("prepend_delivered_header"),
				     "command"));
	vstring_memcat(input, vstring_str(rs->msg->content),
		       vstring_len(rs->msg->content));

	ret = spawn_command_data(argv, (const char *const *) env->argv, uid,
				 gid, (int) mail_conf_time("command_time_limit"),
				 vstring_str(input), vstring_len(input), output,
				 &exit_status, why);
	vstring_free(input);
	VSTRING_RESET(text);
	local_output_text(text, vstring_str(output), vstring_len(output));

	if (ret == SPAWN_STAT_EXITED && exit_status == 0) {
		local_result(ctx, LOCAL_SENT, "2.0.0", "delivered to %s: %s",
			     what, command);
	} else if (ret == SPAWN_STAT_EXITED) {
		sysx = NULL;
		if (local_output_dsn(vstring_str(text), status, sizeof(status))) {
			dsn = status;
		} else if ((dsn = local_sysexit(exit_status, &sysx)) == NULL) {
			dsn = "5.3.0";
		}
		if (sysx)
			vstring_sprintf(why, "%s", sysx);
		else
			vstring_sprintf(why, "Command died with status %d: \"%s\"",
					exit_status, command);
		if (vstring_len(text))
			vstring_sprintf_append(why, ". Command output: %s",
					       vstring_str(text));
		local_result(ctx, dsn[0] == '4' ? LOCAL_DEFER :
			     dsn[0] == '2' ? LOCAL_SENT : LOCAL_BOUNCE, dsn,
			     "%s", vstring_str(why));
	} else if (ret == SPAWN_STAT_SIGNALED) {
		local_result(ctx, LOCAL_DEFER, "4.3.0",
			     "Command died with signal %d: \"%s\"",
			     exit_status, command);
	} else if (ret == SPAWN_STAT_TIMEOUT) {
		local_result(ctx, LOCAL_BOUNCE, "5.3.0",
			     "Command time limit exceeded: \"%s\"", command);
	} else {
		msg_warn("command %s: %s", command, vstring_str(why));
		local_result(ctx, LOCAL_DEFER, "4.3.0", "%s", vstring_str(why));
	}
out:
	argv_free(env);
	vstring_free(output);
	vstring_free(why);
	vstring_free(text);
}
