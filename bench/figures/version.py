"""`fink version`: its start-up, and what the update check adds when nothing is cached and PyPI is slow (a local
server that accepts the connection and never answers stands in for PyPI)."""
from __future__ import annotations

import http.server
import threading

from ..harness import Bench, Row, measure

NAME = "version"


class _Silent(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # never answers within the check's budget
        threading.Event().wait(5)

    def log_message(self, *args) -> None:
        pass


def run(bench: Bench) -> list[Row]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Silent)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        off = measure([bench.fink("fink"), "version"], bench.env(), repeat=bench.repeat * 2)
        cache = bench.folder("update-cache")
        env = bench.env(FINK_NO_UPDATE_CHECK="", CI="", XDG_CACHE_HOME=str(cache),
                        FINK_PYPI_URL=f"http://127.0.0.1:{server.server_address[1]}/pypi/fink/json")
        env.pop("CI")

        def uncached() -> None:
            for path in cache.rglob("update-check.json"):
                path.unlink()
        on = measure([bench.fink("fink"), "version"], env, repeat=bench.repeat * 2, prepare=uncached)
    finally:
        server.shutdown()
    return [Row("`fink version` (update check off) CPU", off.cpu, "s CPU", peak_mb=off.peak_mb),
            Row("`fink version` uncached check, PyPI silent", on.wall, "s", "check off", off.wall,
                peak_mb=on.peak_mb, target="+<= 0.05 s",
                notes=[f"adds {1000 * (on.wall - off.wall):.0f} ms wall, {1000 * (on.cpu - off.cpu):.0f} ms CPU"])]
