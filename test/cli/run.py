#!/usr/bin/env python3
"""run.py - tests of the bouncediag command: paths, mailboxes, exit codes.

bouncediag reads message files, mboxes (source "path:N" for the N-th
message), Maildirs and folders (recursively, in name order, hidden files
and a Maildir's tmp/ skipped) and standard input ("-"). It exits 0 when
every input was read, 1 when some could not be (named on stderr, the
others still processed), 2 on usage errors. With -j N it diagnoses in N
threads and its output (stdout, stderr, both merged) and exit status are
those of -j 1.

Each case runs the binary in a scratch folder of messages written here.
A case whose bouncediag behaviour is a reported, still open bug is marked
pending: it runs and is listed, but does not fail the suite.
Closing line for CI:  cli: N checks, all passed
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile

DSN = """Return-Path: <>
From: MAILER-DAEMON@mail.example.com
Subject: Undelivered Mail Returned to Sender
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="b"

--b
Content-Type: message/delivery-status

Reporting-MTA: dns; mail.example.com

Final-Recipient: rfc822; {rcpt}
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 unknown user

--b--
"""

PLAIN = """From: alice@example.com
To: bob@example.org
Subject: {subject}

Hello.
"""


class Suite:
    def __init__(self, binary, rules, workdir):
        self.binary = binary
        self.rules = rules
        self.work = workdir
        self.checks = 0
        self.failures = []
        self.pending = []
        self.case = ""
        self.case_pending = None

    def write(self, rel, text, mode=None):
        path = os.path.join(self.work, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(text.encode() if isinstance(text, str) else text)
        return path

    def run(self, *args, stdin=b"", merged=False):
        """Run bouncediag; merged: stderr into the same pipe as stdout."""
        env = dict(os.environ)
        env.setdefault("ASAN_OPTIONS", "halt_on_error=1:detect_leaks=1")
        env.setdefault("UBSAN_OPTIONS", "halt_on_error=1:print_stacktrace=1")
        env.setdefault("TSAN_OPTIONS", "halt_on_error=1")
        p = subprocess.run([self.binary, "--rules", self.rules] + list(args), input=stdin,
                           stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT if merged else subprocess.PIPE,
                           cwd=self.work, timeout=120, env=env)
        out = p.stdout.decode("utf-8", "replace")
        err = p.stderr.decode("utf-8", "replace") if not merged else out
        # Sanitizer reports fail every case, whatever it expects.
        self.expect("no sanitizer report", "Sanitizer" not in err and "runtime error" not in err, err)
        return p.returncode, out, err

    def jsonl(self, out):
        docs = []
        for line in out.splitlines():
            try:
                docs.append(json.loads(line))
            except ValueError:
                self.expect("output line is JSON", False, line)
        return docs

    def begin(self, name, pending=None):
        self.end()
        self.case = name
        self.case_pending = pending
        self.case_start = len(self.pending)

    def end(self):
        """Say so when a pending case passes: its mark should go."""
        if self.case_pending and len(self.pending) == self.case_start:
            print("PENDING NOW HOLDS, drop the pending mark: " + self.case)
        self.case_pending = None

    def expect(self, what, ok, detail=""):
        self.checks += 1
        if ok:
            return
        msg = "%s: %s%s" % (self.case, what, ("\n    " + str(detail).replace("\n", "\n    ")) if detail else "")
        if self.case_pending:
            self.pending.append("%s (pending: %s)" % (msg, self.case_pending))
        else:
            self.failures.append(msg)

    def equal(self, what, got, want):
        self.expect("%s: want %r, got %r" % (what, want, got), got == want)


def case_mbox(s):
    s.begin("mbox of three messages")
    s.write("box.mbox",
            "From alice@example.com Mon Mar  3 10:00:00 2025\n" + PLAIN.format(subject="one") + "\n"
            "From MAILER-DAEMON Mon Mar  3 10:01:00 2025\n" + DSN.format(rcpt="bob@example.org") + "\n"
            "From carol@example.com Mon Mar  3 10:02:00 2025\n" + PLAIN.format(subject="three"))
    rc, out, err = s.run("--json", "box.mbox")
    docs = s.jsonl(out)
    s.equal("exit status", rc, 0)
    s.equal("stderr", err, "")
    s.equal("sources", [d.get("source") for d in docs], ["box.mbox:1", "box.mbox:2", "box.mbox:3"])
    s.equal("kinds", [d.get("kind") for d in docs], ["none", "dsn", "none"])
    if len(docs) == 3 and docs[1].get("recipients"):
        s.equal("recipient of message 2", docs[1]["recipients"][0].get("recipient"), "bob@example.org")


def case_mbox_from_in_body(s):
    # A body line starting "From " that follows text (not a blank line)
    # is not a message separator (mbox.c's own rule, and mboxo practice).
    s.begin("mbox: 'From ' inside a paragraph does not split")
    s.write("para.mbox",
            "From alice@example.com Mon Mar  3 10:00:00 2025\n"
            "From: alice@example.com\nSubject: letter\n\nDear Bob,\nthis comes to you\n"
            "From the desk of Alice.\n\n"
            "From carol@example.com Mon Mar  3 10:02:00 2025\n" + PLAIN.format(subject="two"))
    rc, out, err = s.run("--json", "para.mbox")
    docs = s.jsonl(out)
    s.equal("exit status", rc, 0)
    s.equal("sources", [d.get("source") for d in docs], ["para.mbox:1", "para.mbox:2"])


def case_maildir(s):
    s.begin("Maildir")
    s.write("md/cur/1700000000.1.host:2,S", PLAIN.format(subject="seen"))
    s.write("md/new/1700000001.2.host", DSN.format(rcpt="dave@example.org"))
    s.write("md/tmp/1700000002.3.host", PLAIN.format(subject="being written"))
    s.write("md/.hidden", PLAIN.format(subject="hidden"))
    rc, out, err = s.run("--json", "md")
    docs = s.jsonl(out)
    s.equal("exit status", rc, 0)
    s.equal("stderr", err, "")
    s.equal("sources", [d.get("source") for d in docs],
            ["md/cur/1700000000.1.host:2,S", "md/new/1700000001.2.host"])


def case_folder(s):
    s.begin("folder, recursive, in name order")
    s.write("tree/b.eml", PLAIN.format(subject="b"))
    s.write("tree/a.eml", DSN.format(rcpt="erin@example.org"))
    s.write("tree/sub/c.eml", PLAIN.format(subject="c"))
    s.write("tree/sub/deeper/d.mbox",
            "From x Mon Mar  3 10:00:00 2025\n" + PLAIN.format(subject="d1") + "\n"
            "From y Mon Mar  3 10:00:00 2025\n" + PLAIN.format(subject="d2"))
    s.write("tree/.git/config", "not mail")
    s.write("tree/empty.eml", "")
    rc, out, err = s.run("--json", "tree")
    docs = s.jsonl(out)
    s.equal("exit status", rc, 0)
    s.equal("stderr", err, "")
    s.equal("sources", [d.get("source") for d in docs],
            ["tree/a.eml", "tree/b.eml", "tree/empty.eml", "tree/sub/c.eml",
             "tree/sub/deeper/d.mbox:1", "tree/sub/deeper/d.mbox:2"])
    if docs:
        s.equal("kind of a.eml", docs[0].get("kind"), "dsn")


def case_missing_path(s):
    s.begin("missing path: exit 1, the others still read")
    s.write("ok1.eml", DSN.format(rcpt="frank@example.org"))
    s.write("ok2.eml", PLAIN.format(subject="fine"))
    rc, out, err = s.run("--json", "ok1.eml", "does-not-exist.eml", "ok2.eml")
    docs = s.jsonl(out)
    s.equal("exit status", rc, 1)
    s.expect("stderr names the missing path", "does-not-exist.eml" in err, err)
    s.equal("sources", [d.get("source") for d in docs], ["ok1.eml", "ok2.eml"])


def case_unreadable(s):
    if os.geteuid() == 0:
        return  # root reads everything
    s.begin("unreadable file: exit 1")
    path = s.write("secret.eml", PLAIN.format(subject="secret"))
    os.chmod(path, 0)
    rc, out, err = s.run("--json", "secret.eml")
    s.equal("exit status", rc, 1)
    s.expect("stderr names the file", "secret.eml" in err, err)
    os.chmod(path, 0o600)


def case_usage(s):
    for args, name in ((["--no-such-option"], "unknown option"),
                       (["--max-bytes", "0", "x"], "--max-bytes 0"),
                       (["--max-bytes", "12abc", "x"], "--max-bytes not a number"),
                       (["--max-bytes"], "--max-bytes without value"),
                       (["-q"], "unknown short option")):
        s.begin("usage error: " + name)
        rc, out, err = s.run(*args)
        s.equal("exit status", rc, 2)
        s.expect("something on stderr", err.strip() != "")
        s.equal("nothing on stdout", out, "")
    s.begin("bad rules folder")
    p = subprocess.run([s.binary, "--rules", os.path.join(s.work, "no-rules-here"), "--json", "-"],
                       input=b"", capture_output=True, cwd=s.work, timeout=60)
    s.equal("exit status", p.returncode, 2)
    for args, name in ((["--help"], "--help"), (["-V"], "-V")):
        s.begin(name)
        rc, out, err = s.run(*args)
        s.equal("exit status", rc, 0)
        s.expect("prints something", out.strip() != "")


def case_stdin(s):
    s.begin("standard input")
    rc, out, err = s.run("--json", "-", stdin=DSN.format(rcpt="gina@example.org").encode())
    docs = s.jsonl(out)
    s.equal("exit status", rc, 0)
    s.equal("sources", [d.get("source") for d in docs], ["-"])
    s.begin("standard input, no PATH")
    rc, out, err = s.run("--json", stdin=PLAIN.format(subject="x").encode())
    s.equal("exit status", rc, 0)
    s.equal("one report", len(s.jsonl(out)), 1)
    s.begin("standard input, an mbox")
    rc, out, err = s.run("--json", stdin=("From a Mon Mar  3 10:00:00 2025\n" + PLAIN.format(subject="1") +
                                          "\nFrom b Mon Mar  3 10:00:00 2025\n" + PLAIN.format(subject="2")).encode())
    s.equal("sources", [d.get("source") for d in s.jsonl(out)], ["-:1", "-:2"])


def case_text_output(s):
    s.begin("--text")
    s.write("t.eml", DSN.format(rcpt="hank@example.org"))
    rc, out, err = s.run("--text", "t.eml")
    s.equal("exit status", rc, 0)
    s.expect("names the recipient", "hank@example.org" in out, out)
    s.expect("names the source", "t.eml" in out, out)


def case_max_bytes(s):
    s.begin("--max-bytes truncates")
    s.write("big.eml", DSN.format(rcpt="ivan@example.org") + "x" * 5000 + "\n")
    rc, out, err = s.run("--json", "--max-bytes", "200", "big.eml")
    docs = s.jsonl(out)
    s.equal("exit status", rc, 0)
    s.expect("truncated", docs and docs[0].get("truncated") is True, out)


def case_overlong_in_mbox(s):
    """A message in an mbox that runs on for 128 MB costs the reader what
    the engine reads of it (--max-bytes), not its length: the rest is
    skipped as it streams by, and the messages after it are found."""
    s.begin("an overlong message in an mbox is read in bounded memory")
    path = os.path.join(s.work, "overlong.mbox")
    sep = b"From MAILER-DAEMON Mon Mar  3 10:00:00 2025\n"
    line = b"x" * 75 + b"\n"
    with open(path, "wb") as f:
        for rcpt in ("olga@example.org", "pete@example.org"):
            f.write(sep + DSN.format(rcpt=rcpt).encode() + b"\n")
            if rcpt == "olga@example.org":
                for _ in range(128 * 1024 * 1024 // (64 * 1024)):
                    f.write(line * (64 * 1024 // 76))
                f.write(b"\n")
    for jobs in ("1", "2"):
        with open(os.path.join(s.work, "overlong.out"), "wb") as out:
            p = subprocess.Popen([s.binary, "--rules", s.rules, "--json", "-j", jobs, path],
                                 stdout=out, stderr=subprocess.DEVNULL)
            _, status, usage = os.wait4(p.pid, 0)
        docs = s.jsonl(open(os.path.join(s.work, "overlong.out"), encoding="utf-8").read())
        s.equal("-j %s exit status" % jobs, os.waitstatus_to_exitcode(status), 0)
        s.equal("-j %s messages" % jobs, len(docs), 2)
        if len(docs) == 2:
            s.expect("-j %s the overlong one is truncated" % jobs, docs[0].get("truncated") is True, docs[0])
            s.expect("-j %s its recipient read" % jobs, "olga@example.org" in json.dumps(docs[0]), docs[0])
            s.expect("-j %s the next one found" % jobs, "pete@example.org" in json.dumps(docs[1]), docs[1])
        # kilobytes; generous for sanitizer builds, far below 128 MB
        s.expect("-j %s peak RSS under 96 MB" % jobs, usage.ru_maxrss < 96 * 1024,
                 "%d KB" % usage.ru_maxrss)
    os.unlink(path)


FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "golden", "fixtures")


def fixture_messages():
    """The golden fixtures' messages, as bytes, in name order."""
    names = sorted(n for n in os.listdir(FIXTURES) if n.endswith(".eml"))
    return [(n, open(os.path.join(FIXTURES, n), "rb").read()) for n in names]


def mbox_of(messages):
    """An mboxrd of the messages: body lines that look like separators quoted."""
    out = []
    for _, body in messages:
        out.append(b"From MAILER-DAEMON Mon Mar  3 10:00:00 2025\n")
        for line in body.splitlines(keepends=True):
            stripped = line.lstrip(b">")
            out.append(b">" + line if stripped.startswith(b"From ") else line)
        out.append(b"\n" if body.endswith(b"\n") else b"\n\n")
    return b"".join(out)


def same_as_j1(s, what, args, jobs=("2", "4"), stdin=b"", exit_status=None):
    """bouncediag -j N gives -j 1's stdout, stderr and exit status, and
    the same bytes with stderr merged into stdout."""
    base = s.run("-j", "1", *args, stdin=stdin)
    base_merged = s.run("-j", "1", *args, stdin=stdin, merged=True)
    if exit_status is not None:
        s.equal(what + ": exit status of -j 1", base[0], exit_status)
    s.expect(what + ": -j 1 reports something", base[1] != "")
    for n in jobs:
        got = s.run("-j", n, *args, stdin=stdin)
        s.equal(what + ": -j %s exit status" % n, got[0], base[0])
        s.expect(what + ": -j %s stdout identical to -j 1" % n, got[1] == base[1],
                 "%d vs %d bytes" % (len(got[1]), len(base[1])))
        s.equal(what + ": -j %s stderr" % n, got[2], base[2])
        merged = s.run("-j", n, *args, stdin=stdin, merged=True)
        s.expect(what + ": -j %s stdout+stderr identical to -j 1" % n, merged[1] == base_merged[1])


def case_jobs(s):
    msgs = fixture_messages()
    for name, body in msgs:
        s.write("fx/" + name, body)
    s.begin("-j: the golden fixtures as a folder")
    for mode in ("--json", "--text"):
        same_as_j1(s, mode, [mode, "fx"], exit_status=0)

    s.begin("-j: an mbox of the golden fixtures")
    s.write("fx.mbox", mbox_of(msgs))
    same_as_j1(s, "mbox", ["--json", "fx.mbox"], jobs=("2", "3", "4", "0"), exit_status=0)
    rc, out, err = s.run("--json", "-j", "4", "fx.mbox")
    s.equal("one report per message", len(s.jsonl(out)), len(msgs))

    s.begin("-j: an mbox on standard input")
    same_as_j1(s, "stdin", ["--json"], stdin=mbox_of(msgs), exit_status=0)

    s.begin("-j: a Maildir of the golden fixtures")
    for i, (name, body) in enumerate(msgs):
        sub = "new" if i % 3 == 0 else "cur"
        s.write("fxmd/%s/17000%05d.%d.host%s" % (sub, i, i, "" if sub == "new" else ":2,S"), body)
    s.write("fxmd/tmp/1800000000.1.host", PLAIN.format(subject="being written"))
    same_as_j1(s, "Maildir", ["--json", "fxmd"], exit_status=0)

    s.begin("-j: unreadable inputs in their place")
    for name, body in msgs[:40]:
        s.write("mixed/" + name, body)
    os.symlink("nowhere.eml", os.path.join(s.work, "mixed", msgs[10][0][:-4] + "-dangling.eml"))
    os.mkfifo(os.path.join(s.work, "mixed", msgs[25][0][:-4] + "-fifo.eml"))
    if os.geteuid() != 0:
        os.chmod(os.path.join(s.work, "mixed", msgs[30][0]), 0)
    # Each error comes after more than 64 KB of reports, so that with
    # stderr merged into stdout an error written out of its place shows.
    for mode in ("--json", "--text"):
        same_as_j1(s, "unreadable " + mode, [mode, "fx.mbox", "mixed", "fx.mbox", "no-such-file.eml",
                                             "fx.mbox"], exit_status=1)
    rc, out, err = s.run("--json", "-j", "2", "mixed", "no-such-file.eml")
    s.expect("stderr names the dangling link, the FIFO and the missing file",
             "-dangling.eml" in err and "-fifo.eml" in err and "no-such-file.eml" in err, err)

    s.begin("-j: big messages among small ones")
    big = DSN.format(rcpt="jane@example.org") + ("x" * 76 + "\n") * 20000   # 1.5 MB: not copied
    huge = DSN.format(rcpt="kim@example.org") + ("y" * 76 + "\n") * 70000   # 5.4 MB: mapped
    s.write("sizes/a.eml", PLAIN.format(subject="small"))
    s.write("sizes/b.eml", big)
    s.write("sizes/c.eml", huge)
    s.write("sizes/d.eml", PLAIN.format(subject="small again"))
    s.write("sizes.mbox", "From a Mon Mar  3 10:00:00 2025\n" + PLAIN.format(subject="1") +
            "\nFrom b Mon Mar  3 10:00:00 2025\n" + big +
            "\nFrom c Mon Mar  3 10:00:00 2025\n" + PLAIN.format(subject="3"))
    same_as_j1(s, "sizes", ["--json", "sizes", "sizes.mbox"], exit_status=0)
    same_as_j1(s, "sizes, --max-bytes", ["--text", "--max-bytes", "4000000", "sizes"], exit_status=0)

    for args, name in ((["-j", "-1"], "negative"), (["-j", "x"], "not a number"),
                       (["-j", "2x"], "trailing junk"), (["-j", ""], "empty"),
                       (["--jobs", "257"], "too many"), (["--jobs=99999999999999999999"], "overflow"),
                       (["-j"], "no value")):
        s.begin("-j refused: " + name)
        rc, out, err = s.run(*(args + ["fx.mbox"]) if args != ["-j"] else args)
        s.equal("exit status", rc, 2)
        s.expect("stderr says what is wrong", "jobs" in err or "requires an argument" in err, err)
        s.equal("nothing on stdout", out, "")
    s.begin("-j: --help names it")
    rc, out, err = s.run("--help")
    s.expect("--jobs in the usage", "--jobs" in out, out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bouncediag", required=True)
    ap.add_argument("--rules", default="rules")
    args = ap.parse_args()
    binary = os.path.abspath(args.bouncediag)
    rules = os.path.abspath(args.rules)

    with tempfile.TemporaryDirectory(prefix="bouncediag-cli-") as work:
        s = Suite(binary, rules, work)
        for case in (case_mbox, case_mbox_from_in_body, case_maildir, case_folder,
                     case_missing_path, case_unreadable, case_usage, case_stdin,
                     case_text_output, case_max_bytes, case_overlong_in_mbox, case_jobs):
            case(s)
        s.end()
    for p in s.pending:
        print("pending (known bug) " + p)
    for f in s.failures:
        print("FAIL " + f)
    note = " (%d pending check(s) of known bugs still fail)" % len(s.pending) if s.pending else ""
    if s.failures:
        print("cli: %d checks, %d FAILED%s" % (s.checks, len(s.failures), note))
        return 1
    print("cli: %d checks, all passed%s" % (s.checks, note))
    return 0


if __name__ == "__main__":
    sys.exit(main())
