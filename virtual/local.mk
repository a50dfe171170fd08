# virtual/local.mk - to be filled in
