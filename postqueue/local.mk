# postqueue/local.mk - to be filled in
