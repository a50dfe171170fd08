# qmgr/local.mk - to be filled in
