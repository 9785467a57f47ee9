"""Filling a form in the browser: ODK Web Forms from our static files, on the same intake as Collect (decision 0058).

The page loads `field/fill.js`, an ES module that imports `vue` and `@getodk/web-forms` by bare name; an
import map (inline, so its hash is named in the page's policy) maps them to the npm files served as
static, so nothing is bundled and nothing is fetched from elsewhere. The client needs three things the
site-wide policy (decision 0031) refuses, allowed on this page only:

- the import map itself, by its SHA-256 (no other inline script runs);
- `'wasm-unsafe-eval'`: its XPath parser is tree-sitter compiled to WebAssembly;
- inline `<style>` elements: the library injects its stylesheet, and PrimeVue its theme, at run time,
  with its fonts as `data:` URLs. Styles and fonts cannot run code; scripts stay `'self'`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re

from django.templatetags.static import static

from clearground.security import CONTENT_SECURITY_POLICY, PERMISSIONS_POLICY, with_basemap_origins
from field.forms import xform

IMPORTS = {
    "vue": "vendor/vue/vue.runtime.esm-browser.prod.js",
    "@getodk/web-forms": "vendor/odk-web-forms/index.js",
    "rbush": "vendor/rbush/index.js",  # the map widget's spatial index (geopoint, geoshape)
    "quickselect": "vendor/quickselect/index.js",
}


def import_map() -> str:
    """The page's import map, as the exact text the <script type="importmap"> holds."""
    return json.dumps({"imports": {name: static(path) for name, path in IMPORTS.items()}}, sort_keys=True)


def content_security_policy(import_map_text: str) -> str:
    """The site's policy with what the client needs, for the fill page only (see the module docstring)."""
    digest = base64.b64encode(hashlib.sha256(import_map_text.encode()).digest()).decode()
    policy = with_basemap_origins(CONTENT_SECURITY_POLICY)
    policy = policy.replace("script-src 'self'", f"script-src 'self' 'sha256-{digest}' 'wasm-unsafe-eval'")
    policy = policy.replace("font-src 'self'", "font-src 'self' data:")
    return policy.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")


# A geopoint question asks the device for its position ("Start GeoPoint"): this page may, no other.
PAGE_PERMISSIONS_POLICY = PERMISSIONS_POLICY.replace("geolocation=()", "geolocation=(self)")
assert "geolocation=(self)" in PAGE_PERMISSIONS_POLICY

_TRANSLATION = re.compile(rb'<translation lang="([^"]*)"( default="true\(\)")?>')


def form_xml(kind: str, language: str) -> str:
    """The kind's XForm with the user's language as its default translation, when the form has it.

    pyxform names each translation "Name (code)" and marks the first default; Web Forms opens a form in
    its default translation (its own buttons stay English: it has no translations of its interface yet).
    """
    xml = xform(kind).xml
    langs = [m.group(1) for m in _TRANSLATION.finditer(xml)]
    wanted = next((lang for lang in langs if lang.endswith(f"({language})".encode())), None)
    if wanted is None:
        return xml.decode("utf-8")

    def mark(match: re.Match[bytes]) -> bytes:
        default = b' default="true()"' if match.group(1) == wanted else b""
        return b'<translation lang="' + match.group(1) + b'"' + default + b">"

    return _TRANSLATION.sub(mark, xml).decode("utf-8")
