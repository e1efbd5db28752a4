#include "resolve.hpp"

#include <algorithm>
#include <set>

#include "sip/base/ci.hpp"
#include "sip/dialstring/destination.hpp"

namespace dialplan_test {
namespace {

using sip::ci_equal;

struct FromParts {
  std::string display;
  std::string scheme = "sip";
  std::string user;
  std::string host;
};

std::string render_from(const FromParts& f) {
  std::string uri = f.scheme + ":" + (f.user.empty() ? "" : f.user + "@") + f.host;
  if (f.display.empty()) return "<" + uri + ">";
  return "\"" + f.display + "\" <" + uri + ">";
}

FromParts original_from(const sip::dialplan::CallContext& call) {
  FromParts f;
  f.display = call.request.from_display;
  f.scheme = call.request.from_uri.scheme.empty() ? "sip" : call.request.from_uri.scheme;
  f.user = call.request.from_uri.user;
  f.host = call.request.from_uri.host;
  if (call.request.from_uri.port != 0) f.host += ":" + std::to_string(call.request.from_uri.port);
  return f;
}

// Per-leg fd/fu/fh always apply; SetFromHeader only when `allow_override`.
void apply_from_options(FromParts& f, const sip::dialstring::LegOptions& o,
                        const sip::dialplan::Dial& dial, bool allow_override) {
  if (allow_override && dial.from) {
    if (dial.from->display) f.display = *dial.from->display;
    if (dial.from->user) f.user = *dial.from->user;
    if (dial.from->host) f.host = *dial.from->host;
  }
  if (o.from_display) f.display = *o.from_display;
  if (o.from_user) f.user = *o.from_user;
  if (o.from_host) f.host = *o.from_host;
}

std::string subst_raw(const std::string& text, const sip::dialstring::SubstitutionContext& s) {
  auto r = sip::dialstring::substitute(text, s, sip::dialstring::SubstituteMode::Raw);
  return r ? *r : text;
}

std::vector<std::string> split_headers(const std::string& text,
                                       const sip::dialstring::SubstitutionContext& s) {
  std::vector<std::string> out;
  std::size_t begin = 0;
  while (begin <= text.size()) {
    auto end = text.find('|', begin);
    std::string h = text.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
    while (!h.empty() && h.front() == ' ') h.erase(0, 1);
    while (!h.empty() && h.back() == ' ') h.pop_back();
    if (!h.empty()) out.push_back(subst_raw(h, s));
    if (end == std::string::npos) break;
    begin = end + 1;
  }
  return out;
}

}  // namespace

const EnvAccount* EnvHost::find_account(std::string_view user, std::string_view domain) {
  auto canonical = canonical_domain(domain);
  if (!canonical) return nullptr;
  for (const auto& a : env_.accounts)
    if (a.view.username == user && ci_equal(a.view.domain, *canonical)) return &a;
  return nullptr;
}

bool EnvHost::is_available(std::string_view user, std::string_view domain) {
  const EnvAccount* a = find_account(user, domain);
  return a != nullptr && !a->bindings.empty();
}

bool EnvHost::is_mine(std::string_view owner, std::string_view user, std::string_view domain) {
  const EnvAccount* a = find_account(user, domain);
  return a != nullptr && ci_equal(a->view.owner, owner);
}

bool EnvHost::account_exists(std::string_view user, std::string_view domain) {
  return find_account(user, domain) != nullptr;
}

std::optional<std::vector<sip::dialplan::BindingView>> EnvHost::bindings(std::string_view owner,
                                                                         std::string_view user,
                                                                         std::string_view domain) {
  const EnvAccount* a = find_account(user, domain);
  if (a == nullptr || !ci_equal(a->view.owner, owner)) return std::nullopt;
  std::vector<sip::dialplan::BindingView> out;
  for (const auto& b : a->bindings) {
    sip::dialplan::BindingView v;
    v.account = a->view.username + "@" + a->view.domain;
    v.contact_uri = b.contact;
    v.mangled_uri = b.mangled;
    v.user_agent = b.user_agent;
    v.remote = b.remote;
    v.transport = b.transport;
    v.expires = now_ + b.expires_in;
    v.updated = now_;
    out.push_back(std::move(v));
  }
  return out;
}

std::optional<std::string> EnvHost::canonical_domain(std::string_view host) {
  if (ci_equal(host, "local")) return env_.domains.front().name;
  for (const auto& d : env_.domains) {
    if (ci_equal(d.name, host)) return d.name;
    for (const auto& alias : d.aliases)
      if (ci_equal(alias, host)) return d.name;
  }
  return std::nullopt;
}

std::vector<sip::dialplan::AccountView> EnvHost::accounts(std::string_view owner) {
  std::vector<sip::dialplan::AccountView> out;
  for (const auto& a : env_.accounts)
    if (ci_equal(a.view.owner, owner)) out.push_back(a.view);
  std::sort(out.begin(), out.end(),
            [](const auto& x, const auto& y) { return x.username < y.username; });
  return out;
}

void resolve_legs(const ResolveContext& rc, const sip::dialstring::Parsed& parsed,
                  std::vector<ResolvedLeg>& legs, std::vector<DroppedLeg>& dropped) {
  std::set<std::string> seen;
  const std::vector<std::string> custom = [&] {
    std::vector<std::string> h;
    for (const auto& c : rc.dial.custom_headers) h.push_back(subst_raw(c, rc.subst));
    return h;
  }();
  auto add = [&](ResolvedLeg leg) {
    if (!seen.insert(leg.request_uri).second) {
      dropped.push_back({leg.stage, leg.destination, "already added duplicate ignored"});
      return;
    }
    for (const auto& h : custom) leg.headers.push_back(h);
    legs.push_back(std::move(leg));
  };

  if (parsed.legacy) {
    ResolvedLeg leg;
    leg.destination = parsed.legacy->uri;
    leg.kind = "uri";
    auto d = sip::dialstring::parse_destination(parsed.legacy->uri, rc.subst.dst);
    leg.request_uri = d ? d->uri() : parsed.legacy->uri;
    FromParts f = original_from(rc.call);
    leg.from = parsed.legacy->from.empty() ? render_from(f) : parsed.legacy->from;
    leg.to = "<" + leg.request_uri + ">";
    add(std::move(leg));
    return;
  }

  for (std::size_t s = 0; s < parsed.dial.stages.size(); ++s) {
    for (const auto& l : parsed.dial.stages[s].legs) {
      auto dest = sip::dialstring::parse_destination(l.destination, rc.subst.dst);
      if (!dest) {
        dropped.push_back({s, l.destination, "bad destination: " + dest.error().to_string()});
        continue;
      }
      ResolvedLeg leg;
      leg.stage = s;
      leg.destination = l.destination;
      leg.options = l.options;
      leg.raw_options = l.raw_options;
      const std::string host = dest->host;

      // 1. A served domain or alias.
      if (dest->scheme != "tel" && rc.host.canonical_domain(host)) {
        const std::string domain = *rc.host.canonical_domain(host);
        const EnvAccount* acc = rc.host.find_account(dest->user, domain);
        if (acc == nullptr && dest->user.find('.') != std::string::npos)
          acc = rc.host.find_account(dest->user.substr(dest->user.rfind('.') + 1), domain);
        if (acc == nullptr) {
          dropped.push_back({s, l.destination, "no SIP account " + dest->user + "@" + domain});
          continue;
        }
        leg.account = acc->view.username + "@" + acc->view.domain;
        const bool loop_guard = ci_equal(acc->view.in_dialplan, rc.call.dialplan_name) &&
                                ci_equal(acc->view.owner, rc.call.owner);
        if (acc->view.in_dialplan.empty() || loop_guard) {
          if (acc->bindings.empty()) {
            dropped.push_back({s, l.destination, "no bindings for " + leg.account});
            continue;
          }
          for (const auto& b : acc->bindings) {
            ResolvedLeg bl = leg;
            bl.kind = "binding";
            bl.request_uri = b.mangled;
            bl.to = "<sip:" + leg.account + ">";
            FromParts f = original_from(rc.call);
            apply_from_options(f, l.options, rc.dial, true);
            bl.from = render_from(f);
            add(std::move(bl));
          }
        } else {
          leg.kind = "loopback";
          leg.request_uri = "sip:" + leg.account;
          leg.to = "<sip:" + leg.account + ">";
          FromParts f;
          if (rc.call.from_account) {
            f.user = rc.call.from_account->username;
            f.host = rc.call.from_account->domain;
          } else {
            f = original_from(rc.call);
          }
          apply_from_options(f, l.options, rc.dial, true);
          leg.from = render_from(f);
          add(std::move(leg));
        }
        continue;
      }

      // 2. A provider of the owner.
      const sip::dialplan::ProviderView* provider = nullptr;
      if (dest->scheme != "tel" && !sip::dialstring::host_has_dot(host) && !dest->port)
        for (const auto& p : rc.call.providers)
          if (ci_equal(p.name, host)) provider = &p;
      if (provider != nullptr) {
        if (provider->read_only) {
          dropped.push_back({s, l.destination, "provider " + provider->name + " is read-only"});
          continue;
        }
        auto server = sip::dialplan::split_uri(provider->server);
        leg.kind = "provider";
        leg.provider = provider->name;
        std::string uri = (server.scheme.empty() ? "sip" : server.scheme) + ":" + dest->user + "@" +
                          server.host + (server.port ? ":" + std::to_string(server.port) : "");
        uri += server.params;
        if (!dest->params.empty()) {
          // Leg parameters not already present in the server URI.
          std::size_t b = 1;
          while (b < dest->params.size()) {
            auto e = dest->params.find(';', b);
            std::string p =
                dest->params.substr(b, e == std::string::npos ? std::string::npos : e - b);
            std::string name = p.substr(0, p.find('='));
            if (!name.empty() && server.params.find(";" + name) == std::string::npos)
              uri += ";" + p;
            if (e == std::string::npos) break;
            b = e + 1;
          }
        }
        if (!dest->headers.empty()) uri += "?" + dest->headers;
        leg.request_uri = uri;
        leg.to = "<" + uri + ">";
        if (!provider->from_template.empty()) {
          std::string from = subst_raw(provider->from_template, rc.subst);
          FromParts f;
          auto parts = sip::dialplan::split_uri(from);
          f.user = parts.user;
          f.host = parts.host;
          if (parts.host.empty()) {
            leg.from = from;
          } else {
            apply_from_options(f, l.options, rc.dial, false);
            leg.from = render_from(f);
          }
        } else {
          FromParts f;
          f.user = provider->username;
          f.host = server.host;
          apply_from_options(f, l.options, rc.dial, true);
          leg.from = render_from(f);
        }
        leg.headers = split_headers(provider->custom_headers, rc.subst);
        if (!provider->outbound_proxy.empty())
          leg.headers.push_back("Proxy-SendFrom: " + provider->outbound_proxy);
        add(std::move(leg));
        continue;
      }

      // 3. Anything else: a plain SIP URI (DNS), From = the caller's without its tag.
      leg.kind = "uri";
      leg.request_uri = dest->uri();
      leg.to = "<" + leg.request_uri + ">";
      FromParts f = original_from(rc.call);
      apply_from_options(f, l.options, rc.dial, true);
      leg.from = render_from(f);
      add(std::move(leg));
    }
  }
}

}  // namespace dialplan_test
