/*
 * mail_addr_find - look an address up in tables in Postfix's order
 *
 *	mail_addr_find() and mail_addr_split(): see mail_addr_find.h.
 *	Errors are the tables' (DICT_STAT_ERROR); nothing is logged here
 *	beyond what maps_find() logs.
 */
#include <string.h>

#include "vstring.h"
#include "dict.h"
#include "maps.h"
#include "mail_addr_find.h"

void
mail_addr_split(const char *addr, const char *delim, VSTRING *user,
		VSTRING *ext, VSTRING *domain)
{
	const char *at = strrchr(addr, '@');
	size_t	local_len = at ? (size_t) (at - addr) : strlen(addr);
	size_t	user_len = local_len;
	size_t	i;

	/* The extension starts at the first delimiter, never at the start. */
	if (delim && *delim) {
		for (i = 1; i < local_len; i++) {
			if (strchr(delim, addr[i]) != NULL) {
				user_len = i;
				break;
			}
		}
	}
	vstring_strncpy(user, addr, user_len);
	vstring_strncpy(ext, addr + user_len, local_len - user_len);
	vstring_strcpy(domain, at ? at + 1 : "");
}

int
mail_addr_find(MAPS *maps, const char *addr, int flags, const char *delim,
	       const char **value, VSTRING *ext_out)
{
	VSTRING *user = vstring_alloc(64);
	VSTRING *ext = vstring_alloc(16);
	VSTRING *domain = vstring_alloc(64);
	VSTRING *key = vstring_alloc(100);
	int	status;
	int	has_at = strrchr(addr, '@') != NULL;
	int	lost_ext = 0;

	mail_addr_split(addr, delim, user, ext, domain);
	/* 1: the address as it is, every table. */
	status = maps_find(maps, addr, MAPS_FLAG_NONE, value);
	/* 2: without the extension. */
	if (status == DICT_STAT_FAIL && vstring_len(ext) > 0 && has_at) {
		vstring_sprintf(key, "%s@%s", vstring_str(user),
				vstring_str(domain));
		status = maps_find(maps, vstring_str(key), MAPS_FIXED_ONLY, value);
		lost_ext = 1;
	}
	/* 3, 4: the local part alone, for this machine's domains. */
	if (status == DICT_STAT_FAIL && has_at
	    && (flags & MAIL_ADDR_FIND_LOCAL)) {
		lost_ext = 0;
		if (vstring_len(ext) > 0) {
			vstring_sprintf(key, "%s%s", vstring_str(user),
					vstring_str(ext));
			status = maps_find(maps, vstring_str(key),
					   MAPS_FIXED_ONLY, value);
		}
		if (status == DICT_STAT_FAIL) {
			status = maps_find(maps, vstring_str(user),
					   MAPS_FIXED_ONLY, value);
			lost_ext = 1;
		}
	} else if (status == DICT_STAT_FAIL && !has_at
		   && vstring_len(ext) > 0) {
		status = maps_find(maps, vstring_str(user), MAPS_FIXED_ONLY,
				   value);
		lost_ext = 1;
	}
	/* 5: the catch-all. */
	if (status == DICT_STAT_FAIL && has_at) {
		vstring_sprintf(key, "@%s", vstring_str(domain));
		status = maps_find(maps, vstring_str(key), MAPS_FIXED_ONLY, value);
		lost_ext = 1;
	}
	if (ext_out) {
		if (status == DICT_STAT_SUCCESS && lost_ext)
			vstring_strcpy(ext_out, vstring_str(ext));
		else
			VSTRING_RESET(ext_out);
	}
	vstring_free(user);
	vstring_free(ext);
	vstring_free(domain);
	vstring_free(key);
	return (status);
}
