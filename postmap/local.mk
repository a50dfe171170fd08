# postmap: (filled in by its module)
