#include "sip/dialer/loopback.hpp"

namespace sip::dialer {

void apply_loopback_request(const routing::ResolvedLeg& target, dialplan::RequestView& request) {
  request.uri = dialplan::split_uri(target.request_uri);
  request.to_full = target.to;
  request.to_uri = request.uri;
  request.to_display.clear();
  request.from_display = target.from_display;
  request.from_uri = dialplan::split_uri("sip:" + target.from_user + "@" + target.from_host);
  request.from_full = routing::render_from(target);
}

routing::ResolveInput loopback_base(const routing::ResolvedLeg& target,
                                    const store::SipAccount& account) {
  routing::ResolveInput base;
  base.owner = account.owner_id;
  base.subst.dst = account.username;
  base.subst.from_name = target.from_display;
  base.subst.from_user = target.from_user;
  base.subst.from_aor = target.from_user + "@" + target.from_host;
  base.caller_display = target.from_display;
  base.caller_user = target.from_user;
  base.caller_host = target.from_host;
  base.account_user = account.username;
  base.account_host = account.domain;
  base.executing_plan = account.in_dialplan;
  return base;
}

}  // namespace sip::dialer
