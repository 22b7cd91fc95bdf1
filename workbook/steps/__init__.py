"""The application layer: one module per capability, wiring the core to io/. Every door
(command line, ribbon, assistant) calls these, through `workbook.api`."""
