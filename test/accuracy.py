#!/usr/bin/env python3
"""Agreement of `bouncediag --json` with a labels file.

usage: accuracy.py [--bouncediag PATH] [--rules DIR] [-v] CORPUS LABELS

LABELS is tab-separated with a header line: file, n, status, replycode,
reason, hardbounce, feedbacktype (the format of Sisimai's expected
results). One row per failed recipient; n is its position in the file.
A status of the form x.0.9xx is Sisimai's pseudo code for "the message
has no status": such a row agrees when we report no status either.

Printed: the share of rows that agree, per field. "recipient" counts rows
for which a recipient with an address was found at that position.
"""
import argparse
import collections
import json
import os
import re
import subprocess
import sys

PSEUDO = re.compile(r'^[245]\.0\.9\d\d$')


def run_bouncediag(exe, rules, corpus):
    out = subprocess.run([exe, '--json', '--rules', rules, corpus],
                         stdout=subprocess.PIPE, check=False)
    if out.returncode not in (0, 1):
        sys.exit('bouncediag failed with exit code %d' % out.returncode)
    found = collections.defaultdict(list)
    for line in out.stdout.decode('utf-8').splitlines():
        obj = json.loads(line)
        src = obj['source']
        m = re.match(r'^(.*):(\d+)$', src)
        path = m.group(1) if m and not os.path.exists(src) else src
        found[os.path.basename(path)].extend(obj['recipients'])
    return found


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--bouncediag', default='build/bouncediag')
    ap.add_argument('--rules', default='rules')
    ap.add_argument('-v', '--verbose', action='count', default=0)
    ap.add_argument('corpus')
    ap.add_argument('labels')
    a = ap.parse_args()

    found = run_bouncediag(a.bouncediag, a.rules, a.corpus)
    fields = ['recipient', 'reason', 'status', 'replycode', 'hard', 'feedbacktype']
    agree = collections.Counter()
    misses = collections.defaultdict(list)
    rows = 0
    confusion = collections.Counter()
    with open(a.labels, encoding='utf-8') as f:
        header = f.readline().rstrip('\n').split('\t')
        for line in f:
            if not line.strip():
                continue
            row = dict(zip(header, line.rstrip('\n').split('\t')))
            rows += 1
            n = int(row['n'])
            got_list = found.get(row['file'], [])
            got = got_list[n - 1] if n <= len(got_list) else None
            g = got or {}
            want_status = row.get('status', '')
            checks = {
                'recipient': bool(got and '@' in got['recipient']),
                'reason': g.get('reason', '') == row.get('reason', ''),
                'status': (g.get('status', '') == '' if (PSEUDO.match(want_status) or want_status == '')
                           else g.get('status', '') == want_status),
                'replycode': g.get('reply_code', '') == row.get('replycode', ''),
                'hard': ('1' if g.get('hard') else '0') == row.get('hardbounce', '0'),
                'feedbacktype': g.get('feedback_type', '') == row.get('feedbacktype', ''),
            }
            for k, ok in checks.items():
                if ok:
                    agree[k] += 1
                else:
                    misses[k].append((row['file'], n, row, g))
            if not checks['reason']:
                confusion[(row.get('reason', ''), g.get('reason', '') or '-')] += 1

    print('rows: %d (files: %d)' % (rows, len(found)))
    for k in fields:
        print('%-13s %6.2f %%  (%d of %d)' % (k, 100.0 * agree[k] / max(rows, 1), agree[k], rows))
    if a.verbose:
        print('\nreason confusions (expected -> got):')
        for (w, g), c in confusion.most_common():
            print('  %3d  %-16s -> %s' % (c, w, g))
        for k in fields:
            if not misses[k]:
                continue
            print('\n%s disagreements:' % k)
            for file, n, row, g in misses[k]:
                want = {'recipient': '(any address)', 'reason': row.get('reason'), 'status': row.get('status'),
                        'replycode': row.get('replycode'), 'hard': row.get('hardbounce'),
                        'feedbacktype': row.get('feedbacktype')}[k]
                gotv = {'recipient': g.get('recipient'), 'reason': g.get('reason'), 'status': g.get('status'),
                        'replycode': g.get('reply_code'), 'hard': g.get('hard'),
                        'feedbacktype': g.get('feedback_type')}[k]
                line = '  %s #%d want %r got %r' % (file, n, want, gotv)
                if a.verbose > 1:
                    line += '  | %s' % (g.get('diagnostic', '')[:160])
                print(line)


if __name__ == '__main__':
    main()
