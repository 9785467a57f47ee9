"""How Clearground starts Debian's Chromium headless: for the browser tests and the map benchmark.

Without the background-networking flags Chromium calls Google's hosts at start, which a closed
network refuses (and which a field office may not have either); SwiftShader draws WebGL on the CPU,
as on a machine without a GPU.
"""

import os

CHROMIUM = os.environ.get("CLEARGROUND_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--use-angle=swiftshader",
    "--enable-unsafe-swiftshader",
]
