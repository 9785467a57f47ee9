"""Reading one tile out of a configured PMTiles file on this server: for the tile door and for paper.

pmtiles' `Reader.get` deserialises the root and the leaf directory again for every tile (25 ms each for the
demo's archive), which made a printed sheet's basemap cost more than the rest of the print (decision 0063) and
would make the tile door slower than the range requests it saves (decision 0066). Directories are kept here
by (archive identity, offset, length); the identity is the open file's inode, size and modification time, so an
archive rebuilt (renamed over the old one, decision 0056) is read afresh and never mixed with the old one's.
"""

from __future__ import annotations

import os
from typing import Any

_DIRECTORIES: dict[tuple[int, int, int, int, int], list[Any]] = {}
_DIRECTORIES_KEPT = 32
HEADER_BYTES = 127


def header(fh: Any) -> dict[str, Any]:
    """The archive's header (zooms, bounds, tile type and compression) from the open file."""
    from pmtiles.tile import deserialize_header

    fh.seek(0)
    return dict(deserialize_header(fh.read(HEADER_BYTES)))


def _directory(fh: Any, identity: tuple[int, int, int], offset: int, length: int) -> list[Any]:
    from pmtiles.tile import deserialize_directory

    key = (*identity, offset, length)
    if key not in _DIRECTORIES:
        if len(_DIRECTORIES) >= _DIRECTORIES_KEPT:
            _DIRECTORIES.clear()
        fh.seek(offset)
        _DIRECTORIES[key] = list(deserialize_directory(fh.read(length)))
    return _DIRECTORIES[key]


def tile(fh: Any, head: dict[str, Any], z: int, x: int, y: int) -> bytes | None:
    """The tile's bytes (compressed as stored), found through the kept directories; None when there is none."""
    from pmtiles.tile import find_tile, zxy_to_tileid

    stat = os.fstat(fh.fileno())
    identity = (stat.st_ino, stat.st_size, stat.st_mtime_ns)
    tile_id = zxy_to_tileid(z, x, y)
    offset, length = head["root_offset"], head["root_length"]
    for _depth in range(4):  # the format's deepest directory
        entry = find_tile(_directory(fh, identity, offset, length), tile_id)
        if entry is None:
            return None
        if entry.run_length == 0:
            offset, length = head["leaf_directory_offset"] + entry.offset, entry.length
            continue
        fh.seek(head["tile_data_offset"] + entry.offset)
        return bytes(fh.read(entry.length))
    return None
