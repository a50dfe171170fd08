/*
 * fuzz_main_cf - libFuzzer target for main.cf parsing and expansion
 *
 * The input is main.cf text. It is parsed with mail_conf_load_stream();
 * when that succeeds, every value is syntax-checked and reference-scanned
 * (mail_conf_scan()) and expanded (mail_conf_eval()), and a few computed
 * defaults that read main.cf are expanded too. Nothing here may exit:
 * errors come back as a status and a reason. Invariants, each an abort()
 * when broken:
 *
 *	an entry name is non-empty and holds no white space or '=';
 *	a successful expansion is no longer than MAC_EXP_MAX_RESULT;
 *	a failed parse or expansion always says why.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msg.h"
#include "vstring.h"
#include "argv.h"
#include "mac_expand.h"
#include "mail_conf.h"

int     LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Warnings are expected; keep them off stderr. */
static void
quiet(int level, const char *text)
{
}

static void
expand_one(const char *name, VSTRING *buf, VSTRING *why)
{
	VSTRING_RESET(why);
	if (mail_conf_eval(name, buf, why) < 0) {
		if (vstring_len(why) == 0)
			abort();
	} else if (vstring_len(buf) > MAC_EXP_MAX_RESULT) {
		abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const computed[] = {
		"myhostname", "mydomain", "myorigin", "mydestination", 0,
	};
	static int initialized;
	VSTRING *why;
	VSTRING *buf;
	ARGV   *names;
	FILE   *fp;
	size_t  i;

	if (!initialized) {
		msg_output(quiet);
		initialized = 1;
	}
	if (size == 0 || (fp = fmemopen((void *) data, size, "r")) == NULL)
		return (0);
	why = vstring_alloc(100);
	buf = vstring_alloc(100);
	mail_conf_reset();
	if (mail_conf_load_stream(fp, "fuzz/main.cf", why) < 0) {
		if (vstring_len(why) == 0)
			abort();
	} else {
		(void) mail_conf_scan(why);
		names = mail_conf_entry_names();
		for (i = 0; i < names->len; i++) {
			if (names->argv[i][0] == 0
			    || strpbrk(names->argv[i], " \t\r\n=") != NULL)
				abort();
			expand_one(names->argv[i], buf, why);
		}
		argv_free(names);
		for (i = 0; computed[i]; i++)
			expand_one(computed[i], buf, why);
	}
	fclose(fp);
	vstring_free(why);
	vstring_free(buf);
	mail_conf_reset();
	return (0);
}
