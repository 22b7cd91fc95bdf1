"""`python -m assistant [WORKBOOK] [--host H --password P] [--port N] [--no-browser]`."""
import sys

from .server import main

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(sys.argv[1:]))
