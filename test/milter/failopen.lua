-- failopen.lua - garbage, truncated and broken input never gets a reject
-- or a tempfail, and the milter keeps serving afterwards.
dofile(lib)

local function message(what, fields, body, chunk)
	local conn = connect()
	envelope(conn, "<>", { "<carol@e2e.test>" })
	local r = send_headers(conn, fields)
	if r ~= SMFIR_ACCEPT then
		send_body(conn, body, chunk)
		check(mt.eom(conn) == nil, what .. ": eom")
		r = expect_open(conn, what .. ": end of message")
		expect_safe(conn, "X-Bounce-Diagnosis")
		expect_safe(conn, "X-Bounce-Summary")
	end
	mt.disconnect(conn)
	mt.echo("PASS: " .. what .. " (" .. reply_name(r) .. ")")
end

-- Random bytes as the body of a "report".
local junk = {}
math.randomseed(3464)
for i = 1, 200000 do
	junk[i] = string.char(math.random(0, 255))
end
junk = table.concat(junk)
message("random bytes in a multipart/report", {
	{ name = "Content-Type", value = "multipart/report; boundary=\"x\"" },
	{ name = "Subject", value = "Undelivered Mail" },
}, junk, 4096)

-- A DSN cut off in the middle of its status part.
local fields, body = read_message(fixtures .. "/postfix-dsn.eml")
message("truncated DSN", fields, body:sub(1, 900))

-- Header values that are binary, long or empty (miltertest itself
-- cannot send a field over ~1000 bytes; the e2e test sends bigger ones).
message("binary and huge header values", {
	{ name = "From", value = "\1\2\3 MAILER-DAEMON \255\254" },
	{ name = "Content-Type", value = "multipart/report; boundary=" .. string.rep("b", 900) },
	{ name = "Subject", value = "" },
	{ name = "X-Bounce-Category", value = string.rep("\0", 10) },
}, "--" .. string.rep("b", 900) .. "\r\nContent-Type: message/delivery-status\r\n\r\n" ..
	"Final-Recipient: rfc822; " .. string.rep("a", 5000) .. "@example.org\r\nAction: failed\r\n" ..
	"Status: 5.1.1\r\nDiagnostic-Code: smtp; 550 " .. string.rep("x ", 5000) .. "\r\n")

-- No header at all, body only.
message("no header fields", {}, "hello\r\n")

-- A message aborted after the header, then a good one on the same connection.
local conn = connect()
envelope(conn, "<>", { "<carol@e2e.test>" })
send_headers(conn, (read_message(fixtures .. "/postfix-dsn.eml")))
check(mt.abort(conn) == nil, "abort")
fields, body = read_message(fixtures .. "/postfix-dsn.eml")
envelope(conn, "<>", { "<carol@e2e.test>" })
send_headers(conn, fields)
send_body(conn, body)
check(mt.eom(conn) == nil, "eom after abort")
expect_reply(conn, SMFIR_CONTINUE, "after abort")
expect_header(conn, "X-Bounce-Category")
mt.disconnect(conn)
mt.echo("PASS: abort, then a message on the same connection")
