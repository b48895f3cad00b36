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
