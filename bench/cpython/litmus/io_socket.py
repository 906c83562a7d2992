# C4b: N threads each blocking in recv() on a socket whose peer answers after D seconds,
# vs the same N*K round trips done by one thread.
# Each socket pair has a helper thread (a delayed echo server): it recv()s one byte,
# sleeps D, and sends it back. Uses socket.socketpair() where available, else a TCP
# loopback connection with TCP_NODELAY (Jython).
# usage: io_socket.py NTHREADS K D
from __future__ import print_function, division
import socket
import sys
import threading
import time
from common import emit, run_threads, clock, version_info


def make_pair():
    if hasattr(socket, "socketpair"):
        return socket.socketpair(), "socketpair"
    lst = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lst.bind(("127.0.0.1", 0))
    lst.listen(1)
    a = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    a.connect(lst.getsockname())
    b, _ = lst.accept()
    lst.close()
    for s in (a, b):
        try:
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except Exception:
            pass
    return (a, b), "tcp-loopback"


def echo_helper(s, d):
    while True:
        data = s.recv(1)
        if not data:
            break
        time.sleep(d)
        s.sendall(data)


def client(s, k):
    for _ in range(k):
        s.sendall(b"x")
        got = s.recv(1)
        if got != b"x":
            raise RuntimeError("bad echo %r" % (got,))


def main():
    nthreads, k, d = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
    pairs = []
    kind = None
    helpers = []
    for _ in range(nthreads):
        (a, b), kind = make_pair()
        h = threading.Thread(target=echo_helper, args=(b, d))
        h.daemon = True
        h.start()
        helpers.append(h)
        pairs.append((a, b))
    client(pairs[0][0], 1)  # warm-up round trip
    t0 = clock()
    for a, _ in pairs:
        client(a, k)
    seq = clock() - t0
    thr = run_threads(client, [(a, k) for a, _ in pairs])
    for a, b in pairs:
        a.close()
    for h in helpers:
        h.join(2.0)
    out = {"threads": nthreads, "rounds": k, "d": d, "kind": kind, "seq": seq, "thr": thr,
           "ratio": thr / seq}
    out.update(version_info())
    emit(out)


if __name__ == "__main__":
    main()
