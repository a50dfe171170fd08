# lib/global/deliver.mk - to be filled in
lib_global_libglobal_a_SOURCES += lib/global/mail_queue.c lib/global/mail_queue.h
lib_global_libglobal_a_SOURCES += lib/global/deliver_request.c lib/global/deliver_request.h lib/global/deliver_request_priv.h
