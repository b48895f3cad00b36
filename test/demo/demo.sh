#!/bin/sh
# demo.sh BUILD - `make demo`: bouncemilter in a private Postfix on
# loopback. Sends a few sample bounces (Microsoft 365, Gmail, Exim,
# Postfix, a delay warning, an auto-reply, a bounce a person forwarded)
# and an ordinary message over SMTP, plus one bounce Postfix writes
# itself, then shows the X-Bounce-* fields each delivered copy carries. Everything it starts is stopped at
# the end (also on Ctrl-C); nothing outside a temporary folder is touched.
set -u
BUILD=${1:?usage: demo.sh BUILD}
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
FIX=$TOP/test/milter/fixtures
. "$TOP/test/e2e/lib.sh"

if [ "$(id -u)" != 0 ]; then
	echo "demo: run as root (it starts a private Postfix instance)" >&2
	exit 1
fi
trap 'e2e_down' EXIT
trap 'exit 1' INT TERM

echo "bouncemilter demo"
e2e_up "$TOP" "$TOP/$BUILD/bouncemilter" || exit 1

show() {
	label=$1 box=$2 id=$3
	echo
	echo "== $label"
	if ! f=$(e2e_wait_for "$box" "$id"); then
		echo "   (not delivered; see the Postfix log)"
		return
	fi
	sed -n 's/^Subject: /   Subject: /p' "$f" | head -n 1
	# The header section, folded lines kept with their field.
	sed '/^$/q' "$f" | awk '
		/^$/ { exit }
		/^[^ \t]/ { show = tolower($0) ~ /^x-bounce-/ }
		show { print "   " $0; any = 1 }
		END { if (!any) print "   (no X-Bounce-* fields: not a report, let through unchanged)" }'
}

for fx in m365-ndr gmail exim postfix-dsn delay autoreply ordinary; do
	case $fx in
	ordinary) from='<judy@example.org>' ;;
	autoreply) from='<ivan@example.org>' ;;
	*) from='<>' ;;
	esac
	e2e_send "$FIX/$fx.eml" "$from" >/dev/null
done
e2e_send "$TOP/test/golden/fixtures/fwd-gmail-inline-postfix.eml" '<omar.haddad@example.com>' >/dev/null
printf 'From: bob@e2e.test\nTo: nobody-here@e2e.test\nSubject: to nowhere\nMessage-ID: <demo-local-1@e2e.test>\n\nhello\n' |
	sendmail -C "$E2E/postfix" -f bob@e2e.test -i nobody-here@e2e.test

show "Microsoft 365 non-delivery report" carol '<b5f0a7e1-2c33-4b8f-a9d0-1e7c4f6d2a10@'
show "Gmail bounce" carol '<6559a1b2.0c2a0220.1a2b3.4c5dSMTPIN_ADDED_BROKEN@mx.google.com>'
show "Exim bounce" carol '<E1vKx2A-0004Qz-7b@relay.example.net>'
show "Postfix DSN from a remote server" carol '<20251117101502.4BC2F1A0042@mx1.example.net>'
show "Delay warning" carol '<20251121060000.9F00A1A0077@mx1.example.net>'
show "Auto-reply" carol '<autoreply-5521@example.org>'
show "A bounce a person forwarded to the helpdesk (Gmail, inline)" carol '<CAfwd-gmail-0001@mail.example.com>'
show "Ordinary message" carol '<minutes-42@example.org>'
show "Postfix's own bounce (unknown local user, via non_smtpd_milters)" bob '<demo-local-1@e2e.test>'

echo
echo "== bouncemilter's log (one line per diagnosed recipient, with the queue id)"
sed 's/^/   /' "$E2E/milter/milter.log"
echo
echo "demo: done; stopping Postfix and the milter"
