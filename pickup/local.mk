# pickup/local.mk - to be filled in
