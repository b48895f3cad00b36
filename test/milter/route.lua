-- route.lua - one Route action (global "action", config "Route * ACTION")
-- applied to a bounce, and nothing routed for ordinary mail.
dofile(lib)

local conn = connect()
local r = send_fixture(conn, "postfix-dsn.eml", "<>", { "<carol@e2e.test>", "<dan@e2e.test>" })
expect_header(conn, "X-Bounce-Category")
local added = mt.eom_check(conn, MT_RCPTADD, "<bounces@example.com>")
local deleted = mt.eom_check(conn, MT_RCPTDELETE, "<carol@e2e.test>") and
	mt.eom_check(conn, MT_RCPTDELETE, "<dan@e2e.test>")
local quarantined = mt.eom_check(conn, MT_QUARANTINE)

if action == "tag" then
	check(r == SMFIR_CONTINUE and not added and not deleted and not quarantined, "tag did more than tag")
elseif action == "redirect" then
	check(r == SMFIR_CONTINUE and added and deleted, "redirect: recipients not replaced")
	check(not mt.eom_check(conn, MT_RCPTADD, "<carol@e2e.test>"), "redirect kept a recipient")
elseif action == "copy" then
	check(r == SMFIR_CONTINUE and added and not deleted, "copy: recipient not added, or others deleted")
elseif action == "quarantine" then
	check(r == SMFIR_CONTINUE and quarantined and not added, "quarantine not requested")
elseif action == "discard" then
	check(r == SMFIR_DISCARD, "discard: end of message reply " .. reply_name(r))
else
	fail("unknown action " .. tostring(action))
end
mt.disconnect(conn)

-- Ordinary mail is never routed.
conn = connect()
r = send_fixture(conn, "ordinary.eml", "<judy@example.org>", { "<carol@e2e.test>" })
check(r == SMFIR_ACCEPT, "ordinary mail not accepted early with a route for *")
mt.disconnect(conn)
mt.echo("PASS: Route * " .. action)
