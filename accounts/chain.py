"""The audit log's hash chain: sealing committed rows into it, and walking it to prove nothing changed.

Rows are inserted unsealed, so writers never wait on each other. Sealing gives each committed unsealed
row, in id order, the next `seq`, the previous row's hash as `prev_hash`, and
`hash = sha256(prev_hash || canonical JSON of the row)`. One sealer at a time: it holds a transaction
advisory lock, taken with a try-lock so that nobody ever waits for it (decision 0032).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import DatabaseError, connection, transaction

logger = logging.getLogger(__name__)

# prev_hash of the first entry.
GENESIS = "0" * 64
# The sealer's advisory lock key (written in migration 0002): "cg-audit" in ASCII, so that no other lock in
# the project collides with it.
SEAL_LOCK = int.from_bytes(b"cg-audit", "big")
BATCH = 5_000

# The canonical JSON of an entry `a`, the text its hash covers: a SQL function of migration 0002, shared
# with the sealer there, so that anyone with psql can recompute a hash.
CANONICAL = "accounts_auditentry_canonical(a)"


def link_hash(prev_hash: str, canonical: str) -> str:
    """The hash of one entry: sha256 over the previous entry's hash followed by this entry's canonical JSON."""
    return hashlib.sha256((prev_hash + canonical).encode("utf-8")).hexdigest()


def seal(*, wait: bool = False) -> int | None:
    """Link every committed unsealed row into the chain, in id order. Returns how many rows it sealed, or
    None if another session is sealing right now (then that one seals them; `wait=True` waits for it).
    The work is one SQL function (accounts_auditentry_seal, migration 0002): one round trip a batch."""
    sealed, after = 0, 0
    while True:
        n: int | None  # NULL when another sealer holds the lock
        with connection.cursor() as cur:
            cur.execute("SELECT n_sealed, through_id FROM accounts_auditentry_seal(%s, %s, %s)", [after, BATCH, wait])
            n, after = cur.fetchone()
        if n is None:
            return sealed or None
        sealed += n
        if n < BATCH:
            return sealed


def seal_quietly() -> None:
    """Best-effort sealing after a commit: never waits, never fails the caller (the worker and
    `clearground audit seal` catch up on anything left)."""
    try:
        seal()
    except DatabaseError:
        logger.warning("audit: sealing failed; the worker or `clearground audit seal` will seal later", exc_info=True)


def seal_after_commit() -> None:
    """Seal the rows the current transaction wrote once it commits; registered once per transaction."""
    if connection.in_atomic_block and any(entry[1] is seal_quietly for entry in connection.run_on_commit):
        return
    transaction.on_commit(seal_quietly)


@dataclass
class Walk:
    """What verify() found: how many entries it checked, the head, every broken link."""

    entries: int = 0
    head_seq: int = 0
    head_hash: str = GENESIS
    unsealed: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.problems


def verify(*, progress: Callable[[int], object] | None = None, chunk: int = 10_000) -> Walk:
    """Walk the chain in seq order on a server-side cursor and name every broken link: a row whose hash is
    not that of its contents, a prev_hash that is not the previous entry's hash, a missing seq (a deleted
    entry), a seq out of place. `progress(n)` is called after each n entries (a progress bar)."""
    walk = Walk()
    expected_seq, prev = 1, GENESIS
    with transaction.atomic():
        with connection.cursor() as cur:
            cur.execute("SELECT count(*) FROM accounts_auditentry WHERE seq IS NULL")
            walk.unsealed = int(cur.fetchone()[0])
        with connection.chunked_cursor() as cur:
            cur.execute(
                f"SELECT a.seq, a.id, a.prev_hash, a.hash, {CANONICAL} FROM accounts_auditentry AS a "
                "WHERE a.seq IS NOT NULL ORDER BY a.seq"
            )
            while rows := cur.fetchmany(chunk):
                for seq, pk, prev_hash, stored, canonical in rows:
                    if seq > expected_seq:
                        gap = f"seq {expected_seq}" if seq == expected_seq + 1 else f"seq {expected_seq}–{seq - 1}"
                        walk.problems.append(f"{gap} missing: entries deleted before seq {seq} (id {pk})")
                    elif seq < expected_seq:  # only a seq below 1 can come here: seq is unique and sorted
                        walk.problems.append(f"seq {seq} (id {pk}): unexpected seq, the chain starts at 1")
                    if prev_hash != prev:
                        walk.problems.append(
                            f"seq {seq} (id {pk}): prev_hash {prev_hash} is not the previous entry's hash {prev}"
                        )
                    expected = link_hash(prev_hash, canonical)
                    if stored != expected:
                        walk.problems.append(
                            f"seq {seq} (id {pk}): hash expected {expected}, stored {stored} (the entry was changed)"
                        )
                    # Go on from what is stored, so that one changed entry is named once, not every entry after it.
                    prev, expected_seq = stored, max(expected_seq, seq + 1)
                    walk.entries += 1
                    walk.head_seq, walk.head_hash = seq, stored
                if progress is not None:
                    progress(len(rows))
    return walk


def hash_at(seq: int) -> str | None:
    """The stored hash of entry `seq`, to compare with a head recorded elsewhere earlier."""
    with connection.cursor() as cur:
        cur.execute("SELECT hash FROM accounts_auditentry WHERE seq = %s", [seq])
        row = cur.fetchone()
    return str(row[0]) if row else None
