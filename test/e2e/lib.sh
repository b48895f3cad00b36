# lib.sh - a private Postfix and bouncemilter on loopback, for the e2e
# test and `make demo`. Source it, set E2E_BIN, call e2e_up; e2e_down
# stops everything (trap it). Nothing outside $E2E is touched: the
# instance has its own config, queue and Maildirs, listens on a free
# 127.0.0.1 port and reaches the milter through a UNIX socket in $E2E.
# Needs root (Postfix runs as user postfix, delivers as nobody).

E2E_MILTER_PID=""

e2e_free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# e2e_wait_port PORT: wait up to 5 s for a listener on 127.0.0.1:PORT.
e2e_wait_port() {
	i=0
	until python3 -c "import socket; socket.create_connection(('127.0.0.1', $1), 1)" 2>/dev/null; do
		i=$((i + 1))
		[ $i -lt 100 ] || { echo "nothing listens on 127.0.0.1:$1" >&2; return 1; }
		sleep 0.05
	done
}

e2e_log() {
	[ -n "${E2E_QUIET:-}" ] || echo "  $*"
}

# e2e_milter_conf [extra config lines...]; E2E_MILTER_SOCKET overrides
# the socket (inet:PORT@HOST or unix:PATH syntax).
e2e_milter_conf() {
	{
		echo "# bouncemilter for the private Postfix in $E2E"
		echo "Socket		${E2E_MILTER_SOCKET:-unix:$E2E/milter/bouncemilter.sock}"
		echo "SocketMode	0660"
		echo "SocketGroup	postfix"
		echo "UserID		nobody"
		echo "Syslog		no"
		echo "LogLevel	info"
		echo "RulesDir	$E2E_TOP/rules"
		echo "EventLog	$E2E/milter/events.jsonl"
		for l in "$@"; do echo "$l"; done
	} > "$E2E/milter/bouncemilter.conf"
}

e2e_milter_start() {
	rm -f "$E2E/milter/bouncemilter.pid"
	"$E2E_BIN" -f -d 1 -c "$E2E/milter/bouncemilter.conf" -P "$E2E/milter/bouncemilter.pid" \
	    >>"$E2E/milter/milter.log" 2>&1 &
	E2E_MILTER_PID=$!
	i=0
	# The pid file is written once the socket is open.
	while [ ! -s "$E2E/milter/bouncemilter.pid" ]; do
		i=$((i + 1))
		if [ $i -gt 100 ]; then
			echo "bouncemilter did not start:" >&2
			cat "$E2E/milter/milter.log" >&2
			return 1
		fi
		sleep 0.05
	done
}

e2e_milter_kill() {
	[ -n "$E2E_MILTER_PID" ] || return 0
	kill -9 "$E2E_MILTER_PID" 2>/dev/null
	wait "$E2E_MILTER_PID" 2>/dev/null
	E2E_MILTER_PID=""
}

e2e_postfix_conf() {
	cat > "$E2E/postfix/main.cf" <<CF
# Private Postfix instance for bouncemilter's e2e test and demo.
compatibility_level    = 3.6
queue_directory        = $E2E/spool
data_directory         = $E2E/data
mail_owner             = postfix
setgid_group           = postdrop
maillog_file           = $E2E/maillog
maillog_file_prefixes  = /var, /dev/stdout, $E2E
myhostname             = mx.e2e.test
mydomain               = e2e.test
myorigin               = \$mydomain
mydestination          =
inet_interfaces        = 127.0.0.1
inet_protocols         = ipv4
mynetworks             = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
alias_maps             =
alias_database         =
biff                   = no
default_transport      = error:no outbound mail from the e2e instance
relay_transport        = error:no outbound mail from the e2e instance
smtp_dns_support_level = disabled
virtual_mailbox_domains = e2e.test
virtual_mailbox_base    = $E2E/mail
virtual_mailbox_maps    = inline:{ {bob@e2e.test=bob/}, {carol@e2e.test=carol/}, {postmaster@e2e.test=postmaster/}, {bounces@e2e.test=bounces/}, {sink@e2e.test=sink/} }
virtual_uid_maps        = static:65534
virtual_gid_maps        = static:65534
virtual_transport       = virtual
# The milter, for SMTP mail and for local submissions and Postfix's own
# bounces (internal_mail_filter_classes = bounce).
smtpd_milters           = unix:$E2E/milter/bouncemilter.sock
non_smtpd_milters       = \$smtpd_milters
internal_mail_filter_classes = bounce
milter_default_action   = accept
milter_protocol         = 6
milter_connect_timeout  = 10s
CF
	cat > "$E2E/postfix/master.cf" <<CF
127.0.0.1:$E2E_PORT inet n    -      n      -      -       smtpd
pickup            unix  n       -      n      60     1       pickup
cleanup           unix  n       -      n      -      0       cleanup
qmgr              unix  n       -      n      300    1       qmgr
rewrite           unix  -       -      n      -      -       trivial-rewrite
bounce            unix  -       -      n      -      0       bounce
defer             unix  -       -      n      -      0       bounce
trace             unix  -       -      n      -      0       bounce
verify            unix  -       -      n      -      1       verify
flush             unix  n       -      n      1000?  0       flush
proxymap          unix  -       -      n      -      -       proxymap
showq             unix  n       -      n      -      -       showq
error             unix  -       -      n      -      -       error
retry             unix  -       -      n      -      -       error
discard           unix  -       -      n      -      -       discard
local             unix  -       n      n      -      -       local
virtual           unix  -       n      n      -      -       virtual
anvil             unix  -       -      n      -      1       anvil
scache            unix  -       -      n      -      1       scache
postlog           unix-dgram n  -      n      -      1       postlogd
CF
}

# e2e_up TOP BIN: make $E2E, start the milter and Postfix.
e2e_up() {
	E2E_TOP=$1
	E2E_BIN=$2
	E2E=$(mktemp -d /tmp/bouncemilter-e2e.XXXXXX)
	chmod 0755 "$E2E"		# Postfix's users must reach the socket
	E2E_PORT=$(e2e_free_port)
	mkdir -p "$E2E/postfix" "$E2E/spool" "$E2E/mail" "$E2E/milter"
	chown 65534:65534 "$E2E/mail"
	chmod 0755 "$E2E/milter"	# readable by the milter's user, for reloads
	e2e_milter_conf
	e2e_milter_start || return 1
	e2e_postfix_conf
	# "start" makes the queue folders itself ("check" would cost 5 s).
	if ! postfix -c "$E2E/postfix" start >/dev/null 2>&1; then
		echo "postfix did not start:" >&2
		tail -n 20 "$E2E/maillog" >&2
		return 1
	fi
	e2e_wait_port "$E2E_PORT" || return 1
	e2e_log "private Postfix on 127.0.0.1:$E2E_PORT, milter on $E2E/milter/bouncemilter.sock"
}

e2e_down() {
	[ -n "${E2E:-}" ] && [ -d "$E2E" ] || return 0
	if [ -f "$E2E/spool/pid/master.pid" ]; then
		postfix -c "$E2E/postfix" stop >/dev/null 2>&1
		# "stop" returns at once; wait for the master to be gone.
		pid=$(tr -d ' ' < "$E2E/spool/pid/master.pid" 2>/dev/null)
		i=0
		while [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && [ $i -lt 100 ]; do
			sleep 0.05; i=$((i + 1))
		done
		[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
	fi
	e2e_milter_kill
	if [ -n "${E2E_KEEP:-}" ]; then
		echo "  kept $E2E" >&2
	else
		rm -rf "$E2E"
	fi
}

# e2e_send FILE [SENDER [RCPT]]: SMTP with swaks (default sender <>,
# recipient carol); prints the queue id.
e2e_send() {
	swaks --server "127.0.0.1:$E2E_PORT" --helo client.example.net \
	    --from "${2-<>}" --to "${3:-carol@e2e.test}" --data "@$1" 2>&1 |
	    sed -n 's/.*queued as \([0-9A-Za-z]*\).*/\1/p' | head -n 1
}

# e2e_wait_for MAILBOX PATTERN: the delivered file whose text matches
# PATTERN (fixed string), waiting up to 10 s.
e2e_wait_for() {
	i=0
	while [ $i -lt 200 ]; do
		f=$(grep -lF -- "$2" "$E2E/mail/$1/new/"* 2>/dev/null | head -n 1)
		if [ -n "$f" ]; then
			echo "$f"
			return 0
		fi
		sleep 0.05
		i=$((i + 1))
	done
	return 1
}

# e2e_header_block FILE: the message's header section, unfolded lines kept.
e2e_header_block() {
	sed '/^$/q' "$1"
}

# e2e_count MAILBOX: the number of messages delivered to MAILBOX so far.
e2e_count() {
	find "$E2E/mail/$1/new" -type f 2>/dev/null | wc -l
}

# e2e_wait_count MAILBOX N [SECONDS]: wait until MAILBOX holds at least N
# messages (default 60 s); 1 on timeout.
e2e_wait_count() {
	i=0
	while [ "$(e2e_count "$1")" -lt "$2" ]; do
		i=$((i + 1))
		[ $i -le $((${3:-60} * 20)) ] || return 1
		sleep 0.05
	done
}

# e2e_maillog_problems: Postfix's warnings, errors, fatals and panics
# (but not the clock skew that cleanup notes on these machines, nor its
# consequence: mail_stream.c resets a queue file's time stamps when the
# file system clock runs ahead of the system's, and says so).
e2e_maillog_problems() {
	grep -E 'warning:|error:|fatal:|panic:' "$E2E/maillog" 2>/dev/null |
	    grep -v -e 'file system clock is [0-9]* seconds* ahead' \
		-e 'resetting file time stamps - this hurts performance'
}

# e2e_milter_problems: the milter's log lines above notice level.
e2e_milter_problems() {
	grep -E '^bouncemilter: (warning|error|crit|alert|emerg):' "$E2E/milter/milter.log" 2>/dev/null
}

# e2e_wait_log FILE PATTERN N [SECONDS]: wait until at least N lines of
# FILE match the basic regular expression PATTERN (default 30 s).
e2e_wait_log() {
	i=0
	while [ "$(grep -c -- "$2" "$1" 2>/dev/null)" -lt "$3" ]; do
		i=$((i + 1))
		[ $i -le $((${4:-30} * 20)) ] || return 1
		sleep 0.05
	done
}
