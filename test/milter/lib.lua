-- lib.lua - helpers shared by the bouncemilter miltertest scripts.
--
-- The runner (run.sh) defines the globals sock (the milter's socket),
-- fixtures (folder of test messages) and lib (this file) with -D.
-- miltertest exits 1 without printing Lua errors, so every failure is
-- echoed first.

function fail(why)
	mt.echo("FAIL: " .. why)
	error(why)
end

function check(cond, why)
	if not cond then
		fail(why)
	end
end

local reply_names = {
	[SMFIR_ACCEPT] = "accept", [SMFIR_CONTINUE] = "continue",
	[SMFIR_DISCARD] = "discard", [SMFIR_REJECT] = "reject",
	[SMFIR_TEMPFAIL] = "tempfail", [SMFIR_SKIP] = "skip",
	[SMFIR_REPLYCODE] = "replycode",
}

function reply_name(r)
	return reply_names[r] or tostring(r)
end

function expect_reply(conn, want, what)
	local got = mt.getreply(conn)
	if got ~= want then
		fail(what .. ": reply " .. reply_name(got) .. ", wanted " .. reply_name(want))
	end
end

-- Never reject or tempfail: the one promise every step keeps.
function expect_open(conn, what)
	local got = mt.getreply(conn)
	if got == SMFIR_REJECT or got == SMFIR_TEMPFAIL or got == SMFIR_REPLYCODE then
		fail(what .. ": the milter answered " .. reply_name(got))
	end
	return got
end

function connect()
	local conn = mt.connect(sock, 50, 0.1)
	check(conn ~= nil, "cannot connect to " .. sock)
	return conn
end

-- Envelope up to DATA, skipping the steps the milter negotiated away.
function envelope(conn, sender, rcpts, qid)
	if not mt.test_option(conn, SMFIP_NOCONNECT) then
		check(mt.conninfo(conn, "client.example.net", "192.0.2.1") == nil, "conninfo")
	end
	if not mt.test_option(conn, SMFIP_NOHELO) then
		check(mt.helo(conn, "client.example.net") == nil, "helo")
	end
	mt.macro(conn, SMFIC_MAIL, "i", qid or "4TESTQID")
	check(mt.mailfrom(conn, sender) == nil, "mailfrom")
	if not mt.test_option(conn, SMFIP_NORCPT) then
		for _, r in ipairs(rcpts) do
			check(mt.rcptto(conn, r) == nil, "rcptto " .. r)
		end
	end
	if not mt.test_option(conn, SMFIP_NODATA) then
		check(mt.data(conn) == nil, "data")
	end
end

-- A message file as the MTA would pass it: header fields (continuation
-- lines joined with "\n", one leading blank eaten) and a CRLF body.
function read_message(path)
	local f = io.open(path, "rb")
	check(f ~= nil, "cannot open " .. path)
	local text = f:read("a"):gsub("\r\n", "\n")
	f:close()
	local head, body = text:match("^(.-)\n\n(.*)$")
	if head == nil then
		head, body = text, ""
	end
	local fields = {}
	for line in (head .. "\n"):gmatch("(.-)\n") do
		if line:match("^[ \t]") and #fields > 0 then
			fields[#fields].value = fields[#fields].value .. "\n" .. line
		else
			local name, value = line:match("^([^:]+):[ \t]?(.*)$")
			check(name ~= nil, path .. ": not a header line: " .. line)
			table.insert(fields, { name = name, value = value })
		end
	end
	return fields, body:gsub("\n", "\r\n")
end

function send_headers(conn, fields)
	for _, h in ipairs(fields) do
		check(mt.header(conn, h.name, h.value) == nil, "header " .. h.name)
		if not mt.test_option(conn, SMFIP_NR_HDR) then
			expect_open(conn, "header " .. h.name)
		end
	end
	check(mt.eoh(conn) == nil, "eoh")
	return expect_open(conn, "end of header")
end

-- Body in chunks of chunk bytes (cut anywhere, mid-line and mid-CRLF).
-- Returns the last reply; stops early when the milter says skip.
function send_body(conn, body, chunk)
	local pos, last = 1, SMFIR_CONTINUE
	chunk = chunk or 65535
	while pos <= #body do
		check(mt.bodystring(conn, body:sub(pos, pos + chunk - 1)) == nil, "body")
		last = expect_open(conn, "body chunk")
		if last == SMFIR_SKIP then
			break
		end
		pos = pos + chunk
	end
	return last
end

-- A whole message from a fixture; returns the EOH reply (accept ends it).
function send_fixture(conn, name, sender, rcpts, chunk)
	local fields, body = read_message(fixtures .. "/" .. name)
	envelope(conn, sender, rcpts or { "<carol@e2e.test>" })
	local r = send_headers(conn, fields)
	if r == SMFIR_ACCEPT then
		return r
	end
	send_body(conn, body, chunk)
	check(mt.eom(conn) == nil, "eom")
	return expect_open(conn, "end of message")
end

function header_value(conn, name, n)
	return mt.getheader(conn, name, n or 0)
end

function expect_header(conn, name, pattern)
	local v = header_value(conn, name)
	check(v ~= nil, name .. " was not added")
	if pattern ~= nil and not v:find(pattern) then
		fail(name .. ": \"" .. v .. "\" does not match " .. pattern)
	end
	return v
end

-- Every added header is printable ASCII, folded with LF TAB, lines < 999.
function expect_safe(conn, name)
	for n = 0, 40 do
		local v = mt.getheader(conn, name, n)
		if v == nil then
			return n
		end
		check(not v:find("[\0-\8\11-\31\127-\255]"), name .. " holds a control or 8-bit byte")
		check(not v:find("\r"), name .. " holds CR")
		for line in (v .. "\n"):gmatch("(.-)\n") do
			check(#line + #name + 2 <= 998, name .. " has a line over 998 octets")
		end
		check(not v:find("\n[^\t]"), name .. " has a fold without a tab")
	end
	return 40
end
