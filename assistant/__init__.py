"""述评助手: every step of the year as a button in a local web page (a door, like
`macros_py/` and `workbook/cli.py`). It calls `workbook.api` and renders what comes back;
it never imports the other doors.

Entry point: `python -m assistant` or `shuping app` (which starts `assistant.server.main`).
"""
