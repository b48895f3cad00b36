-- dsn.lua - a Postfix DSN with a null sender gets every X-Bounce-* field,
-- and a DSN in tiny chunks cut mid-line and mid-CRLF gets the same.
dofile(lib)

local function annotated(chunk, what)
	local conn = connect()
	local r = send_fixture(conn, "postfix-dsn.eml", "<>", { "<carol@e2e.test>" }, chunk)
	expect_reply(conn, SMFIR_CONTINUE, what .. ": end of message")
	expect_header(conn, "X-Bounce-Category", "^mailbox%-missing$")
	local d = expect_header(conn, "X-Bounce-Diagnosis", "^v=1; ")
	check(d:find("rcpt=<dave.nosuch@example.org>", 1, true), what .. ": rcpt missing in " .. d)
	check(d:find("status=5.1.1", 1, true), what .. ": status missing in " .. d)
	check(d:find("hard=yes", 1, true), what .. ": hard=yes missing in " .. d)
	expect_header(conn, "X-Bounce-Summary", ".")
	expect_header(conn, "X-Bounce-Original-Message-ID", "^<figures%-2025q4@e2e%.test>$")
	check(mt.getheader(conn, "X-Bounce-Diagnosis", 1) == nil, what .. ": two diagnoses for one recipient")
	for _, h in ipairs({ "X-Bounce-Category", "X-Bounce-Diagnosis", "X-Bounce-Summary" }) do
		expect_safe(conn, h)
	end
	check(not mt.eom_check(conn, MT_HDRDELETE), what .. ": deleted a header")
	mt.disconnect(conn)
	mt.echo("PASS: " .. what)
end

annotated(65535, "DSN annotated")
annotated(7, "DSN in 7-byte chunks")
annotated(1, "DSN in 1-byte chunks")

-- 25 recipients: 20 X-Bounce-Diagnosis fields, no more.
local conn = connect()
local parts = { "Reporting-MTA: dns; mx1.example.net\r\n" }
for i = 1, 25 do
	table.insert(parts, string.format("\r\nFinal-Recipient: rfc822; user%02d@example.org\r\n" ..
		"Action: failed\r\nStatus: 5.1.1\r\nDiagnostic-Code: smtp; 550 5.1.1 no such user\r\n", i))
end
local body = "--B\r\nContent-Type: text/plain\r\n\r\nFailed.\r\n\r\n" ..
	"--B\r\nContent-Type: message/delivery-status\r\n\r\n" .. table.concat(parts) .. "\r\n--B--\r\n"
envelope(conn, "<>", { "<carol@e2e.test>" })
send_headers(conn, {
	{ name = "From", value = "MAILER-DAEMON@mx1.example.net" },
	{ name = "Subject", value = "Undelivered Mail Returned to Sender" },
	{ name = "MIME-Version", value = "1.0" },
	{ name = "Content-Type", value = "multipart/report; report-type=delivery-status; boundary=\"B\"" },
})
send_body(conn, body)
check(mt.eom(conn) == nil, "eom")
expect_reply(conn, SMFIR_CONTINUE, "25 recipients")
local n = expect_safe(conn, "X-Bounce-Diagnosis")
check(n == 20, "25 recipients gave " .. n .. " X-Bounce-Diagnosis fields, wanted 20")
-- The first 20 recipients, in any order (miltertest lists them newest first).
local seen = {}
for i = 0, 19 do
	local r = mt.getheader(conn, "X-Bounce-Diagnosis", i):match("rcpt=<user(%d+)@example%.org>")
	check(r ~= nil and tonumber(r) <= 20 and not seen[r], "diagnosis " .. i .. " names " .. tostring(r))
	seen[r] = true
end
mt.disconnect(conn)
mt.echo("PASS: 25 recipients, 20 X-Bounce-Diagnosis fields")
