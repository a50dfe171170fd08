/*
 * postdrop - put a message into the maildrop queue (set-gid setgid_group)
 *
 *	postdrop [-rv] [-c config_dir]
 *
 * Reads maildrop records (maildrop.h) from standard input, as sendmail(1)
 * writes them, and checks every record before it is written:
 * maildrop_check_rec() refuses unknown or out-of-order records, cleanup's
 * and qmgr's own records (TIME, SIZE, DONE), attributes other than the
 * few sendmail uses, oversized records and input without its END. The
 * file is written as maildrop/postdrop.PID.N (mode 0600), starting with
 * "uid=N" (the real user ID, which pickup(8) compares with the file's
 * owner), fsync()ed, made mode 0744 (pickup runs as mail_owner and must
 * read it), named with queue_id_assign() and renamed to maildrop/QUEUEID,
 * and the directory is fsync()ed. Then pickup is woken through
 * public/$pickup_service_name; if it does not answer, its periodic
 * wakeup finds the file.
 *
 * Any error, and SIGHUP/INT/QUIT/TERM, removes the file and exits
 * EX_TEMPFAIL (75); usage errors exit EX_USAGE. Without a maildrop
 * directory (the mail system was never set up) the error says so.
 *
 * Privileges: installed set-gid setgid_group (postfix set-permissions),
 * so that it, and only it, can write maildrop/ and reach public/. When it
 * runs set-gid for someone other than root, the environment is reduced
 * to import_environment, and a configuration directory other than the
 * compiled-in one (-c or MAIL_CONFIG) must be listed in the default
 * main.cf's alternate_config_directories or multi_instance_directories,
 * as Postfix requires; -v is for root only.
 */
#include <sys/types.h>
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sysexits.h>
#include <unistd.h>

#include "msg.h"
#include "mymalloc.h"
#include "argv.h"
#include "vstream.h"
#include "vstring.h"
#include "stringops.h"
#include "proc.h"
#include "safe_file.h"
#include "mail_conf.h"
#include "mail_connect.h"
#include "queue_id.h"
#include "qfile.h"
#include "rec_type.h"
#include "rec_stream.h"
#include "mail_queue.h"
#include "maildrop.h"

#ifndef DEF_CONFIG_DIR
#define DEF_CONFIG_DIR	"/etc/postfix"
#endif

#define POSTDROP_USAGE	"usage: %s [-rv] [-c config_dir]"

/* The temporary file, for removal from a signal handler or on fatal. */
static char temp_path[256];
static volatile sig_atomic_t temp_exists;

static void
remove_temp(void)
{
	if (temp_exists) {
		(void) unlink(temp_path);
		temp_exists = 0;
	}
}

static void
postdrop_sig(int sig)
{
	(void) sig;
	if (temp_exists)
		(void) unlink(temp_path);
	_exit(EX_TEMPFAIL);
}

/* Keep only the import_environment names (name or name=value settings). */
static void
clean_environment(void)
{
	char   *list = mystrdup(mail_conf_str("import_environment"));
	char   *cp = list;
	char   *item;
	ARGV   *keep = argv_alloc(10);
	size_t  i;

	while ((item = mystrtok(&cp, CHARS_COMMA_SP)) != NULL) {
		const char *value;

		if (strchr(item, '=') != NULL)
			argv_add(keep, item);
		else if ((value = getenv(item)) != NULL) {
			VSTRING *buf = vstring_alloc(50);

			vstring_sprintf(buf, "%s=%s", item, value);
			argv_add(keep, vstring_str(buf));
			vstring_free(buf);
		}
	}
	if (clearenv() != 0)
		msg_fatal_status(EX_TEMPFAIL, "clearenv failed");
	for (i = 0; i < keep->len; i++) {
		char   *eq = strchr(keep->argv[i], '=');

		*eq = 0;
		(void) setenv(keep->argv[i], eq + 1, 1);
	}
	argv_free(keep);
	myfree(list);
}

/* 1 when dir is listed in the default main.cf's lists of instances. */
static int
config_dir_allowed(const char *dir)
{
	static const char *const params[] = {"alternate_config_directories",
	"multi_instance_directories"};
	size_t  i;
	int     ok = 0;

	VSTRING *why;

	if (strcmp(dir, DEF_CONFIG_DIR) == 0)
		return (1);
	/* No default main.cf: nothing is listed. */
	why = vstring_alloc(100);
	ok = mail_conf_load(DEF_CONFIG_DIR, 1, why);
	vstring_free(why);
	if (ok < 0)
		return (0);
	for (i = 0; !ok && i < sizeof(params) / sizeof(params[0]); i++) {
		char   *list = mystrdup(mail_conf_str(params[i]));
		char   *cp = list;
		char   *item;

		while (!ok && (item = mystrtok(&cp, CHARS_COMMA_SP)) != NULL)
			ok = strcmp(item, dir) == 0;
		myfree(list);
	}
	return (ok);
}

static void
refuse_input(long uid, const char *why)
{
	msg_fatal_status(EX_TEMPFAIL, "uid=%ld: malformed input: %s", uid, why);
}

int
main(int argc, char **argv)
{
	static const char *config_dir;	/* static: lives until exit() */
	int     set_gid = getegid() != getgid();
	long    uid = (long) getuid();
	/* Static: they live until exit(), which most paths below call. */
	static VSTRING *why;
	static VSTRING *data;
	static VSTRING *id;
	static VSTRING *final;
	static MAILDROP_CHECK *mc;
	static VSTREAM *in;
	static QFILE *qf;
	int     fd;
	int     ch;
	int     type;
	int     sig;
	long    kind;
	static const int sigs[] = {SIGHUP, SIGINT, SIGQUIT, SIGTERM};

	why = vstring_alloc(100);
	data = vstring_alloc(1024);
	id = vstring_alloc(32);
	final = vstring_alloc(64);
	(void) sane_std_fds();
	(void) umask(077);
	msg_stderr_init("postdrop");
	(void) msg_cleanup(remove_temp);
	for (sig = 0; sig < (int) (sizeof(sigs) / sizeof(sigs[0])); sig++)
		(void) signal_set(sigs[sig], postdrop_sig, 0);
	(void) signal(SIGPIPE, SIG_IGN);

	while ((ch = getopt(argc, argv, "c:rv")) > 0) {
		switch (ch) {
		case 'c':
			config_dir = optarg;
			break;
		case 'r':
			/* The record protocol is the only one there is. */
			break;
		case 'v':
			if (getuid() == 0)
				msg_verbose++;
			break;
		default:
			msg_fatal_status(EX_USAGE, POSTDROP_USAGE, argv[0]);
		}
	}
	if (optind < argc)
		msg_fatal_status(EX_USAGE, POSTDROP_USAGE, argv[0]);
	if (config_dir == NULL && (config_dir = getenv("MAIL_CONFIG")) != NULL
	    && *config_dir == 0)
		config_dir = NULL;
	if (config_dir != NULL && *config_dir != '/')
		msg_fatal_status(EX_USAGE, "configuration directory must be an "
				 "absolute pathname: %s", config_dir);
	config_dir = config_dir ? mystrdup(config_dir) : NULL;

	/* Nobody steers a set-gid program to a configuration of their own. */
	if (set_gid && getuid() != 0 && config_dir != NULL
	    && !config_dir_allowed(config_dir))
		msg_fatal_status(EX_TEMPFAIL, "%s: unauthorized configuration "
				 "directory: not listed in alternate_config_"
				 "directories of %s/main.cf", config_dir,
				 DEF_CONFIG_DIR);
	mail_conf_init_flags(config_dir, MAIL_CONF_FLAG_NONE);
	if (set_gid && getuid() != 0)
		clean_environment();
	maildrop_log_init("postdrop");

	if (chdir(mail_conf_str("queue_directory")) < 0)
		msg_fatal_status(EX_TEMPFAIL, "chdir %s: %s; is the mail system "
				 "installed?", mail_conf_str("queue_directory"),
				 strerror(errno));
	if (access(MAIL_QUEUE_MAILDROP, F_OK) < 0)
		msg_fatal_status(EX_TEMPFAIL, "%s/%s: %s; run \"postfix start\" "
				 "(or set-permissions) to create it",
				 mail_conf_str("queue_directory"), MAIL_QUEUE_MAILDROP,
				 strerror(errno));

	/* The file, under a name that is never a queue ID. */
	(void) snprintf(temp_path, sizeof(temp_path), "%s/postdrop.%ld.%ld",
			MAIL_QUEUE_MAILDROP, (long) getpid(), (long) time((time_t *) 0));
	if ((fd = open(temp_path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW,
		       0600)) < 0)
		msg_fatal_status(EX_TEMPFAIL, "create file %s: %s", temp_path,
				 strerror(errno));
	temp_exists = 1;
	qf = qfile_open(fd, QFILE_WRITE, MAILDROP_REC_MAX);
	if (qfile_write_fmt(qf, REC_TYPE_ATTR, "%s=%ld", MAILDROP_ATTR_UID,
			    uid) < 0)
		msg_fatal_status(EX_TEMPFAIL, "write %s: %s", temp_path,
				 strerror(errno));

	/* Every record is checked before it is written. */
	in = vstream_fdopen(0, O_RDONLY);
	mc = maildrop_check_alloc(MAILDROP_SUBMIT);
	for (;;) {
		type = rec_stream_get(in, data, MAILDROP_REC_MAX);
		if (type == REC_STREAM_EOF)
			break;
		if (type < 0)
			refuse_input(uid, rec_stream_strerror(type));
		if (maildrop_check_rec(mc, type, vstring_str(data),
				       vstring_len(data), why) < 0)
			refuse_input(uid, vstring_str(why));
		if (qfile_write_rec(qf, type, vstring_str(data),
				    vstring_len(data)) < 0)
			msg_fatal_status(EX_TEMPFAIL, "uid=%ld: write %s: %s", uid,
					 temp_path, strerror(errno));
	}
	if (maildrop_check_end(mc, why) < 0)
		refuse_input(uid, vstring_str(why));

	/* Durable, readable for pickup, then visible under its queue ID. */
	kind = mail_conf_bool("enable_long_queue_ids") ? QUEUE_ID_LONG :
		QUEUE_ID_SHORT;
	if (qfile_sync(qf) < 0 || qfile_close(qf) < 0)
		msg_fatal_status(EX_TEMPFAIL, "uid=%ld: write %s: %s", uid,
				 temp_path, strerror(errno));
	if (fchmod(fd, 0744) < 0)
		msg_fatal_status(EX_TEMPFAIL, "chmod %s: %s", temp_path,
				 strerror(errno));
	if (queue_id_assign(id, (int) kind, fd, (struct timeval *) 0) < 0)
		msg_fatal_status(EX_TEMPFAIL, "queue ID for %s: %s", temp_path,
				 strerror(errno));
	vstring_sprintf(final, "%s/%s", MAIL_QUEUE_MAILDROP, vstring_str(id));
	if (rename_durable(temp_path, vstring_str(final), why) < 0)
		msg_fatal_status(EX_TEMPFAIL, "%s", vstring_str(why));
	temp_exists = 0;
	(void) close(fd);
	if (msg_verbose)
		msg_info("uid=%ld: queued as %s", uid, vstring_str(id));

	(void) mail_trigger("public", mail_conf_str("pickup_service_name"),
			    "W", 1);
	maildrop_check_free(mc);
	exit(0);
}
