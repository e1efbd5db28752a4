# The product brief's Ruby CDR sample, as published (the archive lost the
# right-hand side of "client =", which is HTTPClient.new, and the service
# URL). Fill in provisioningURL (e.g. "http://127.0.0.1:8080/provisioning.svc/rest/"),
# myUsername and myPassword; it needs Debian's ruby and ruby-httpclient.
require 'httpclient'

puts "sipsorcery get CDRs sample"

provisioningURL = ""
myUsername = "yourusername"
myPassword = "yourpassword"

client = HTTPClient.new
resp = client.get_content("#{provisioningURL}customer/login?username=#{myUsername}&password=#{myPassword}")
authID = resp.delete('"')
puts "authID=#{authID}"

resp = client.get_content("#{provisioningURL}getcdrscount", nil, "authID" => authID)
puts "get CDRs count response=#{resp}"

resp = client.get_content("#{provisioningURL}getcdrs?offset=0&count=3", nil, "authID" => authID)
puts "get CDRs response=#{resp}"

client.get_content("#{provisioningURL}customer/logout", nil, "authID" => authID)

puts "finished"
