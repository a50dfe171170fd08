# cleanup/local.mk: cleanup(8) - to be filled in
