#!/usr/bin/env python3
# conns.py SOCKET PID [MAX] - many short MTA connections, and the worker
# pool.
#
# Postfix opens a milter connection per SMTP session, and bounces mostly
# come one per session, so the milter sees many short connections. This
# opens 200 one after another, then 50 at once, twice, each negotiating
# the protocol (SMFIC_OPTNEG) and quitting, and checks from /proc/PID/task
# that every one was answered, that the threads stay bounded by the
# connections open at once, and that connections are served by threads
# already there (a pool) rather than by a new thread each. With MAX (the
# milter's MaxConnections, above CONCURRENT), MAX + EXTRA connections at
# once: MAX are answered, the others closed unanswered.
import os
import socket
import struct
import sys
import time

SEQUENTIAL = 200
CONCURRENT = 50
SLACK = 10          # a worker may not be back in the pool yet: a new one
EXTRA = 5

sock_path, pid = sys.argv[1], sys.argv[2]
cap = int(sys.argv[3]) if len(sys.argv) > 3 else 0
failed = False


def check(ok, what):
    global failed
    print(("  PASS: " if ok else "FAIL: ") + what)
    failed |= not ok


def tids():
    return set(os.listdir("/proc/%s/task" % pid))


def packet(cmd, body=b""):
    return struct.pack("!I", len(body) + 1) + cmd + body


def take(s, n):
    b = b""
    while len(b) < n:
        more = s.recv(n - len(b))
        if not more:
            break
        b += more
    return b


def negotiate(s):
    try:
        s.sendall(packet(b"O", struct.pack("!III", 6, 0x1ff, 0x1fffff)))
        head = take(s, 4)
    except OSError:     # refused: closed
        return False
    if len(head) < 4:
        return False
    reply = take(s, struct.unpack("!I", head)[0])
    return reply[:1] == b"O" and len(reply) >= 13


def connect():
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(10)
    s.connect(sock_path)
    return s


def quit(s):
    # Wait for the milter to hang up, so that its worker is free again.
    try:
        s.sendall(packet(b"Q"))
        take(s, 1)
    except OSError:     # refused: closed already
        pass
    s.close()


def concurrently(label, before):
    """Threads seen while CONCURRENT connections are open."""
    conns = [connect() for _ in range(CONCURRENT)]
    served = sum(negotiate(s) for s in conns)
    seen = tids()
    for s in conns:
        quit(s)
    check(served == CONCURRENT, "%s: %d of %d concurrent connections answered"
          % (label, served, CONCURRENT))
    check(len(seen) <= before + CONCURRENT,
          "%s: %d threads with %d connections open (%d before)"
          % (label, len(seen), CONCURRENT, before))
    return seen


# A thread serving a connection is alive while it is open: collect the
# threads seen then. A thread per connection would add one each time.
seen = tids()
start = len(seen)
served = 0
for _ in range(SEQUENTIAL):
    s = connect()
    served += negotiate(s)
    seen |= tids()
    quit(s)
check(served == SEQUENTIAL, "%d of %d sequential connections answered"
      % (served, SEQUENTIAL))
check(len(seen) - start <= SLACK,
      "%d sequential connections served by %d thread(s) not there before"
      % (SEQUENTIAL, len(seen) - start))

first = concurrently("first burst", len(tids()))
second = concurrently("second burst", len(tids()))
check(len(second - first) <= SLACK,
      "second burst served by the threads of the first: %d new"
      % len(second - first))

if cap:
    time.sleep(0.3)     # every worker back in the pool
    conns = [connect() for _ in range(cap + EXTRA)]
    served = sum(negotiate(s) for s in conns)
    for s in conns:
        quit(s)
    check(served == cap, "MaxConnections %d: %d of %d connections at once answered"
          % (cap, served, cap + EXTRA))
sys.exit(1 if failed else 0)
