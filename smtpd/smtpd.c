/*
 * smtpd - the SMTP server: main program and session loop
 *
 * Serves one SMTP session per connection (single_server_main(), started
 * by master(8) for an "smtpd" service, or with -S on stdin/stdout). The
 * protocol is RFC 5321 ESMTP with PIPELINING, SIZE, VRFY, ETRN,
 * ENHANCEDSTATUSCODES, 8BITMIME, DSN, SMTPUTF8, CHUNKING, STARTTLS (and
 * TLS wrapper mode) and Postfix's XCLIENT/XFORWARD; smtpd(8) describes
 * the behaviour and the parameters.
 *
 * Requests served: SMTP from the network. Requests made: the cleanup
 * service (private/cleanup, cleanup_client.h) for every message; nothing
 * else. Restrictions are asked of smtpd_check.c (smtpd_check.h).
 *
 * This file: start-up (parameters, tables, lists, all before chroot and
 * the privilege drop), the session loop (reading commands with
 * line_length_limit, smtpd_timeout, bare LF handling, the
 * unauthorized-pipelining guard, error and junk limits, forbidden
 * commands), the commands outside a mail transaction (HELO, EHLO, RSET,
 * NOOP, QUIT, VRFY, ETRN) and the connect/disconnect log lines.
 * Transactions are in smtpd_trans.c, replies in smtpd_reply.c, the
 * client identity in smtpd_peer.c, XCLIENT/XFORWARD in smtpd_xclient.c,
 * STARTTLS and wrapper mode in smtpd_tls.c.
 */
#include "config.h"

#include <sys/ioctl.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "msg.h"
#include "mymalloc.h"
#include "vstring.h"
#include "vstream.h"
#include "argv.h"
#include "stringops.h"
#include "dict.h"
#include "mail_conf.h"
#include "mail_server.h"
#include "match_list.h"
#include "smtp_path.h"
#include "cleanup_client.h"
#include "smtpd_check.h"
#include "smtpd.h"
#include "smtpd_tls.h"

#define STR(x)	vstring_str(x)

/* Parameters (smtpd.h). */
int	var_smtpd_timeout;
long	var_message_limit;
int	var_line_limit;
int	var_smtpd_rcpt_limit;
int	var_smtpd_soft_erlim;
int	var_smtpd_hard_erlim;
int	var_smtpd_err_sleep;
int	var_smtpd_junk_limit;
int	var_helo_required;
int	var_disable_vrfy;
int	var_smtputf8_enable;
int	var_strict_rfc821;
int	var_delay_open;
int	var_forbid_bare_nl;
int	var_forbid_bare_nl_code;
int	var_forbid_unauth_pipe;
int	var_ipc_timeout;
int	var_cleanup_flags;
const char *var_myhostname;
const char *var_mail_name;
const char *var_smtpd_banner;

static int var_peername_lookup;
static int var_port_logging;
static int var_request_deadline;
static int discard_mask;		/* smtpd_discard_ehlo_keywords */
static MATCH_LIST *bare_nl_exclusions;
static MATCH_LIST *flush_domains;
static ARGV *forbidden_words;
static ARGV *forbidden_tables;		/* type:table entries */
static DICT **forbidden_dicts;
static ARGV *noop_commands;

/* Command table. */
#define CMD_FLAG_JUNK	(1 << 0)	/* counts toward smtpd_junk_command_limit */
#define CMD_FLAG_LAST	(1 << 1)	/* must end a pipelined group */
#define CMD_FLAG_DENIED	(1 << 2)	/* allowed for a rejected client */
#define CMD_FLAG_PIPE_OK (1 << 3)	/* input may follow (BDAT data, after QUIT) */
#define CMD_FLAG_PRE_TLS (1 << 4)	/* allowed before STARTTLS at level encrypt */

typedef struct SMTPD_CMD {
	const char *name;
	int	(*action)(SMTPD_STATE *, const char *);
	int	index;
	int	flags;
} SMTPD_CMD;

static const char *counter_names[SMTPD_CMD_COUNT] = {
	"helo", "ehlo", "xclient", "xforward", "starttls", "mail", "rcpt",
	"data", "bdat", "rset", "noop", "vrfy", "etrn", "quit", "unknown",
};

/* smtpd_check_args - the restriction engine's view of the session */

void
smtpd_check_args(SMTPD_STATE *state, SMTPD_CHECK_ARGS *args)
{
	memset(args, 0, sizeof(*args));
	args->queue_id = state->queue_id;
	args->client_name = state->peer.name;
	args->reverse_client_name = state->peer.reverse_name;
	args->client_addr = state->peer.addr;
	args->client_port = state->peer.port;
	args->helo_name = state->helo_name;
	args->protocol = state->xclient_proto ? state->xclient_proto :
	    state->protocol;
	args->sender = state->sender;
	args->sasl_username = state->sasl_username;
	args->recipient_count = state->rcpt_count;
}

/* smtpd_lost - the client went away or timed out; end the session */

void
smtpd_lost(SMTPD_STATE *state, const char *detail)
{
	if (vstream_ftimeout(state->client)) {
		vstream_clearerr(state->client);
		smtpd_reply_nocount(state, "421 4.4.2 %s Error: timeout exceeded",
				    var_myhostname);
		smtpd_reply_flush(state);
		msg_info("timeout after %s from %s", detail, state->peer.namaddr);
	} else {
		msg_info("lost connection after %s from %s", detail,
			 state->peer.namaddr);
	}
	state->quit = 1;
}

/* input_pending - bytes the client sent that we have not read */

static size_t
input_pending(SMTPD_STATE *state)
{
	int	avail = 0;
	size_t	tls_avail;

	if (vstream_peek(state->client) > 0)
		return (vstream_peek(state->client));
	/* Inside TLS, OpenSSL may hold what the descriptor no longer shows. */
	if (state->tls && (tls_avail = tls_pending(state->tls)) > 0)
		return (tls_avail);
	if (ioctl(vstream_fileno(state->client), FIONREAD, &avail) < 0)
		return (0);
	return (avail > 0 ? (size_t) avail : 0);
}

/*
 * improper_pipelining - RFC 2920 says the client must wait for this
 * reply; input after it is a client that does not listen (or a
 * smuggling attempt). Log what it sent, reply 554 and disconnect.
 */
static void
improper_pipelining(SMTPD_STATE *state, const char *cmd)
{
	char	buf[100];
	size_t	want = input_pending(state);
	size_t	got;
	size_t	i;

	if (want > sizeof(buf))
		want = sizeof(buf);
	got = vstream_fread(state->client, buf, want);
	VSTRING_RESET(state->buffer);
	for (i = 0; i < got; i++) {
		unsigned char ch = buf[i];

		if (ch == '\r')
			vstring_strcat(state->buffer, "\\r");
		else if (ch == '\n')
			vstring_strcat(state->buffer, "\\n");
		else if (ch < ' ' || ch >= 0x7f)
			vstring_sprintf_append(state->buffer, "\\%03o", ch);
		else
			vstring_addch(state->buffer, ch);
	}
	msg_info("improper command pipelining after %s from %s: %s", cmd,
		 state->peer.namaddr, STR(state->buffer));
	smtpd_reply_nocount(state, "554 5.5.0 Error: SMTP protocol "
			    "synchronization");
	state->quit = 1;
}

/* smtpd_client_init - per-client decisions, at connect and after XCLIENT */

void
smtpd_client_init(SMTPD_STATE *state)
{
	SMTPD_CHECK_ARGS args;

	smtpd_xclient_access(state);
	switch (match_list_match(bare_nl_exclusions, state->peer.name,
				 state->peer.addr)) {
	case MATCH_YES:
		state->bare_nl_excluded = 1;
		break;
	case MATCH_ERROR:
		msg_warn("%s", match_list_error(bare_nl_exclusions));
		/* FALLTHROUGH */
	default:
		state->bare_nl_excluded = 0;
		break;
	}
	state->discard_mask = discard_mask;
	if (state->access_denied) {
		myfree(state->access_denied);
		state->access_denied = NULL;
	}
	smtpd_check_args(state, &args);
	if (smtpd_check_client(&args, state->reply) != SMTPD_CHECK_OK)
		state->access_denied = mystrdup(STR(state->reply));
}

int
smtpd_access_denied(SMTPD_STATE *state)
{
	smtpd_reply(state, "503 5.7.0 Error: access denied for %s",
		    state->peer.namaddr);
	return (-1);
}

/* helo_common - HELO and EHLO; 0 when the name is accepted */

static int
helo_common(SMTPD_STATE *state, const char *cmd, const char *arg)
{
	SMTPD_CHECK_ARGS args;
	VSTRING *name;

	if (*arg == 0) {
		smtpd_reply(state, "501 5.5.4 Syntax: %s hostname", cmd);
		return (-1);
	}
	smtpd_trans_reset(state);
	name = vstring_alloc(64);
	smtpd_printable(name, arg, 255);
	smtpd_check_args(state, &args);
	args.helo_name = STR(name);
	if (smtpd_check_helo(&args, state->reply) != SMTPD_CHECK_OK) {
		smtpd_reply(state, "%s", STR(state->reply));
		vstring_free(name);
		return (-1);
	}
	if (state->helo_name)
		myfree(state->helo_name);
	state->helo_name = vstring_export(name);
	return (0);
}

static int
helo_cmd(SMTPD_STATE *state, const char *arg)
{
	if (helo_common(state, "HELO", arg) < 0)
		return (-1);
	state->protocol = "SMTP";
	state->pipelining = 0;
	smtpd_reply_raw(state, "250 %s", var_myhostname);
	return (0);
}

static int
ehlo_cmd(SMTPD_STATE *state, const char *arg)
{
	VSTRING *r;
	int	mask = state->discard_mask;

	if (helo_common(state, "EHLO", arg) < 0)
		return (-1);
	state->protocol = "ESMTP";
	state->pipelining = !(mask & SMTPD_EHLO_PIPELINING);
	r = vstring_alloc(300);
	vstring_sprintf(r, "250 %s", var_myhostname);
#define KEYWORD(bit, text) do { \
		if (!(mask & (bit))) vstring_sprintf_append(r, "\n%s", (text)); \
	} while (0)
	KEYWORD(SMTPD_EHLO_PIPELINING, "PIPELINING");
	if (!(mask & SMTPD_EHLO_SIZE)) {
		if (var_message_limit > 0)
			vstring_sprintf_append(r, "\nSIZE %ld", var_message_limit);
		else
			vstring_strcat(r, "\nSIZE");
	}
	if (!var_disable_vrfy)
		KEYWORD(SMTPD_EHLO_VRFY, "VRFY");
	KEYWORD(SMTPD_EHLO_ETRN, "ETRN");
	if (smtpd_tls_offer(state))
		vstring_strcat(r, "\nSTARTTLS");
	if (state->xclient_ok)
		KEYWORD(SMTPD_EHLO_XCLIENT, "XCLIENT NAME ADDR PROTO HELO "
			"REVERSE_NAME PORT LOGIN DESTADDR DESTPORT");
	if (state->xforward_ok)
		KEYWORD(SMTPD_EHLO_XFORWARD,
			"XFORWARD NAME ADDR PROTO HELO SOURCE PORT IDENT");
	KEYWORD(SMTPD_EHLO_ENHANCED, "ENHANCEDSTATUSCODES");
	KEYWORD(SMTPD_EHLO_8BITMIME, "8BITMIME");
	KEYWORD(SMTPD_EHLO_DSN, "DSN");
	if (var_smtputf8_enable)
		KEYWORD(SMTPD_EHLO_SMTPUTF8, "SMTPUTF8");
	KEYWORD(SMTPD_EHLO_CHUNKING, "CHUNKING");
	if ((mask & ~SMTPD_EHLO_SILENT) && !(mask & SMTPD_EHLO_SILENT))
		msg_info("discarding EHLO keywords: %s",
			 mail_conf_str("smtpd_discard_ehlo_keywords"));
	smtpd_reply_raw(state, "%s", STR(r));
	vstring_free(r);
	return (0);
}

static int
rset_cmd(SMTPD_STATE *state, const char *arg)
{
	if (*arg) {
		smtpd_reply(state, "501 5.5.4 Syntax: RSET");
		return (-1);
	}
	smtpd_trans_reset(state);
	smtpd_reply(state, "250 2.0.0 Ok");
	return (0);
}

static int
noop_cmd(SMTPD_STATE *state, const char *arg)
{
	(void) arg;
	smtpd_reply(state, "250 2.0.0 Ok");
	return (0);
}

static int
quit_cmd(SMTPD_STATE *state, const char *arg)
{
	(void) arg;
	smtpd_reply(state, "221 2.0.0 Bye");
	state->quit = 1;
	return (0);
}

static int
vrfy_cmd(SMTPD_STATE *state, const char *arg)
{
	SMTP_PATH *path;
	int	ret = -1;

	if (var_disable_vrfy) {
		smtpd_reply(state, "502 5.5.1 VRFY command is disabled");
		return (-1);
	}
	if (*arg == 0) {
		smtpd_reply(state, "501 5.5.4 Syntax: VRFY address [SMTPUTF8]");
		return (-1);
	}
	path = smtp_path_alloc();
	if (smtp_path_parse(path, arg, SMTP_PATH_FLAG_UTF8, state->why) < 0
	    || vstring_len(path->addr) == 0) {
		smtpd_reply(state, "501 5.1.3 Bad recipient address syntax");
	} else {
		/* RFC 5321 3.5.3: "cannot verify, but will accept". */
		smtpd_reply(state, "252 2.0.0 %s",
			    smtpd_printable(state->buffer, arg, 200));
		ret = 0;
	}
	smtp_path_free(path);
	return (ret);
}

static int
etrn_cmd(SMTPD_STATE *state, const char *arg)
{
	SMTPD_CHECK_ARGS args;
	const char *domain;

	if (var_helo_required && state->helo_name == NULL) {
		smtpd_reply(state, "503 5.5.1 Error: send HELO/EHLO first");
		return (-1);
	}
	if (state->sender != NULL) {
		smtpd_reply(state, "503 5.5.1 Error: MAIL transaction in progress");
		return (-1);
	}
	if (*arg == 0) {
		smtpd_reply(state, "501 5.5.4 Syntax: ETRN domain");
		return (-1);
	}
	smtpd_check_args(state, &args);
	args.etrn_domain = arg;
	if (smtpd_check_etrn(&args, state->reply) != SMTPD_CHECK_OK) {
		smtpd_reply(state, "%s", STR(state->reply));
		return (-1);
	}
	/* RFC 1985: "@domain" asks for subdomains too. */
	domain = (*arg == '@') ? arg + 1 : arg;
	if (*arg != '#'
	    && match_list_match(flush_domains, domain, NULL) == MATCH_YES) {
		/* The flush service does not exist (yet). */
		msg_warn("%s: ETRN: flush service unavailable",
			 smtpd_printable(state->buffer, arg, 100));
		smtpd_reply(state, "458 4.3.0 Unable to queue messages");
	} else {
		msg_warn("reject: ETRN %s... from %s",
			 smtpd_printable(state->buffer, arg, 100),
			 state->peer.namaddr);
		smtpd_reply(state, "459 4.7.1 <%s>: service unavailable",
			    smtpd_printable(state->buffer, arg, 100));
	}
	return (-1);
}

static int
xclient_cmd(SMTPD_STATE *state, const char *arg)
{
	return (smtpd_xclient_cmd(state, arg));
}

static int
xforward_cmd(SMTPD_STATE *state, const char *arg)
{
	return (smtpd_xforward_cmd(state, arg));
}

static int
bdat_cmd(SMTPD_STATE *state, const char *arg)
{
	return (smtpd_bdat_cmd(state, arg));
}

static int
starttls_cmd(SMTPD_STATE *state, const char *arg)
{
	return (smtpd_starttls_cmd(state, arg));
}

/*
 * STARTTLS is exempt from the pipelining guard: whatever follows it in
 * clear text is discarded before the handshake (smtpd_tls.c).
 */
static const SMTPD_CMD cmd_table[] = {
	{"HELO", helo_cmd, SMTPD_CMD_HELO,
	 CMD_FLAG_LAST | CMD_FLAG_DENIED | CMD_FLAG_PRE_TLS},
	{"EHLO", ehlo_cmd, SMTPD_CMD_EHLO,
	 CMD_FLAG_LAST | CMD_FLAG_DENIED | CMD_FLAG_PRE_TLS},
	{"XCLIENT", xclient_cmd, SMTPD_CMD_XCLIENT,
	 CMD_FLAG_LAST | CMD_FLAG_DENIED | CMD_FLAG_PRE_TLS},
	{"XFORWARD", xforward_cmd, SMTPD_CMD_XFORWARD, CMD_FLAG_DENIED},
	{"STARTTLS", starttls_cmd, SMTPD_CMD_STARTTLS,
	 CMD_FLAG_PIPE_OK | CMD_FLAG_PRE_TLS},
	{"MAIL", smtpd_mail_cmd, SMTPD_CMD_MAIL, 0},
	{"RCPT", smtpd_rcpt_cmd, SMTPD_CMD_RCPT, 0},
	{"DATA", smtpd_data_cmd, SMTPD_CMD_DATA, CMD_FLAG_LAST},
	{"BDAT", bdat_cmd, SMTPD_CMD_BDAT, CMD_FLAG_PIPE_OK},
	{"RSET", rset_cmd, SMTPD_CMD_RSET, CMD_FLAG_JUNK | CMD_FLAG_DENIED},
	{"NOOP", noop_cmd, SMTPD_CMD_NOOP,
	 CMD_FLAG_JUNK | CMD_FLAG_DENIED | CMD_FLAG_PRE_TLS},
	{"VRFY", vrfy_cmd, SMTPD_CMD_VRFY, CMD_FLAG_JUNK},
	{"ETRN", etrn_cmd, SMTPD_CMD_ETRN, CMD_FLAG_JUNK},
	{"QUIT", quit_cmd, SMTPD_CMD_QUIT,
	 CMD_FLAG_DENIED | CMD_FLAG_PIPE_OK | CMD_FLAG_PRE_TLS},
	{0},
};

/* forbidden - smtpd_forbidden_commands, and "Label:" header lines */

static int
forbidden(const char *verb)
{
	const char *value;
	size_t	len = strlen(verb);
	size_t	i;

	if (len > 1 && verb[len - 1] == ':' && strchr(verb, ':') == verb + len - 1)
		return (1);
	for (i = 0; i < forbidden_words->len; i++)
		if (strcasecmp(verb, forbidden_words->argv[i]) == 0)
			return (1);
	for (i = 0; i < forbidden_tables->len; i++)
		if (forbidden_dicts[i]
		    && dict_get(forbidden_dicts[i], verb, &value) == DICT_STAT_SUCCESS)
			return (1);
	return (0);
}

static int
noop_command(const char *verb)
{
	size_t	i;

	for (i = 0; i < noop_commands->len; i++)
		if (strcasecmp(verb, noop_commands->argv[i]) == 0)
			return (1);
	return (0);
}

/*
 * read_command - the next command line without its terminator. Returns
 * 1, or 0 when the session is over (logged). *bare_lf tells whether the
 * line ended in a bare LF.
 */
static int
read_command(SMTPD_STATE *state, VSTRING *line, int *bare_lf)
{
	VSTRING *skip;
	int	rc;
	size_t	len;

	*bare_lf = 0;
	rc = vstream_fgets_bound(state->client, line, (size_t) var_line_limit);
	if (rc == VSTREAM_GETS_EOF || rc == VSTREAM_GETS_PARTIAL) {
		smtpd_lost(state, state->where);
		return (0);
	}
	if (rc == VSTREAM_GETS_TRUNC) {
		msg_warn("%s: request longer than %d: %.30s...",
			 state->peer.namaddr, var_line_limit,
			 smtpd_printable(state->buffer, STR(line), 30));
		/* Drop the rest of the line; never buffer it. */
		skip = vstring_alloc(100);
		do {
			rc = vstream_fgets_bound(state->client, skip,
						 (size_t) var_line_limit);
		} while (rc == VSTREAM_GETS_TRUNC);
		vstring_free(skip);
		if (rc != VSTREAM_GETS_OK) {
			smtpd_lost(state, state->where);
			return (0);
		}
		return (1);
	}
	len = vstring_len(line);
	if (len >= 2 && STR(line)[len - 2] == '\r') {
		vstring_truncate(line, len - 2);
	} else {
		vstring_truncate(line, len - 1);
		*bare_lf = 1;
	}
	return (1);
}

/* disconnect_log - "disconnect from host[addr] ehlo=1 ... commands=N" */

static void
disconnect_log(SMTPD_STATE *state)
{
	VSTRING *buf = vstring_alloc(200);
	int	ok = 0;
	int	total = 0;
	int	i;

	vstring_sprintf(buf, "disconnect from %s", state->peer.namaddr);
	for (i = 0; i < SMTPD_CMD_COUNT; i++) {
		if (state->cmd_total[i] == 0)
			continue;
		ok += state->cmd_ok[i];
		total += state->cmd_total[i];
		vstring_sprintf_append(buf, " %s=%d", counter_names[i],
				       state->cmd_ok[i]);
		if (state->cmd_ok[i] != state->cmd_total[i])
			vstring_sprintf_append(buf, "/%d", state->cmd_total[i]);
	}
	vstring_sprintf_append(buf, " commands=%d", ok);
	if (ok != total)
		vstring_sprintf_append(buf, "/%d", total);
	msg_info("%s", STR(buf));
	vstring_free(buf);
}

/* one_command - read and run one command; 0 when the session ends */

static int
one_command(SMTPD_STATE *state, VSTRING *line, VSTRING *verb)
{
	const SMTPD_CMD *cmd;
	const char *arg;
	int	bare_lf;
	int	index;
	int	rc;

	if (!read_command(state, line, &bare_lf))
		return (0);
	smtpd_cmd_split(STR(line), verb, &arg);
	for (cmd = cmd_table; cmd->name; cmd++)
		if (strcmp(STR(verb), cmd->name) == 0)
			break;
	index = cmd->name ? cmd->index : SMTPD_CMD_UNKNOWN;
	state->cmd_total[index]++;
	if (msg_verbose)
		msg_info("< %s: %s", state->peer.namaddr,
			 smtpd_printable(state->buffer, STR(line), 200));

	if (memchr(STR(line), 0, vstring_len(line)) != NULL) {
		state->where = "UNKNOWN";
		smtpd_reply(state, "500 5.5.2 Error: bad syntax");
		return (1);
	}
	if (bare_lf && var_forbid_bare_nl && !state->bare_nl_excluded) {
		state->where = cmd->name ? cmd->name : "UNKNOWN";
		msg_info("NOQUEUE: reject: %s from %s: bare <LF> received; "
			 "proto=%s helo=<%s>", state->where, state->peer.namaddr,
			 state->protocol, state->helo_name ? state->helo_name : "");
		smtpd_reply(state, "%d 5.5.2 %s Error: bare <LF> received",
			    var_forbid_bare_nl_code, var_myhostname);
		if (var_forbid_bare_nl_code == 521)
			state->quit = 1;
		return (!state->quit);
	}
	if (cmd->name == NULL) {
		state->where = "UNKNOWN";
		if (vstring_len(verb) > 0 && forbidden(STR(verb))) {
			msg_warn("non-SMTP command from %s: %s", state->peer.namaddr,
				 smtpd_printable(state->buffer, STR(line), 100));
			smtpd_reply_nocount(state, "221 2.7.0 Error: I can break "
					    "rules, too. Goodbye.");
			return (0);
		}
		if (vstring_len(verb) > 0 && noop_command(STR(verb))) {
			smtpd_reply(state, "250 2.0.0 Ok");
			state->cmd_ok[index]++;
			return (1);
		}
		smtpd_reply(state, "%s", vstring_len(verb) ?
			    "500 5.5.2 Error: command not recognized" :
			    "500 5.5.2 Error: bad syntax");
		return (1);
	}
	state->where = cmd->name;

	/* RFC 2920: some replies must be waited for. */
	if (var_forbid_unauth_pipe && !(cmd->flags & CMD_FLAG_PIPE_OK)
	    && ((cmd->flags & CMD_FLAG_LAST) || !state->pipelining)
	    && input_pending(state) > 0) {
		improper_pipelining(state, cmd->name);
		return (0);
	}
	if (state->access_denied && !(cmd->flags & CMD_FLAG_DENIED)) {
		smtpd_access_denied(state);
		return (1);
	}
	if (!(cmd->flags & CMD_FLAG_PRE_TLS) && smtpd_tls_required(state)) {
		smtpd_reply(state, "530 5.7.0 Must issue a STARTTLS command first");
		return (1);
	}
	if ((cmd->flags & CMD_FLAG_JUNK)
	    && ++state->junk_count > var_smtpd_junk_limit)
		state->error_count++;
	rc = cmd->action(state, arg);
	if (rc == 0)
		state->cmd_ok[index]++;
	return (!state->quit);
}

static void
smtpd_service(VSTREAM *stream, const char *service, char **argv)
{
	SMTPD_STATE state;
	VSTRING *line = vstring_alloc(100);
	VSTRING *verb = vstring_alloc(16);

	(void) service;
	(void) argv;
	memset(&state, 0, sizeof(state));
	state.client = stream;
	state.buffer = vstring_alloc(100);
	state.reply = vstring_alloc(100);
	state.why = vstring_alloc(100);
	state.mail_args = smtpd_mail_args_alloc();
	state.rcpt_args = smtpd_rcpt_args_alloc();
	state.protocol = "SMTP";
	state.where = "CONNECT";
	smtpd_peer_init(&state, var_peername_lookup, var_port_logging);
	msg_info("connect from %s", state.peer.namaddr);
	vstream_set_timeout(stream, var_smtpd_timeout);
	if (var_request_deadline)
		vstream_set_deadline(stream, 1);
	smtpd_client_init(&state);

	/* Wrapper mode: TLS first, then the greeting. */
	if (smtpd_tls_wrapper_mode() && smtpd_tls_wrapper_start(&state) < 0) {
		/* Logged. */
	} else if (var_forbid_unauth_pipe && input_pending(&state) > 0) {
		/* The client talked before the greeting. */
		improper_pipelining(&state, "CONNECT");
	} else {
		if (state.access_denied)
			smtpd_reply(&state, "%s", state.access_denied);
		else
			smtpd_reply_raw(&state, "220 %s", var_smtpd_banner);
		for (;;) {
			if (state.error_count >= var_smtpd_hard_erlim) {
				msg_info("too many errors after %s from %s",
					 state.where, state.peer.namaddr);
				smtpd_reply_nocount(&state, "421 4.7.0 %s Error: "
						    "too many errors",
						    var_myhostname);
				break;
			}
			if (!one_command(&state, line, verb))
				break;
		}
	}
	smtpd_reply_flush(&state);
	smtpd_tls_stop(&state);
	smtpd_trans_reset(&state);
	smtpd_xforward_reset(&state);
	disconnect_log(&state);

	smtpd_peer_free(&state.peer);
	if (state.helo_name)
		myfree(state.helo_name);
	if (state.xclient_proto)
		myfree(state.xclient_proto);
	if (state.sasl_username)
		myfree(state.sasl_username);
	if (state.access_denied)
		myfree(state.access_denied);
	smtpd_mail_args_free(state.mail_args);
	smtpd_rcpt_args_free(state.rcpt_args);
	vstring_free(state.buffer);
	vstring_free(state.reply);
	vstring_free(state.why);
	vstring_free(line);
	vstring_free(verb);
}

/* discard_keywords - smtpd_discard_ehlo_keywords as a bit mask */

static int
discard_keywords(const char *list)
{
	static const struct {
		const char *name;
		int	bit;
	} names[] = {
		{"pipelining", SMTPD_EHLO_PIPELINING},
		{"size", SMTPD_EHLO_SIZE},
		{"vrfy", SMTPD_EHLO_VRFY},
		{"etrn", SMTPD_EHLO_ETRN},
		{"xclient", SMTPD_EHLO_XCLIENT},
		{"xforward", SMTPD_EHLO_XFORWARD},
		{"enhancedstatuscodes", SMTPD_EHLO_ENHANCED},
		{"8bitmime", SMTPD_EHLO_8BITMIME},
		{"dsn", SMTPD_EHLO_DSN},
		{"smtputf8", SMTPD_EHLO_SMTPUTF8},
		{"chunking", SMTPD_EHLO_CHUNKING},
		{"silent-discard", SMTPD_EHLO_SILENT},
		{"starttls", SMTPD_EHLO_STARTTLS},
	};
	char   *copy = mystrdup(list);
	char   *bp = copy;
	char   *word;
	size_t	i;
	int	mask = 0;

	while ((word = mystrtok(&bp, CHARS_COMMA_SP)) != NULL) {
		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (strcasecmp(word, names[i].name) == 0)
				mask |= names[i].bit;
	}
	myfree(copy);
	return (mask);
}

static MATCH_LIST *
make_list(const char *pname, int kind)
{
	MATCH_LIST *list;
	VSTRING *why = vstring_alloc(100);

	list = match_list_create(pname, kind, mail_conf_str(pname),
				 match_list_parent_flag(pname,
				mail_conf_str("parent_domain_matches_subdomains")),
				 why);
	if (list == NULL)
		msg_fatal("%s", STR(why));
	vstring_free(why);
	return (list);
}

/* next_token - like mystrtok(), but separators inside {} do not count */

static char *
next_token(char **bufp)
{
	char   *cp = *bufp;
	char   *start;
	int	level = 0;

	cp += strspn(cp, CHARS_COMMA_SP);
	if (*cp == 0)
		return (NULL);
	for (start = cp; *cp; cp++) {
		if (*cp == '{')
			level++;
		else if (*cp == '}' && level > 0)
			level--;
		else if (level == 0 && strchr(CHARS_COMMA_SP, *cp))
			break;
	}
	if (*cp)
		*cp++ = 0;
	*bufp = cp;
	return (start);
}

/* forbidden_init - words, and tables opened before chroot */

static void
forbidden_init(void)
{
	char   *copy = mystrdup(mail_conf_str("smtpd_forbidden_commands"));
	char   *bp = copy;
	char   *word;
	VSTRING *why = vstring_alloc(100);
	size_t	i;

	forbidden_words = argv_alloc(4);
	forbidden_tables = argv_alloc(2);
	while ((word = next_token(&bp)) != NULL) {
		if (strchr(word, ':') != NULL && word[0] != ':')
			argv_add(forbidden_tables, word);
		else
			argv_add(forbidden_words, word);
	}
	forbidden_dicts = mycalloc(forbidden_tables->len + 1, sizeof(DICT *));
	for (i = 0; i < forbidden_tables->len; i++) {
		forbidden_dicts[i] = dict_open(forbidden_tables->argv[i],
					       O_RDONLY, DICT_FLAG_NONE, why);
		if (forbidden_dicts[i] == NULL)
			msg_warn("smtpd_forbidden_commands: %s", STR(why));
	}
	vstring_free(why);
	myfree(copy);
}

/* cleanup_flags - receive_override_options as cleanup flags */

static int
cleanup_flags(void)
{
	int	flags = CLEANUP_FLAG_FROM_SMTP | CLEANUP_FLAG_MASK_EXTERNAL;
	char   *copy = mystrdup(mail_conf_str("receive_override_options"));
	char   *bp = copy;
	char   *word;

	while ((word = mystrtok(&bp, CHARS_COMMA_SP)) != NULL) {
		if (strcasecmp(word, "no_header_body_checks") == 0)
			flags &= ~CLEANUP_FLAG_FILTER;
		else if (strcasecmp(word, "no_address_mappings") == 0)
			flags &= ~CLEANUP_FLAG_MAP_OK;
	}
	myfree(copy);
	return (flags);
}

static void
smtpd_pre_init(const char *service, char **argv)
{
	(void) service;
	(void) argv;
	var_smtpd_timeout = (int) mail_conf_time("smtpd_timeout");
	var_message_limit = mail_conf_size("message_size_limit");
	var_line_limit = (int) mail_conf_int("line_length_limit");
	if (var_line_limit < 512)
		var_line_limit = 512;
	var_smtpd_rcpt_limit = (int) mail_conf_int("smtpd_recipient_limit");
	var_smtpd_soft_erlim = (int) mail_conf_int("smtpd_soft_error_limit");
	var_smtpd_hard_erlim = (int) mail_conf_int("smtpd_hard_error_limit");
	var_smtpd_err_sleep = (int) mail_conf_time("smtpd_error_sleep_time");
	var_smtpd_junk_limit = (int) mail_conf_int("smtpd_junk_command_limit");
	var_helo_required = mail_conf_bool("smtpd_helo_required");
	var_disable_vrfy = mail_conf_bool("disable_vrfy_command");
	var_smtputf8_enable = mail_conf_bool("smtputf8_enable");
	var_strict_rfc821 = mail_conf_bool("strict_rfc821_envelopes");
	var_delay_open = mail_conf_bool("smtpd_delay_open_until_valid_rcpt");
	var_forbid_bare_nl = mail_conf_bool("smtpd_forbid_bare_newline");
	var_forbid_bare_nl_code =
	    (int) mail_conf_int("smtpd_forbid_bare_newline_reject_code");
	if (var_forbid_bare_nl_code < 500 || var_forbid_bare_nl_code > 599) {
		msg_warn("smtpd_forbid_bare_newline_reject_code: %d is not a 5XX "
			 "code; using 550", var_forbid_bare_nl_code);
		var_forbid_bare_nl_code = 550;
	}
	var_forbid_unauth_pipe = mail_conf_bool("smtpd_forbid_unauth_pipelining");
	var_ipc_timeout = (int) mail_conf_time("ipc_timeout");
	var_myhostname = mail_conf_str("myhostname");
	var_mail_name = mail_conf_str("mail_name");
	var_smtpd_banner = mail_conf_str("smtpd_banner");
	var_peername_lookup = mail_conf_bool("smtpd_peername_lookup");
	var_port_logging = mail_conf_bool("smtpd_client_port_logging");
	var_request_deadline = mail_conf_bool("smtpd_per_request_deadline");
	var_cleanup_flags = cleanup_flags();
	discard_mask = discard_keywords(mail_conf_str("smtpd_discard_ehlo_keywords"));
	bare_nl_exclusions = make_list("smtpd_forbid_bare_newline_exclusions",
				       MATCH_LIST_NAMADR);
	flush_domains = make_list("fast_flush_domains", MATCH_LIST_DOMAIN);
	noop_commands = argv_split(mail_conf_str("smtpd_noop_commands"),
				   CHARS_COMMA_SP);
	forbidden_init();
	smtpd_xclient_init();
	smtpd_trans_init();
	smtpd_check_init();
	smtpd_tls_pre_init();
}

int
main(int argc, char **argv)
{
	single_server_main(argc, argv, smtpd_service,
			   MAIL_SERVER_PRE_INIT, smtpd_pre_init,
			   MAIL_SERVER_END);
	return (0);
}
