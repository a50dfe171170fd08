/*
 * dict_unix - unix:passwd.byname and unix:group.byname, the system's
 * user and group databases as read-only tables; and proxy:TYPE:NAME
 *
 *	dict_unix_open() opens "passwd.byname" (key: a login name; value:
 *	"name:passwd:uid:gid:gecos:dir:shell", as Postfix's unix: table
 *	answers) or "group.byname" (value "name:passwd:gid:member,...").
 *	Lookups go through getpwnam_r()/getgrnam_r(), so NSS modules work.
 *	dict_proxy_open() opens "proxy:TYPE:NAME" as TYPE:NAME directly:
 *	postern has no proxymap(8) yet, and its daemons are not chrooted,
 *	so the table is simply opened in the process (Postfix's default
 *	local_recipient_maps is "proxy:unix:passwd.byname $alias_maps").
 *
 * Errors: an unknown unix: map name fails the open ("unknown table:
 * unix:NAME"); a lookup that the system cannot answer (getpwnam_r()
 * failing with an error other than "not found") is DICT_STAT_ERROR.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mymalloc.h"
#include "vstring.h"
#include "dict.h"
#include "dict_priv.h"

typedef struct DICT_UNIX {
	DICT	dict;			/* generic part, first */
	VSTRING *value;
	char   *buf;
	size_t	buf_len;
} DICT_UNIX;

/* "not found" from the reentrant lookups comes in several shapes. */
static int
dict_unix_not_found(int err)
{
	return (err == 0 || err == ENOENT || err == ESRCH || err == EBADF
		|| err == EPERM);
}

/* After a reentrant lookup: 1 when its buffer was too small and grew. */
static int
dict_unix_grow(DICT_UNIX *du, int err)
{
	if (err != ERANGE || du->buf_len >= 1 << 20)
		return (0);
	du->buf_len *= 2;
	du->buf = myrealloc(du->buf, du->buf_len);
	return (1);
}

/* A lookup that found nothing: not found, or an error for table. */
static int
dict_unix_miss(DICT *dict, const char *table, const char *key, int err)
{
	if (dict_unix_not_found(err))
		return (DICT_STAT_FAIL);
	return (dict_set_error(dict, "unix:%s: lookup of %s: %s", table, key,
			       strerror(err)));
}

static int
dict_unix_passwd(DICT *dict, const char *key, const char **value)
{
	DICT_UNIX *du = (DICT_UNIX *) dict;
	struct passwd pw;
	struct passwd *res = NULL;
	int	err;

	while (dict_unix_grow(du, err = getpwnam_r(key, &pw, du->buf,
						      du->buf_len, &res)))
		 /* again */ ;
	if (res == NULL)
		return (dict_unix_miss(dict, "passwd.byname", key, err));
	vstring_sprintf(du->value, "%s:%s:%ld:%ld:%s:%s:%s", pw.pw_name,
			pw.pw_passwd, (long) pw.pw_uid, (long) pw.pw_gid,
			pw.pw_gecos, pw.pw_dir, pw.pw_shell);
	*value = vstring_str(du->value);
	return (DICT_STAT_SUCCESS);
}

static int
dict_unix_group(DICT *dict, const char *key, const char **value)
{
	DICT_UNIX *du = (DICT_UNIX *) dict;
	struct group gr;
	struct group *res = NULL;
	char  **mem;
	int	err;

	while (dict_unix_grow(du, err = getgrnam_r(key, &gr, du->buf,
						      du->buf_len, &res)))
		 /* again */ ;
	if (res == NULL)
		return (dict_unix_miss(dict, "group.byname", key, err));
	vstring_sprintf(du->value, "%s:%s:%ld:", gr.gr_name, gr.gr_passwd,
			(long) gr.gr_gid);
	for (mem = gr.gr_mem; *mem; mem++)
		vstring_sprintf_append(du->value, "%s%s", mem == gr.gr_mem ?
				       "" : ",", *mem);
	*value = vstring_str(du->value);
	return (DICT_STAT_SUCCESS);
}

static int
dict_unix_close(DICT *dict, VSTRING *why)
{
	DICT_UNIX *du = (DICT_UNIX *) dict;

	(void) why;
	vstring_free(du->value);
	myfree(du->buf);
	dict_free(dict);
	return (0);
}

DICT   *
dict_unix_open(const char *name, int open_flags, int dict_flags, VSTRING *why)
{
	DICT_UNIX *du;
	int	(*lookup) (DICT *, const char *, const char **);

	(void) open_flags;
	if (strcmp(name, "passwd.byname") == 0)
		lookup = dict_unix_passwd;
	else if (strcmp(name, "group.byname") == 0)
		lookup = dict_unix_group;
	else {
		vstring_sprintf(why, "unknown table: unix:%s", name);
		return (NULL);
	}
	du = (DICT_UNIX *) dict_alloc("unix", name, sizeof(*du));
	/* Keys are folded when the caller asks, as Postfix does. */
	du->dict.flags = dict_flags | DICT_FLAG_NO_SEQ;
	du->dict.lookup = lookup;
	du->dict.close = dict_unix_close;
	du->value = vstring_alloc(100);
	du->buf_len = 1024;
	du->buf = mymalloc(du->buf_len);
	return (&du->dict);
}

DICT   *
dict_proxy_open(const char *name, int open_flags, int dict_flags, VSTRING *why)
{
	return (dict_open(name, open_flags, dict_flags, why));
}
