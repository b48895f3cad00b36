-- close.lua - connections that end early: close right after negotiation,
-- abrupt hang-ups mid-message; the milter keeps serving.
dofile(lib)

for i = 1, 20 do
	local conn = connect()
	mt.disconnect(conn)
end
mt.echo("PASS: 20 connections closed without connect")

for i = 1, 10 do
	local conn = connect()
	envelope(conn, "<>", { "<carol@e2e.test>" })
	local fields, body = read_message(fixtures .. "/postfix-dsn.eml")
	send_headers(conn, fields)
	check(mt.bodystring(conn, body:sub(1, 100)) == nil, "body")
	mt.disconnect(conn, false)
end
mt.echo("PASS: 10 abrupt hang-ups mid-body")

local conn = connect()
local r = send_fixture(conn, "postfix-dsn.eml", "<>")
expect_reply(conn, SMFIR_CONTINUE, "after hang-ups")
expect_header(conn, "X-Bounce-Category")
mt.disconnect(conn)
mt.echo("PASS: still serving")
