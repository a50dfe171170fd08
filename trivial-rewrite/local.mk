# trivial-rewrite/local.mk - to be filled in
