# lib/dict: (filled in by its module)
