-- The brief's "transfer" dial plan: a REFER on a leg dialled with [tr=c]
-- runs it with req.URI = the Refer-To target.
sys.Log("blind transfer starting...")
local user = req.URI.User
if user:match("^hold$") then
  sys.Dial("")
else
  sys.Dial(user .. "@local")
end
