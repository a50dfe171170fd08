# maildrop: the maildrop file format shared by sendmail, postdrop and pickup.
lib_global_libglobal_a_SOURCES += lib/global/maildrop.c lib/global/maildrop.h
