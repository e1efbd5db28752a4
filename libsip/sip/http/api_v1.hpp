// The versioned JSON API's route table (api_v1.cpp), shared with its
// OpenAPI document (openapi.cpp) so the two cannot drift. Internal to the
// http module. Thread-safety: the table is immutable after start-up.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "sip/http/server_impl.hpp"

namespace sip::http {

// One request being answered: who asks, its JSON body (an object, for
// POST/PUT/PATCH) and its path captures.
struct ApiCall {
  HttpServer::Impl& impl;
  const httplib::Request& req;
  httplib::Response& res;
  Principal who;
  json body;
};

enum class Access { Open, Customer, Admin };

struct ApiRoute {
  const char* method;   // "GET", "POST", "PATCH", "DELETE", "PUT"
  const char* path;     // OpenAPI template, e.g. "/api/v1/accounts/{account}"
  const char* summary;  // one line for the OpenAPI document
  Access access;        // Open: no credentials; Admin: admin customers only
  std::function<void(ApiCall&)> handle;
};

const std::vector<ApiRoute>& api_v1_routes();
// The OpenAPI 3 document of those routes; `call_actions` ("hangup" ...)
// are the registry's call.* commands a path's {action} may name.
json openapi_document(const std::vector<std::string>& call_actions);

}  // namespace sip::http
