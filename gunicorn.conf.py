"""gunicorn's settings file: gunicorn reads ./gunicorn.conf.py itself when started from the checkout.

Only a start-up check lives here; scripts/run.sh gives the rest (bind, workers, threads) on its command line.
"""

from typing import Any


def on_starting(server: Any) -> None:
    """Before binding: refuse an address beyond loopback while a development key is in use (decision 0038).

    gunicorn prints a RuntimeError's message as `Error: …` and exits with status 1.
    """
    from clearground.serving import refuse_development_keys

    refuse_development_keys(server.cfg.address)
