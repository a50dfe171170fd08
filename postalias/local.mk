# postalias: (filled in by its module)
