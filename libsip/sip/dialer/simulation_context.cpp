// The context of simulated calls and loop-back executions; see
// simulation_context.hpp.
#include "sip/dialer/simulation_context.hpp"

#include <optional>
#include <utility>

#include "sip/base/ci.hpp"
#include "sip/dialer/loopback.hpp"
#include "sip/dialstring/options.hpp"
#include "sip/wizard/time_zone.hpp"

namespace sip::dialer {

namespace dp = sip::dialplan;

// "Alice" <sip:1001@x>;tag=1  or  sip:1001@x;tag=1
void parse_from(const std::string& value, dp::RequestView& req) {
  req.from_full = value;
  std::string uri = value;
  std::string params;
  const auto lt = value.find('<');
  if (lt != std::string::npos) {
    std::string display = value.substr(0, lt);
    while (!display.empty() && display.back() == ' ') display.pop_back();
    while (!display.empty() && display.front() == ' ') display.erase(0, 1);
    if (display.size() >= 2 && display.front() == '"' && display.back() == '"')
      display = display.substr(1, display.size() - 2);
    req.from_display = display;
    const auto gt = value.find('>', lt);
    uri = value.substr(lt + 1, gt == std::string::npos ? std::string::npos : gt - lt - 1);
    if (gt != std::string::npos) params = value.substr(gt + 1);
  } else if (auto semi = value.find(";tag="); semi != std::string::npos) {
    uri = value.substr(0, semi);
    params = value.substr(semi);
  }
  req.from_uri = dp::split_uri(uri);
  if (auto t = params.find(";tag="); t != std::string::npos) {
    req.from_tag = params.substr(t + 5);
    if (auto e = req.from_tag.find(';'); e != std::string::npos) req.from_tag.resize(e);
  }
}

trace::DialLeg trace_leg(std::size_t i, const routing::ResolvedLeg& l, bool body_replaced) {
  trace::DialLeg o;
  o.leg = i;
  o.stage = l.stage;
  o.destination = l.destination;
  o.kind = l.kind;
  o.request_uri = l.request_uri;
  o.from = routing::render_from(l);
  o.to = l.to;
  o.headers = l.headers;
  o.options = sip::dialstring::canonical_options(l.options);
  o.account = l.account_aor;
  o.provider = l.provider;
  if (l.next_hop != l.request_uri) o.next_hop = l.next_hop;
  o.body_replaced = body_replaced;
  return o;
}

namespace {

// The account bound to the server-side leg (the called account of an In call).
std::optional<dp::AccountView> bound_account(const SimulationSetup& setup,
                                             const SimulatedCall& call, Lookups& lookups,
                                             const dp::RequestView& request) {
  std::string aor = call.account;
  if (aor.empty()) {
    const auto& u = call.direction == dp::Direction::In ? request.uri : request.from_uri;
    aor = u.user + "@" + u.host;
  }
  const auto at = aor.rfind('@');
  if (at == std::string::npos) return std::nullopt;
  auto view = lookups.account_view(aor.substr(0, at), aor.substr(at + 1));
  if (view && setup.own_accounts_only && !ci_equal(view->owner, setup.owner)) return std::nullopt;
  return view;
}

}  // namespace

dp::CallContext call_context(const SimulationSetup& setup, const SimulatedCall& call,
                             const std::string& plan_name, Lookups& lookups, const Clock& clock,
                             std::int64_t start) {
  dp::CallContext ctx;
  ctx.direction = call.direction;
  ctx.owner = setup.owner;
  ctx.dialplan_name = setup.dialplan_name.empty() ? plan_name : setup.dialplan_name;
  ctx.request.uri = dp::split_uri(call.uri);
  parse_from(call.from.empty() ? default_from(call) : call.from, ctx.request);
  ctx.request.to_full = call.to.empty() ? call.uri : call.to;
  ctx.request.to_uri = dp::split_uri(ctx.request.to_full);
  ctx.request.call_id = call.id + "@" + setup.label;
  for (const auto& h : call.headers) {
    const auto colon = h.find(':');
    std::string name = h.substr(0, colon);
    std::string value = colon == std::string::npos ? "" : h.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.erase(0, 1);
    if (sip::ci_equal(name, "Contact")) {
      ctx.request.contact = value;
    } else if (sip::ci_equal(name, "User-Agent")) {
      ctx.request.user_agent = value;
    } else {
      ctx.request.unknown_headers.push_back(h);
    }
  }
  ctx.request.content_type = call.content_type;
  ctx.request.body = call.body;
  // The account bound to the server-side leg (called account for In).
  ctx.from_account = bound_account(setup, call, lookups, ctx.request);
  ctx.providers = setup.providers;
  ctx.time_zone = setup.time_zone;
  auto zone = sip::wizard::TimeZoneDb::shared().find(setup.time_zone);
  ctx.tz_offset_minutes = zone ? zone->offset_seconds(start) / 60 : 0;
  ctx.clock = &clock;
  ctx.host = &lookups;
  ctx.limits.max_ring_seconds = setup.max_ring_seconds;
  return ctx;
}

routing::ResolveInput call_resolve_base(const SimulationSetup& setup, const dp::CallContext& ctx) {
  routing::ResolveInput in;
  in.owner = setup.owner_id;
  in.subst.dst = ctx.request.uri.user;
  in.subst.from_name = ctx.request.from_display;
  in.subst.from_user = ctx.request.from_uri.user;
  in.subst.from_aor = ctx.request.from_uri.user + "@" + ctx.request.from_uri.host;
  in.caller_display = ctx.request.from_display;
  in.caller_user = ctx.request.from_uri.user;
  in.caller_host = ctx.request.from_uri.host;
  if (ctx.request.from_uri.port != 0)
    in.caller_host += ":" + std::to_string(ctx.request.from_uri.port);
  if (ctx.from_account) {
    in.account_user = ctx.from_account->username;
    in.account_host = ctx.from_account->domain;
  }
  in.executing_plan = ctx.dialplan_name;
  return in;
}

LoopbackStart loopback_start(const routing::ResolvedLeg& target, const store::SipAccount& account,
                             const dp::AccountView& view, const SimulationSetup& setup,
                             const SimulatedCall& call, Lookups& lookups, const Clock& clock) {
  // As sipproxyd: the call's own request, seen as an In call to the account
  // from the leg's From.
  dp::CallContext ctx =
      call_context(setup, call, account.in_dialplan, lookups, clock, clock.unix_seconds());
  ctx.direction = dp::Direction::In;
  ctx.owner = view.owner;
  ctx.dialplan_name = account.in_dialplan;
  ctx.from_account = view;
  apply_loopback_request(target, ctx.request);
  return {std::move(ctx), loopback_base(target, account)};
}

}  // namespace sip::dialer
