#!/usr/bin/env python3
"""gen.py - the hostile and broken messages of test/hostile/, made at test
time (some are tens of megabytes: they are never committed).

    gen.py DIR [--small] [--list]

writes every case (or only the small ones, those that stay under a few
megabytes and run quickly under sanitizers and valgrind) into DIR as
NAME.eml. run.py imports CASES to know what each must give.

A case is a generator (a function returning bytes) and its expectation:
  kind     the set of acceptable kinds ("none", "dsn", "ndr", ...)
  trunc    True: must be truncated; False: must not; None: either
  why      acceptable truncated_why values when truncated (None: any)
  rcpts    (min, max) recipients
  facts    {"rcpt1.status": "5.1.1", ...} exact values that must hold;
           "~ text": the value must contain text
  secs,mb  time and peak memory bounds of the whole bouncediag process
  big      extra runs with a larger --max-bytes: [(max_bytes, expectation
           overrides), ...]
Names, addresses and hosts are invented (example.com/.net/.org, 192.0.2.x).
"""

import base64
import os
import sys

MB = 1024 * 1024

HEAD = (b"Return-Path: <>\n"
        b"From: Mail Delivery System <MAILER-DAEMON@mx.example.net>\n"
        b"To: sender@example.org\n"
        b"Subject: Undelivered Mail Returned to Sender\n"
        b"Date: Mon, 3 Mar 2025 10:00:00 +0000\n"
        b"Message-ID: <hostile.1@mx.example.net>\n"
        b"MIME-Version: 1.0\n")


def report_head(boundary=b"b1", extra=b""):
    return (HEAD + extra + b"Content-Type: multipart/report; report-type=delivery-status;\n"
            b"\tboundary=\"" + boundary + b"\"\n\n")


def status_block(rcpt=b"nobody@example.com", status=b"5.1.1",
                 diag=b"smtp; 550 5.1.1 <nobody@example.com>: user unknown"):
    return (b"Final-Recipient: rfc822; " + rcpt + b"\n"
            b"Action: failed\n"
            b"Status: " + status + b"\n"
            b"Remote-MTA: dns; mx.example.com\n"
            b"Diagnostic-Code: " + diag + b"\n")


def dsn(blocks=None, boundary=b"b1", returned=b"", extra=b"", status_cte=None):
    """A well-formed RFC 3464 report around the given status blocks."""
    if blocks is None:
        blocks = status_block()
    body = b"Reporting-MTA: dns; mx.example.net\n\n" + blocks
    cte = b""
    if status_cte is not None:
        cte, body = status_cte
    b = boundary
    return (report_head(b, extra) +
            b"--" + b + b"\nContent-Type: text/plain; charset=us-ascii\n\n"
            b"Your message could not be delivered to one or more recipients.\n\n"
            b"--" + b + b"\nContent-Type: message/delivery-status\n" + cte + b"\n" + body + b"\n"
            b"--" + b + b"\nContent-Type: text/rfc822-headers\n\n"
            b"From: sender@example.org\nTo: nobody@example.com\n"
            b"Subject: hello\nMessage-ID: <orig.1@example.org>\n" + returned +
            b"\n--" + b + b"--\n")


# ---- the cases ------------------------------------------------------------

def empty():
    return b""


def only_headers():
    return HEAD.rstrip(b"\n")            # no blank line, no body, no final LF


def missing_boundary():
    return dsn().replace(b";\n\tboundary=\"b1\"", b"")


def mismatched_boundary():
    m = dsn()
    head, _, body = m.partition(b"\n\n")
    return head.replace(b"boundary=\"b1\"", b"boundary=\"zz9\"") + b"\n\n" + body


def unclosed_boundary():
    return dsn().replace(b"\n--b1--\n", b"\n")


def boundary_prefix():
    """The outer boundary is a prefix of the inner one: a parser that
    matches "--outer" without checking what follows splits the inner
    multipart in the wrong place."""
    inner = (b"--b1\nContent-Type: multipart/mixed; boundary=\"b1-inner\"\n\n"
             b"--b1-inner\nContent-Type: text/plain\n\nThe notice.\n"
             b"--b1-inner\nContent-Type: text/plain\n\nMore notice.\n"
             b"--b1-inner--\n")
    return (report_head(b"b1") + inner +
            b"--b1\nContent-Type: message/delivery-status\n\n"
            b"Reporting-MTA: dns; mx.example.net\n\n" + status_block() +
            b"\n--b1--\n")


def nested(n):
    def make():
        out = [HEAD, b"Content-Type: multipart/mixed; boundary=\"n0\"\n\n"]
        for i in range(1, n):
            out.append(b"--n%d\nContent-Type: multipart/mixed; boundary=\"n%d\"\n\n" % (i - 1, i))
        out.append(b"--n%d\nContent-Type: text/plain\n\ninnermost\n--n%d--\n" % (n - 1, n - 1))
        for i in range(n - 2, -1, -1):
            out.append(b"--n%d--\n" % i)
        return b"".join(out)
    return make


def nested_rfc822(n):
    """Messages inside messages inside messages (message/rfc822)."""
    def make():
        out = []
        for i in range(n):
            out.append(b"From: layer%d@example.org\nSubject: layer %d\n"
                       b"MIME-Version: 1.0\nContent-Type: message/rfc822\n\n" % (i, i))
        out.append(b"From: core@example.org\nSubject: core\n\ncore text\n")
        return HEAD + b"".join(out)
    return make


def big_message(size):
    """A DSN whose returned message carries a huge base64 attachment."""
    def make():
        chunk = base64.encodebytes(os.urandom(57 * 1024))
        n = size // len(chunk) + 1
        returned = (b"--b1\nContent-Type: message/rfc822\n\n"
                    b"From: sender@example.org\nTo: nobody@example.com\nSubject: big\n"
                    b"MIME-Version: 1.0\nContent-Type: application/octet-stream\n"
                    b"Content-Transfer-Encoding: base64\n\n" + chunk * n + b"\n")
        m = dsn()
        return m.replace(b"--b1--\n", returned + b"--b1--\n")
    return make


def nul_bytes():
    m = dsn(status_block(diag=b"smtp; 550 5.1.1 \x00<nobody@example.com>:\x00 user\x00 unknown"))
    m = m.replace(b"Subject: Undelivered", b"Subject: Undel\x00ivered")
    return m.replace(b"Your message", b"Your\x00\x00 message") + b"\x00" * 4096


def bad_base64():
    body = (base64.encodebytes(b"Reporting-MTA: dns; mx.example.net\n\n" + status_block())
            .replace(b"A", b"!", 3) + b"====\n*&^%$\nQUJD\n=\n")
    m = dsn(status_cte=(b"Content-Transfer-Encoding: base64\n", body))
    return m.replace(b"Content-Type: text/plain; charset=us-ascii\n",
                     b"Content-Type: text/plain; charset=us-ascii\n"
                     b"Content-Transfer-Encoding: base64\n", 1) \
            .replace(b"Your message could not", b"Zm9v!!!=ZZZ=\x80\xff no=t")


def bad_qp():
    body = (b"Reporting-MTA: dns; mx.example.net\n\n"
            b"Final-Recipient: rfc822; nobody@example.com\nAction: fa=\niled\n"
            b"Status: 5.1.1\nDiagnostic-Code: smtp; 550 =ZZ=4 user =\n=\n= unknown =0D=0A=00=\n"
            b"=" + b"=" * 100 + b"\n=F")
    return dsn(status_cte=(b"Content-Transfer-Encoding: quoted-printable\n", body))


def long_header(size):
    def make():
        return dsn(extra=b"X-Long: " + (b"abcdefghij " * (size // 11)) + b"\n")
    return make


def bad_charsets():
    blocks = status_block(diag=b"smtp; 550 5.1.1 \xff\xfe\xc0\xaf\xed\xa0\x80\xf4\x90\x80\x80 user unknown")
    m = dsn(blocks)
    m = m.replace(b"Subject: Undelivered Mail Returned to Sender",
                  b"Subject: =?x-no-such-charset?q?=FF=FE?= =?utf-8?b?/w==?= "
                  b"=?utf-7?q?+AGEAYgBj-?= =?utf-8?q?=C0=AF?= \xe9t\xe9 \xff")
    m = m.replace(b"charset=us-ascii", b"charset=\"x-bogus-1\"")
    return m.replace(b"Content-Type: text/rfc822-headers",
                     b"Content-Type: text/rfc822-headers; charset=ebcdic-cp-xx")


def many_recipients(n):
    def make():
        blocks = b"\n".join(status_block(rcpt=b"user%d@example.com" % i,
                                         diag=b"smtp; 550 5.1.1 user unknown")
                            for i in range(n))
        return dsn(blocks)
    return make


def diag_injection():
    """CR, LF, escapes and encoded words that decode to CR LF, inside a
    folded Diagnostic-Code: nothing may come out as a line break or a
    control character, and the text after them must survive."""
    diag = (b"smtp; 550 5.1.1 <nobody@example.com>: user unknown\r\n"
            b"\t=?utf-8?q?evil=0D=0AX-Injected:_yes=0A?= "
            b"=?utf-8?b?DQpYLUJvdW5jZS1Pd25lcjogbm9uZQ0K?=\r\n"
            b" bare\r cr \x1b[31mred\x1b[0m \x7f\x08 %0D%0A tail-of-text")
    m = dsn(status_block(diag=diag))
    return m.replace(b"Subject: hello",
                     b"Subject: =?utf-8?q?hello=0D=0ABcc:_victim@example.net?=")


def tiny_parts(n):
    def make():
        return (HEAD + b"Content-Type: multipart/mixed; boundary=\"p\"\n\n" +
                b"--p\n\nx\n" * n + b"--p--\n")
    return make


def many_fields(n):
    def make():
        fields = b"".join(b"X-Filler-%d: v%d\n" % (i, i) for i in range(n))
        return HEAD + fields + b"Content-Type: text/plain\n\nbody\n"
    return make


def single_line(size):
    def make():
        return HEAD + b"Content-Type: text/plain\n\n" + b"A" * size
    return make


def long_boundary():
    return dsn(boundary=b"=" + b"x" * 5000)


def encoded_words(n):
    def make():
        words = b" ".join(b"=?utf-8?b?w6k=?=" for _ in range(n))
        return dsn(extra=b"X-Words: " + words + b"\n").replace(
            b"Subject: Undelivered Mail Returned to Sender", b"Subject: " + words[:200000])
    return make


FWD_HEAD = (b"From: Pat Person <pat@example.org>\n"
            b"To: helpdesk@example.org\n"
            b"Subject: Fwd: Undelivered Mail Returned to Sender\n"
            b"Date: Mon, 3 Mar 2025 11:00:00 +0000\n"
            b"Message-ID: <fwd.1@example.org>\n"
            b"Content-Type: text/plain; charset=us-ascii\n\n")


def forward_markers(n):
    """A forwarded note with n marker lines, none followed by a header
    block that holds: each tried marker costs a pass over the rest."""
    def make():
        return FWD_HEAD + b"---------- Forwarded message ---------\nFrom: x@example.net\n\n" * n
    return make


def forward_blank_block(n):
    """A forwarded header block with n blank lines between its fields."""
    def make():
        return (FWD_HEAD + b"Begin forwarded message:\n\n"
                b"> From: Mail Delivery System <MAILER-DAEMON@mx.example.net>\n" +
                b">\n" * n + b"> Subject: Undelivered Mail Returned to Sender\n>\n"
                b"> <nobody@example.com>: host mx.example.com said: 550 5.1.1 user unknown\n")
    return make


def forward_chain(n):
    """A bounce forwarded n times, each forward quoting the one before."""
    def make():
        inner = (b"From: Mail Delivery System <MAILER-DAEMON@mx.example.net>\n"
                 b"Subject: Undelivered Mail Returned to Sender\n"
                 b"To: <pat@example.org>\n\n" +
                 dsn().split(b"\n\n", 1)[1])
        for k in range(n):
            quoted = b"".join(b"> " + line + b"\n" for line in inner.split(b"\n"))
            inner = (b"From: Person %d <p%d@example.org>\nSubject: Fwd: bounce\n"
                     b"To: p%d@example.org\n\nSee below.\n\nBegin forwarded message:\n\n"
                     % (k, k, k + 1)) + quoted
        return FWD_HEAD + inner.split(b"\n\n", 1)[1]
    return make


def crlf_flood():
    return b"\r\n" * (600 * 1024)


def base(**kw):
    e = {"kind": {"none"}, "trunc": None, "why": None, "rcpts": (0, 0), "facts": {},
         "secs": 10, "mb": 256, "small": True, "big": []}
    e.update(kw)
    return e


DSN_ONE = {"kind": {"dsn"}, "rcpts": (1, 1), "facts": {"rcpt1.status": "5.1.1"}}

# name: (generator, expectation)
CASES = {
    "empty": (empty, base(trunc=False)),
    "only-headers": (only_headers, base(kind={"none", "ndr"}, rcpts=(0, 1), trunc=False)),
    "missing-boundary": (missing_boundary, base(kind={"none", "dsn", "ndr"}, rcpts=(0, 1))),
    "mismatched-boundary": (mismatched_boundary, base(kind={"none", "dsn", "ndr"}, rcpts=(0, 1))),
    "unclosed-boundary": (unclosed_boundary, base(trunc=False, **DSN_ONE)),
    "boundary-prefix": (boundary_prefix, base(trunc=False, **DSN_ONE)),
    "nested-10000": (nested(10000), base(trunc=True, why={"mime depth"})),
    "nested-rfc822-2000": (nested_rfc822(2000), base(kind={"none", "ndr"}, rcpts=(0, 1),
                                                     trunc=True, why={"mime depth"})),
    "big-50mb": (big_message(50 * MB), base(trunc=True, why={"scan bytes"}, small=False,
                                            **DSN_ONE,
                                            big=[(64 * MB, {"trunc": False, "secs": 20,
                                                            "mb": 512})])),
    "nul-bytes": (nul_bytes, base(trunc=False, **DSN_ONE)),
    "bad-base64": (bad_base64, base(kind={"none", "dsn", "ndr"}, rcpts=(0, 1))),
    "bad-qp": (bad_qp, base(kind={"dsn"}, rcpts=(1, 1))),
    # The 1 MB cut falls inside the header block: nothing after it is read.
    "header-2mb": (long_header(2 * MB), base(kind={"none", "dsn", "ndr"}, rcpts=(0, 1),
                                              trunc=True, why={"scan bytes"}, small=False,
                                              big=[(8 * MB, dict(DSN_ONE, why={"header bytes"}))])),
    "bad-charsets": (bad_charsets, base(trunc=False, **DSN_ONE)),
    "dsn-100000-rcpts": (many_recipients(100000),
                         base(kind={"dsn"}, rcpts=(1000, 1000), trunc=True,
                              why={"scan bytes", "recipients"}, small=False,
                              big=[(32 * MB, {"why": {"recipients"}, "secs": 20,
                                              "mb": 512})])),
    "diag-injection": (diag_injection, base(trunc=False, kind={"dsn"}, rcpts=(1, 1),
                                            facts={"rcpt1.status": "5.1.1",
                                                   "rcpt1.diagnostic": "~ tail-of-text",
                                                   "original.subject": "~ hello"})),
    "only-crlf": (crlf_flood, base(trunc=True, why={"scan bytes"})),
    "tiny-parts-1000000": (tiny_parts(1000000),
                           base(trunc=True, why={"scan bytes", "mime parts"}, small=False,
                                big=[(16 * MB, {"why": {"mime parts", "scan bytes"},
                                                "secs": 20, "mb": 512})])),
    "fields-100000": (many_fields(100000),
                      base(trunc=True, why={"scan bytes", "header fields"}, small=False,
                           big=[(8 * MB, {"why": {"header fields"}})])),
    "line-20mb": (single_line(20 * MB),
                  base(trunc=True, why={"scan bytes"}, small=False,
                       big=[(32 * MB, {"trunc": False, "why": None, "secs": 20,
                                       "mb": 512})])),
    "long-boundary": (long_boundary, base(kind={"none", "dsn", "ndr"}, rcpts=(0, 1))),
    "encoded-words-30000": (encoded_words(30000),
                            base(why={"header bytes"}, **DSN_ONE)),
    "forward-markers-100000": (forward_markers(100000),
                               base(trunc=True, why={"scan bytes"},
                                    big=[(8 * MB, {"trunc": False})])),
    "forward-blank-block": (forward_blank_block(400000),
                            base(kind={"none", "ndr", "dsn"}, rcpts=(0, 1), small=False,
                                 big=[(4 * MB, {"trunc": False})])),
    # Three forwards deep are read through; deeper, the quoted text is
    # read as it stands (what it gives is not the point: it must end).
    "forward-chain-3": (forward_chain(3), base(trunc=False, **DSN_ONE)),
    "forward-chain-12": (forward_chain(12), base(kind={"none", "dsn", "ndr"}, rcpts=(0, 100),
                                                 trunc=False)),
}


def write_all(folder, small_only=False, names=None):
    """Write the cases; returns {name: path}."""
    os.makedirs(folder, exist_ok=True)
    out = {}
    for name, (make, exp) in CASES.items():
        if (small_only and not exp["small"]) or (names and name not in names):
            continue
        path = os.path.join(folder, name + ".eml")
        with open(path, "wb") as f:
            f.write(make())
        out[name] = path
    return out


def main(argv):
    small = "--small" in argv
    if "--list" in argv:
        for name, (_, exp) in CASES.items():
            print(name, "small" if exp["small"] else "large")
        return 0
    args = [a for a in argv if not a.startswith("--")]
    if len(args) != 1:
        print("usage: gen.py DIR [--small] [--list]", file=sys.stderr)
        return 2
    for name, path in write_all(args[0], small).items():
        print("%-22s %10d bytes" % (name, os.path.getsize(path)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
