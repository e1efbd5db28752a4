#include "sip/routing/router.hpp"

#include <algorithm>
#include <set>
#include <utility>

#include "sip/base/ci.hpp"
#include "sip/dialplan/call_context.hpp"

namespace sip::routing {
namespace {

struct FromParts {
  std::string display;
  std::string user;
  std::string host;
};

// Per-leg fd/fu/fh win over sys.SetFromHeader, which wins over the
// default; a provider's From template is not overridden by SetFromHeader.
void apply_from_options(FromParts& f, const dialstring::LegOptions& o, const dialplan::Dial& dial,
                        bool allow_override = true) {
  if (allow_override && dial.from) {
    if (dial.from->display) f.display = *dial.from->display;
    if (dial.from->user) f.user = *dial.from->user;
    if (dial.from->host) f.host = *dial.from->host;
  }
  if (o.from_display) f.display = *o.from_display;
  if (o.from_user) f.user = *o.from_user;
  if (o.from_host) f.host = *o.from_host;
}

std::string raw(std::string_view text, const dialstring::SubstitutionContext& s) {
  auto r = dialstring::substitute(text, s, dialstring::SubstituteMode::Raw);
  return r ? *r : std::string(text);
}

// "A: 1|B: 2" -> {"A: 1", "B: 2"}; only well-formed "Name: value" items.
std::vector<std::string> split_headers(std::string_view text,
                                       const dialstring::SubstitutionContext& s) {
  std::vector<std::string> out;
  while (!text.empty()) {
    const auto bar = text.find('|');
    std::string h(text.substr(0, bar));
    text = bar == std::string_view::npos ? std::string_view{} : text.substr(bar + 1);
    while (!h.empty() && h.front() == ' ') h.erase(0, 1);
    while (!h.empty() && h.back() == ' ') h.pop_back();
    const auto colon = h.find(':');
    if (colon == std::string::npos || colon == 0) continue;
    if (h.find_first_of("\r\n") != std::string::npos) continue;
    out.push_back(raw(h, s));
  }
  return out;
}

void set_from(ResolvedLeg& leg, const FromParts& f) {
  leg.from_display = f.display;
  leg.from_user = f.user;
  leg.from_host = f.host;
}

// A From template or value: ["display"] <uri> or a bare URI.
FromParts parse_from(const std::string& from) {
  FromParts f;
  const auto lt = from.find('<');
  const auto gt = from.find('>', lt == std::string::npos ? 0 : lt);
  const std::string from_uri =
      lt != std::string::npos && gt != std::string::npos ? from.substr(lt + 1, gt - lt - 1) : from;
  const auto parts = dialplan::split_uri(from_uri);
  f.user = parts.user;
  f.host = parts.host;
  if (parts.port != 0) f.host += ":" + std::to_string(parts.port);
  if (lt != std::string::npos) {
    std::string d = from.substr(0, lt);
    while (!d.empty() && (d.back() == ' ' || d.back() == '"')) d.pop_back();
    while (!d.empty() && (d.front() == ' ' || d.front() == '"')) d.erase(0, 1);
    f.display = d;
  }
  return f;
}

// Leg URI parameters and headers the server URI does not already have.
std::string merge_uri_params(std::string uri, const std::string& server_params,
                             const dialstring::Destination& dest) {
  std::size_t b = 1;
  while (b < dest.params.size()) {
    const auto e = dest.params.find(';', b);
    const std::string p = dest.params.substr(b, e == std::string::npos ? std::string::npos : e - b);
    const std::string name = p.substr(0, p.find('='));
    bool present = false;
    for (std::size_t q = server_params.find(';'); q != std::string::npos;
         q = server_params.find(';', q + 1)) {
      const std::string_view rest = std::string_view(server_params).substr(q + 1);
      if (ci_equal(rest.substr(0, std::min(rest.size(), rest.find_first_of(";="))), name))
        present = true;
    }
    if (!name.empty() && !present) uri += ";" + p;
    if (e == std::string::npos) break;
    b = e + 1;
  }
  if (!dest.headers.empty()) uri += "?" + dest.headers;
  return uri;
}

}  // namespace

std::string render_from(const ResolvedLeg& leg) {
  std::string out;
  if (!leg.from_display.empty()) {
    out = "\"";
    for (char ch : leg.from_display) {
      if (ch == '"' || ch == '\\') out.push_back('\\');
      if (ch != '\r' && ch != '\n') out.push_back(ch);
    }
    out += "\" ";
  }
  out += "<sip:";
  if (!leg.from_user.empty()) out += leg.from_user + "@";
  out += leg.from_host + ">";
  return out;
}

const char* leg_kind_name(LegKind kind) noexcept {
  switch (kind) {
    case LegKind::Binding: return "binding";
    case LegKind::Loopback: return "loopback";
    case LegKind::Provider: return "provider";
    case LegKind::Uri: return "uri";
  }
  return "uri";
}

Result<Resolution> resolve(const ResolveInput& in, RouteSource& source) {
  const dialplan::Dial& dial = *in.dial;
  auto text = dialstring::substitute(dial.dial_string, in.subst);
  if (!text) return text.error();
  auto parsed = dialstring::parse(*text);
  if (!parsed) return parsed.error();

  Resolution out;
  for (const auto& n : parsed->notes) out.notes.push_back(n.text);
  std::set<std::string> seen;
  std::vector<std::string> custom;
  for (const auto& c : dial.custom_headers) custom.push_back(raw(c, in.subst));
  const FromParts caller{in.caller_display, in.caller_user, in.caller_host};

  auto add = [&](ResolvedLeg leg) {
    if (out.legs.size() >= in.max_legs) {
      out.dropped.push_back({leg.stage, leg.destination, "leg limit"});
      return;
    }
    if (!seen.insert(leg.request_uri).second) {
      out.dropped.push_back({leg.stage, leg.destination, "duplicate"});
      return;
    }
    for (const auto& h : custom) leg.headers.push_back(h);
    out.legs.push_back(std::move(leg));
  };

  if (parsed->legacy) {
    // username,password,uri[,From]: an authenticated anonymous call.
    ResolvedLeg leg;
    leg.kind = LegKind::Uri;
    leg.destination = parsed->legacy->uri;
    auto d = dialstring::parse_destination(parsed->legacy->uri, in.subst.dst);
    if (!d) return d.error();
    leg.request_uri = d->uri();
    leg.next_hop = leg.request_uri;
    leg.to = "<" + leg.request_uri + ">";
    set_from(leg, parsed->legacy->from.empty() ? caller : parse_from(parsed->legacy->from));
    leg.auth_user = parsed->legacy->username;
    leg.auth_password = parsed->legacy->password;
    out.stages = 1;
    add(std::move(leg));
    return out;
  }

  out.stages = parsed->dial.stages.size();
  for (std::size_t s = 0; s < parsed->dial.stages.size(); ++s) {
    for (const auto& l : parsed->dial.stages[s].legs) {
      auto dest = dialstring::parse_destination(l.destination, in.subst.dst);
      if (!dest) {
        out.dropped.push_back({s, l.destination, "bad destination"});
        continue;
      }
      ResolvedLeg leg;
      leg.stage = s;
      leg.destination = l.destination;
      leg.options = l.options;
      const std::string& host = dest->host;

      // 1. A served domain or alias: the account's bindings.
      const auto domain = dest->scheme == "tel" ? std::nullopt : source.canonical_domain(host);
      if (domain) {
        const store::SipAccount* acc = source.find_account(dest->user, *domain);
        if (acc == nullptr) {
          out.dropped.push_back(
              {s, l.destination, "no SIP account " + dest->user + "@" + std::string(*domain)});
          continue;
        }
        if (acc->disabled) {
          out.dropped.push_back({s, l.destination, "SIP account disabled"});
          continue;
        }
        const std::string aor = acc->username + "@" + acc->domain;
        const bool loop_guard =
            ci_equal(acc->in_dialplan, in.executing_plan) && acc->owner_id == in.owner;
        if (!acc->in_dialplan.empty() && !loop_guard) {
          // The account's own in dial plan decides: one loop-back leg.
          leg.kind = LegKind::Loopback;
          leg.account = acc;
          leg.account_aor = aor;
          leg.request_uri = "sip:" + aor;
          leg.to = "<sip:" + aor + ">";
          FromParts f = caller;
          if (!in.account_user.empty()) f = FromParts{{}, in.account_user, in.account_host};
          apply_from_options(f, l.options, dial);
          set_from(leg, f);
          add(std::move(leg));
          continue;
        }
        const auto targets = source.bindings(*acc);
        if (targets.empty()) {
          out.dropped.push_back({s, l.destination, "no bindings for " + acc->username});
          continue;
        }
        for (const auto& t : targets) {
          ResolvedLeg bl = leg;
          bl.kind = LegKind::Binding;
          bl.account = acc;
          bl.account_aor = aor;
          bl.request_uri = t.contact_uri;
          bl.route = t.destination;
          bl.local = t.local;
          bl.to = "<sip:" + acc->username + "@" + acc->domain + ">";
          FromParts f = caller;
          apply_from_options(f, l.options, dial);
          set_from(bl, f);
          add(std::move(bl));
        }
        continue;
      }

      // 2. A provider of the owner (names have no dots and no port).
      const store::Provider* provider = nullptr;
      if (dest->scheme != "tel" && !dialstring::host_has_dot(host) && !dest->port)
        provider = source.find_provider(in.owner, host);
      if (provider != nullptr) {
        if (provider->read_only) {
          out.dropped.push_back({s, l.destination, "provider is read-only"});
          continue;
        }
        const auto server = dialplan::split_uri(provider->server);
        leg.kind = LegKind::Provider;
        leg.provider = provider->name;
        const std::string host_text =
            server.host.find(':') != std::string::npos ? "[" + server.host + "]" : server.host;
        std::string hostport = host_text;
        if (server.port != 0) hostport += ":" + std::to_string(server.port);
        std::string uri = (server.scheme.empty() ? std::string("sip") : server.scheme) + ":";
        if (!dest->user.empty()) uri += dest->user + "@";
        uri += hostport + server.params;
        leg.request_uri = merge_uri_params(std::move(uri), server.params, *dest);
        leg.to = "<" + leg.request_uri + ">";
        leg.next_hop =
            provider->outbound_proxy.empty() ? leg.request_uri : provider->outbound_proxy;
        FromParts f;
        const bool has_template = !provider->from_template.empty();
        if (has_template) {
          f = parse_from(raw(provider->from_template, in.subst));
        } else {
          f.user = provider->username;
          f.host = host_text;
        }
        apply_from_options(f, l.options, dial, !has_template);
        set_from(leg, f);
        leg.headers = split_headers(provider->custom_headers, in.subst);
        leg.auth_user =
            provider->auth_username.empty() ? provider->username : provider->auth_username;
        leg.auth_password = provider->password;
        add(std::move(leg));
        continue;
      }

      // 3. Anything else: an anonymous call to that URI.
      leg.kind = LegKind::Uri;
      leg.request_uri = dest->uri();
      leg.next_hop = leg.request_uri;
      leg.to = "<" + leg.request_uri + ">";
      FromParts f = caller;
      apply_from_options(f, l.options, dial);
      set_from(leg, f);
      add(std::move(leg));
    }
  }
  return out;
}

}  // namespace sip::routing
