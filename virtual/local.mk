# virtual/local.mk: virtual(8), the virtual domain delivery agent.
pkglibexec_PROGRAMS += virtual/virtual
virtual_virtual_SOURCES = virtual/virtual.c
virtual_virtual_LDADD = $(POSTERN_LIBS) $(POSTERN_EXT_LIBS)
dist_man_MANS += man/man8/virtual.8
