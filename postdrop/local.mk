# postdrop/local.mk - to be filled in
