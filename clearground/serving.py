"""A server that listens beyond loopback refuses to start with the development keys (decision 0038).

The development SECRET_KEY and the development casualty key (casualties/crypto.py) are written in this
repository: anyone could forge a session cookie or a password-reset link with the first, and read
every casualty's identity with the second. On 127.0.0.1 only this machine reaches the server, which
is what `make run` is for; any other address, or a name that is not `localhost`, needs both keys set.

    python -m clearground.serving check HOST[:PORT] ...   # exit 1, saying why, when a bind is refused

gunicorn.conf.py calls `refuse_development_keys` with gunicorn's own addresses before it binds them,
so the rule holds for every way gunicorn is started from the checkout, not only for scripts/run.sh.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import sys
from collections.abc import Sequence

LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"}

Address = str | int | tuple[str, int] | tuple[str, int, int, int]


class DevelopmentKeysExposed(RuntimeError):
    """A listening address beyond loopback with a development key in use; the message says what to set."""


def host_of(address: Address) -> str | None:
    """The host part of a bind address; None for a unix socket (local by nature).

    Takes gunicorn's parsed addresses ((host, port), a socket path, a file descriptor number) and
    the text forms `HOST`, `HOST:PORT`, `[V6]:PORT`, `unix:PATH`, `fd://N`.
    """
    if isinstance(address, tuple):
        return address[0]
    if isinstance(address, int):
        return "fd://"  # a socket passed in (systemd): where it listens is not known here
    text = address.strip()
    if text.startswith("unix:") or text.startswith("/"):
        return None
    if text.startswith("fd://"):
        return "fd://"
    if text.startswith("["):
        return text[1 : text.index("]")] if "]" in text else text
    if text.count(":") == 1:
        return text.split(":", 1)[0]
    return text  # a bare host or a bare IPv6 address


def is_loopback(host: str | None) -> bool:
    """Is this a loopback address or `localhost`? ('' and 0.0.0.0 mean every interface: no.)"""
    if host is None:
        return True
    name = host.strip().lower()
    if name in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(name.split("%", 1)[0]).is_loopback
    except ValueError:
        return False  # another name may resolve anywhere


def development_keys() -> list[str]:
    """The development keys the settings would use: SECRET_KEY, CLEARGROUND_FIELD_KEY, or none."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clearground.settings")
    from django.conf import settings

    from casualties.crypto import DEV_FIELD_KEY

    found = []
    if settings.SECRET_KEY == getattr(settings, "DEVELOPMENT_SECRET_KEY", None):
        found.append("SECRET_KEY")
    field_keys = [k.strip() for k in str(getattr(settings, "CLEARGROUND_FIELD_KEY", "")).split(",") if k.strip()]
    if not field_keys or DEV_FIELD_KEY in field_keys:
        found.append("CLEARGROUND_FIELD_KEY")
    return found


def refuse_development_keys(addresses: Sequence[Address]) -> None:
    """Raise DevelopmentKeysExposed when any address is beyond loopback and a development key is in use."""
    exposed = [a for a in addresses if not is_loopback(host_of(a))]
    if not exposed:
        return
    keys = development_keys()
    if not keys:
        return
    shown = ", ".join(_shown(a) for a in exposed)
    raise DevelopmentKeysExposed(
        f"refusing to listen on {shown} with the development {' and '.join(keys)}: these keys are public "
        "(anyone could forge sessions and read casualty identities). Set "
        f"{' and '.join(keys)} (docs/configuration.md), or listen on 127.0.0.1 (CLEARGROUND_BIND)."
    )


def _shown(address: Address) -> str:
    if isinstance(address, tuple):
        host = f"[{address[0]}]" if ":" in address[0] else address[0] or "*"
        return f"{host}:{address[1]}"
    return str(address)


def main(argv: Sequence[str] | None = None) -> int:
    """Command line entry point: `check ADDRESS...`; returns the exit code."""
    parser = argparse.ArgumentParser(prog="python -m clearground.serving", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="action", required=True)
    p = sub.add_parser("check", help="refuse (exit 1) a bind address beyond loopback with a development key")
    p.add_argument("addresses", nargs="+", metavar="HOST[:PORT]")
    args = parser.parse_args(argv)
    try:
        refuse_development_keys(args.addresses)
    except DevelopmentKeysExposed as refused:
        print(f"[serve] error: {refused}", file=sys.stderr, flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
