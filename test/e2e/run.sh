#!/bin/sh
# run.sh BUILD - end-to-end: bouncemilter in a private Postfix on loopback.
#
# Bounces go in over SMTP with a null sender and must arrive annotated;
# forged X-Bounce-* fields must arrive removed; a hostile bounce must give
# safe fields; Postfix's own bounce must be diagnosed (non_smtpd_milters,
# internal_mail_filter_classes = bounce); the Sieve sample must file the
# delivered messages; with the milter killed, mail must still arrive.
# Everything started here is stopped on exit, also on failure.
set -u
BUILD=${1:?usage: run.sh BUILD}
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
FIX=$TOP/test/milter/fixtures
. "$HERE/lib.sh"
FAILED=0
trap 'e2e_down' EXIT
trap 'exit 1' INT TERM

ok() { echo "  PASS: $1"; }
bad() { echo "FAIL: $1"; FAILED=1; }

[ "$(id -u)" = 0 ] || { echo "  SKIP: e2e needs root (a private Postfix)"; exit 0; }
command -v postfix >/dev/null && command -v swaks >/dev/null ||
	{ echo "FAIL: postfix or swaks missing (make deps)"; exit 1; }

e2e_up "$TOP" "$TOP/$BUILD/bouncemilter" || exit 1

# Our fields in the header section of a delivered file, one per line.
ours() {
	e2e_header_block "$1" | grep -i '^X-Bounce-'
}

# Every line of the header section printable ASCII (tab allowed), <= 998.
header_safe() {
	e2e_header_block "$1" | LC_ALL=C awk '
		length($0) > 998 { bad = 1 }
		/[^\t -~]/ { bad = 1 }
		END { exit bad }'
}

# 1. A DSN over SMTP with a null sender.
qid=$(e2e_send "$FIX/postfix-dsn.eml")
if f=$(e2e_wait_for carol '<20251117101502.4BC2F1A0042@mx1.example.net>'); then
	if grep -q '^Return-Path: <>' "$f" &&
	    grep -q '^X-Bounce-Category: mailbox-missing$' "$f" &&
	    grep -q '^X-Bounce-Diagnosis: v=1; ' "$f" &&
	    e2e_header_block "$f" | tr -d '\n' | grep -q 'rcpt=<dave.nosuch@example.org>' &&
	    grep -q '^X-Bounce-Original-Message-ID: <figures-2025q4@e2e.test>$' "$f" &&
	    grep -q '^X-Bounce-Summary: ' "$f"; then
		ok "DSN with null sender arrives annotated"
	else
		bad "DSN not annotated:"; e2e_header_block "$f"
	fi
	grep -q "^bouncemilter: info: $qid: dsn rcpt=<dave.nosuch@example.org> category=mailbox-missing" \
	    "$E2E/milter/milter.log" && ok "log line per recipient carries Postfix's queue id $qid" ||
		{ bad "no log line with queue id $qid"; cat "$E2E/milter/milter.log"; }
	grep -q "\"queue_id\":\"$qid\"" "$E2E/milter/events.jsonl" &&
		python3 -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1])]' "$E2E/milter/events.jsonl" &&
		ok "EventLog line is JSON with the queue id" || bad "EventLog"
else
	bad "DSN not delivered"; tail -n 20 "$E2E/maillog"
fi

# 2. The other sample bounces, each annotated (categories not asserted
# where the engine may still refine them).
for fx in m365-ndr gmail exim delay autoreply arf; do
	id=$(sed -n 's/^Message-I[Dd]: *//p' "$FIX/$fx.eml" | head -n 1)
	e2e_send "$FIX/$fx.eml" >/dev/null
	if f=$(e2e_wait_for carol "$id") && ours "$f" | grep -q '^X-Bounce-Category: [a-z-]*$' &&
	    header_safe "$f"; then
		ok "$fx: $(ours "$f" | head -n 1)"
	else
		bad "$fx not annotated"; [ -n "${f:-}" ] && e2e_header_block "$f"
	fi
done
f=$(e2e_wait_for carol '<autoreply-5521@example.org>') &&
	grep -q '^X-Bounce-Category: auto-reply$' "$f" && ok "auto-reply categorised auto-reply" ||
	bad "auto-reply category"
f=$(e2e_wait_for carol '<20251121060000.9F00A1A0077@mx1.example.net>') &&
	grep -q '^X-Bounce-Category: delayed$' "$f" && ok "delay warning categorised delayed" ||
	bad "delay category"

# 3. Ordinary mail with forged fields: all removed, nothing added.
e2e_send "$FIX/forged.eml" '<mallory@example.net>' >/dev/null
if f=$(e2e_wait_for carol '<forged-1@example.net>'); then
	if ours "$f" >/dev/null; then
		bad "forged fields survived:"; ours "$f"
	else
		ok "ordinary mail with 5 forged X-Bounce-* fields (3 copies, mixed case) arrives without them"
	fi
else
	bad "forged message not delivered"
fi
e2e_send "$FIX/ordinary.eml" '<judy@example.org>' >/dev/null
f=$(e2e_wait_for carol '<minutes-42@example.org>') && ! ours "$f" >/dev/null &&
	ok "ordinary mail arrives untouched" || bad "ordinary mail"

# 4. A hostile bounce: injection attempts, binary, a 3000-byte word,
# plus a 40 KB header field; the fields we add stay safe.
e2e_send "$FIX/hostile.eml" >/dev/null
if f=$(e2e_wait_for carol '<hostile-1@evil.example.net>'); then
	n=$(ours "$f" | grep -ci '^X-Bounce-Summary:')
	if header_safe "$f" && ! e2e_header_block "$f" | grep -qi '^X-Injected' && [ "$n" = 1 ] &&
	    grep -q '^X-Bounce-Category: ' "$f"; then
		ok "hostile Diagnostic-Code: safe fields, no injection, forged Summary replaced"
	else
		bad "hostile bounce:"; e2e_header_block "$f" | cat -A | cut -c1-200
	fi
else
	bad "hostile bounce not delivered"
fi
python3 - "$E2E/big.eml" "$FIX/postfix-dsn.eml" <<'PY'
import sys
src = open(sys.argv[2]).read()
head, body = src.split("\n\n", 1)
head = head.replace("Message-ID: <20251117101502.4BC2F1A0042@mx1.example.net>",
                    "Message-ID: <big-header-1@mx1.example.net>")
head += "\nX-Long: " + "\n\t".join(["w" * 70] * 570)
open(sys.argv[1], "w").write(head + "\n\n" + body)
PY
e2e_send "$E2E/big.eml" >/dev/null
f=$(e2e_wait_for carol '<big-header-1@mx1.example.net>') && grep -q '^X-Bounce-Category: ' "$f" &&
	ok "bounce with a 40 KB header field annotated" || bad "big header"

# 5. Postfix's own bounce (unknown local user), through non_smtpd_milters.
printf 'From: bob@e2e.test\nTo: nobody-here@e2e.test\nSubject: to nowhere\nMessage-ID: <to-nowhere-1@e2e.test>\n\nhello\n' |
	sendmail -C "$E2E/postfix" -f bob@e2e.test -i nobody-here@e2e.test
if f=$(e2e_wait_for bob '<to-nowhere-1@e2e.test>'); then
	if grep -q '^Return-Path: <MAILER-DAEMON>\|^Return-Path: <>' "$f" &&
	    e2e_header_block "$f" | tr -d '\n' | grep -q 'rcpt=<nobody-here@e2e.test>' &&
	    e2e_header_block "$f" | tr -d '\n' | grep -q 'status=5.1.1'; then
		ok "Postfix's own bounce diagnosed: $(grep '^X-Bounce-Category' "$f")"
	else
		bad "local bounce not diagnosed:"; e2e_header_block "$f"
	fi
else
	bad "local bounce not delivered to bob"; tail -n 20 "$E2E/maillog"
fi

# 6. Sieve: the sample script files the delivered messages by category.
if command -v sieve-test >/dev/null; then
	# A copy, so that the compiled .svbin lands in $E2E, not in the tree.
	mkdir -p "$E2E/sieve" && cp "$TOP/conf/bouncemilter.sieve" "$E2E/sieve/" &&
		chown -R 65534:65534 "$E2E/sieve"
	sieve_folder() {
		sieve-test -o mail_uid=65534 -o mail_gid=65534 \
		    "$E2E/sieve/bouncemilter.sieve" "$1" 2>&1 |
			sed -n 's/.*store message in folder: //p' | head -n 1
	}
	sv=0
	for pair in '<20251117101502.4BC2F1A0042@mx1.example.net>=Bounces/Bad-address' \
	    '<autoreply-5521@example.org>=Bounces/Auto-replies' \
	    '<20251121060000.9F00A1A0077@mx1.example.net>=Bounces/Delayed' \
	    '<arf-report-88@isp.example.net>=Bounces/Complaints' \
	    '<minutes-42@example.org>=INBOX'; do
		id=${pair%=*} want=${pair#*=}
		f=$(e2e_wait_for carol "$id") || continue
		got=$(sieve_folder "$f")
		[ "$got" = "$want" ] || { bad "sieve filed $id into '$got', wanted $want"; sv=1; }
	done
	[ $sv = 0 ] && ok "Sieve script files bounces by X-Bounce-Category (sieve-test)"
else
	echo "  SKIP: sieve-test not installed"
fi

# 6b. procmail: the sample recipe files the same messages the same way.
if command -v procmail >/dev/null; then
	PM="$E2E/procmail"
	mkdir -p "$PM/Maildir/new" "$PM/Maildir/cur" "$PM/Maildir/tmp"
	# procmail refuses an rcfile others can write; use a private copy.
	install -m 0600 "$TOP/conf/procmailrc" "$PM/procmailrc"
	pm=0
	for pair in '<20251117101502.4BC2F1A0042@mx1.example.net>=.Bounces.Bad-address' \
	    '<autoreply-5521@example.org>=.Bounces.Auto-replies' \
	    '<20251121060000.9F00A1A0077@mx1.example.net>=.Bounces.Delayed' \
	    '<arf-report-88@isp.example.net>=.Bounces.Complaints' \
	    '<minutes-42@example.org>=INBOX'; do
		id=${pair%=*} want=${pair#*=}
		f=$(e2e_wait_for carol "$id") || continue
		procmail -m MAILDIR="$PM/Maildir/" DEFAULT="$PM/Maildir/" \
		    LOGFILE="$PM/log" "$PM/procmailrc" < "$f"
		# Maildir++: ".Folder/new/..." or the inbox's own "new/...".
		got=$(grep -rlF -- "$id" "$PM/Maildir" | sed "s|^$PM/Maildir/||; s|/.*||" | head -n 1)
		[ "$got" = new ] && got=INBOX
		[ "$got" = "$want" ] || { bad "procmail filed $id into '$got', wanted $want"; pm=1; }
	done
	[ $pm = 0 ] && ok "procmail recipe files bounces by X-Bounce-Category"
else
	echo "  SKIP: procmail not installed"
fi

# 7. Routes, after a reload (SIGUSR1) of the running, unprivileged milter.
e2e_milter_conf "Route mailbox-missing redirect bounces@e2e.test" \
	"Route mailbox-full copy postmaster@e2e.test" "Route delayed quarantine" \
	"Route auto-reply discard"
kill -USR1 "$E2E_MILTER_PID"
i=0
until grep -q 'reloaded.*4 routes' "$E2E/milter/milter.log" || [ $i -gt 300 ]; do sleep 0.05; i=$((i + 1)); done
grep -q 'reloaded.*4 routes' "$E2E/milter/milter.log" && ok "SIGUSR1 reload as user nobody" ||
	{ bad "reload:"; tail -n 5 "$E2E/milter/milter.log"; }
# The EventLog was created by root at start and handed to nobody, so the
# unprivileged milter could open it again.
! grep -q 'EventLog.*Permission denied' "$E2E/milter/milter.log" &&
	[ "$(stat -c %u "$E2E/milter/events.jsonl")" = 65534 ] &&
	ok "EventLog reopened by the unprivileged milter at the reload" ||
	{ bad "EventLog not reopened:"; grep EventLog "$E2E/milter/milter.log"; ls -l "$E2E/milter"; }
# again(FIXTURE, NEW-ID): the fixture under a new Message-ID.
again() {
	sed "s/^Message-I[Dd]: .*/Message-ID: <$2>/" "$FIX/$1.eml" > "$E2E/$2.eml"
	echo "$E2E/$2.eml"
}
e2e_send "$(again postfix-dsn route-redirect@x)" >/dev/null
f=$(e2e_wait_for bounces '<route-redirect@x>') && ! grep -lqF '<route-redirect@x>' "$E2E/mail/carol/new/"* &&
	ok "Route mailbox-missing redirect: delivered to bounces@ only" || bad "redirect"
e2e_send "$(again exim route-copy@x)" >/dev/null
e2e_wait_for postmaster '<route-copy@x>' >/dev/null && e2e_wait_for carol '<route-copy@x>' >/dev/null &&
	ok "Route mailbox-full copy: delivered to carol and postmaster@" || bad "copy"
qid=$(e2e_send "$(again delay route-hold@x)")
i=0
until postqueue -c "$E2E/postfix" -j 2>/dev/null | grep -q "\"queue_name\": *\"hold\", *\"queue_id\": *\"$qid\"" || [ $i -gt 100 ]; do
	sleep 0.05; i=$((i + 1))
done
postqueue -c "$E2E/postfix" -j | grep -q "\"queue_name\": *\"hold\", *\"queue_id\": *\"$qid\"" &&
	ok "Route delayed quarantine: $qid in the hold queue" || { bad "quarantine"; postqueue -c "$E2E/postfix" -j; }
qid=$(e2e_send "$(again autoreply route-discard@x)")
i=0
until grep -q "$qid: milter-discard" "$E2E/maillog" || [ $i -gt 100 ]; do sleep 0.05; i=$((i + 1)); done
grep -q "$qid: milter-discard" "$E2E/maillog" && ! grep -rlqF '<route-discard@x>' "$E2E/mail" &&
	ok "Route auto-reply discard: $qid discarded" || bad "discard"

# 8. Fail-open: the milter killed, mail still arrives (unannotated).
e2e_milter_kill
sed 's/^Message-ID: .*/Message-ID: <after-kill-1@mx1.example.net>/' "$FIX/postfix-dsn.eml" > "$E2E/after-kill.eml"
qid=$(e2e_send "$E2E/after-kill.eml")
if [ -n "$qid" ] && f=$(e2e_wait_for carol '<after-kill-1@mx1.example.net>') && ! ours "$f" >/dev/null; then
	ok "milter killed: bounce still delivered (queued as $qid), unannotated"
else
	bad "fail-open: not delivered with the milter down"; tail -n 20 "$E2E/maillog"
fi

[ $FAILED = 0 ] || { E2E_KEEP=${E2E_KEEP:-}; tail -n 30 "$E2E/maillog"; cat "$E2E/milter/milter.log"; }
exit $FAILED
