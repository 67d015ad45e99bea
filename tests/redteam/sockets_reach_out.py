# threat: reaches the host's network and its local services: a UDP datagram to a port on
# 127.0.0.1, a path-named Unix socket (a socket file of the host: a database, a docker socket),
# an abstract Unix socket name (the hidden inputs could leave that way)
# held: nothing arrives (the test listens on all three)
import socket

PORT, PATH, ABSTRACT = 9, "/nonexistent/redteam.sock", "\0grader-redteam"  # set by the test
payload = b"hidden input: [3.0]"
sent = []
try:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        udp.sendto(payload, ("127.0.0.1", PORT))
        sent.append("UDP")
except OSError:
    pass
for name, address in (("a Unix socket file", PATH), ("an abstract Unix socket", ABSTRACT)):
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as unix:
            unix.settimeout(2)
            unix.connect(address)
            unix.sendall(payload)
            sent.append(name)
    except OSError:
        pass
verdict = f"BROKEN: sent through {', '.join(sent)}" if sent else "held: nothing could be sent"
print(f"redteam sockets_reach_out: {verdict}")


def double(x):
    return [2 * v for v in x]
