/*
 * master_cf_format - show a master.cf entry as "postconf -M" does
 *
 *	master_cf_format() appends one entry to a VSTRING, byte for byte as
 *	Postfix 3.7's "postconf -M" (fold = 0) or "postconf -Mf" (fold != 0)
 *	prints it:
 *
 *	- columns 1-8 start at 0, 11, 17, 25, 33, 41, 49 and 57, or one
 *	  space after the previous column when that is longer;
 *	- arguments follow, one space apart. Among the leading options,
 *	  "-o" (or a lone "-") is shown with its value as one item, the value
 *	  in "{ }" when it contains white space. After the options, arguments
 *	  that contain white space are shown in "{ }", except the first one
 *	  (Postfix 3.7 does so);
 *	- folding puts each such option/value item on a line of its own and
 *	  starts a new line, indented four spaces, before an argument that
 *	  would make the line 80 or more characters long (not counting the
 *	  braces of a plain argument). Columns 1-8 always share the first
 *	  line.
 *
 * Errors: none.
 */
#include <string.h>

#include "argv.h"
#include "vstring.h"
#include "master_cf.h"

#define MCF_LINE_LIMIT	80		/* folded lines stay shorter */
#define MCF_INDENT	"    "
#define MCF_INDENT_LEN	4
#define MCF_BLANKS	" \t\r\n"

static const size_t mcf_column[MASTER_CF_FLD_COUNT] = {
	0, 11, 17, 25, 33, 41, 49, 57,
};

static int
mcf_has_blank(const char *text)
{
	return (text[strcspn(text, MCF_BLANKS)] != '\0');
}

/* Append text, in "{ }" when asked; count what was added. */
static void
mcf_add(VSTRING *out, const char *text, int braces, size_t *line_len)
{
	size_t  len = strlen(text);

	if (braces)
		vstring_addch(out, '{');
	vstring_strcat(out, text);
	if (braces)
		vstring_addch(out, '}');
	*line_len += len + (braces ? 2 : 0);
}

VSTRING *
master_cf_format(VSTRING *out, const MASTER_CF_ENT *ent, int fold)
{
	char  **av = master_cf_argv(ent)->argv;
	const char *arg;
	const char *val;
	size_t  line_len = 0;		/* bytes on the current output line */
	size_t  item_len;
	int     in_options = 1;
	int     field;
	int     arg_braces;
	int     val_braces;

	for (field = 0; field < MASTER_CF_FLD_COUNT; field++) {
		arg = master_cf_field(ent, field);
		if (field > 0) {
			do {
				vstring_addch(out, ' ');
			} while (++line_len < mcf_column[field]);
		}
		vstring_strcat(out, arg);
		line_len += strlen(arg);
	}
	for (av++; (arg = *av) != 0; av++) {
		item_len = strlen(arg);
		val = 0;
		arg_braces = 0;
		val_braces = 0;
		if (in_options) {
			if (arg[0] != '-' || strcmp(arg, "--") == 0) {
				/* Postfix shows this one without braces. */
				in_options = 0;
			} else if ((arg[1] == 'o' || arg[1] == '\0')
				   && av[1] != 0) {
				val = av[1];
				val_braces = mcf_has_blank(val);
				item_len += 1 + strlen(val)
					+ (val_braces ? 2 : 0);
				/* An option with a value starts a new line. */
				line_len = MCF_LINE_LIMIT;
			}
		} else {
			arg_braces = mcf_has_blank(arg);
		}
		/*
		 * Braces around an argument do not count for folding. Right
		 * after a line break (line_len is the indent) no space is
		 * added; Postfix does the same, also when the previous item
		 * was an empty argument.
		 */
		if (line_len > MCF_INDENT_LEN) {
			if (!fold || line_len + 1 + item_len < MCF_LINE_LIMIT) {
				vstring_addch(out, ' ');
				line_len += 1;
			} else {
				vstring_strcat(out, "\n" MCF_INDENT);
				line_len = MCF_INDENT_LEN;
			}
		}
		mcf_add(out, arg, arg_braces, &line_len);
		if (val) {
			vstring_addch(out, ' ');
			mcf_add(out, val, val_braces, &line_len);
			av++;
			/* ... and ends it. */
			line_len = MCF_LINE_LIMIT;
		}
	}
	vstring_addch(out, '\n');
	return (out);
}
