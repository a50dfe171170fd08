# lib/global/mkmap: table building and querying shared by postmap and
# postalias. Included from lib/global/local.mk.
lib_global_libglobal_a_SOURCES += lib/global/mkmap.c lib/global/mkmap.h
