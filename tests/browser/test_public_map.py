"""The static public map in Chromium, served by Debian's nginx from `clearground publish`'s folder alone.

No Clearground server runs in this test (no live_server): the page, its scripts and the PMTiles archive come
from nginx, which answers the archive's range requests; every request the page makes goes there. Needs the
`nginx` Debian package (scripts/bootstrap.sh installs it); skipped, saying so, where it is missing.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.core.management import call_command

from clearground.test import Cast, rect
from tests.helpers import activity, approved, register_hazard
from tests.test_publication_defaults import WARNING_FIELDS

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)

NGINX_CONF = """
daemon off;
{user}worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log;
events {{ worker_connections 64; }}
http {{
  types {{ text/html html; text/css css; application/javascript js; application/json json; }}
  default_type application/octet-stream;
  access_log {tmp}/access.log;
  client_body_temp_path {tmp}/body; proxy_temp_path {tmp}/proxy; fastcgi_temp_path {tmp}/fastcgi;
  uwsgi_temp_path {tmp}/uwsgi; scgi_temp_path {tmp}/scgi;
  server {{
    listen 127.0.0.1:{port};
    root {root};
  }}
}}
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def nginx(tmp_path: Path) -> Iterator[tuple[str, Path, Path]]:
    """nginx serving tmp_path/public on a free port: (its URL, the folder, its access log)."""
    if NGINX is None:
        pytest.skip("nginx is not installed: scripts/bootstrap.sh installs Debian's nginx for this test")
    root, conf_dir = tmp_path / "public", tmp_path / "nginx"
    root.mkdir()
    conf_dir.mkdir()
    port = free_port()
    conf = conf_dir / "nginx.conf"
    # Started as root (as CI runs), nginx's workers would drop to `nobody`, who cannot enter pytest's
    # private temporary folder: they keep the test's own user instead.
    user = "user root;\n" if os.geteuid() == 0 else ""
    conf.write_text(NGINX_CONF.format(tmp=conf_dir, port=port, root=root, user=user))
    server = subprocess.Popen([NGINX, "-c", str(conf), "-p", str(conf_dir)], stderr=subprocess.PIPE)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                break
            except OSError:
                time.sleep(0.05)
        else:
            pytest.fail(f"nginx did not start: {(conf_dir / 'error.log').read_text()}")
        yield f"http://127.0.0.1:{port}/", root, conf_dir / "access.log"
    finally:
        server.terminate()
        server.wait(10)


def test_the_public_map_renders_released_land_from_a_static_server_alone(page, watch, nginx, cast: Cast, settings):
    url, folder, access_log = nginx
    settings.CLEARGROUND_PUBLISHED = {"released_land": ["admin_area", "cleared_m2", "remaining_m2"],
                                      "hazard_warnings": WARNING_FIELDS}  # fmt: skip
    hazard = register_hazard(cast, 200)
    approved(cast, "clearance_progress", {"activity": activity(),
             "cleared": [{"geometry": rect(0, 0, 100, 200), "depth_cm": 20}]}, hazard=hazard)  # fmt: skip
    call_command("publish", "--out", str(folder))

    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(url)
    page.wait_for_function("() => window.publicMapReady === true")
    released = page.evaluate("window.publicMap.queryRenderedFeatures({layers: ['released_land']}).length")
    assert released >= 1
    area = page.evaluate("window.publicMap.queryRenderedFeatures({layers: ['released_land']})[0].properties")
    assert area["admin_area"] == "Test Oblast" and area["cleared_m2"] > 0
    # Zoomed to the hazard, its warning is drawn too.
    centre = [hazard.geom.centroid.x, hazard.geom.centroid.y]
    page.evaluate("(centre) => window.publicMap.jumpTo({center: centre, zoom: 14})", centre)
    page.wait_for_function(
        "() => window.publicMap.loaded() && window.publicMap.queryRenderedFeatures({layers: ['hazard_warnings']})"
        ".length"
    )
    # Released land is tiled to z12 only (decision 0062): at z14 its last tiles are overzoomed, still drawn.
    assert page.evaluate("window.publicMap.queryRenderedFeatures({layers: ['released_land']}).length") >= 1
    # Every request went to nginx: none to Clearground (which is not even running), none off the machine.
    origin = urlparse(url).netloc
    assert requests and all(urlparse(r).netloc == origin for r in requests if not r.startswith(("data:", "blob:")))
    # pmtiles.js read the archive in byte ranges, and nginx answered them (206); a range read again is
    # revalidated against the browser's cache (304), never sent whole (200).
    ranged = [line for line in access_log.read_text().splitlines() if "published.pmtiles" in line]
    assert any('" 206 ' in line for line in ranged)
    assert all('" 206 ' in line or '" 304 ' in line for line in ranged)


def test_a_click_points_the_statement_link_at_that_spot_when_the_servers_address_is_set(
    page, watch, nginx, cast: Cast, settings
):
    url, folder, _log = nginx
    settings.CLEARGROUND_PUBLISHED = {"released_land": ["admin_area"]}
    settings.CLEARGROUND_PUBLIC_URL = "https://register.example.org"
    register_hazard(cast, 200)
    call_command("publish", "--out", str(folder))
    page.goto(url)
    page.wait_for_function("() => window.publicMapReady === true")
    link = page.locator("#statement-link")
    assert link.get_attribute("href") == "https://register.example.org/public/parcel-statement/"
    page.evaluate("() => window.publicMap.once('click', (e) => { window.clickedAt = e.lngLat.wrap(); })")
    box = page.locator("#map").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    lon, lat = page.evaluate("() => [window.clickedAt.lng, window.clickedAt.lat]")
    href = link.get_attribute("href")
    assert href.startswith("https://register.example.org/public/parcel-statement/?lon=")
    assert href.endswith("&radius=100")
    query = dict(part.split("=") for part in href.split("?")[1].split("&"))
    assert float(query["lon"]) == pytest.approx(lon, abs=1e-5) and float(query["lat"]) == pytest.approx(lat, abs=1e-5)
