"""Fill a translation file's empty entries from a JSON map {msgid: msgstr}; report what is still empty.

    .venv/bin/python scripts/po_fill.py web/atlas/locale/uk/LC_MESSAGES/django.po uk.json

Entries already translated are kept; "fuzzy" flags on filled entries are removed. Exit 1 if any
entry stays untranslated, so that a missing translation is seen, not shipped as English.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path


def _unquote(lines: list[str]) -> str:
    return "".join(json.loads(line) for line in lines)


def _quote(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def fill(po_path: Path, translations: dict[str, str]) -> list[str]:
    """Fill empty (or fuzzy) entries of `po_path` from `translations`; return the msgids still empty."""
    text = po_path.read_text(encoding="utf-8")
    # makemessages writes a new catalogue with Plural-Forms where the blank line after the header was:
    # put it back, or the first message is read as part of the header and never filled.
    text = re.sub(r'^(msgid ""\nmsgstr ""\n(?:".*"\n)*)(?=msgid )', r"\1\n", text, count=1, flags=re.M)
    blocks = text.split("\n\n")
    missing: list[str] = []
    out: list[str] = []
    for block in blocks:
        lines = block.split("\n")
        m = [i for i, line in enumerate(lines) if line.startswith("msgid ")]
        s = [i for i, line in enumerate(lines) if line.startswith("msgstr ")]
        if not m or not s or any(line.startswith("msgid_plural") for line in lines):
            out.append(block)
            continue
        msgid = _unquote([lines[m[0]][6:]] + [ln for ln in lines[m[0] + 1 : s[0]] if ln.startswith('"')])
        msgstr = _unquote([lines[s[0]][7:]] + [ln for ln in lines[s[0] + 1 :] if ln.startswith('"')])
        if msgid == "":  # the header
            out.append(block)
            continue
        if msgid in translations and (not msgstr or "#, fuzzy" in block):
            msgstr = translations[msgid]
            head = [ln for ln in lines[: s[0]] if ln.strip() != "#, fuzzy" and not ln.startswith("#| ")]
            head = [re.sub(r"^#, fuzzy, ", "#, ", ln) for ln in head]
            block = "\n".join(head + [f"msgstr {_quote(msgstr)}"])
        if not msgstr:
            missing.append(msgid)
        out.append(block)
    po_path.write_text("\n\n".join(out), encoding="utf-8")
    return missing


if __name__ == "__main__":
    po, table = Path(sys.argv[1]), json.loads(Path(sys.argv[2]).read_text(encoding="utf-8"))
    left = fill(po, table)
    for msgid in left:
        print(f"untranslated: {msgid!r}")
    sys.exit(1 if left else 0)
