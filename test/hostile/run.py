#!/usr/bin/env python3
"""run.py - the hostile and broken input set through bouncediag.

    run.py --bouncediag BIN --rules DIR [--small] [--san] [--only NAME,...]

Writes every case of gen.py into a temporary folder (removed after) and
runs `bouncediag --json` on each, with the default limits and, where the
case says so, again with a larger --max-bytes. Each run must:

  * exit 0 within the case's time bound and write nothing on stderr
    (so an ASan/UBSan report fails it even if the process survived);
  * print exactly one line, strict UTF-8, that parses as JSON, and no
    control character in any string value;
  * give the expected kind, recipients, truncation and facts (gen.py);
  * stay under the case's peak memory bound (ru_maxrss of the child).
A second `--text` run gives the truncation reason, which the JSON lacks.

--small runs only the small cases (for the sanitizer build); --san
multiplies the bounds (x10 time, x4 memory) for the slower, fatter
instrumented binary, and tolerates the leaks of bugs reported but not
yet fixed (test/fuzz/lsan-pending.supp, listed on every run). Closing line for CI:
    hostile: N runs of M cases, all passed (S s; slowest X s, peak Y MB)
"""

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen  # noqa: E402

CONTROL = re.compile(r"[\x00-\x1f\x7f]")
TIME = "/usr/bin/time"


def run_child(cmd, limit):
    """Run cmd; returns (rc, stdout, stderr, seconds, peak MB, timed_out).

    The peak comes from /usr/bin/time (GNU time, %M), not from wait4():
    a child forked from this Python process inherits its high-water mark
    (ru_maxrss survives exec), which would hide the real figure."""
    out = tempfile.TemporaryFile()
    err = tempfile.TemporaryFile()
    with tempfile.NamedTemporaryFile(prefix="bouncehostile-time.") as tf:
        t0 = time.monotonic()
        p = subprocess.Popen([TIME, "-f", "%M", "-o", tf.name] + cmd,
                             stdout=out, stderr=err, start_new_session=True)
        timed_out = False
        try:
            p.wait(timeout=limit)
        except subprocess.TimeoutExpired:
            timed_out = True
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
        secs = time.monotonic() - t0
        m = re.findall(r"^(\d+)$", open(tf.name).read(), re.M)
        kb = int(m[-1]) if m else 0
        # GNU time reports "Command exited with non-zero status N" first.
        rc = p.returncode
    out.seek(0)
    err.seek(0)
    return rc, out.read(), err.read(), secs, kb / 1024.0, timed_out


def strings(v, path=""):
    """Every (path, string) in a JSON value."""
    if isinstance(v, str):
        yield path, v
    elif isinstance(v, dict):
        for k, x in v.items():
            yield from strings(x, path + "." + k)
    elif isinstance(v, list):
        for i, x in enumerate(v):
            yield from strings(x, "%s[%d]" % (path, i))


def fact(doc, key):
    """'rcpt1.status' -> doc['recipients'][0]['status']; 'kind' -> doc['kind']."""
    if key.startswith("original."):
        return doc.get("original", {}).get(key[len("original."):])
    m = re.match(r"rcpt(\d+)\.(.+)", key)
    if m:
        r = doc["recipients"]
        i = int(m.group(1)) - 1
        return r[i].get(m.group(2)) if i < len(r) else None
    return doc.get(key)


def check(name, exp, path, args, san):
    """One run of one case; returns (problems, seconds, peak MB)."""
    secs_bound = exp["secs"] * (10 if san else 1)
    mb_bound = exp["mb"] * (4 if san else 1)
    base = [args.bouncediag, "--rules", args.rules] + (
        ["--max-bytes", str(exp["max_bytes"])] if exp.get("max_bytes") else [])
    rc, out, err, secs, mb, timed_out = run_child(base + ["--json", path], secs_bound * 3)
    problems = []
    if timed_out:
        return ["hung: killed after %.0f s" % (secs_bound * 3)], secs, mb
    if rc != 0:
        problems.append("exit %d" % rc)
    if err:
        problems.append("stderr: " + err.decode("utf-8", "replace")[:2000])
    if secs > secs_bound:
        problems.append("took %.2f s, bound %d s" % (secs, secs_bound))
    if mb > mb_bound:
        problems.append("peak memory %.0f MB, bound %d MB" % (mb, mb_bound))
    try:
        text = out.decode("utf-8", "strict")
    except UnicodeDecodeError as e:
        return problems + ["output is not UTF-8: %s" % e], secs, mb
    lines = text.splitlines()
    if len(lines) != 1:
        return problems + ["%d output lines, want 1" % len(lines)], secs, mb
    try:
        doc = json.loads(lines[0])
    except ValueError as e:
        return problems + ["output is not JSON: %s" % e], secs, mb
    for where, s in strings(doc):
        if CONTROL.search(s):
            problems.append("control character in %s: %r" % (where, s[:200]))
    if doc.get("kind") not in exp["kind"]:
        problems.append("kind %r, want one of %s" % (doc.get("kind"), sorted(exp["kind"])))
    n = len(doc.get("recipients", []))
    lo, hi = exp["rcpts"]
    if not lo <= n <= hi:
        problems.append("%d recipients, want %d..%d" % (n, lo, hi))
    if exp["trunc"] is not None and doc.get("truncated") != exp["trunc"]:
        problems.append("truncated %r, want %r" % (doc.get("truncated"), exp["trunc"]))
    for key, want in exp["facts"].items():
        got = fact(doc, key)
        if want.startswith("~ ") and isinstance(got, str) and want[2:] in got:
            continue
        if got != want:
            problems.append("%s is %r, want %r" % (key, got, want))
    if doc.get("truncated") and exp["why"]:
        rc2, tout, _, _, _, _ = run_child(base + ["--text", path], secs_bound * 3)
        m = re.search(r"truncated: (.*) limit reached", tout.decode("utf-8", "replace"))
        why = m.group(1) if m else None
        if why not in exp["why"]:
            problems.append("truncated by %r, want one of %s" % (why, sorted(exp["why"])))
    return problems, secs, mb


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bouncediag", required=True)
    ap.add_argument("--rules", required=True)
    ap.add_argument("--small", action="store_true", help="small cases only")
    ap.add_argument("--san", action="store_true", help="sanitizer build: wider bounds")
    ap.add_argument("--only", help="comma-separated case names")
    ap.add_argument("--keep", help="write the cases here and keep them")
    args = ap.parse_args()

    t0 = time.time()
    if args.san:
        # Leaks of bugs reported but not fixed are listed, not fatal.
        supp = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fuzz",
                            "lsan-pending.supp")
        os.environ.setdefault("LSAN_OPTIONS", "suppressions=%s:print_suppressions=0"
                              % os.path.normpath(supp))
        for line in open(supp):
            if line.strip() and not line.startswith("#"):
                print("  pending: LSan suppression %s (reported bug, see %s)" % (
                    line.strip(), "test/fuzz/lsan-pending.supp"))
    names = set(args.only.split(",")) if args.only else None
    folder = args.keep or tempfile.mkdtemp(prefix="bouncehostile.")
    failures, nruns, slowest, peak = [], 0, (0.0, ""), (0.0, "")
    try:
        paths = gen.write_all(folder, args.small, names)
        for name, path in paths.items():
            exp = gen.CASES[name][1]
            runs = [("default limits", dict(exp))]
            for max_bytes, over in exp["big"]:
                e = dict(exp)
                e.update(over)
                e["max_bytes"] = max_bytes
                runs.append(("--max-bytes %d" % max_bytes, e))
            for label, e in runs:
                problems, secs, mb = check(name, e, path, args, args.san)
                nruns += 1
                print("  %-22s %-22s %6.2f s %6.0f MB  %s" % (
                    name, label, secs, mb, "ok" if not problems else "FAILED"))
                for p in problems:
                    print("      " + p)
                if problems:
                    failures.append("%s (%s)" % (name, label))
                slowest = max(slowest, (secs, name))
                peak = max(peak, (mb, name))
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
    secs = time.time() - t0
    if failures:
        print("hostile: FAILED: %s (%.0f s)" % (", ".join(failures), secs))
        return 1
    print("hostile: %d runs of %d cases, all passed (%.0f s; slowest %.2f s %s, "
          "peak %.0f MB %s)" % (nruns, len(paths), secs, slowest[0], slowest[1],
                                peak[0], peak[1]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
