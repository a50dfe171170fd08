# lib/global/deliver.mk - to be filled in
