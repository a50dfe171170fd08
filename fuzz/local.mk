# fuzz: libFuzzer targets, built with clang apart from the normal build.
# Every fuzz/fuzz_NAME.c is a target; it is linked with every library
# source compiled for fuzzing. `make fuzz-smoke` runs each for
# FUZZ_SECONDS seconds from the seeds in fuzz/seeds/NAME/.
EXTRA_DIST += tools/fuzz-smoke
FUZZ_CC = clang
FUZZ_SECONDS = 20
FUZZ_SAN = -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_CFLAGS = -g -O1 -fno-omit-frame-pointer $(FUZZ_SAN)
FUZZ_LIBSRCS = $(filter %.c,$(lib_util_libutil_a_SOURCES) \
	$(lib_dict_libdict_a_SOURCES) $(lib_global_libglobal_a_SOURCES))
FUZZ_LIB_OBJS = $(patsubst %.c,fuzz/obj/%.o,$(FUZZ_LIBSRCS))
FUZZ_NAMES = $(basename $(notdir $(wildcard $(srcdir)/fuzz/fuzz_*.c)))
FUZZ_BINS = $(addprefix fuzz/bin/,$(FUZZ_NAMES))

fuzz/obj/%.o: $(srcdir)/%.c
	@mkdir -p $(dir $@)
	$(AM_V_CC)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link $(DEFS) \
	  -I. $(AM_CPPFLAGS) $(PCRE2_CFLAGS) -c $< -o $@

fuzz/bin/%: fuzz/obj/fuzz/%.o $(FUZZ_LIB_OBJS)
	@mkdir -p $(dir $@)
	$(AM_V_CCLD)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer $^ \
	  $(PCRE2_LIBS) $(DB_LIBS) -o $@

fuzz-build: $(FUZZ_BINS)

fuzz-smoke: $(FUZZ_BINS)
	$(srcdir)/tools/fuzz-smoke $(srcdir) $(FUZZ_SECONDS) $(FUZZ_BINS)

clean-local: clean-fuzz
clean-fuzz:
	rm -rf fuzz/obj fuzz/bin fuzz/corpus
.PHONY: fuzz-build fuzz-smoke clean-fuzz
# smtpd's parser and DATA machine live outside the libraries.
fuzz/bin/fuzz_smtpd: fuzz/obj/smtpd/smtpd_cmd.o fuzz/obj/smtpd/smtpd_data.o
# The smtp client's reply and EHLO parsers need only libutil.
fuzz/bin/fuzz_smtp_reply: fuzz/obj/smtp/smtp_reply.o
