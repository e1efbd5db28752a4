-- The brief's "Approach 1 - Inline redirect processing": sys.Dial returns
-- "Redirect" when a leg answers with a 3xx, and sys.RedirectURI holds the
-- Contact; the plan decides what to do with it.
if sys.Dial("myaccount@sipsorcery") == "Redirect" then
  sys.Log("Redirect was requested to " .. sys.RedirectURI:ToString() .. ".")
  if sys.RedirectURI.User:match("^300$") then
    sys.Dial(sys.RedirectURI:ToString())
  else
    sys.Respond(403, "Redirect destination not permitted")
  end
end
