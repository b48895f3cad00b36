-- forged.lua - copies of our own fields are removed, whatever their
-- case, from ordinary mail and from bounces, and ordinary mail without
-- them is let go at the end of the header.
dofile(lib)

-- Ordinary mail: accepted at end of header, nothing read further.
local conn = connect()
local r = send_fixture(conn, "ordinary.eml", "<judy@example.org>")
check(r == SMFIR_ACCEPT, "ordinary mail: end of header reply " .. reply_name(r) .. ", wanted accept")
mt.disconnect(conn)
mt.echo("PASS: ordinary mail accepted at end of header")

-- Ordinary mail with three copies in mixed case and two other names.
conn = connect()
r = send_fixture(conn, "forged.eml", "<mallory@example.net>")
check(r == SMFIR_CONTINUE, "forged: end of message reply " .. reply_name(r))
check(mt.eom_check(conn, MT_HDRDELETE, "X-Bounce-Category"), "X-Bounce-Category not deleted")
check(mt.eom_check(conn, MT_HDRDELETE, "X-Bounce-Diagnosis"), "X-Bounce-Diagnosis not deleted")
check(mt.eom_check(conn, MT_HDRDELETE, "X-Bounce-Summary"), "X-Bounce-Summary not deleted")
check(not mt.eom_check(conn, MT_HDRADD), "a header was added to ordinary mail")
mt.disconnect(conn)
mt.echo("PASS: forged copies removed from ordinary mail")

-- The same fields, hand-made, in a bounce: removed, and ours added.
conn = connect()
local fields, body = read_message(fixtures .. "/postfix-dsn.eml")
table.insert(fields, 2, { name = "x-BOUNCE-category", value = "delivered" })
table.insert(fields, { name = "X-Bounce-Category", value = "feedback" })
table.insert(fields, { name = "X-BOUNCE-CATEGORY", value = "auto-reply" })
table.insert(fields, { name = "X-Bounce-Original-Message-ID", value = "<fake@example.net>" })
envelope(conn, "<>", { "<carol@e2e.test>" })
check(send_headers(conn, fields) == SMFIR_CONTINUE, "bounce with forged fields accepted early")
send_body(conn, body)
check(mt.eom(conn) == nil, "eom")
expect_reply(conn, SMFIR_CONTINUE, "forged bounce: end of message")
check(mt.eom_check(conn, MT_HDRDELETE, "x-BOUNCE-category"), "forged category not deleted")
check(mt.eom_check(conn, MT_HDRDELETE, "X-Bounce-Original-Message-ID"), "forged message id not deleted")
expect_header(conn, "X-Bounce-Category", "^mailbox%-missing$")
expect_header(conn, "X-Bounce-Original-Message-ID", "^<figures%-2025q4@e2e%.test>$")
mt.disconnect(conn)
mt.echo("PASS: forged copies removed from a bounce, ours added")
