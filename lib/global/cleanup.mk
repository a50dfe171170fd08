# lib/global/cleanup.mk: cleanup client and record streams (helper H5) - to be filled in
