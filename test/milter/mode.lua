-- mode.lua - Mode annotate (global mode="annotate", with "Route * discard"):
-- fields added, no route taken. Mode log: nothing changed at all, not
-- even forged fields, yet the EventLog is written (checked by run.sh).
dofile(lib)

local conn = connect()
local r = send_fixture(conn, "postfix-dsn.eml", "<>", { "<carol@e2e.test>" })
if mode == "annotate" then
	check(r == SMFIR_CONTINUE, "annotate: end of message reply " .. reply_name(r))
	expect_header(conn, "X-Bounce-Category", "^mailbox%-missing$")
elseif mode == "log" then
	check(r == SMFIR_CONTINUE, "log: end of message reply " .. reply_name(r))
	check(not mt.eom_check(conn, MT_HDRADD), "log: a header was added")
else
	fail("unknown mode " .. tostring(mode))
end
mt.disconnect(conn)

conn = connect()
r = send_fixture(conn, "forged.eml", "<mallory@example.net>")
if mode == "log" then
	check(r == SMFIR_ACCEPT, "log: forged ordinary mail not accepted at end of header")
else
	check(mt.eom_check(conn, MT_HDRDELETE, "X-Bounce-Category"), "annotate: forged field kept")
end
mt.disconnect(conn)
mt.echo("PASS: Mode " .. mode)
