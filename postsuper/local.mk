# postsuper/local.mk - to be filled in
