/*
 * postcat - show queue files in readable form
 *
 *	postcat [-bdehoqv] [-c config_dir] [files...]
 *
 * Reads each file (standard input when there are none) as a queue file
 * (qfile.h) and prints, as Postfix's postcat does:
 *
 *	-e  the envelope: "*** ENVELOPE RECORDS name ***", one line per record
 *	    ("message_size: ...", "message_arrival_time: <date>", "sender:
 *	    ...", "recipient: ...", "named_attribute: name=value", ...), and
 *	    the section markers "*** MESSAGE CONTENTS name ***", "*** HEADER
 *	    EXTRACTED name ***" (followed by the extracted records) and
 *	    "*** MESSAGE FILE END name ***";
 *	-h  the primary message header, up to the first line that is not a
 *	    header line;
 *	-b  the body, from that line on.
 * Without -b, -e or -h all three are shown. -o prefixes each record with
 * its file offset, -d with its type as a decimal number.
 *
 * -q takes the arguments as queue IDs and looks for each in maildrop,
 * incoming, active, deferred, hold, saved and corrupt (paths relative to
 * queue_directory, shown as found, e.g. "deferred/C/C3CD21F3E90"). An ID
 * that is not a valid queue ID is refused before it becomes a path.
 * Files are opened without following a symbolic link in the last
 * component.
 *
 * Errors: a file that cannot be opened is fatal, as with Postfix; a damaged
 * queue file is reported with the offset and postcat goes on with the next
 * file, exiting 1 at the end.
 */
#include <sys/types.h>
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "msg.h"
#include "mymalloc.h"
#include "vstring.h"
#include "vstream.h"
#include "proc.h"
#include "mail_conf.h"
#include "mail_queue.h"
#include "qfile.h"
#include "queue_id.h"
#include "rec_type.h"

#define PC_ENV		(1 << 0)	/* -e */
#define PC_HEADER	(1 << 1)	/* -h */
#define PC_BODY		(1 << 2)	/* -b */
#define PC_OFFSET	(1 << 3)	/* -o */
#define PC_DECIMAL	(1 << 4)	/* -d */

static const char *const pc_queues[] = {
	MAIL_QUEUE_MAILDROP, MAIL_QUEUE_INCOMING, MAIL_QUEUE_ACTIVE,
	MAIL_QUEUE_DEFERRED, MAIL_QUEUE_HOLD, MAIL_QUEUE_SAVED,
	MAIL_QUEUE_CORRUPT, 0,
};

static VSTREAM *pc_out;

static void
usage(void)
{
	msg_fatal("usage: postcat [-b (body)] [-c config_dir] [-d (decimal "
		  "record type)] [-e (envelope)] [-h (header)] [-o (offsets)] "
		  "[-q (access queue)] [-v] [files...]");
}

/* Record prefix for -o and -d. */
static void
pc_prefix(int flags, QFILE *qf, int type)
{
	if (flags & PC_OFFSET)
		vstream_fprintf(pc_out, "%9lld ", (long long) qfile_rec_offset(qf));
	if (flags & PC_DECIMAL)
		vstream_fprintf(pc_out, "%3d ", type);
}

/* A date as Postfix's postcat shows it: "Sat Nov 21 23:55:25 2026". */
static void
pc_time(const char *data)
{
	time_t  when = (time_t) atol(data);
	struct tm *tm = localtime(&when);
	char    buf[64];

	if (tm && strftime(buf, sizeof(buf), "%a %b %e %H:%M:%S %Y", tm) > 0)
		vstream_fprintf(pc_out, "%s", buf);
	else
		vstream_fprintf(pc_out, "%s", data);
}

/* One envelope or extracted record. */
static void
pc_env_record(int flags, QFILE *qf, int type, VSTRING *buf)
{
	pc_prefix(flags, qf, type);
	switch (type) {
	case REC_TYPE_SIZE:
		vstream_fputs(pc_out, "message_size: ");
		break;
	case REC_TYPE_TIME:
		vstream_fputs(pc_out, "message_arrival_time: ");
		pc_time(vstring_str(buf));
		vstream_fputs(pc_out, "\n");
		return;
	default:
		vstream_fprintf(pc_out, "%s: ", rec_type_name(type));
		break;
	}
	vstream_fwrite(pc_out, vstring_str(buf), vstring_len(buf));
	vstream_fputs(pc_out, "\n");
}

/* 1 when line starts a header field: "name:" with printable name chars. */
static int
pc_header_start(const char *line, size_t len)
{
	size_t  i;

	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char) line[i];

		if (ch == ':')
			return (i > 0);
		if (ch <= ' ' || ch > '~')
			return (0);
	}
	return (0);
}

static void
pc_banner(int flags, const char *what, const char *name)
{
	if (flags & PC_ENV)
		vstream_fprintf(pc_out, "*** %s %s ***\n", what, name);
}

/* Show one open queue file; 0, or -1 when it is damaged. */
static int
pc_show(int fd, const char *name, int flags)
{
	QFILE  *qf = qfile_open(fd, QFILE_READ, 0);
	VSTRING *buf = vstring_alloc(1000);
	int     in_header = 1;
	int     seen_header = 0;
	int     section = REC_SEC_ENVELOPE;
	int     type;
	int     show;
	int     ret = 0;

	pc_banner(flags, "ENVELOPE RECORDS", name);
	while ((type = qfile_read_line(qf, buf, 0)) > 0) {
		switch (type) {
		case REC_TYPE_MESSAGE:
			pc_banner(flags, "MESSAGE CONTENTS", name);
			section = REC_SEC_CONTENT;
			continue;
		case REC_TYPE_XTRA:
			pc_banner(flags, "HEADER EXTRACTED", name);
			section = REC_SEC_EXTRACTED;
			continue;
		case REC_TYPE_END:
			pc_banner(flags, "MESSAGE FILE END", name);
			continue;
		}
		if (section != REC_SEC_CONTENT) {
			if (flags & PC_ENV)
				pc_env_record(flags, qf, type, buf);
			continue;
		}
		/* A content line (fragments joined). */
		if (in_header) {
			if (pc_header_start(vstring_str(buf), vstring_len(buf)))
				seen_header = 1;
			else if (!(seen_header && vstring_len(buf) > 0
				   && (vstring_str(buf)[0] == ' '
				       || vstring_str(buf)[0] == '\t')))
				in_header = 0;
		}
		show = in_header ? (flags & PC_HEADER) : (flags & PC_BODY);
		if (!show)
			continue;
		pc_prefix(flags, qf, type);
		vstream_fwrite(pc_out, vstring_str(buf), vstring_len(buf));
		vstream_fputs(pc_out, "\n");
	}
	if (type < 0) {
		vstream_fflush(pc_out);
		msg_warn("%s: %s", name, qfile_reason(qf));
		ret = -1;
	}
	(void) qfile_close(qf);
	vstring_free(buf);
	return (ret);
}

/* Open queue ID in the first queue that has it; its path in path. */
static int
pc_open_queue_id(const char *id, VSTRING *path)
{
	int     fd;
	int     i;

	if (!queue_id_ok(id))
		msg_fatal("bad mail queue ID: %s", id);
	for (i = 0; pc_queues[i]; i++) {
		fd = mail_queue_open(pc_queues[i], id, O_RDONLY | O_NOFOLLOW
				     | O_NONBLOCK, 0);
		if (fd >= 0) {
			mail_queue_path(path, pc_queues[i], id);
			return (fd);
		}
		if (errno != ENOENT)
			msg_fatal("open queue file %s/%s: %m", pc_queues[i], id);
	}
	errno = ENOENT;
	msg_fatal("open queue file %s: %m", id);
}

int
main(int argc, char **argv)
{
	const char *config_dir = NULL;
	VSTRING *path = vstring_alloc(100);
	struct stat st;
	int     flags = 0;
	int     by_id = 0;
	int     errors = 0;
	int     fd;
	int     ch;

	(void) sane_std_fds();
	(void) sane_umask();
	msg_stderr_init(argv[0]);
	argv[0] = (char *) msg_progname();

	while ((ch = getopt(argc, argv, "bc:dehoqv")) > 0) {
		switch (ch) {
		case 'b':
			flags |= PC_BODY;
			break;
		case 'c':
			if (*optarg != '/')
				msg_fatal("-c requires absolute pathname");
			config_dir = optarg;
			break;
		case 'd':
			flags |= PC_DECIMAL;
			break;
		case 'e':
			flags |= PC_ENV;
			break;
		case 'h':
			flags |= PC_HEADER;
			break;
		case 'o':
			flags |= PC_OFFSET;
			break;
		case 'q':
			by_id = 1;
			break;
		case 'v':
			msg_verbose++;
			break;
		default:
			usage();
		}
	}
	if ((flags & (PC_ENV | PC_HEADER | PC_BODY)) == 0)
		flags |= PC_ENV | PC_HEADER | PC_BODY;
	if (by_id && optind == argc)
		msg_fatal("-q option requires one or more queue IDs");
	pc_out = vstream_fdopen(STDOUT_FILENO, O_WRONLY);

	if (by_id) {
		if (config_dir == NULL
		    && (config_dir = getenv("MAIL_CONFIG")) != NULL
		    && *config_dir != '/')
			msg_fatal("MAIL_CONFIG requires absolute pathname");
		mail_conf_init_flags(config_dir, MAIL_CONF_FLAG_NONE);
		if (chdir(mail_conf_str("queue_directory")) < 0)
			msg_fatal("chdir %s: %m", mail_conf_str("queue_directory"));
	}
	if (optind == argc) {
		errors += pc_show(STDIN_FILENO, "stdin", flags) < 0;
	}
	for (; optind < argc; optind++) {
		if (by_id) {
			fd = pc_open_queue_id(argv[optind], path);
		} else {
			vstring_strcpy(path, argv[optind]);
			if ((fd = open(argv[optind], O_RDONLY | O_NOFOLLOW
				       | O_NONBLOCK | O_CLOEXEC)) < 0)
				msg_fatal("open %s: %m", argv[optind]);
		}
		if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
			msg_fatal("%s: not a regular file", vstring_str(path));
		errors += pc_show(fd, vstring_str(path), flags) < 0;
		(void) close(fd);
		if (vstream_fflush(pc_out) != 0)
			msg_fatal("write standard output: %m");
	}
	if (vstream_fflush(pc_out) != 0)
		msg_fatal("write standard output: %m");
	vstring_free(path);
	return (errors ? 1 : 0);
}
