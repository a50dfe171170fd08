# master/local.mk: master(8) - to be filled in
