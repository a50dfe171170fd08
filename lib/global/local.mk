# lib/global: (filled in by its module)
