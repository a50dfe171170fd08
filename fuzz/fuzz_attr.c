/*
 * fuzz_attr - libFuzzer target for the attribute protocol decoders.
 *
 * Feeds the input to attr_scan0 (NUL-separated) and attr_scan_plain
 * (name=value lines), both as a typed request and as a free-form hash.
 * Whatever a peer sends must end in a count or -1, never a crash or an
 * out-of-bounds read. A request that decodes is re-encoded and decoded
 * again, and must give the same values.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "msg.h"
#include "mymalloc.h"
#include "vstring.h"
#include "htable.h"
#include "vstream.h"
#include "attr.h"

int     LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
quiet(int level, const char *text)
{
	(void) level;
	(void) text;
}

static void
scan_typed(const uint8_t *data, size_t size, int plain)
{
	VSTREAM *in = vstream_memopen_read(data, size);
	VSTRING *name = vstring_alloc(10);
	VSTRING *blob = vstring_alloc(10);
	VSTRING *again = vstring_alloc(10);
	VSTRING *out = vstring_alloc(10);
	VSTREAM *wr;
	VSTREAM *rd;
	int     num = 0;
	long    lnum = 0;
	int     n;

	n = plain ?
	    attr_scan_plain(in, ATTR_FLAG_MISSING | ATTR_FLAG_EXTRA,
			    RECV_ATTR_STR("name", name),
			    RECV_ATTR_INT("count", &num),
			    RECV_ATTR_LONG("size", &lnum),
			    ATTR_TYPE_END) :
	    attr_scan0(in, ATTR_FLAG_MISSING | ATTR_FLAG_EXTRA,
		       RECV_ATTR_STR("name", name),
		       RECV_ATTR_INT("count", &num),
		       RECV_ATTR_LONG("size", &lnum),
		       RECV_ATTR_DATA("blob", blob),
		       ATTR_TYPE_END);
	vstream_close(in);
	if (!plain && n == 4) {
		/* Round trip: what we decoded must encode and decode alike. */
		wr = vstream_memopen(out, O_WRONLY);
		attr_print0(wr, ATTR_FLAG_FLUSH,
			    SEND_ATTR_STR("name", vstring_str(name)),
			    SEND_ATTR_INT("count", num),
			    SEND_ATTR_LONG("size", lnum),
			    SEND_ATTR_DATA("blob", vstring_len(blob), vstring_str(blob)),
			    ATTR_TYPE_END);
		vstream_close(wr);
		rd = vstream_memopen_read(vstring_str(out), vstring_len(out));
		if (attr_scan0(rd, ATTR_FLAG_MISSING,
			       RECV_ATTR_STR("name", again),
			       RECV_ATTR_INT("count", &num),
			       RECV_ATTR_LONG("size", &lnum),
			       RECV_ATTR_DATA("blob", blob),
			       ATTR_TYPE_END) != 4
		    || strcmp(vstring_str(again), vstring_str(name)) != 0)
			abort();
		vstream_close(rd);
	}
	vstring_free(name);
	vstring_free(blob);
	vstring_free(again);
	vstring_free(out);
}

static void
scan_hash(const uint8_t *data, size_t size, int plain)
{
	VSTREAM *in = vstream_memopen_read(data, size);
	HTABLE *table = htable_create(10);

	if (plain)
		(void) attr_scan_plain(in, ATTR_FLAG_NONE, RECV_ATTR_HASH(table), ATTR_TYPE_END);
	else
		(void) attr_scan0(in, ATTR_FLAG_NONE, RECV_ATTR_HASH(table), ATTR_TYPE_END);
	vstream_close(in);
	htable_free(table, myfree);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int init;

	if (!init) {
		msg_output(quiet);
		init = 1;
	}
	scan_typed(data, size, 0);
	scan_typed(data, size, 1);
	scan_hash(data, size, 0);
	scan_hash(data, size, 1);
	return (0);
}
