#include "sip/transaction/matching.hpp"

#include "sip/base/ci.hpp"
#include "sip/base/random.hpp"
#include "sip/uri/uri.hpp"

namespace sip::txn {
namespace {

std::string_view from_tag(const msg::Message& m) noexcept {
  const auto from = m.from();
  return from ? from->tag() : std::string_view{};
}

std::string_view to_tag(const msg::Message& m) noexcept {
  const auto to = m.to();
  return to ? to->tag() : std::string_view{};
}

bool same_request_uri(const msg::Message& a, const msg::Message& b) noexcept {
  const auto ua = a.request_uri();
  const auto ub = b.request_uri();
  if (ua && ub) return uri::uri_equal(*ua, *ub);
  return a.request_uri_text() == b.request_uri_text();
}

// The top Via values name the same hop: transport, sent-by and branch.
bool same_top_via(const msg::Message& a, const msg::Message& b) noexcept {
  const auto va = a.top_via();
  const auto vb = b.top_via();
  if (!va || !vb) return false;
  return ci_equal(va->transport, vb->transport) && ci_equal(va->host, vb->host) &&
         va->port == vb->port && va->branch() == vb->branch();
}

}  // namespace

bool is_rfc3261_branch(std::string_view branch) noexcept {
  return branch.size() > kBranchCookie.size() && branch.starts_with(kBranchCookie);
}

std::string client_key(std::string_view branch, std::string_view method) {
  std::string key;
  key.reserve(branch.size() + method.size() + 1);
  key.append(branch).append(" ").append(method);
  return key;
}

std::string server_key(const msg::Via& top_via, std::string_view method) {
  std::string key = client_key(top_via.branch(), method);
  key += ' ';
  key += to_lower(top_via.host);
  key += ':';
  key += std::to_string(top_via.port);
  return key;
}

std::string legacy_key(const msg::Message& request) {
  const auto cseq = request.cseq();
  std::string key(request.call_id());
  key += '\n';
  key += std::to_string(cseq ? cseq->number : 0);
  key += '\n';
  key.append(from_tag(request));
  return key;
}

bool legacy_match(const msg::Message& original, std::string_view response_to_tag,
                  const msg::Message& request, LegacyRule rule) noexcept {
  const auto oc = original.cseq();
  const auto rc = request.cseq();
  if (!oc || !rc || oc->number != rc->number) return false;
  switch (rule) {
    case LegacyRule::Same:
      if (oc->method_token != rc->method_token || to_tag(original) != to_tag(request)) return false;
      break;
    case LegacyRule::Ack:
      if (oc->method != msg::Method::Invite || to_tag(request) != response_to_tag) return false;
      break;
    case LegacyRule::Cancel:
      if (oc->method != msg::Method::Invite || to_tag(original) != to_tag(request)) return false;
      break;
  }
  return original.call_id() == request.call_id() && from_tag(original) == from_tag(request) &&
         same_request_uri(original, request) && same_top_via(original, request);
}

}  // namespace sip::txn
