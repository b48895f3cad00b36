#!/usr/bin/env python3
"""run.py - seed, replay and run the libFuzzer targets of test/fuzz/.

    run.py --bin DIR [--targets "parse dsn ..."] [--seconds N] [--jobs J]

For every target fuzz_NAME in DIR:

  1. A seed corpus is written to a temporary folder from the project's
     own files (never committed; the fuzzer also adds what it finds):
       parse   test/golden/fixtures/*.eml, test/milter/fixtures/*.eml
       dsn     the message/delivery-status parts and the RFC 3464-looking
               blocks of those fixtures
       diag    every Diagnostic-Code (and X-Postfix-Sender...) value of the
               fixtures, after a selector byte
       header  small programs (see fuzz_header.c) made of the fixtures'
               subjects, addresses and diagnostics
       rules   each rule of rules/*.rules on its own, one whole file, the
               bad rule files of test/unit/rules-bad
       config  conf/bouncemilter.conf, each of its lines, a few Route lines
       sniff   the fixtures' Subject, From, Content-Type ... values after a
               byte that picks the field, and one envelope sender
       session each fixture as Postfix would send it to a milter (options,
               macros, MAIL, RCPT, header fields, body chunks, end of
               message, QUIT), after a byte that picks the read size
  2. Every file in regressions/NAME/ is replayed once; a failure fails the
     run unless the file is listed in regressions/pending ("NAME/FILE
     reason..."), which is reported but tolerated until the bug is fixed.
     Leaks of such bugs are suppressed by lsan-pending.supp, listed too.
  3. The target fuzzes for --seconds with -timeout=10 and
     -rss_limit_mb=2048; a crash, leak, timeout, OOM or sanitizer report
     fails the run and the input that did it is copied next to the log.

Closing line for CI: "fuzz: T targets, R regressions replayed, N runs,
all clean (S s)" or "fuzz: FAILED: ...".
"""

import argparse
import concurrent.futures
import email
import email.policy
import glob
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))

FIXTURES = sorted(glob.glob(os.path.join(TOP, "test/golden/fixtures/*.eml")) +
                  glob.glob(os.path.join(TOP, "test/milter/fixtures/*.eml")))

# Leaks of bugs reported but not yet fixed (see the file).
PENDING_SUPP = os.path.join(HERE, "lsan-pending.supp")

MAX_LEN = {"parse": 65536, "dsn": 16384, "diag": 4096, "header": 8192,
           "rules": 16384, "config": 8192, "sniff": 4096,
           "session": 262144}


def read(path):
    with open(path, "rb") as f:
        return f.read()


def seeds_parse():
    return [read(p) for p in FIXTURES]


def status_parts(raw):
    """The message/delivery-status parts of a message, raw bytes."""
    out = []
    try:
        msg = email.message_from_bytes(raw, policy=email.policy.compat32)
    except Exception:
        return out
    for part in msg.walk():
        if part.get_content_type() in ("message/delivery-status",
                                       "message/global-delivery-status"):
            payload = part.get_payload()
            if isinstance(payload, list):
                out.append(b"\n".join(bytes(p) for p in payload))
            elif isinstance(payload, str):
                out.append(payload.encode("utf-8", "surrogateescape"))
    return out


def seeds_dsn():
    out = []
    for p in FIXTURES:
        raw = read(p)
        out += status_parts(raw)
        # Blocks of "Field: value" lines as some vendors write in text.
        m = re.search(rb"(?m)^(Reporting-MTA|Final-Recipient|Original-Recipient):", raw)
        if m:
            out.append(raw[m.start():m.start() + 4096])
    return out


DIAG_RE = re.compile(rb"(?mi)^(?:Diagnostic-Code|X-Diagnostic|Remote-MTA|Status):[ \t]*"
                     rb"(.*(?:\r?\n[ \t].*)*)")


def seeds_diag():
    out = []
    for p in FIXTURES:
        for i, m in enumerate(DIAG_RE.finditer(read(p))):
            out.append(bytes([(len(out) * 37 + i) % 256]) + m.group(1)[:2048])
    # Multi-line replies and odd encodings written here.
    out.append(b"\x05550-5.1.1 The email account does not exist 550-5.1.1 try again "
               b"550 5.1.1 https://support.example.com/x - gsmtp")
    out.append(b"\x11smtp; 451 4.7.1 <a@example.com>: Recipient address rejected:"
               b" greylisted, see http://example.net/?a=b\r\n\tfor 300 seconds")
    out.append(b"\x00=?utf-8?b?NTUwIDUuMS4xIHVzZXIgdW5rbm93bg==?= \x00\xff\xfe")
    return out


def header_program(pieces):
    """A fuzz_header input: name length, then (op, cap, text NUL) steps."""
    prog = bytes([len(b"X-Bounce-Diagnostic")])
    for op, text in pieces:
        prog += bytes([op, 16]) + text.replace(b"\0", b"") + b"\0"
    return prog


def seeds_header():
    out = []
    for p in FIXTURES:
        raw = read(p)
        subj = re.search(rb"(?mi)^Subject:[ \t]*(.*)", raw)
        diag = re.search(rb"(?mi)^Diagnostic-Code:[ \t]*(.*(?:\r?\n[ \t].*)*)", raw)
        rcpt = re.search(rb"(?mi)^Final-Recipient:[ \t]*(?:rfc822;)?[ \t]*(.*)", raw)
        mid = re.search(rb"(?mi)^Message-ID:[ \t]*(.*)", raw)
        pieces = []
        if rcpt:
            pieces.append((3, rcpt.group(1)))
        if diag:
            pieces.append((0, diag.group(1)))
            pieces.append((2, diag.group(1)))
        if subj:
            pieces.append((1, b""))
            pieces.append((0, subj.group(1)))
        if mid:
            pieces.append((4, mid.group(1)))
        if pieces:
            out.append(header_program(pieces))
    out.append(header_program([(0, b"x" * 3000), (2, b"y " * 900), (4, b"<a@b>")]))
    return out


def seeds_rules():
    out = []
    for p in sorted(glob.glob(os.path.join(TOP, "rules/*.rules"))):
        raw = read(p)
        # Whole files compile slowly (hundreds of patterns); one is enough.
        if p.endswith("00-kinds.rules"):
            out.append(raw)
        for block in re.split(rb"\n(?=rule )", raw):
            if block.startswith(b"rule "):
                out.append(block)
    for p in sorted(glob.glob(os.path.join(TOP, "test/unit/rules-bad/*/*.rules"))):
        out.append(read(p))
    return out


def seeds_config():
    out = []
    for p in sorted(glob.glob(os.path.join(TOP, "conf/*.conf"))):
        raw = read(p)
        out.append(raw)
        out += [line + b"\n" for line in raw.splitlines()
                if line.strip() and not line.startswith(b"#")]
    out += [b"Route mailbox-missing redirect bounces@example.com\n"
            b"Route * tag\nRoute delayed quarantine\nRoute feedback copy abuse@example.org\n",
            b"Socket inet:8891@127.0.0.1\nMaxScanBytes 64K\nMode annotate\n",
            b"Socket inet6:8891@[::1]\nEventLog /tmp/x.log\nLogLevel debug\n",
            b"unix:/run/bouncemilter/bouncemilter.sock"]
    return out


SNIFF_FIELDS = [b"subject", b"from", b"sender", b"content-type", b"return-path",
                b"auto-submitted", b"precedence", b"x-autoreply", b"x-failed-recipients",
                b"x-apple-unsubscribe", b"received"]


def seeds_sniff():
    """fuzz_sniff inputs: a field selector byte, then a fixture's value."""
    out = []
    for p in FIXTURES:
        for m in re.finditer(rb"(?mi)^([A-Za-z-]+):[ \t]*(.*(?:\r?\n[ \t].*)*)",
                             read(p).split(b"\n\n", 1)[0]):
            name = m.group(1).lower()
            if name in SNIFF_FIELDS:
                out.append(bytes([SNIFF_FIELDS.index(name)]) + m.group(2)[:2048])
    out.append(bytes([len(SNIFF_FIELDS)]) + b"<MAILER-DAEMON@mx.example.net>")
    return out


def packet(cmd, data=b""):
    return struct.pack(">I", len(data) + 1) + cmd + data


def seeds_session():
    """fuzz_session inputs: a read-size byte, then an MTA's byte stream."""
    out = []
    for i, p in enumerate(FIXTURES):
        raw = read(p).replace(b"\r\n", b"\n")
        head, _, body = raw.partition(b"\n\n")
        s = packet(b"O", struct.pack(">III", 6, 0x3f, 0x1fffff))
        s += packet(b"D", b"M" + b"i\0" + b"4ABC123\0")
        s += packet(b"M", b"<>\0")
        s += packet(b"R", b"<carol@example.org>\0")
        for m in re.finditer(rb"(?m)^([^:\s]+):[ \t]?(.*(?:\n[ \t].*)*)", head):
            s += packet(b"L", m.group(1) + b"\0" + m.group(2) + b"\0")
        s += packet(b"N")
        body = body.replace(b"\n", b"\r\n")
        for k in range(0, min(len(body), 200000), 65535):
            s += packet(b"B", body[k:k + 65535])
        s += packet(b"E") + packet(b"Q")
        out.append(bytes([i % 256]) + s)
    return out


SEEDS = {"parse": seeds_parse, "dsn": seeds_dsn, "diag": seeds_diag,
         "header": seeds_header, "rules": seeds_rules, "config": seeds_config,
         "sniff": seeds_sniff, "session": seeds_session}


def write_corpus(target, folder):
    os.makedirs(folder, exist_ok=True)
    seeds = SEEDS[target]()
    for i, s in enumerate(seeds):
        with open(os.path.join(folder, "seed-%04d" % i), "wb") as f:
            f.write(s)
    return len(seeds)


def load_pending():
    """regressions/pending: 'target/file reason', '#' comments."""
    pending = {}
    path = os.path.join(HERE, "regressions", "pending")
    if os.path.exists(path):
        for line in open(path, encoding="utf-8"):
            line = line.split("#", 1)[0].strip()
            if line:
                key, _, why = line.partition(" ")
                pending[key] = why.strip()
    return pending


def env_for(work):
    env = dict(os.environ)
    env.setdefault("ASAN_OPTIONS", "abort_on_error=1:detect_leaks=1:symbolize=1")
    env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1")
    env.setdefault("LSAN_OPTIONS", "suppressions=%s:print_suppressions=0" % PENDING_SUPP)
    env["BOUNCE_FUZZ_RULES"] = os.path.join(TOP, "rules")
    env["TMPDIR"] = work
    return env


def replay(binary, target, work, pending):
    """Returns (replayed, failures, pending_notes)."""
    files = sorted(glob.glob(os.path.join(HERE, "regressions", target, "*")))
    failures, notes = [], []
    for path in files:
        key = "%s/%s" % (target, os.path.basename(path))
        env = env_for(work)
        env["BOUNCE_FUZZ_REPLAY"] = "1"     # pending bugs are tried, not skipped
        p = subprocess.run([binary, "-timeout=10", "-rss_limit_mb=2048", path],
                           cwd=TOP, env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=120)
        ok = p.returncode == 0
        if key in pending:
            notes.append("  pending %s: %s (%s)" % (
                key, "still fails" if not ok else "PASSES NOW: take it off the pending list",
                pending[key]))
        elif not ok:
            failures.append("  regression %s fails again:\n%s" % (
                key, tail(p.stdout.decode("utf-8", "replace"), 40)))
    return len(files), failures, notes


def tail(text, n):
    return "\n".join("    " + l for l in text.splitlines()[-n:])


def fuzz(binary, target, seconds, work):
    corpus = os.path.join(work, target, "corpus")
    nseeds = write_corpus(target, corpus)
    artifacts = os.path.join(work, target, "artifacts") + os.sep
    os.makedirs(artifacts, exist_ok=True)
    log = os.path.join(work, target, "fuzz.log")
    cmd = [binary, "-max_total_time=%d" % seconds, "-timeout=10", "-rss_limit_mb=2048",
           "-max_len=%d" % MAX_LEN[target], "-print_final_stats=1",
           "-artifact_prefix=" + artifacts, corpus]
    t0 = time.time()
    with open(log, "wb") as f:
        p = subprocess.run(cmd, cwd=TOP, env=env_for(work), stdout=f,
                           stderr=subprocess.STDOUT, timeout=seconds + 300)
    text = open(log, encoding="utf-8", errors="replace").read()
    m = re.search(r"stat::number_of_executed_units:\s*(\d+)", text)
    runs = int(m.group(1)) if m else 0
    found = sorted(os.listdir(artifacts))
    return {"target": target, "rc": p.returncode, "runs": runs, "seeds": nseeds,
            "secs": time.time() - t0, "log": log, "text": text,
            "artifacts": [os.path.join(artifacts, a) for a in found]}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--targets", default="parse dsn diag header rules config sniff session")
    ap.add_argument("--seconds", type=int, default=60)
    ap.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1))
    ap.add_argument("--keep", help="keep the work folder here (logs, corpora)")
    args = ap.parse_args()

    t0 = time.time()
    targets = args.targets.split()
    pending = load_pending()
    work = args.keep or tempfile.mkdtemp(prefix="bouncefuzz-run.")
    os.makedirs(work, exist_ok=True)
    failed, notes, nreplayed, nruns = [], [], 0, 0
    for t in targets:
        n, fails, pnotes = replay(os.path.join(args.bin, "fuzz_" + t), t, work, pending)
        nreplayed += n
        failed += fails
        notes += pnotes
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as ex:
        results = list(ex.map(lambda t: fuzz(os.path.join(args.bin, "fuzz_" + t), t,
                                             args.seconds, work), targets))
    keep_work = False
    for r in results:
        nruns += r["runs"]
        status = "clean" if r["rc"] == 0 and not r["artifacts"] else "FAILED"
        print("  fuzz_%-7s %8d runs %5.0f s  %4d seeds  %s" % (
            r["target"], r["runs"], r["secs"], r["seeds"], status))
        if status != "clean":
            keep_work = True
            what = [l for l in r["text"].splitlines()
                    if re.search(r"ERROR: |runtime error|SUMMARY|broken promise|Test unit written", l)]
            failed.append("  fuzz_%s (exit %d): %s\n    inputs: %s\n    log: %s\n%s" % (
                r["target"], r["rc"], "; ".join(what[:4]) or "see log",
                " ".join(r["artifacts"]) or "(none saved)", r["log"], tail(r["text"], 30)))
    for n in notes:
        print(n)
    for line in open(PENDING_SUPP):
        if line.strip() and not line.startswith("#"):
            print("  pending: LSan suppression %s (reported bug, see "
                  "test/fuzz/lsan-pending.supp)" % line.strip())
    secs = time.time() - t0
    if failed:
        print("\n".join(failed))
        print("fuzz: FAILED: %d problem(s); work folder kept: %s (%.0f s)" % (
            len(failed), work, secs))
        print("      a crash input becomes a regression: copy it to "
              "test/fuzz/regressions/<target>/<name> (and list it in regressions/pending "
              "with the reason until the bug is fixed)")
        return 1
    if not args.keep and not keep_work:
        shutil.rmtree(work, ignore_errors=True)
    print("fuzz: %d targets, %d regressions replayed, %d runs, all clean (%.0f s)" % (
        len(targets), nreplayed, nruns, secs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
