// What a dial plan execution sees of its call (CallContext: the request as
// `req`, the account, providers, time zone) and the compiled-plan cache.
#include <utility>

#include "sip/b2bua/call_impl.hpp"
#include "sip/dialer/plans.hpp"
#include "sip/uri/uri.hpp"
#include "sip/wizard/time_zone.hpp"

namespace sip::b2bua {
namespace {

std::string str(std::string_view v) {
  return std::string(v);
}

dialplan::UriParts parts_of(const uri::UriView& u) {
  dialplan::UriParts p;
  p.scheme = u.scheme == uri::Scheme::Other ? str(u.scheme_text) : uri::scheme_name(u.scheme);
  p.user = str(u.user);
  p.host = str(u.host);
  p.port = u.port;
  p.params = str(u.params);
  p.full = str(u.text);
  return p;
}

bool standard_header(msg::HeaderId id) {
  return id != msg::HeaderId::Other;
}

dialplan::RequestView request_view(const msg::Message& m) {
  dialplan::RequestView r;
  r.method = str(m.method_token());
  if (auto u = m.request_uri()) r.uri = parts_of(*u);
  if (auto f = m.from()) {
    r.from_display = str(f->display);
    r.from_uri = parts_of(f->uri);
    r.from_tag = str(f->tag());
  }
  r.from_full = str(m.value(msg::HeaderId::From));
  if (auto t = m.to()) {
    r.to_display = str(t->display);
    r.to_uri = parts_of(t->uri);
    r.to_tag = str(t->tag());
  }
  r.to_full = str(m.value(msg::HeaderId::To));
  r.call_id = str(m.call_id());
  r.contact = str(m.value(msg::HeaderId::Contact));
  r.user_agent = str(m.value(msg::HeaderId::UserAgent));
  for (const msg::HeaderField& f : m.fields())
    if (!standard_header(f.id))
      r.unknown_headers.push_back(str(m.text(f.name)) + ": " + str(m.text(f.value)));
  r.content_type = str(m.value(msg::HeaderId::ContentType));
  r.body = str(m.body());
  return r;
}

}  // namespace

dialplan::CallContext CallManager::Impl::make_context(const Call& call, const msg::Message& m,
                                                      const store::SipAccount& account) {
  dialplan::CallContext ctx;
  ctx.direction = call.direction;
  ctx.owner = call.owner_name;
  ctx.dialplan_name = call.dialplan;
  ctx.request = request_view(m);
  ctx.from_account = dialer::account_view_of(account, call.owner_name);
  ctx.providers = call.lookups->provider_views(call.owner);
  if (const store::Customer* c = call.lookups->snapshot().customer(call.owner)) {
    ctx.time_zone = c->time_zone;
    if (auto tz = wizard::TimeZoneDb::shared().find(c->time_zone))
      ctx.tz_offset_minutes = tz->offset_seconds(svc.wall->unix_seconds()) / 60;
  }
  ctx.clock = svc.wall;
  ctx.host = call.lookups.get();
  return ctx;
}

std::shared_ptr<const dialplan::CompiledPlan> CallManager::Impl::plan_for(
    const store::DialPlan& stored, dialplan::Diagnostic* error) {
  auto it = plan_cache.find(stored.id);
  if (it != plan_cache.end() && it->second.updated == stored.updated &&
      (it->second.plan || !it->second.error.message.empty())) {
    if (!it->second.plan) *error = it->second.error;
    return it->second.plan;
  }
  const dialplan::CompileResult r = dialer::compile_plan(stored.type, stored.name, stored.source);
  CachedPlan& c = plan_cache[stored.id];
  c.updated = stored.updated;
  c.plan = r.plan;
  c.error = r.error;
  if (!r.plan) {
    if (c.error.message.empty()) c.error.message = "dial plan does not compile";
    *error = c.error;
  }
  return r.plan;
}

}  // namespace sip::b2bua
