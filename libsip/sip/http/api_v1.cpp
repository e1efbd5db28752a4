// The versioned JSON API under /api/v1 (docs/http-api.md).
#include "sip/http/server_impl.hpp"

namespace sip::http {

void add_api_v1_routes(HttpServer::Impl& /*impl*/, httplib::Server& /*svr*/) {}

}  // namespace sip::http
