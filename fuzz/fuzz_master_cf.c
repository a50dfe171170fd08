/*
 * fuzz_master_cf - libFuzzer target for the master.cf parser and format
 *
 * The input is read as a master.cf file (master_cf_read_stream() through
 * fmemopen()); each parsed entry is then shown with master_cf_format(),
 * unfolded and folded, and its accessors are exercised. Warnings are
 * discarded. Invariants, each an abort() when broken:
 *
 *	the parse either fails with a "NAME, line N: ..." or "read ..."
 *	reason, or succeeds;
 *	an unfolded entry is one line; a folded entry's continuation lines
 *	start with four spaces;
 *	master_cf_find() finds an entry for every service/type parsed, with
 *	that service name and type;
 *	each override has a non-empty name without '=' or white space, and
 *	there are at most half as many overrides as arguments.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msg.h"
#include "vstring.h"
#include "argv.h"
#include "master_cf.h"

int     LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
discard(int level, const char *text)
{
	(void) level;
	(void) text;
}

static void
check_format(const MASTER_CF_ENT *ent, VSTRING *out)
{
	const char *cp;
	const char *nl;

	VSTRING_RESET(out);
	master_cf_format(out, ent, 0);
	nl = strchr(vstring_str(out), '\n');
	if (nl == 0 || nl[1] != '\0')
		abort();
	VSTRING_RESET(out);
	master_cf_format(out, ent, 1);
	for (cp = vstring_str(out); (nl = strchr(cp, '\n')) != 0; cp = nl + 1)
		if (nl[1] != '\0' && strncmp(nl + 1, "    ", 4) != 0)
			abort();
	if (*cp != '\0')
		abort();
}

static void
check_entry(const MASTER_CF *mc, const MASTER_CF_ENT *ent)
{
	const MASTER_CF_ENT *found;
	const char *name;
	size_t  i;

	found = master_cf_find(mc, master_cf_service(ent), master_cf_type(ent));
	if (found == 0 || master_cf_type(found) != master_cf_type(ent)
	    || strcmp(master_cf_service(found), master_cf_service(ent)) != 0)
		abort();
	if (master_cf_type_name(master_cf_type(ent)) == 0
	    || strcmp(master_cf_type_name(master_cf_type(ent)),
		      master_cf_field(ent, MASTER_CF_FLD_TYPE)) != 0)
		abort();
	if (master_cf_override_count(ent) * 2 > master_cf_argv(ent)->len)
		abort();
	for (i = 0; i < master_cf_override_count(ent); i++) {
		name = master_cf_override_name(ent, i);
		if (*name == '\0' || strchr(name, '='))
			abort();
		for (; *name; name++)
			if (isspace((unsigned char) *name))
				abort();
		(void) master_cf_override_value(ent, i);
	}
	(void) master_cf_private(ent);
	(void) master_cf_unpriv(ent);
	(void) master_cf_chroot(ent);
	if (master_cf_wakeup(ent) < 0 || master_cf_maxproc(ent) < -1)
		abort();
	(void) master_cf_line(ent);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int initialized;
	VSTRING *why;
	VSTRING *out;
	MASTER_CF *mc;
	FILE   *fp;
	size_t  i;

	if (!initialized) {
		msg_output(discard);
		initialized = 1;
	}
	if (size == 0)
		return (0);
	if ((fp = fmemopen((void *) data, size, "r")) == 0)
		return (0);
	why = vstring_alloc(100);
	out = vstring_alloc(100);
	mc = master_cf_read_stream(fp, "fuzz.cf", why);
	fclose(fp);
	if (mc == 0) {
		if (strncmp(vstring_str(why), "fuzz.cf, line ", 14) != 0
		    && strncmp(vstring_str(why), "read fuzz.cf: ", 14) != 0)
			abort();
	} else {
		for (i = 0; i < master_cf_count(mc); i++) {
			check_entry(mc, master_cf_entry(mc, i));
			check_format(master_cf_entry(mc, i), out);
		}
		master_cf_free(mc);
	}
	vstring_free(out);
	vstring_free(why);
	return (0);
}
