"""Load and recalculate the COUNTIFS workbook inside LibreOffice (UNO), timed separately:
run with a Python that has the `uno` module (Debian: python3-uno).

    /usr/bin/python3 bench/peer_uno.py peer.xlsx      # prints {"load": s, "recalc": s}
"""
import json
import os
import subprocess
import sys
import tempfile
import time

import uno
from com.sun.star.beans import PropertyValue


def prop(name, value):
    p = PropertyValue()
    p.Name, p.Value = name, value
    return p


def main(path):
    profile = tempfile.mkdtemp(prefix="lo-uno-")
    pipe = f"shuping{os.getpid()}"
    office = subprocess.Popen(["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--invisible",
                               "--norestore", f"--accept=pipe,name={pipe};urp;"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    for _ in range(120):
        try:
            context = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
            break
        except Exception:
            time.sleep(0.25)
    else:
        raise SystemExit("LibreOffice did not start")
    desktop = context.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", context)
    url = uno.systemPathToFileUrl(os.path.abspath(path))
    started = time.perf_counter()
    document = desktop.loadComponentFromURL(url, "_blank", 0, (prop("Hidden", True),))
    loaded = time.perf_counter()
    document.calculateAll()
    calculated = time.perf_counter()
    document.close(True)
    try:
        desktop.terminate()
    except Exception:
        pass
    office.wait(timeout=60)
    print(json.dumps({"load": loaded - started, "recalc": calculated - loaded}))


if __name__ == "__main__":
    main(sys.argv[1])
