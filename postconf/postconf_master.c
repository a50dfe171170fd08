/*
 * postconf_master - the master.cf part of postconf (-M, -Mf)
 *
 *	postconf_master() reads master.cf with master_cf_read(), selects
 *	entries by "service[/type]" patterns and prints each selected entry
 *	with master_cf_format(), as Postfix 3.7's postconf does.
 *
 * Errors: reported on stderr as "postconf: fatal: ..." (the text Postfix
 * prints) and returned as exit status 1; the caller exits with it.
 * Patterns that match nothing only warn, as in Postfix.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msg.h"
#include "mymalloc.h"
#include "vstring.h"
#include "master_cf.h"
#include "postconf_master.h"

/* One "service[/type]" argument; NULL members match anything. */
typedef struct PCM_PATTERN {
	char   *service;
	char   *type;
	int     matched;
} PCM_PATTERN;

static int pcm_fail(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

/* Report like msg_fatal() but return the exit status to the caller. */
static int
pcm_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	msg_vprintf(MSG_FATAL, fmt, ap);
	va_end(ap);
	return (1);
}

/*
 * Parse "service[/type]": empty fields between or after slashes are
 * skipped, but the pattern may not start with one, and a field that holds
 * "*" must be just "*". Returns 0 when malformed.
 */
static int
pcm_pattern(PCM_PATTERN *pat, const char *text)
{
	char   *copy;
	char   *save;
	char   *cp;
	char   *field[2];
	int     n = 0;
	int     ok = 1;

	if (*text == '\0' || *text == '/')
		return (0);
	copy = mystrdup(text);
	for (cp = strtok_r(copy, "/", &save); cp != 0 && ok;
	     cp = strtok_r(0, "/", &save)) {
		if (n == 2 || (strchr(cp, '*') != 0 && strcmp(cp, "*") != 0))
			ok = 0;
		else
			field[n++] = cp;
	}
	if (ok && n > 0) {
		pat->service = strcmp(field[0], "*") ? mystrdup(field[0]) : 0;
		pat->type = n > 1 && strcmp(field[1], "*") ?
			mystrdup(field[1]) : 0;
		pat->matched = 0;
	}
	myfree(copy);
	return (ok && n > 0);
}

static int
pcm_match(const PCM_PATTERN *pat, const MASTER_CF_ENT *ent)
{
	return ((pat->service == 0
		 || strcmp(pat->service, master_cf_service(ent)) == 0)
		&& (pat->type == 0
		    || strcmp(pat->type,
			      master_cf_field(ent, MASTER_CF_FLD_TYPE)) == 0));
}

static void
pcm_free_patterns(PCM_PATTERN *pat, int count)
{
	int     i;

	for (i = 0; i < count; i++) {
		myfree(pat[i].service);
		myfree(pat[i].type);
	}
	myfree(pat);
}

int
postconf_master(const char *config_dir, int fold, int argc, char **argv)
{
	VSTRING *path = vstring_alloc(100);
	VSTRING *why = vstring_alloc(100);
	VSTRING *out = vstring_alloc(200);
	PCM_PATTERN *pat = 0;
	MASTER_CF *mc;
	const MASTER_CF_ENT *ent;
	size_t  i;
	int     j;
	int     status = 0;

	if (config_dir == 0 && (config_dir = getenv("MAIL_CONFIG")) == 0)
		config_dir = DEF_CONFIG_DIR;
	vstring_sprintf(path, "%s/master.cf", config_dir);
	if ((mc = master_cf_read(vstring_str(path), why)) == 0) {
		status = pcm_fail("%s", vstring_str(why));
		goto done;
	}
	pat = mycalloc(argc > 0 ? (size_t) argc : 1, sizeof(*pat));
	for (j = 0; j < argc; j++) {
		if (!pcm_pattern(pat + j, argv[j])) {
			pcm_free_patterns(pat, j);
			status = pcm_fail("-M option requires "
					  "service_name[/type]");
			goto done;
		}
	}
	for (i = 0; i < master_cf_count(mc); i++) {
		ent = master_cf_entry(mc, i);
		VSTRING_RESET(out);
		master_cf_format(out, ent, fold);
		if (argc == 0)
			fputs(vstring_str(out), stdout);
		for (j = 0; j < argc; j++) {
			if (pcm_match(pat + j, ent)) {
				pat[j].matched = 1;
				fputs(vstring_str(out), stdout);
			}
		}
	}
	for (j = 0; j < argc; j++)
		if (!pat[j].matched)
			msg_warn("unmatched request: \"%s\"", argv[j]);
	if (fflush(stdout) != 0 || ferror(stdout))
		status = pcm_fail("write error on standard output");
	pcm_free_patterns(pat, argc);

done:
	if (mc)
		master_cf_free(mc);
	vstring_free(out);
	vstring_free(why);
	vstring_free(path);
	return (status);
}
