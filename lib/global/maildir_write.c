/*
 * maildir_write - deliver one queued message into a Maildir
 *
 *	maildir_write(), maildir_name(): see maildir_write.h. Nothing here logs or exits.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/time.h>

#include "safe_file.h"
#include "vstream.h"
#include "vstring.h"
#include "mbox_write.h"
#include "maildir_write.h"

static unsigned long maildir_count;

/* mkdir (-p unless parents is 0) with mode 0700; 0 or -1, errno, why. */
static int
maildir_make_dirs(const char *path, int parents, VSTRING *why)
{
	VSTRING *dir = vstring_alloc(100);
	const char *cp;
	int	ret = 0;

	for (cp = parents ? path + 1 : path + strlen(path);; cp++) {
		if (*cp != '/' && *cp != 0)
			continue;
		vstring_strncpy(dir, path, (size_t) (cp - path));
		if (mkdir(vstring_str(dir), 0700) < 0 && errno != EEXIST) {
			vstring_sprintf(why, "create maildir file %s: %s",
					vstring_str(dir), strerror(errno));
			ret = -1;
			break;
		}
		if (*cp == 0)
			break;
		while (cp[1] == '/')
			cp++;
		if (cp[1] == 0)
			break;
	}
	vstring_free(dir);
	return (ret);
}

/* The host part of a unique name: '/' and ':' are not allowed. */
static void
maildir_host(VSTRING *out, const char *host)
{
	for (; *host; host++) {
		if (*host == '/')
			vstring_strcat(out, "\\057");
		else if (*host == ':')
			vstring_strcat(out, "\\072");
		else
			vstring_addch(out, *host);
	}
}

const char *
maildir_name(VSTRING *out, const struct timeval *tv, long pid,
	     unsigned long count, const char *host)
{
	vstring_sprintf(out, "%ld.M%06ldP%ldQ%lu.", (long) tv->tv_sec,
			(long) tv->tv_usec, pid, count);
	maildir_host(out, host);
	return (vstring_str(out));
}

int
maildir_write(const char *dir, const char *hostname, const char *unique,
	      const MAILBOX_MSG *msg, int flags, off_t limit, char *dsn,
	      VSTRING *why, VSTRING *name)
{
	static const char *subdirs[] = {"tmp", "new", "cur"};
	VSTRING *base = vstring_alloc(100);
	VSTRING *tmp = vstring_alloc(100);
	VSTRING *newpath = vstring_alloc(100);
	VSTREAM *out;
	struct timeval tv;
	struct stat st;
	size_t	i;
	size_t	len;
	int	status = MAILBOX_OK;
	int	fd = -1;
	int	err = 0;
	int	saved;

	VSTRING_RESET(why);
	strcpy(dsn, "2.0.0");
	vstring_strcpy(base, dir);
	len = vstring_len(base);
	while (len > 1 && vstring_str(base)[len - 1] == '/')
		vstring_truncate(base, --len);
	if ((flags & MAILDIR_FLAG_NO_PARENTS)
	    && maildir_make_dirs(vstring_str(base), 0, why) < 0) {
		status = mailbox_errno_status(err = errno, dsn);
		goto done;
	}
	for (i = 0; i < 3; i++) {
		vstring_sprintf(tmp, "%s/%s", vstring_str(base), subdirs[i]);
		/* The common case: an existing Maildir costs one stat each. */
		if (stat(vstring_str(tmp), &st) == 0 && S_ISDIR(st.st_mode))
			continue;
		if (maildir_make_dirs(vstring_str(tmp),
				      !(flags & MAILDIR_FLAG_NO_PARENTS), why) < 0) {
			err = errno;
			status = mailbox_errno_status(errno, dsn);
			goto done;
		}
	}
	gettimeofday(&tv, NULL);
	if (unique != NULL) {
		vstring_sprintf(tmp, "%s/tmp/%s", vstring_str(base), unique);
	} else {
		vstring_sprintf(tmp, "%s/tmp/%ld.P%ldQ%lu.", vstring_str(base),
				(long) tv.tv_sec, (long) getpid(), ++maildir_count);
		maildir_host(tmp, hostname);
	}
	fd = safe_open(vstring_str(tmp), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
		       0600, NULL, (uid_t) -1, (gid_t) -1, why);
	if (fd < 0) {
		err = errno;
		vstring_sprintf(why, "create maildir file %s: %s",
				vstring_str(tmp), strerror(err));
		status = mailbox_errno_status(err, dsn);
		goto done;
	}
	out = vstream_fdopen(fd, O_WRONLY);
	if (mailbox_copy(out, msg, flags, limit, why) < 0) {
		err = errno ? errno : EIO;
		/* A write error names the file; a queue file error stays. */
		if (strncmp(vstring_str(why), "error writing message:", 22) == 0)
			vstring_sprintf(why, "create maildir file %s: %s",
					vstring_str(tmp), strerror(err));
	}
	vstream_clearerr(out);
	(void) vstream_fdclose(out);
	if (err == 0 && fsync(fd) < 0) {
		err = errno;
		vstring_sprintf(why, "create maildir file %s: %s",
				vstring_str(tmp), strerror(err));
	}
	if (err == 0 && fstat(fd, &st) < 0) {
		err = errno;
		vstring_sprintf(why, "fstat %s: %s", vstring_str(tmp), strerror(err));
	}
	if (close(fd) < 0 && err == 0) {
		err = errno;
		vstring_sprintf(why, "close %s: %s", vstring_str(tmp), strerror(err));
	}
	if (err == 0 && unique != NULL) {
		vstring_sprintf(newpath, "%s/new/%s", vstring_str(base), unique);
	} else if (err == 0) {
		/* The final name adds what makes it unique on this host. */
		vstring_sprintf(newpath, "%s/new/%ld.M%ldP%ldQ%luV%lxI%lx.",
				vstring_str(base), (long) tv.tv_sec,
				(long) tv.tv_usec, (long) getpid(), maildir_count,
				(unsigned long) st.st_dev, (unsigned long) st.st_ino);
		maildir_host(newpath, hostname);
	}
	if (err == 0 && rename_durable(vstring_str(tmp), vstring_str(newpath),
				       NULL) < 0) {
		err = errno ? errno : EIO;
		vstring_sprintf(why, "create maildir file %s: %s",
				vstring_str(newpath), strerror(err));
	}
	if (err != 0) {
		if (vstring_len(why) == 0)
			vstring_sprintf(why, "create maildir file %s: %s",
					vstring_str(tmp), strerror(err));
		status = mailbox_errno_status(err, dsn);
		(void) unlink(vstring_str(tmp));
	} else if (name != NULL) {
		vstring_strcpy(name, vstring_str(newpath));
	}
done:
	saved = err;
	vstring_free(base);
	vstring_free(tmp);
	vstring_free(newpath);
	errno = saved;
	return (status);
}
