"""A bad field link between devices and the server, for tests/test_openrosa_flaky.py and bench/.

`FlakyLink` is a TCP relay in front of the served app that, connection by connection, passes the
exchange, cuts it mid-upload (half the request reaches the server, then both sides are closed), or
drops the answer (the whole request reaches the server, which commits and answers, but the device
gets a closed connection instead). Its upstream can be pointed at a restarted server. `Device` sends
submissions as Collect does and, like Collect, sends the same instance again until it gets an answer.
"""

from __future__ import annotations

import random
import socket
import threading
import time
from dataclasses import dataclass, field

import requests

PASS, CUT, DROP = "pass", "cut mid-upload", "answer dropped"


class FlakyLink:
    """Listen on a local port; relay each connection to `upstream`, passing, cutting or dropping it."""

    def __init__(self, upstream: int, *, cut: float, drop: float, seed: int = 17) -> None:
        self.upstream = upstream
        self.cut, self.drop = cut, drop
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        self.counts = {PASS: 0, CUT: 0, DROP: 0, "no server": 0}
        self._server = socket.create_server(("127.0.0.1", 0))
        self.port = int(self._server.getsockname()[1])
        self._stop = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def close(self) -> None:
        self._stop.set()
        self._server.close()

    def _fate(self) -> str:
        with self._lock:
            roll = self._random.random()
        return CUT if roll < self.cut else DROP if roll < self.cut + self.drop else PASS

    def _count(self, what: str) -> None:
        with self._lock:
            self.counts[what] += 1

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                client, _addr = self._server.accept()
            except OSError:
                return
            threading.Thread(target=self._relay, args=(client,), daemon=True).start()

    def _relay(self, client: socket.socket) -> None:
        with client:
            request = _read_request(client)
            if request is None:
                return
            fate = self._fate()
            try:
                upstream = socket.create_connection(("127.0.0.1", self.upstream), timeout=30)
            except OSError:
                self._count("no server")  # the server is down (killed, restarting): the device sees a reset
                return
            with upstream:
                if fate == CUT:
                    upstream.sendall(request[: len(request) // 2])
                    self._count(CUT)
                    return
                upstream.sendall(request)
                answer = _read_all(upstream)
                self._count(fate if answer else "no server")
                if fate == PASS and answer:
                    client.sendall(answer)


def _read_request(sock: socket.socket) -> bytes | None:
    """One whole HTTP request (headers and Content-Length body)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return None
        data += chunk
    head, _sep, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _c, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            return None
        body += chunk
    return head + b"\r\n\r\n" + body


def _read_all(sock: socket.socket) -> bytes:
    """The server's whole answer (the device asked for Connection: close)."""
    out = b""
    try:
        while chunk := sock.recv(65536):
            out += chunk
    except OSError:
        pass
    return out


@dataclass
class Sent:
    """What a device sent for one instance, and every answer it got."""

    instance_id: str
    photo_name: str
    photo: bytes
    statuses: list[int] = field(default_factory=list)  # 0: no answer (reset, cut, dropped)


def send_until_answered(url: str, headers: dict[str, str], xml: bytes, sent: Sent, *, give_up: float = 120) -> None:
    """POST the submission again and again, as Collect does, until the server answers 201 or 202."""
    deadline = time.monotonic() + give_up
    while time.monotonic() < deadline:
        files = {"xml_submission_file": ("submission.xml", xml, "text/xml"),
                 sent.photo_name: (sent.photo_name, sent.photo, "image/jpeg")}  # fmt: skip
        try:
            r = requests.post(url, files=files, headers={**headers, "Connection": "close"}, timeout=60)
            sent.statuses.append(r.status_code)
            if r.status_code in (201, 202):
                return
        except requests.RequestException:
            sent.statuses.append(0)
        time.sleep(0.05 + 0.1 * random.random())
    raise AssertionError(f"{sent.instance_id} never answered: {sent.statuses}")
