/*
 * dict_db - hash:/file and btree:/file, Berkeley DB tables in FILE.db
 *
 *	dict_hash_open() and dict_btree_open() open FILE.db as a DB_HASH or
 *	DB_BTREE database, read-only or for update. Files are compatible
 *	with Postfix's: keys and values carry their terminating NUL unless
 *	the table was built without (DICT_FLAG_TRY0NULL / TRY1NULL; when
 *	neither is given, reads try both and remember which one worked, and
 *	writes store the NUL).
 *
 * Updates: DICT_FLAG_DUP_REPLACE overwrites an existing key, DUP_IGNORE
 * keeps it (dict_put() answers DICT_STAT_FAIL), DUP_WARN keeps it and
 * logs "FILE.db: duplicate entry: "key"", and with none of these a
 * duplicate is an error. DICT_FLAG_LOCK takes a shared flock() around
 * reads and an exclusive one around each update (which is then synced to
 * disk), compatible with Postfix's own locking. DICT_FLAG_BULK_UPDATE
 * (with O_RDWR) builds a new table, starting empty, in a temporary file
 * FILE.db.XXXXXX next to the old one, and dict_close() syncs it and
 * renames it over FILE.db, so readers see either the old or the new
 * table, never a half-built one; the new file keeps the old file's
 * permissions and, for root, its owner (else 0644 less the umask). If a
 * write failed, or the program exits before dict_close(), the old table
 * stays and the temporary file is removed (respectively left behind).
 *
 * Errors: open failures are worded as Postfix ("open database FILE.db:
 * No such file or directory"); Berkeley DB's own diagnostics are logged
 * only with msg_verbose. A read or write failure returns DICT_STAT_ERROR with the
 * reason in dict_error_text(), never "not found".
 */
#include <sys/types.h>
#include <sys/stat.h>
#include <sys/file.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <db.h>

#include "msg.h"
#include "mymalloc.h"
#include "vstring.h"
#include "dict.h"
#include "dict_priv.h"

typedef struct DICT_DB {
	DICT    dict;			/* generic part, first */
	DB     *db;
	DBC    *cursor;			/* dict_seq() in progress */
	int     fd;			/* for flock() */
	char   *path;			/* FILE.db */
	char   *tmp_path;		/* bulk update: file being built */
	int     write_error;		/* bulk update: do not install */
	VSTRING *key_buf;		/* results of dict_seq() */
	VSTRING *val_buf;		/* results of dict_get()/dict_seq() */
} DICT_DB;

/* Cache sizes as Postfix's defaults: large for building, small for reading. */
#define DICT_DB_CREATE_CACHE	(16 * 1024 * 1024)
#define DICT_DB_READ_CACHE	(128 * 1024)

/*
 * Berkeley DB's own diagnostics repeat what the error codes say, in its
 * internal terms; show them only when debugging.
 */
static void
dict_db_errcall(const DB_ENV *env, const char *prefix, const char *text)
{
	if (msg_verbose)
		msg_info("Berkeley DB: %s", text);
}

static void
dict_db_lock(DICT_DB *dd, int op)
{
	if ((dd->dict.flags & DICT_FLAG_LOCK) && dd->tmp_path == NULL
	    && flock(dd->fd, op) < 0)
		msg_warn("%s: flock: %s", dd->path, strerror(errno));
}

/* Fill a DBT from a string, with or without its NUL. */
static void
dict_db_dbt(DBT *dbt, const char *str, int with_null)
{
	memset(dbt, 0, sizeof(*dbt));
	dbt->data = (void *) str;
	dbt->size = (u_int32_t) strlen(str) + (with_null ? 1 : 0);
}

/* Copy a DBT into a string buffer, dropping a trailing NUL. */
static const char *
dict_db_copy(VSTRING *buf, const DBT *dbt)
{
	size_t  len = dbt->size;

	if (len > 0 && ((const char *) dbt->data)[len - 1] == '\0')
		len--;
	vstring_memcpy(buf, dbt->data, len);
	return (vstring_str(buf));
}

/* One get with or without the NUL; 0 found, DB_NOTFOUND, or an error. */
static int
dict_db_get1(DICT_DB *dd, const char *key, int with_null, const char **value)
{
	DBT     k;
	DBT     v;
	int     ret;

	dict_db_dbt(&k, key, with_null);
	memset(&v, 0, sizeof(v));
	if ((ret = dd->db->get(dd->db, NULL, &k, &v, 0)) == 0)
		*value = dict_db_copy(dd->val_buf, &v);
	return (ret);
}

static int
dict_db_lookup(DICT *dict, const char *key, const char **value)
{
	DICT_DB *dd = (DICT_DB *) dict;
	int     ret = DB_NOTFOUND;

	dict_db_lock(dd, LOCK_SH);
	if (dict->flags & DICT_FLAG_TRY1NULL) {
		ret = dict_db_get1(dd, key, 1, value);
		if (ret == 0)
			dict->flags &= ~DICT_FLAG_TRY0NULL;
	}
	if (ret == DB_NOTFOUND && (dict->flags & DICT_FLAG_TRY0NULL)) {
		ret = dict_db_get1(dd, key, 0, value);
		if (ret == 0)
			dict->flags &= ~DICT_FLAG_TRY1NULL;
	}
	dict_db_lock(dd, LOCK_UN);
	if (ret == 0)
		return (DICT_STAT_SUCCESS);
	if (ret == DB_NOTFOUND)
		return (DICT_STAT_FAIL);
	return (dict_set_error(dict, "error reading %s: %s", dd->path,
			       db_strerror(ret)));
}

/* Writes use one convention; when both are allowed, store the NUL. */
static int
dict_db_write_null(DICT *dict)
{
	if ((dict->flags & DICT_FLAG_TRY1NULL)
	    && (dict->flags & DICT_FLAG_TRY0NULL))
		dict->flags &= ~DICT_FLAG_TRY0NULL;
	return ((dict->flags & DICT_FLAG_TRY1NULL) != 0);
}

static int
dict_db_update(DICT *dict, const char *key, const char *value)
{
	DICT_DB *dd = (DICT_DB *) dict;
	int     with_null = dict_db_write_null(dict);
	DBT     k;
	DBT     v;
	int     ret;
	int     status = DICT_STAT_SUCCESS;

	dict_db_dbt(&k, key, with_null);
	dict_db_dbt(&v, value, with_null);
	dict_db_lock(dd, LOCK_EX);
	ret = dd->db->put(dd->db, NULL, &k, &v,
		(dict->flags & DICT_FLAG_DUP_REPLACE) ? 0 : DB_NOOVERWRITE);
	if (ret == DB_KEYEXIST) {
		if (dict->flags & DICT_FLAG_DUP_IGNORE) {
			status = DICT_STAT_FAIL;
		} else if (dict->flags & DICT_FLAG_DUP_WARN) {
			msg_warn("%s: duplicate entry: \"%s\"", dd->path, key);
			status = DICT_STAT_FAIL;
		} else {
			status = dict_set_error(dict, "%s: duplicate entry: \"%s\"",
						dd->path, key);
		}
	} else if (ret != 0) {
		dd->write_error = 1;
		status = dict_set_error(dict, "error writing %s: %s", dd->path,
					db_strerror(ret));
	} else if ((dict->flags & DICT_FLAG_LOCK) && dd->tmp_path == NULL
		   && (ret = dd->db->sync(dd->db, 0)) != 0) {
		status = dict_set_error(dict, "error syncing %s: %s", dd->path,
					db_strerror(ret));
	}
	dict_db_lock(dd, LOCK_UN);
	return (status);
}

static int
dict_db_del1(DICT_DB *dd, const char *key, int with_null)
{
	DBT     k;

	dict_db_dbt(&k, key, with_null);
	return (dd->db->del(dd->db, NULL, &k, 0));
}

static int
dict_db_remove(DICT *dict, const char *key)
{
	DICT_DB *dd = (DICT_DB *) dict;
	int     ret = DB_NOTFOUND;

	dict_db_lock(dd, LOCK_EX);
	if (dict->flags & DICT_FLAG_TRY1NULL) {
		ret = dict_db_del1(dd, key, 1);
		if (ret == 0)
			dict->flags &= ~DICT_FLAG_TRY0NULL;
	}
	if (ret == DB_NOTFOUND && (dict->flags & DICT_FLAG_TRY0NULL)) {
		ret = dict_db_del1(dd, key, 0);
		if (ret == 0)
			dict->flags &= ~DICT_FLAG_TRY1NULL;
	}
	if (ret == 0 && (dict->flags & DICT_FLAG_LOCK) && dd->tmp_path == NULL)
		ret = dd->db->sync(dd->db, 0);
	dict_db_lock(dd, LOCK_UN);
	if (ret == 0)
		return (DICT_STAT_SUCCESS);
	if (ret == DB_NOTFOUND)
		return (DICT_STAT_FAIL);
	if (dd->tmp_path)
		dd->write_error = 1;
	return (dict_set_error(dict, "error deleting from %s: %s", dd->path,
			       db_strerror(ret)));
}

static int
dict_db_sequence(DICT *dict, int func, const char **key, const char **value)
{
	DICT_DB *dd = (DICT_DB *) dict;
	DBT     k;
	DBT     v;
	int     ret;

	if (func == DICT_SEQ_FUN_FIRST && dd->cursor != NULL) {
		dd->cursor->close(dd->cursor);
		dd->cursor = NULL;
	}
	if (dd->cursor == NULL) {
		if (func == DICT_SEQ_FUN_NEXT)
			return (DICT_STAT_FAIL);
		if ((ret = dd->db->cursor(dd->db, NULL, &dd->cursor, 0)) != 0)
			return (dict_set_error(dict, "error reading %s: %s",
					       dd->path, db_strerror(ret)));
	}
	memset(&k, 0, sizeof(k));
	memset(&v, 0, sizeof(v));
	dict_db_lock(dd, LOCK_SH);
	ret = dd->cursor->get(dd->cursor, &k, &v,
			  func == DICT_SEQ_FUN_FIRST ? DB_FIRST : DB_NEXT);
	dict_db_lock(dd, LOCK_UN);
	if (ret == 0) {
		*key = dict_db_copy(dd->key_buf, &k);
		*value = dict_db_copy(dd->val_buf, &v);
		return (DICT_STAT_SUCCESS);
	}
	dd->cursor->close(dd->cursor);
	dd->cursor = NULL;
	if (ret == DB_NOTFOUND)
		return (DICT_STAT_FAIL);
	return (dict_set_error(dict, "error reading %s: %s", dd->path,
			       db_strerror(ret)));
}

static int
dict_db_sync(DICT *dict)
{
	DICT_DB *dd = (DICT_DB *) dict;
	int     ret;

	if ((ret = dd->db->sync(dd->db, 0)) != 0) {
		dict_set_error(dict, "error syncing %s: %s", dd->path,
			       db_strerror(ret));
		return (-1);
	}
	return (0);
}

/* fsync() a file or directory by name. */
static int
dict_db_fsync_path(const char *path, int dir)
{
	int     fd;
	int     ret;

	if ((fd = open(path, (dir ? O_RDONLY | O_DIRECTORY : O_RDWR) | O_CLOEXEC)) < 0)
		return (-1);
	ret = fsync(fd);
	close(fd);
	return (ret);
}

/* Bulk update: put the finished file in place of the old one. */
static int
dict_db_install(DICT_DB *dd, VSTRING *why)
{
	char   *dir;
	char   *slash;

	if (dd->write_error) {
		vstring_sprintf(why, "%s: not replaced after a write error", dd->path);
		return (-1);
	}
	if (dict_db_fsync_path(dd->tmp_path, 0) < 0) {
		vstring_sprintf(why, "fsync %s: %s", dd->tmp_path, strerror(errno));
		return (-1);
	}
	if (rename(dd->tmp_path, dd->path) < 0) {
		vstring_sprintf(why, "rename %s to %s: %s", dd->tmp_path,
				dd->path, strerror(errno));
		return (-1);
	}
	/* Make the rename itself durable. */
	dir = mystrdup(dd->path);
	if ((slash = strrchr(dir, '/')) != NULL)
		slash[slash == dir ? 1 : 0] = '\0';
	(void) dict_db_fsync_path(slash ? dir : ".", 1);
	myfree(dir);
	return (0);
}

static int
dict_db_close(DICT *dict, VSTRING *why)
{
	DICT_DB *dd = (DICT_DB *) dict;
	int     ret;
	int     status = 0;

	if (dd->cursor)
		dd->cursor->close(dd->cursor);
	if ((ret = dd->db->close(dd->db, 0)) != 0) {
		vstring_sprintf(why, "close database %s: %s",
				dd->tmp_path ? dd->tmp_path : dd->path,
				db_strerror(ret));
		status = -1;
	}
	if (dd->tmp_path) {
		if (status == 0)
			status = dict_db_install(dd, why);
		if (status != 0)
			(void) unlink(dd->tmp_path);
		myfree(dd->tmp_path);
	}
	myfree(dd->path);
	vstring_free(dd->key_buf);
	vstring_free(dd->val_buf);
	dict_free(dict);
	return (status);
}

/*
 * Bulk update: create the temporary file. The name is reserved with
 * mkstemp() and then created by Berkeley DB with DB_EXCL (it would
 * complain about an empty file); the mode follows the table it replaces.
 */
static int
dict_db_bulk_create(DB *db, DBTYPE dbtype, const char *path, char **tmp_path)
{
	VSTRING *tmp = vstring_alloc(100);
	struct stat st;
	mode_t  mask;
	mode_t  mode;
	int     fd;
	int     ret = EEXIST;
	int     tries;

	if (stat(path, &st) == 0) {
		mode = st.st_mode & 07777;
	} else {
		mask = umask(022);
		umask(mask);
		mode = 0644 & ~mask;
	}
	for (tries = 0; tries < 10 && ret == EEXIST; tries++) {
		vstring_sprintf(tmp, "%s.XXXXXX", path);
		if ((fd = mkstemp(vstring_str(tmp))) < 0) {
			ret = errno;
			break;
		}
		close(fd);
		unlink(vstring_str(tmp));
		ret = db->open(db, NULL, vstring_str(tmp), NULL, dbtype,
			       DB_CREATE | DB_EXCL, mode);
	}
	if (ret == 0) {
		/* DB applied the umask; restore the old table's mode. */
		if (chmod(vstring_str(tmp), mode) < 0)
			msg_warn("chmod %s: %s", vstring_str(tmp), strerror(errno));
		if (geteuid() == 0 && stat(path, &st) == 0
		    && chown(vstring_str(tmp), st.st_uid, st.st_gid) < 0)
			msg_warn("chown %s: %s", vstring_str(tmp), strerror(errno));
		*tmp_path = vstring_export(tmp);
	} else {
		vstring_free(tmp);
	}
	return (ret);
}

static DICT *
dict_db_open(const char *type, DBTYPE dbtype, const char *name,
	     int open_flags, int dict_flags, VSTRING *why)
{
	DICT_DB *dd;
	DB     *db;
	char   *path = mymalloc(strlen(name) + 4);
	char   *tmp_path = NULL;
	int     writing = (open_flags & O_ACCMODE) != O_RDONLY;
	int     bulk = writing && (dict_flags & DICT_FLAG_BULK_UPDATE);
	u_int32_t db_flags = 0;
	int     ret;
	int     fd;

	strcpy(path, name);
	strcat(path, ".db");
	if ((ret = db_create(&db, NULL, 0)) != 0) {
		vstring_sprintf(why, "db_create: %s", db_strerror(ret));
		myfree(path);
		return (NULL);
	}
	db->set_errcall(db, dict_db_errcall);
	(void) db->set_cachesize(db, 0, writing ? DICT_DB_CREATE_CACHE :
				 DICT_DB_READ_CACHE, 0);
	if (bulk) {
		ret = dict_db_bulk_create(db, dbtype, path, &tmp_path);
	} else {
		if (!writing)
			db_flags |= DB_RDONLY;
		if (writing && (open_flags & O_CREAT))
			db_flags |= DB_CREATE;
		if (writing && (open_flags & O_TRUNC))
			db_flags |= DB_TRUNCATE;
		ret = db->open(db, NULL, path, NULL, dbtype, db_flags, 0644);
	}
	if (ret == 0)
		ret = db->fd(db, &fd);
	if (ret != 0) {
		vstring_sprintf(why, "open database %s: %s", path, db_strerror(ret));
		db->close(db, 0);
		if (tmp_path) {
			unlink(tmp_path);
			myfree(tmp_path);
		}
		myfree(path);
		return (NULL);
	}
	dd = (DICT_DB *) dict_alloc(type, name, sizeof(*dd));
	if ((dict_flags & (DICT_FLAG_TRY0NULL | DICT_FLAG_TRY1NULL)) == 0)
		dict_flags |= DICT_FLAG_TRY0NULL | DICT_FLAG_TRY1NULL;
	dd->dict.flags = dict_flags;
	dd->dict.lookup = dict_db_lookup;
	dd->dict.update = dict_db_update;
	dd->dict.remove = dict_db_remove;
	dd->dict.sequence = dict_db_sequence;
	dd->dict.sync = dict_db_sync;
	dd->dict.close = dict_db_close;
	dd->db = db;
	dd->fd = fd;
	dd->path = path;
	dd->tmp_path = tmp_path;
	dd->key_buf = vstring_alloc(100);
	dd->val_buf = vstring_alloc(100);
	return (&dd->dict);
}

DICT   *
dict_hash_open(const char *name, int open_flags, int dict_flags, VSTRING *why)
{
	return (dict_db_open("hash", DB_HASH, name, open_flags, dict_flags, why));
}

DICT   *
dict_btree_open(const char *name, int open_flags, int dict_flags, VSTRING *why)
{
	return (dict_db_open("btree", DB_BTREE, name, open_flags, dict_flags, why));
}
