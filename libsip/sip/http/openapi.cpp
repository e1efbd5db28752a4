// /api/v1/openapi.json: the OpenAPI 3 document, built from the route table
// (api_v1_routes) so every route is described and nothing else is; the
// call actions are the registry's call.* commands at the time of asking.
#include <cctype>
#include <regex>

#include "sip/http/api_v1.hpp"

namespace sip::http {
namespace {

std::string lower(std::string s) {
  for (auto& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return s;
}

json error_schema() {
  return {{"type", "object"},
          {"required", {"error"}},
          {"properties",
           {{"error",
             {{"type", "object"},
              {"required", {"code", "message"}},
              {"properties",
               {{"code", {{"type", "string"}}},
                {"message", {{"type", "string"}}},
                {"field", {{"type", "string"}}},
                {"line", {{"type", "integer"}}},
                {"column", {{"type", "integer"}}}}}}}}}};
}

}  // namespace

json openapi_document(const std::vector<std::string>& call_actions) {
  json paths = json::object();
  static const std::regex kParam(R"(\{([a-z_]+)\})");
  for (const ApiRoute& r : api_v1_routes()) {
    json op = {
        {"summary", r.summary},
        {"responses",
         {{"200", {{"description", "the result (201 for a creation)"}}},
          {"default",
           {{"description", "an error"},
            {"content",
             {{"application/json", {{"schema", {{"$ref", "#/components/schemas/Error"}}}}}}}}}}}};
    if (r.access == Access::Open) op["security"] = json::array();
    if (r.access == Access::Admin) op["description"] = "administrators only";
    json params = json::array();
    const std::string path = r.path;
    for (std::sregex_iterator it(path.begin(), path.end(), kParam), end; it != end; ++it) {
      const std::string name = (*it)[1].str();
      json schema = {{"type", name == "id" ? "integer" : "string"}};
      if (name == "action") schema["enum"] = call_actions;
      params.push_back({{"name", name}, {"in", "path"}, {"required", true}, {"schema", schema}});
    }
    if (!params.empty()) op["parameters"] = params;
    paths[path][lower(r.method)] = op;
  }
  return {{"openapi", "3.0.3"},
          {"info",
           {{"title", "sipsmith sipproxyd API"},
            {"version", "1"},
            {"description", "The control socket's commands over HTTP (docs/http-api.md)."}}},
          {"paths", paths},
          {"security", json::array({{{"authid", json::array()}},
                                    {{"apikey", json::array()}},
                                    {{"bearer", json::array()}}})},
          {"components",
           {{"schemas", {{"Error", error_schema()}}},
            {"securitySchemes",
             {{"authid", {{"type", "apiKey"}, {"in", "header"}, {"name", "authid"}}},
              {"apikey", {{"type", "apiKey"}, {"in", "header"}, {"name", "apikey"}}},
              {"bearer", {{"type", "http"}, {"scheme", "bearer"}}}}}}}};
}

}  // namespace sip::http
