#!/usr/bin/env python3
"""mix.py - the message mix of the load and fault tests, sent and checked.

    mix.py prepare OUT PLAN BIN RULES [--alt RULES2]
    mix.py send OUT PORT MILTER_PID SPOOL [--connection-per-message]
    mix.py check OUT MAILDIR [--fail-open] [--accepted N]
    mix.py drain SPOOL SECONDS
    mix.py smtp PORT FILE COUNT SENDER RCPT

A PLAN has one stream a line: NAME SESSIONS MESSAGES SENDER CATEGORY
SOURCE. SENDER is an address or <> (null sender). CATEGORY is the
X-Bounce-Category the fixture must get (none: no fields at all), which
anchors what follows to the fixture's facts. SOURCE is a message file
(relative to the tree's top), forge:FILE (the file with forged X-Bounce-*
fields added and a Message-ID of its own) or generated:LENGTH
(smtp-source's own message, LENGTH bytes of body). Every stream goes to
sink@e2e.test; a delivered message is told to its stream by its
Message-ID (by Subject for generated mail).

prepare writes OUT/NAME.eml for every stream and OUT/expect.json: what the
milter must add to each, taken from `bouncemilter -t` on the same file
with the same envelope (so the daemon under load must do exactly what it
does for one message alone: no cross-talk between threads), after
checking that it has the plan's category. --alt gives
a second rule set whose result is also accepted (a reload mid-load).

send runs one smtp-source per stream at once (their sessions and
messages add up to the plan's totals), samples the milter's threads
while they run, waits until the queue is empty, and prints the figures.

check reads every delivered file: exact counts per stream, the milter's
fields exactly as expected, no forged value left anywhere. --fail-open
also accepts messages that passed while the milter was down (no fields,
or a prefix of the expected fields when it died in the middle of its
reply); --accepted N compares the total delivered with N instead of the
plan's counts.

drain waits until no message is in flight in the queue (exit 1 on
timeout).

smtp sends COUNT copies of FILE over SMTP with Python's smtplib, a new
connection each, and counts accepted and refused (4xx) messages: the
tempfail variant, where smtp-source would stop at the first refusal.
"""

import argparse
import json
import os
import signal
import smtplib
import subprocess
import sys
import threading
import time

FORGED = "forged-load-marker"
RCPT = "sink@e2e.test"
PREFIX = b"x-bounce-"


def die(msg):
    print("mix.py: " + msg, file=sys.stderr)
    sys.exit(2)


def read_plan(path):
    streams = []
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.split("#", 1)[0].split()
            if not line:
                continue
            if len(line) != 6:
                die("%s:%d: want NAME SESSIONS MESSAGES SENDER CATEGORY SOURCE" % (path, n))
            name, sessions, messages, sender, category, source = line
            streams.append({"name": name, "sessions": int(sessions),
                            "messages": int(messages),
                            "sender": "" if sender == "<>" else sender,
                            "category": category, "source": source})
    return streams


def header_end(data):
    """Offset of the blank line that ends the header section."""
    i = data.find(b"\n\n")
    return len(data) if i < 0 else i + 1


def fields(head):
    """Header fields as raw text (folding kept), in order."""
    out = []
    for line in head.split(b"\n"):
        if line[:1] in (b" ", b"\t") and out:
            out[-1] += b"\n" + line
        elif line:
            out.append(line)
    return out


def ours(data):
    return [f for f in fields(data[:header_end(data)]) if f[:len(PREFIX)].lower() == PREFIX]


def message_ids(data):
    head = fields(data[:header_end(data)])
    return [f.split(b":", 1)[1].strip() for f in head if f.lower().startswith(b"message-id:")]


def set_message_id(data, msgid):
    """Replace the top header's Message-ID (or add one)."""
    end = header_end(data)
    head = fields(data[:end])
    head = [f for f in head if not f.lower().startswith(b"message-id:")]
    head.append(b"Message-ID: " + msgid)
    return b"\n".join(head) + b"\n" + data[end:]


def forge(data):
    """Forged copies of the milter's fields: mixed case, folded, spread."""
    end = header_end(data)
    head = fields(data[:end])
    m = FORGED.encode()
    head.insert(1, b"X-Bounce-Category: " + m)
    head.insert(2, b"x-bounce-diagnosis: v=1; category=" + m + b";\n\trcpt=<" + m + b"@example.net>")
    head.append(b"X-BOUNCE-SUMMARY: " + m + b" says all is well")
    head.append(b"X-Bounce-Original-Message-ID: <" + m + b"@example.net>")
    return b"\n".join(head) + b"\n" + data[end:]


def category(added):
    """The X-Bounce-Category among added fields, or none."""
    for f in added:
        if f.lower().startswith("x-bounce-category:"):
            return f.split(":", 1)[1].strip()
    return "none"


def oracle(binary, conf, path, sender):
    """The fields `bouncemilter -t` adds to this message."""
    with open(path, "rb") as f:
        data = f.read()
    env = b"Return-Path: <" + sender.encode() + b">\nX-Original-To: " + RCPT.encode() + b"\n"
    r = subprocess.run([binary, "-c", conf, "-t", "-"], input=env + data,
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=60)
    if r.returncode != 0:
        die("%s -t %s: exit %d" % (binary, path, r.returncode))
    added = []
    adding = False
    for line in r.stdout.split(b"\n"):
        if line.startswith(b"add header "):
            added.append(line[len(b"add header "):])
            adding = True
        elif line.startswith(b"\t") and adding:
            added[-1] += b"\n" + line
        else:
            adding = False
    return [a.decode("ascii") for a in added]


def prepare(out, plan, binary, rules, alt):
    top = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    streams = read_plan(plan)
    os.makedirs(out, exist_ok=True)
    os.environ["BOUNCE_RULES_CACHE"] = os.path.join(out, "cache")
    os.makedirs(os.environ["BOUNCE_RULES_CACHE"], exist_ok=True)
    confs = []
    for i, r in enumerate([rules] + ([alt] if alt else [])):
        conf = os.path.join(out, "oracle%d.conf" % i)
        with open(conf, "w") as f:
            f.write("RulesDir %s\nSyslog no\n" % r)
        confs.append(conf)
    keys = set()
    for s in streams:
        src = s["source"]
        path = os.path.join(out, s["name"] + ".eml")
        if src.startswith("generated:"):
            s["length"] = int(src.split(":", 1)[1])
            s["key"] = "subject:load-" + s["name"]
            s["expect"] = [[] for _ in confs]
            s["forged"] = False
            if s["category"] != "none":
                die("%s: generated mail gets no fields (category none)" % s["name"])
            keys.add(s["key"])
            continue
        forged = src.startswith("forge:")
        with open(os.path.join(top, src.split(":", 1)[1] if forged else src), "rb") as f:
            data = f.read()
        # Fixtures kept with CRLF line ends: smtp-source adds its own CR.
        if data.count(b"\r\n") == data.count(b"\n"):
            data = data.replace(b"\r\n", b"\n")
        if forged or len(message_ids(data)) != 1:
            # One Message-ID of its own tells the stream's copies apart.
            data = set_message_id(data, b"<" + s["name"].encode() + b"@load.e2e.test>")
        if forged:
            data = forge(data)
        with open(path, "wb") as f:
            f.write(data)
        s["file"] = path
        s["key"] = "message-id:" + message_ids(data)[0].decode()
        if s["key"] in keys:
            die("%s: Message-ID shared with another stream" % src)
        keys.add(s["key"])
        s["forged"] = forged or bool(ours(data))
        s["expect"] = [oracle(binary, c, path, s["sender"]) for c in confs]
        got = category(s["expect"][0])
        if got != s["category"]:
            die("%s: bouncemilter -t gives category %s, the plan says %s" % (src, got, s["category"]))
    with open(os.path.join(out, "expect.json"), "w") as f:
        json.dump(streams, f, indent=1)
    sessions = sum(s["sessions"] for s in streams)
    messages = sum(s["messages"] for s in streams)
    print("%d streams, %d sessions, %d messages" % (len(streams), sessions, messages))


def load(out):
    with open(os.path.join(out, "expect.json")) as f:
        return json.load(f)


def proc_status(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            return dict(l.split(":", 1) for l in f if ":" in l)
    except OSError:
        return {}


def queue_busy(spool):
    """Messages still on their way (not yet delivered or deferred)."""
    n = 0
    for q in ("maildrop", "incoming", "active"):
        for _, _, files in os.walk(os.path.join(spool, q)):
            n += len(files)
    return n


def drain(spool, seconds):
    """Wait until nothing is in flight, seen twice in a row (a message
    moves from incoming to active by rename: one look could miss it)."""
    deadline = time.monotonic() + seconds
    quiet = 0
    while quiet < 2 and time.monotonic() < deadline:
        quiet = quiet + 1 if queue_busy(spool) == 0 else 0
        time.sleep(0.05)
    return quiet >= 2


def send(out, port, milter_pid, spool, per_message):
    streams = load(out)
    procs = []
    t0 = time.monotonic()
    for s in streams:
        cmd = ["smtp-source", "-4", "-s", str(s["sessions"]), "-m", str(s["messages"]),
            "-f", s["sender"], "-t", RCPT, "-M", "client.e2e.test"]
        if not per_message:
            cmd.append("-d")
        if "length" in s:
            cmd += ["-l", str(s["length"]), "-S", s["key"].split(":", 1)[1]]
        else:
            cmd += ["-F", s["file"]]
        cmd.append("127.0.0.1:%d" % port)
        procs.append((s, subprocess.Popen(cmd, stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE)))

    def stop(signum, frame):
        for _, p in procs:
            p.kill()
        sys.exit(1)
    signal.signal(signal.SIGTERM, stop)
    # Threads are sampled while the load runs; VmHWM is the peak anyway.
    peak = {"threads": 0}
    done = threading.Event()

    def sample():
        while not done.is_set():
            st = proc_status(milter_pid)
            if "Threads" in st:
                peak["threads"] = max(peak["threads"], int(st["Threads"]))
            done.wait(0.05)
    sampler = threading.Thread(target=sample)
    sampler.start()
    failed = 0
    for s, p in procs:
        try:
            _, err = p.communicate(timeout=300)
        except subprocess.TimeoutExpired:
            p.kill()
            _, err = p.communicate()
        if p.returncode != 0:
            failed += 1
            print("FAIL: smtp-source for %s: exit %d: %s" % (s["name"], p.returncode,
                err.decode(errors="replace").strip()[-300:]))
    t_smtp = time.monotonic() - t0
    drained = drain(spool, 120)
    t_all = time.monotonic() - t0
    done.set()
    sampler.join()
    st = proc_status(milter_pid)
    total = sum(s["messages"] for s in streams)
    print("sent=%d smtp_seconds=%.2f delivered_seconds=%.2f msg_per_s=%.0f "
        "milter_vmhwm_kb=%s milter_threads_peak=%d drained=%s" % (
        total, t_smtp, t_all, total / t_all,
        st.get("VmHWM", " 0 kB").split()[0], peak["threads"],
        "yes" if drained else "no"))
    if not drained:
        print("FAIL: queue not empty after 120 s")
        failed += 1
    return 1 if failed else 0


def check(out, maildir, fail_open, accepted=None):
    streams = load(out)
    by_key = {s["key"]: s for s in streams}
    seen = {s["name"]: {"n": 0, "alt": 0, "bare": 0, "partial": 0} for s in streams}
    bad = []
    forged = FORGED.encode()
    new = os.path.join(maildir, "new")
    names = os.listdir(new) if os.path.isdir(new) else []
    tmp = os.path.join(maildir, "tmp")
    if os.path.isdir(tmp) and os.listdir(tmp):
        bad.append("%d files left in %s" % (len(os.listdir(tmp)), tmp))
    for name in names:
        with open(os.path.join(new, name), "rb") as f:
            data = f.read()
        head = fields(data[:header_end(data)])
        key = None
        for fl in head:
            low = fl.lower()
            if low.startswith(b"message-id:"):
                key = "message-id:" + fl.split(b":", 1)[1].strip().decode(errors="replace")
                if key in by_key:
                    break
            if low.startswith(b"subject: load-"):
                key = "subject:" + fl.split(b":", 1)[1].strip().decode(errors="replace")
                break
        s = by_key.get(key)
        if s is None:
            bad.append("%s: belongs to no stream (%s)" % (name, key))
            continue
        c = seen[s["name"]]
        c["n"] += 1
        if forged in data.lower():
            bad.append("%s (%s): the forged value survived" % (name, s["name"]))
        got = [f.decode("ascii", "replace") for f in ours(data)]
        if got in s["expect"]:
            if got != s["expect"][0]:
                c["alt"] += 1
        elif fail_open and not got and not s["forged"]:
            c["bare"] += 1
        elif fail_open and any(got == e[:len(got)] for e in s["expect"]):
            c["partial"] += 1
        else:
            bad.append("%s (%s): fields %r, wanted one of %r" % (name, s["name"], got, s["expect"]))
    total = 0
    for s in streams:
        c = seen[s["name"]]
        total += c["n"]
        extra = ""
        if fail_open:
            extra += " unannotated=%d partial=%d" % (c["bare"], c["partial"])
        if len(s["expect"]) > 1:
            extra += " new-rules=%d" % c["alt"]
        want = s["expect"][0]
        what = want[0] if want else "no fields"
        print("  %-22s %5d of %5d delivered, %s%s" % (s["name"], c["n"], s["messages"], what, extra))
        if accepted is None and c["n"] != s["messages"]:
            bad.append("%s: %d delivered, %d sent" % (s["name"], c["n"], s["messages"]))
    sent = sum(s["messages"] for s in streams)
    if accepted is not None and total != accepted:
        bad.append("%d delivered, %d accepted by Postfix" % (total, accepted))
    print("delivered=%d sent=%d unannotated=%d partial=%d new_rules=%d" % (
        total, sent, sum(c["bare"] for c in seen.values()),
        sum(c["partial"] for c in seen.values()), sum(c["alt"] for c in seen.values())))
    for b in bad[:20]:
        print("FAIL: " + b)
    if len(bad) > 20:
        print("FAIL: ... and %d more" % (len(bad) - 20))
    return 1 if bad else 0


def smtp(port, path, count, sender, rcpt):
    with open(path, "rb") as f:
        data = f.read()
    accepted = refused = 0
    for _ in range(count):
        try:
            with smtplib.SMTP("127.0.0.1", port, "client.e2e.test", timeout=60) as c:
                c.sendmail(sender, [rcpt], data)
            accepted += 1
        except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as e:
            if not 400 <= e.smtp_code < 500:
                raise
            refused += 1
        except smtplib.SMTPRecipientsRefused as e:
            codes = [v[0] for v in e.recipients.values()]
            if not all(400 <= c < 500 for c in codes):
                raise
            refused += 1
    print("sent=%d accepted=%d refused=%d" % (count, accepted, refused))
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("prepare")
    for a in ("out", "plan", "binary", "rules"):
        p.add_argument(a)
    p.add_argument("--alt", help="a second rules folder whose result is accepted too")
    p = sub.add_parser("send")
    for a in ("out", "port", "milter_pid", "spool"):
        p.add_argument(a)
    p.add_argument("--connection-per-message", action="store_true")
    p = sub.add_parser("check")
    p.add_argument("out")
    p.add_argument("maildir")
    p.add_argument("--fail-open", action="store_true")
    p.add_argument("--accepted", type=int,
                   help="the total delivered must be this (some were refused)")
    p = sub.add_parser("drain")
    p.add_argument("spool")
    p.add_argument("seconds", type=float)
    p = sub.add_parser("smtp")
    for a in ("port", "file", "count", "sender", "rcpt"):
        p.add_argument(a)
    a = ap.parse_args()
    if a.cmd == "prepare":
        return prepare(a.out, a.plan, a.binary, a.rules, a.alt)
    if a.cmd == "send":
        return send(a.out, int(a.port), int(a.milter_pid), a.spool, a.connection_per_message)
    if a.cmd == "check":
        return check(a.out, a.maildir, a.fail_open, a.accepted)
    if a.cmd == "drain":
        return 0 if drain(a.spool, a.seconds) else 1
    return smtp(int(a.port), a.file, int(a.count), a.sender, a.rcpt)


if __name__ == "__main__":
    sys.exit(main())
