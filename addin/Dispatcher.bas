Attribute VB_Name = "RibbonMyAddin"
Option Explicit

' shuping: the one callback of every button on the ribbon. The button's tag names the
' entry point in the Python package macros_py (see macros_py/__init__.py), which does the
' work and shows its own message box. Kept ASCII: Chinese text lives in customUI.xml.
Sub OnButton(control As IRibbonControl)
    RunPython "import macros_py; macros_py." & control.Tag & "()"
End Sub
