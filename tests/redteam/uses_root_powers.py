# threat: uses the powers of root (grading as root is common in containers and on Gradescope):
# capabilities such as CAP_SYS_BOOT or CAP_NET_RAW, a raw socket, uid 0
# held: not uid 0, no capability in any set, no raw socket
import ctypes
import os
import socket
import struct

libc = ctypes.CDLL(None, use_errno=True)
header = ctypes.create_string_buffer(struct.pack("II", 0x20080522, 0))
data = ctypes.create_string_buffer(24)
libc.capget(header, data)
effective, permitted, _, effective_high, permitted_high, _ = struct.unpack("6I", data.raw)
caps = effective | permitted | effective_high | permitted_high
broken = []
if os.getuid() == 0 or os.geteuid() == 0:
    broken.append("uid 0")
if caps:
    boot = " including CAP_SYS_BOOT" if effective >> 22 & 1 else ""
    broken.append(f"capabilities {caps:#x}{boot}")
try:
    socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP).close()
    broken.append("a raw socket")
except OSError:
    pass
verdict = f"BROKEN: {', '.join(broken)}" if broken else f"held: uid {os.getuid()}, no capabilities"
print(f"redteam uses_root_powers: {verdict}")


def double(x):
    return [2 * v for v in x]
