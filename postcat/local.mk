# postcat/local.mk - to be filled in
