"""Excel entry points (one per ribbon button), called by the add-in as `macros_py.<Name>()`.

Each will be `run_<action>(xw.Book.caller())` over the same core as the command line;
they land with the "Excel entry points" issue. Nothing here yet, on purpose: no button
fakes a result.
"""
