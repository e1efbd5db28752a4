-- The brief's "Approach 2 - New dial plan instance redirect processing":
-- rm=n runs this plan again for the 3xx with sys.Redirect == true.
if sys.Out then
  sys.Log("Out call")
  sys.Dial("myaccount@local[rm=n]")
elseif sys.Redirect then
  sys.Log("Redirect call")
  local user = sys.RedirectURI.User
  if user:match("^300$") then
    sys.Dial(user .. "@someprovider")
  else
    sys.Log("Sorry, redirect destination not permitted")
  end
else
  sys.Log("In call")
  sys.Dial(sys.Username .. "@local")
end
