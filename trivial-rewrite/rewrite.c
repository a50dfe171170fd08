/*
 * rewrite - address canonicalization for trivial-rewrite(8)
 *
 *	tr_rewrite()		one address to canonical form
 *	tr_rewrite_ctx_init()	the parameters of the local or remote rule
 *
 * See rewrite.h for the rules. Addresses arrive in internal form; the
 * local part is everything before the last '@'. A local part that would
 * be quoted on the wire (addr_quote_needed) is treated as one word, so
 * that "a b!c" is not a bang path, as a parser of the quoted form sees it.
 * Nothing here fails or logs.
 */
#include <string.h>

#include "vstring.h"
#include "mail_conf.h"
#include "addr_quote.h"
#include "rewrite.h"

int
tr_rewrite_ctx_init(TR_REWRITE_CTX *ctx, const char *rule)
{
	if (strcmp(rule, "local") == 0) {
		ctx->origin = mail_conf_str("myorigin");
		ctx->domain = mail_conf_str("mydomain");
	} else if (strcmp(rule, "remote") == 0) {
		ctx->origin = mail_conf_str("remote_header_rewrite_domain");
		ctx->domain = ctx->origin;
	} else {
		return (-1);
	}
	ctx->swap_bangpath = mail_conf_bool("swap_bangpath");
	ctx->percent_hack = mail_conf_bool("allow_percent_hack");
	ctx->append_at_origin = mail_conf_bool("append_at_myorigin");
	ctx->append_dot_domain = mail_conf_bool("append_dot_mydomain");
	return (0);
}

/* Forms without '@': bang path, percent hack, or @origin. */
static void
tr_rewrite_bare(const TR_REWRITE_CTX *ctx, const char *addr, VSTRING *out)
{
	int	word = addr_quote_needed(addr, strlen(addr));
	const char *cp;

	if (!word && ctx->swap_bangpath && (cp = strchr(addr, '!')) != NULL) {
		/* host!user -> user@host; a longer path keeps its tail. */
		vstring_strcpy(out, cp + 1);
		vstring_addch(out, '@');
		vstring_strncat(out, addr, (size_t) (cp - addr));
	} else if (!word && ctx->percent_hack && (cp = strrchr(addr, '%')) != NULL) {
		vstring_strcpy(out, addr);
		vstring_str(out)[cp - addr] = '@';
	} else if (ctx->append_at_origin && ctx->origin && *ctx->origin) {
		vstring_strcpy(out, addr);
		vstring_addch(out, '@');
		vstring_strcat(out, ctx->origin);
	} else {
		vstring_strcpy(out, addr);
	}
}

void
tr_rewrite(const TR_REWRITE_CTX *ctx, const char *addr, VSTRING *out)
{
	const char *at;
	char   *str;
	size_t  len;

	if (*addr == 0) {
		VSTRING_RESET(out);
		return;
	}
	if (strchr(addr, '@') == NULL)
		tr_rewrite_bare(ctx, addr, out);
	else
		vstring_strcpy(out, addr);

	/* A domain without a dot gets .domain; not "user@" nor a literal. */
	at = strrchr(vstring_str(out), '@');
	if (ctx->append_dot_domain && ctx->domain && *ctx->domain
	    && at != NULL && at[1] != 0 && at[1] != '['
	    && strchr(at + 1, '.') == NULL) {
		vstring_addch(out, '.');
		vstring_strcat(out, ctx->domain);
	}

	/* One trailing dot goes, but not from "..", "@." or a quoted word. */
	str = vstring_str(out);
	len = vstring_len(out);
	at = strrchr(str, '@');
	if (len >= 2 && str[len - 1] == '.' && str[len - 2] != '.'
	    && str[len - 2] != '@'
	    && (at != NULL || !addr_quote_needed(str, len)))
		vstring_truncate(out, len - 1);
}
