#!/usr/bin/env python3
"""run.py - golden tests: fixture messages and what a correct parse says.

For every FIXTURES/NAME.eml the runner calls `bouncediag --json --rules
RULES NAME.eml` and then

  * checks every fact in NAME.expect (one per line, '#' starts a comment):
        kind ndr                      top-level key (kind, vendor,
        vendor exim                   reporting_mta, truncated, ...)
        truncated false
        rcpts 2                       number of recipients
        rcpt 1 status 5.1.1           recipient N (from 1), any JSON key
        rcpt 2 hard true              booleans as true/false
        original subject Hello        original.message_id/from/to/subject
    The value is the rest of the line, compared exactly. Two forms help
    with long texts:  `rcpt 1 diagnostic ~ 5.1.1 user unknown` holds when
    the value contains the text, and `rcpt 1 remote_mta ""` when it is
    empty. A fact the engine gets wrong today (a reported bug) is written
    `pending rcpt 1 status 5.1.1`: it is checked and listed, but does not
    fail the run; when it starts to hold the runner says so, and the word
    `pending` should go.

  * if NAME.json exists, compares the whole output with it ("source"
    left out) and prints a diff when they differ. --update rewrites the
    .json files from the current output instead, for review with git diff.

Every run must exit 0 and write nothing on standard error: under the
sanitizer build an ASan or UBSan report is a failure even if the process
survived it. The closing line is for CI:
    golden: N fixtures, M checks, all passed
"""

import argparse
import difflib
import glob
import json
import os
import subprocess
import sys

TOP_KEYS = ("kind", "vendor", "reporting_mta", "forwarded_by", "truncated")


def scalar(v):
    """A JSON value as the .expect files write it."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if v is None:
        return "null"
    return str(v)


def check_value(what, actual, want, errors):
    if want == '""':
        ok = actual == ""
    elif want.startswith("~ "):
        ok = want[2:] in actual
    else:
        ok = actual == want
    if not ok:
        errors.append("%s: want %r, got %r" % (what, want, actual))


def check_expect(path, report, errors, pending):
    """Check the facts of one .expect file; returns how many there were.
    Failures of `pending` facts go to pending as (fact, still failing)."""
    checks = 0
    rcpts = report.get("recipients", [])
    with open(path, encoding="utf-8") as f:
        for lineno, raw in enumerate(f, 1):
            line = raw.rstrip("\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            where = "%s:%d" % (os.path.basename(path), lineno)
            if line.startswith("pending "):
                line = line[len("pending "):]
                errs = []
                check_fact(line, where, report, rcpts, errs)
                pending.append((where + " " + line, errs))
                continue
            checks += check_fact(line, where, report, rcpts, errors)
    return checks


def check_fact(line, where, report, rcpts, errors):
    """One line of a .expect file; returns 1 (one check made)."""
    words = line.split(" ", 1)
    key, rest = words[0], words[1] if len(words) > 1 else ""
    if key == "rcpts":
        check_value(where + " rcpts", str(len(rcpts)), rest, errors)
    elif key == "rcpt":
        parts = rest.split(" ", 2)
        if len(parts) < 2 or not parts[0].isdigit():
            errors.append("%s: bad line: %s" % (where, line))
            return 1
        n, field = int(parts[0]), parts[1]
        want = parts[2] if len(parts) > 2 else ""
        if n < 1 or n > len(rcpts):
            errors.append("%s: rcpt %d: only %d recipient(s)" % (where, n, len(rcpts)))
        elif field not in rcpts[n - 1]:
            errors.append("%s: rcpt %d has no key %r" % (where, n, field))
        else:
            check_value("%s rcpt %d %s" % (where, n, field),
                        scalar(rcpts[n - 1][field]), want, errors)
    elif key == "original":
        parts = rest.split(" ", 1)
        field, want = parts[0], parts[1] if len(parts) > 1 else ""
        orig = report.get("original", {})
        if field not in orig:
            errors.append("%s: original has no key %r" % (where, field))
        else:
            check_value("%s original %s" % (where, field), scalar(orig[field]), want, errors)
    elif key in report and not isinstance(report[key], (dict, list)):
        check_value("%s %s" % (where, key), scalar(report[key]), rest, errors)
    else:
        errors.append("%s: unknown key %r" % (where, key))
    return 1


def pretty(obj):
    return json.dumps(obj, indent=2, ensure_ascii=False) + "\n"


def run_one(args, eml, pending):
    """Returns (errors, checks) for one fixture."""
    errors = []
    base = eml[:-len(".eml")]
    env = dict(os.environ)
    # Sanitizers: stop at the first report, and say it on stderr.
    env.setdefault("ASAN_OPTIONS", "halt_on_error=1:abort_on_error=0:detect_leaks=1")
    env.setdefault("UBSAN_OPTIONS", "halt_on_error=1:print_stacktrace=1")
    try:
        p = subprocess.run([args.bouncediag, "--json", "--rules", args.rules, eml],
                           capture_output=True, timeout=args.timeout, env=env)
    except subprocess.TimeoutExpired:
        return ["timed out after %ds" % args.timeout], 0
    stderr = p.stderr.decode("utf-8", "replace")
    if p.returncode != 0:
        errors.append("exit status %d" % p.returncode)
    if stderr:
        errors.append("standard error not empty:\n" + stderr.rstrip())
    try:
        out = p.stdout.decode("utf-8")
    except UnicodeDecodeError as e:
        errors.append("output is not valid UTF-8: %s" % e)
        return errors, 0
    lines = out.splitlines()
    if len(lines) != 1:
        errors.append("want one JSON line, got %d" % len(lines))
        return errors, 0
    try:
        report = json.loads(lines[0])
    except ValueError as e:
        errors.append("output is not JSON: %s" % e)
        return errors, 0
    report.pop("source", None)

    checks = 0
    if os.path.exists(base + ".expect"):
        checks += check_expect(base + ".expect", report, errors, pending)
    elif not args.update:
        errors.append("no %s.expect" % os.path.basename(base))

    golden = base + ".json"
    if args.update:
        with open(golden, "w", encoding="utf-8") as f:
            f.write(pretty(report))
    elif os.path.exists(golden):
        checks += 1
        with open(golden, encoding="utf-8") as f:
            want = json.load(f)
        if want != report:
            diff = difflib.unified_diff(pretty(want).splitlines(), pretty(report).splitlines(),
                                        os.path.basename(golden), "bouncediag --json", lineterm="")
            errors.append("output differs from %s (make golden-update to accept):\n%s"
                          % (os.path.basename(golden), "\n".join(diff)))
    return errors, checks


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bouncediag", required=True)
    ap.add_argument("--rules", default="rules")
    ap.add_argument("--update", action="store_true", help="rewrite the .json files")
    ap.add_argument("--timeout", type=int, default=30)
    ap.add_argument("fixtures", nargs="+", help="folders of NAME.eml files, or .eml files")
    args = ap.parse_args()

    emls = []
    for f in args.fixtures:
        emls += sorted(glob.glob(os.path.join(f, "*.eml"))) if os.path.isdir(f) else [f]
    if not emls:
        print("golden: no fixtures found in %s" % " ".join(args.fixtures), file=sys.stderr)
        return 1

    failed, total_checks, pending = 0, 0, []
    for eml in emls:
        errors, checks = run_one(args, eml, pending)
        total_checks += checks
        if errors:
            failed += 1
            print("FAIL %s" % eml)
            for e in errors:
                print("  " + e.replace("\n", "\n  "))
    still = [p for p in pending if p[1]]
    for fact, errs in pending:
        if errs:
            print("pending (known bug) %s\n  %s" % (fact, "\n  ".join(errs)))
        else:
            print("PENDING NOW HOLDS, drop the word 'pending': %s" % fact)
    note = " (%d pending check(s) of known bugs still fail)" % len(still) if still else ""
    if args.update:
        print("golden: %d fixtures, .json files rewritten%s"
              % (len(emls), "" if not failed else ", %d fixture(s) failed their .expect" % failed))
        return 0
    if failed:
        print("golden: %d fixtures, %d checks, %d fixture(s) FAILED%s"
              % (len(emls), total_checks, failed, note))
        return 1
    print("golden: %d fixtures, %d checks, all passed%s" % (len(emls), total_checks, note))
    return 0


if __name__ == "__main__":
    sys.exit(main())
