# bounce/local.mk - to be filled in
