/*
 * postconf_edit - postconf -e, -X and -#
 *
 *	postconf_edit() rewrites main.cf: each logical line whose name is
 *	being edited is replaced by "name = value" (-e), removed (-X) or
 *	commented out line by line (-#), together with its continuation
 *	lines; -e appends names that were not found, in argument order.
 *	Comment lines, blank lines and every other line are copied byte for
 *	byte. The result goes to a temporary file in the same directory,
 *	with the old file's permissions, which is flushed to disk and then
 *	renamed over main.cf; an exclusive lock on main.cf keeps two editors
 *	apart.
 *
 * Errors: fatal (msg_fatal) for unreadable or unwritable files and for
 * malformed arguments; warnings for names found more than once and for
 * arguments that repeat a name.
 */
#include <sys/types.h>
#include <sys/stat.h>
#include <sys/file.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "msg.h"
#include "mymalloc.h"
#include "vstring.h"
#include "argv.h"
#include "htable.h"
#include "mail_conf_file.h"
#include "postconf.h"

typedef struct EDIT {
	char   *name;
	char   *value;			/* -e only */
	int     found;			/* logical lines that matched */
} EDIT;

/* Parse the arguments into edits; a later argument for a name wins. */
static HTABLE *
edit_requests(int mode, int argc, char **argv, ARGV *order)
{
	HTABLE *edits = htable_create(argc + 1);
	VSTRING *why = vstring_alloc(100);
	EDIT   *edit;
	char   *copy;
	char   *name;
	char   *value = NULL;
	int     i;

	for (i = 0; i < argc; i++) {
		copy = mystrdup(argv[i]);
		if (mode == PC_EDIT_SET) {
			if (mail_conf_file_split(copy, &name, &value, why) < 0)
				msg_fatal("%s", vstring_str(why));
			if (strpbrk(value, "\r\n") != NULL)
				msg_fatal("value of %s must not contain a line break", name);
		} else {
			name = copy;
			if (*name == '\0' || strpbrk(name, "= \t\r\n") != NULL)
				msg_fatal("bad parameter name for -%c: \"%s\"",
					  mode == PC_EDIT_REMOVE ? 'X' : '#', argv[i]);
		}
		if ((edit = htable_find(edits, name)) != NULL) {
			if (mode == PC_EDIT_SET)
				msg_warn("ignoring earlier request: '%s = %s'",
					 edit->name, edit->value);
			myfree(edit->value);
		} else {
			edit = mymalloc(sizeof(*edit));
			edit->name = mystrdup(name);
			edit->found = 0;
			htable_enter(edits, name, edit);
			argv_add(order, name);
		}
		edit->value = mystrdup(mode == PC_EDIT_SET ? value : "");
		myfree(copy);
	}
	vstring_free(why);
	return (edits);
}

static void
free_edit(void *ptr)
{
	EDIT   *edit = ptr;

	myfree(edit->name);
	myfree(edit->value);
	myfree(edit);
}

/* The name at the start of a logical line (up to white space or '='). */
static char *
line_name(const char *line)
{
	size_t  len = 0;

	while (line[len] && line[len] != '=' && line[len] != '\n'
	       && !isspace((unsigned char) line[len]))
		len++;
	return (mystrndup(line, len));
}

static int
blank_or_comment(const char *line)
{
	while (*line && isspace((unsigned char) *line))
		line++;
	return (*line == '\0' || *line == '#');
}

/* Produce the edited text from the old one. */
static void
edit_text(VSTRING *out, FILE *in, int mode, HTABLE *edits)
{
	VSTRING *line = vstring_alloc(200);
	EDIT   *target = NULL;
	char   *name;
	int     ch;

	for (;;) {
		VSTRING_RESET(line);
		while ((ch = getc(in)) != EOF) {
			vstring_addch(line, ch);
			if (ch == '\n')
				break;
		}
		if (vstring_len(line) == 0)
			break;
		if (blank_or_comment(vstring_str(line))) {
			/* Kept; it does not end a logical line. */
		} else if (isspace((unsigned char) vstring_str(line)[0])) {
			/* A continuation line belongs to its logical line. */
			if (target && mode != PC_EDIT_COMMENT)
				continue;
			if (target)
				vstring_addch(out, '#');
		} else {
			name = line_name(vstring_str(line));
			target = htable_find(edits, name);
			myfree(name);
			if (target) {
				target->found++;
				if (mode == PC_EDIT_SET)
					vstring_sprintf_append(out, "%s = %s\n",
						 target->name, target->value);
				if (mode != PC_EDIT_COMMENT)
					continue;
				vstring_addch(out, '#');
			}
		}
		vstring_memcat(out, vstring_str(line), vstring_len(line));
	}
	vstring_free(line);
}

/*
 * Open and lock path. Another postconf may have replaced the file while
 * we waited for the lock; then lock the new one instead.
 */
static FILE *
open_locked(const char *path, struct stat *st)
{
	struct stat now;
	FILE   *in;

	for (;;) {
		if ((in = fopen(path, "r")) == NULL)
			msg_fatal("open %s for reading: %s", path, strerror(errno));
		if (flock(fileno(in), LOCK_EX) < 0)
			msg_fatal("lock %s: %s", path, strerror(errno));
		if (fstat(fileno(in), st) < 0)
			msg_fatal("stat %s: %s", path, strerror(errno));
		if (stat(path, &now) == 0 && now.st_dev == st->st_dev
		    && now.st_ino == st->st_ino)
			return (in);
		fclose(in);
	}
}

/* Remove the temporary file, then report the error that made us stop. */
static void
give_up(const char *tmp, const char *what, const char *path)
{
	int     saved = errno;

	(void) unlink(tmp);
	msg_fatal("%s %s: %s", what, path, strerror(saved));
}

/* Make the rename durable; failure here loses nothing already written. */
static void
sync_directory(const char *path)
{
	char   *dir = mystrdup(path);
	char   *slash = strrchr(dir, '/');
	int     fd;

	if (slash == dir)
		slash[1] = '\0';
	else if (slash != NULL)
		*slash = '\0';
	else
		strcpy(dir, ".");
	if ((fd = open(dir, O_RDONLY)) >= 0) {
		(void) fsync(fd);
		(void) close(fd);
	}
	myfree(dir);
}

/* Write text to a temporary file and rename it over path. */
static void
replace_file(const char *path, VSTRING *text, const struct stat *st)
{
	char   *tmp = mymalloc(strlen(path) + sizeof(".XXXXXX"));
	int     fd;
	size_t  done = 0;
	ssize_t n;

	strcpy(tmp, path);
	strcat(tmp, ".XXXXXX");
	if ((fd = mkstemp(tmp)) < 0)
		msg_fatal("create temporary file for %s: %s", path, strerror(errno));
	/* Keep the owner when we may (root), and always the permissions. */
	if (geteuid() == 0 && fchown(fd, st->st_uid, st->st_gid) < 0)
		msg_warn("keep owner of %s: %s", path, strerror(errno));
	if (fchmod(fd, st->st_mode & 07777) < 0)
		give_up(tmp, "set permissions of", tmp);
	while (done < vstring_len(text)) {
		n = write(fd, vstring_str(text) + done, vstring_len(text) - done);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			give_up(tmp, "write", tmp);
		}
		done += (size_t) n;
	}
	if (fsync(fd) < 0 || close(fd) < 0)
		give_up(tmp, "write", tmp);
	if (rename(tmp, path) < 0)
		give_up(tmp, "rename to", path);
	sync_directory(path);
	myfree(tmp);
}

void
postconf_edit(const char *path, int mode, int argc, char **argv)
{
	ARGV   *order = argv_alloc(argc + 1);
	HTABLE *edits = edit_requests(mode, argc, argv, order);
	VSTRING *out = vstring_alloc(4096);
	EDIT   *edit;
	struct stat st;
	FILE   *in;
	size_t  i;

	in = open_locked(path, &st);
	edit_text(out, in, mode, edits);
	if (ferror(in))
		msg_fatal("read %s: %s", path, strerror(errno));
	for (i = 0; i < order->len; i++) {
		edit = htable_find(edits, order->argv[i]);
		if (edit->found > 1)
			msg_warn("%s: multiple entries for \"%s\"", path, edit->name);
		if (edit->found == 0 && mode == PC_EDIT_SET) {
			/* Unlike Postfix, never glue onto an unterminated last line. */
			if (vstring_len(out) > 0 && vstring_end(out)[-1] != '\n')
				vstring_addch(out, '\n');
			vstring_sprintf_append(out, "%s = %s\n", edit->name, edit->value);
		}
	}
	replace_file(path, out, &st);
	fclose(in);
	vstring_free(out);
	htable_free(edits, free_edit);
	argv_free(order);
}
