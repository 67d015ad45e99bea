"""A fork server's control socket: messages that carry descriptors, without importing ``socket``.

The ``socket`` module builds enums of every constant when it is imported, which costs a
``grader grade`` milliseconds on its critical path; the C module it wraps does all a fork server's
control socket needs (a SOCK_SEQPACKET pair, ``sendmsg``/``recvmsg`` with SCM_RIGHTS). Also: the
pid of the process a pidfd refers to, as this process sees it (outside a PID namespace).
"""

from __future__ import annotations

import _socket
import struct

Socket = _socket.socket
INT = struct.calcsize("i")


def socketpair() -> tuple[Socket, Socket]:
    """A connected pair of AF_UNIX, SOCK_SEQPACKET sockets (messages keep their bounds)."""
    return _socket.socketpair(_socket.AF_UNIX, _socket.SOCK_SEQPACKET)


def lock(name: str) -> Socket:
    """An abstract Unix socket bound to ``name``: held until closed or its process dies;
    OSError if another process holds it."""
    held = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
    try:
        held.bind(f"\0{name}")
    except OSError:
        held.close()
        raise
    return held


def send(control: Socket, data: bytes, fds: tuple[int, ...]) -> None:
    """One message with descriptors (``socket.send_fds``, without importing ``socket``)."""
    rights = [(_socket.SOL_SOCKET, _socket.SCM_RIGHTS, struct.pack(f"{len(fds)}i", *fds))]
    control.sendmsg([data], rights if fds else [])


def receive(control: Socket) -> tuple[bytes, list[int]]:
    """One message and the descriptor it may carry (``socket.recv_fds``)."""
    data, ancillary, _, _ = control.recvmsg(1 << 16, _socket.CMSG_SPACE(INT))
    fds: list[int] = []
    for level, kind, payload in ancillary:
        if level == _socket.SOL_SOCKET and kind == _socket.SCM_RIGHTS:
            usable = len(payload) - len(payload) % INT
            fds += struct.unpack(f"{usable // INT}i", payload[:usable])
    return data, fds


def pid_of(pidfd: int) -> int | None:
    """The pid, in this process's PID namespace, of the process a pidfd refers to."""
    try:
        with open(f"/proc/self/fdinfo/{pidfd}") as info:
            for line in info:
                if line.startswith("Pid:"):
                    pid = int(line.split()[1])
                    return pid if pid > 0 else None
    except (OSError, ValueError):
        pass
    return None
