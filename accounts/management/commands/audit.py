"""`clearground audit seal|verify`: link pending audit rows into the hash chain; prove the chain unbroken."""

from __future__ import annotations

import re
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from tqdm import tqdm

from accounts import chain


def recorded_head(text: str) -> tuple[int, str]:
    """Parse SEQ:HASH, the head a previous `verify` printed and someone kept outside the database."""
    match = re.fullmatch(r"(\d+):([0-9a-f]{64})", text.strip())
    if match is None:
        raise ValueError(text)
    return int(match[1]), match[2]


class Command(BaseCommand):
    help = "Seal pending audit entries into the hash chain (seal), or seal them and walk the chain (verify)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        sub.add_parser("seal", help="link every committed unsealed entry into the chain, then exit")
        verify = sub.add_parser("verify", help="seal, then check every link; exit 1 naming each broken one")
        verify.add_argument(
            "--recorded-head",
            type=recorded_head,
            metavar="SEQ:HASH",
            help="a head printed by an earlier verify and kept elsewhere: it must still be in the chain",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        # Waits for a sealer that is running, so that "sealed N" counts everything pending right now.
        sealed = chain.seal(wait=True) or 0
        if options["subcommand"] == "seal":
            self.stdout.write(f"pending entries sealed: {sealed}")
            return
        with tqdm(unit="entry", file=sys.stderr, disable=not sys.stderr.isatty(), desc="verifying") as bar:
            bar.total = self._head_estimate()
            walk = chain.verify(progress=bar.update)
        problems = list(walk.problems)
        if options["recorded_head"] is not None:
            seq, expected = options["recorded_head"]
            stored = chain.hash_at(seq)
            if stored != expected:
                problems.append(
                    f"recorded head seq {seq}: hash expected {expected}, stored {stored or 'nothing (entry missing)'}"
                )
        self.stdout.write(f"pending entries sealed: {sealed}")
        if walk.unsealed:
            self.stdout.write(f"entries committed meanwhile, not sealed yet, not checked: {walk.unsealed}")
        if problems:
            for problem in problems:
                self.stdout.write(f"BROKEN {problem}")
            raise CommandError(f"{walk.entries} entries, chain broken: {len(problems)} problem(s)")
        self.stdout.write(f"{walk.entries} entries, chain intact, head {walk.head_seq} {walk.head_hash}")

    def _head_estimate(self) -> int:
        with connection.cursor() as cur:
            cur.execute("SELECT coalesce(max(seq), 0) FROM accounts_auditentry")
            return int(cur.fetchone()[0])
