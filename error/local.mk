# error/local.mk - to be filled in
