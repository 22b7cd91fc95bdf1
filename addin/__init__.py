"""The ribbon add-in: customUI, the VBA dispatcher, and the build of shuping.xlam from the
xlwings add-in template (see build.py; the compound-file and VBA formats in cfb.py, ovba.py)."""
