# local/local.mk - to be filled in
