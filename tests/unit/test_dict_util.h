#ifndef POSTERN_TEST_DICT_UTIL_H
#define POSTERN_TEST_DICT_UTIL_H

/*
 * test_dict_util - helpers shared by the lib/dict unit tests
 *
 *	tdu_setup()/tdu_teardown() make and remove a private mkdtemp()
 *	directory (tdu_dir) and capture warnings logged meanwhile.
 *	tdu_path() names a file in it; tdu_write() creates one.
 *	tdu_warnings() is everything logged since the last tdu_clear().
 *	tdu_get() opens a table, looks up one key and closes it again.
 *	tdu_postmap_q() runs Debian's /usr/sbin/postmap -q (no shell) with
 *	MAIL_CONFIG pointing at an empty main.cf in the test directory;
 *	tdu_have_postfix() says whether that program exists.
 *
 * Functions are static inline so each test uses what it needs.
 */
#include <sys/types.h>
#include <sys/wait.h>
#include <sys/stat.h>
#include <dirent.h>
#include <utime.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>

#include "msg.h"
#include "vstring.h"
#include "dict.h"

#define TDU_POSTMAP	"/usr/sbin/postmap"

static char tdu_dir[64];
static VSTRING *tdu_log;

static inline void
tdu_output(int level, const char *text)
{
	if (vstring_len(tdu_log))
		vstring_addch(tdu_log, '\n');
	vstring_sprintf_append(tdu_log, "%s%s", msg_level_prefix(level), text);
}

static inline int
tdu_setup(void **state)
{
	strcpy(tdu_dir, "/tmp/test_dict.XXXXXX");
	if (mkdtemp(tdu_dir) == NULL)
		return (-1);
	if (tdu_log == NULL)
		tdu_log = vstring_alloc(100);
	VSTRING_RESET(tdu_log);
	msg_output_reset();
	msg_output(tdu_output);
	return (0);
}

/* Remove a directory tree (the tests create plain files and directories). */
static inline int
tdu_rm(const char *path)
{
	DIR    *dir;
	struct dirent *de;
	VSTRING *sub;
	struct stat st;

	if (lstat(path, &st) < 0)
		return (-1);
	if (!S_ISDIR(st.st_mode))
		return (unlink(path));
	if ((dir = opendir(path)) == NULL)
		return (-1);
	sub = vstring_alloc(100);
	while ((de = readdir(dir)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		vstring_sprintf(sub, "%s/%s", path, de->d_name);
		(void) tdu_rm(vstring_str(sub));
	}
	vstring_free(sub);
	closedir(dir);
	return (rmdir(path));
}

static inline int
tdu_teardown(void **state)
{
	msg_output_reset();
	return (tdu_rm(tdu_dir));
}

static inline const char *
tdu_warnings(void)
{
	return (vstring_str(tdu_log));
}

static inline void
tdu_clear(void)
{
	VSTRING_RESET(tdu_log);
}

/* Path of name in the test directory; valid until the next call. */
static inline const char *
tdu_path(const char *name)
{
	static VSTRING *buf;

	if (buf == NULL)
		buf = vstring_alloc(100);
	vstring_sprintf(buf, "%s/%s", tdu_dir, name);
	return (vstring_str(buf));
}

static inline const char *
tdu_write(const char *name, const char *content)
{
	const char *path = tdu_path(name);
	FILE   *fp = fopen(path, "w");

	if (fp == NULL || fputs(content, fp) == EOF || fclose(fp) != 0)
		msg_fatal("write %s", path);
	return (path);
}

/*
 * Open type_name, look up key, close. Returns the status; the value (or
 * the error text, or the open failure reason) goes into result.
 */
static inline int
tdu_get(const char *type_name, int flags, const char *key, VSTRING *result)
{
	DICT   *dict;
	const char *value;
	int     status;

	VSTRING_RESET(result);
	if ((dict = dict_open(type_name, O_RDONLY, flags, result)) == NULL)
		return (-2);
	status = dict_get(dict, key, &value);
	if (status == DICT_STAT_SUCCESS)
		vstring_strcpy(result, value);
	else if (status == DICT_STAT_ERROR)
		vstring_strcpy(result, dict_error_text(dict));
	dict_close(dict);
	return (status);
}

static inline int
tdu_have_postfix(void)
{
	return (access(TDU_POSTMAP, X_OK) == 0);
}

/*
 * Run "postmap [-q key] args..." for Debian's Postfix. Returns the exit
 * status; stdout goes into out (one trailing newline removed).
 */
static inline int
tdu_postmap(char *const args[], VSTRING *out)
{
	int     pfd[2];
	pid_t   pid;
	char    buf[4096];
	ssize_t n;
	int     status;
	char   *env[2];
	VSTRING *conf = vstring_alloc(100);

	/*
	 * An empty configuration for Postfix, written once per test with an
	 * old time stamp: Postfix waits while main.cf looks freshly changed.
	 */
	vstring_sprintf(conf, "%s/pfconf", tdu_dir);
	if (mkdir(vstring_str(conf), 0755) == 0) {
		struct utimbuf old = {time(NULL) - 3600, time(NULL) - 3600};

		vstring_strcat(conf, "/main.cf");
		tdu_write("pfconf/main.cf", "compatibility_level = 3.6\n");
		if (utime(vstring_str(conf), &old) < 0)
			msg_fatal("utime %s", vstring_str(conf));
	}
	vstring_sprintf(conf, "MAIL_CONFIG=%s/pfconf", tdu_dir);
	env[0] = vstring_str(conf);
	env[1] = NULL;
	if (pipe(pfd) < 0 || (pid = fork()) < 0)
		msg_fatal("pipe/fork");
	if (pid == 0) {
		int     devnull = open("/dev/null", O_WRONLY);

		dup2(pfd[1], 1);
		dup2(devnull, 2);
		close(pfd[0]);
		execve(TDU_POSTMAP, args, env);
		_exit(127);
	}
	close(pfd[1]);
	VSTRING_RESET(out);
	while ((n = read(pfd[0], buf, sizeof(buf))) > 0)
		vstring_memcat(out, buf, (size_t) n);
	close(pfd[0]);
	if (waitpid(pid, &status, 0) < 0)
		msg_fatal("waitpid");
	if (vstring_len(out) > 0 && vstring_end(out)[-1] == '\n')
		vstring_truncate(out, vstring_len(out) - 1);
	vstring_free(conf);
	return (WIFEXITED(status) ? WEXITSTATUS(status) : 128);
}

static inline int
tdu_postmap_q(const char *key, const char *type_name, VSTRING *out)
{
	char   *args[] = {"postmap", "-q", (char *) key, (char *) type_name, NULL};

	return (tdu_postmap(args, out));
}

#endif
