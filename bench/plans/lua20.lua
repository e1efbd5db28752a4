-- scripts/bench-plans: the Lua counterpart of wizard20.json, rule for rule
-- in the same order with the same dial strings and timeouts. Like the wizard,
-- every matching rule runs until one answers (an answered sys.Dial ends the
-- script) or rejects (sys.Respond >= 300 ends it); prefixes are Lua
-- patterns, the wizard's regexes sys.RegexMatch (RE2).
local n = req.URI.User
local function dial(s, ring, limit) sys.Dial(s, ring or 180, limit or 0) end

if n == "*100" then dial("0871000100@blueface") end
if n == "*101" then dial("0871000101@blueface") end
if n == "*102" then dial("61400000102@faktortel") end
if n == "*103" then dial("61400000103@faktortel") end
if n:find("^0900") then sys.Respond(403, "Premium numbers barred") end
if n:find("^1900") then sys.Respond(403, "Premium numbers barred") end
if sys.RegexMatch(n, "^1(800|888|877)[0-9]{7}$") then
  dial("${dst}@tollfree1|${dst}@tollfree2", 30)
end
if n:find("^011353") then dial(n .. "@blueface") end
if n:find("^01144") then dial(n .. "@voipms") end
if n:find("^01161") then dial(n .. "@faktortel") end
if n:find("^01149") then dial(n .. "@voipms") end
if n:find("^01133") then dial(n .. "@voipms") end
if n:find("^0113%d") then dial(n .. "@callcentric") end
if n:find("^1[2-9]%d%d[2-9]%d%d%d%d%d%d") then dial(n .. "@callcentric") end
if n:find("^[2-9]%d%d%d%d%d%d$") then dial(n .. "@localprov") end
if n == "911" then dial("911@emergency") end
if n:find("^%*9") then dial("bob@local&carol@local", 20, 3600) end
if n:find("^%+") then sys.Respond(484, "Dial 011 instead of +") end
if n:find("^00") then dial(n .. "@voipms") end
if n:find("^%d") then dial(n .. "@callcentric") end
