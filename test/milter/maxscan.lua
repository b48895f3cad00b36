-- maxscan.lua - with MaxScanBytes small, the body is skipped past the
-- limit (SMFIS_SKIP) and the report, which comes first, is still read.
dofile(lib)

local conn = connect()
check(mt.test_option(conn, SMFIP_SKIP), "SMFIP_SKIP not negotiated")
local fields, body = read_message(fixtures .. "/postfix-dsn.eml")
envelope(conn, "<>", { "<carol@e2e.test>" })
send_headers(conn, fields)
-- The DSN, then 1 MB of returned message.
local big = body .. string.rep("returned message line, long enough to matter\r\n", 22000)
local last = send_body(conn, big, 4096)
check(last == SMFIR_SKIP, "body reply " .. reply_name(last) .. " after the limit, wanted skip")
check(mt.eom(conn) == nil, "eom")
expect_reply(conn, SMFIR_CONTINUE, "end of message")
expect_header(conn, "X-Bounce-Category", "^mailbox%-missing$")
mt.disconnect(conn)
mt.echo("PASS: body skipped past MaxScanBytes, DSN still read")
