# showq/local.mk - to be filled in
