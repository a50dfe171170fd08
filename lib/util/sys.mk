# lib/util system modules (files, logging, processes, privileges)
