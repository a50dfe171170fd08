# postconf: (filled in by its module)
