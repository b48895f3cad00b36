-- reload.lua - the header prefix in force (global "prefix") is the one
-- used: run after each SIGUSR1 by run.sh.
dofile(lib)

local conn = connect()
send_fixture(conn, "postfix-dsn.eml", "<>")
expect_reply(conn, SMFIR_CONTINUE, "end of message")
expect_header(conn, prefix .. "Category", "^mailbox%-missing$")
mt.disconnect(conn)
mt.echo("PASS: fields named " .. prefix .. "*")
