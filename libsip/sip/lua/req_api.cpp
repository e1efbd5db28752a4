// `req` and the other read-only objects scripts see (URIs, accounts,
// providers, bindings). Every object is a plain table with PascalCase fields
// (the SIPSorcery names) and a shared metatable whose __index answers any
// other spelling case-insensitively and without '_' ("fromuri", "from_uri"),
// and whose __tostring calls the object's ToString member when it has one.
#include <string>

#include "sip/lua/state.hpp"

namespace sip::lua {
namespace {

constexpr const char* kCiMeta = "sipsmith.ci";

int ci_index(lua_State* L) {
  if (lua_type(L, 2) != LUA_TSTRING) return 0;
  std::size_t len = 0;
  const char* name = lua_tolstring(L, 2, &len);
  const MemberKey want = member_key(name, len);
  if (!want.ok) return 0;
  lua_pushnil(L);
  while (lua_next(L, 1) != 0) {
    if (lua_type(L, -2) == LUA_TSTRING) {
      std::size_t klen = 0;
      const char* key = lua_tolstring(L, -2, &klen);
      if (member_key(key, klen).view() == want.view()) return 1;
    }
    lua_pop(L, 1);
  }
  return 0;
}

int ci_tostring(lua_State* L) {
  lua_pushliteral(L, "ToString");
  if (lua_rawget(L, 1) == LUA_TFUNCTION) {
    lua_pushvalue(L, 1);
    lua_call(L, 1, 1);
    if (lua_type(L, -1) == LUA_TSTRING) return 1;
  }
  lua_pushfstring(L, "object: %p", lua_topointer(L, 1));
  return 1;
}

int upvalue_string(lua_State* L) {
  lua_pushvalue(L, lua_upvalueindex(1));
  return 1;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Pushes `user` with %XX escapes decoded.
void push_unescaped(lua_State* L, const std::string& user) {
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  for (std::size_t i = 0; i < user.size(); ++i) {
    if (user[i] == '%' && i + 2 < user.size() && hex_value(user[i + 1]) >= 0 &&
        hex_value(user[i + 2]) >= 0) {
      luaL_addchar(&b, static_cast<char>(hex_value(user[i + 1]) * 16 + hex_value(user[i + 2])));
      i += 2;
    } else {
      luaL_addchar(&b, user[i]);
    }
  }
  luaL_pushresult(&b);
}

}  // namespace

void set_closure_string(lua_State* L, const char* name, const char* data, std::size_t len) {
  lua_pushlstring(L, data, len);
  lua_pushcclosure(L, upvalue_string, 1);
  lua_setfield(L, -2, name);
}

MemberKey member_key(const char* name, std::size_t len) noexcept {
  MemberKey key;
  for (std::size_t i = 0; i < len; ++i) {
    const char c = name[i];
    if (c == '_') continue;
    if (key.len == sizeof key.buf) return key;  // too long: ok stays false
    key.buf[key.len++] = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  }
  key.ok = true;
  return key;
}

void open_ci_metatables(lua_State* L) {
  luaL_newmetatable(L, kCiMeta);
  lua_pushcfunction(L, ci_index);
  lua_setfield(L, -2, "__index");
  lua_pushcfunction(L, ci_tostring);
  lua_setfield(L, -2, "__tostring");
  lua_pop(L, 1);
}

void new_ci_table(lua_State* L, int narr, int nrec) {
  lua_createtable(L, narr, nrec);
  luaL_setmetatable(L, kCiMeta);
}

void set_field(lua_State* L, const char* name, const std::string& value) {
  lua_pushlstring(L, value.data(), value.size());
  lua_setfield(L, -2, name);
}

void set_field(lua_State* L, const char* name, lua_Integer value) {
  lua_pushinteger(L, value);
  lua_setfield(L, -2, name);
}

void set_bool(lua_State* L, const char* name, bool value) {
  lua_pushboolean(L, value ? 1 : 0);
  lua_setfield(L, -2, name);
}

void push_uri(lua_State* L, const dialplan::UriParts& uri) {
  new_ci_table(L, 0, 9);
  set_field(L, "Scheme", uri.scheme);
  set_field(L, "User", uri.user);
  push_unescaped(L, uri.user);
  lua_setfield(L, -2, "UnescapedUser");
  set_field(L, "Host", uri.host);
  if (uri.port != 0) {
    set_field(L, "Port", static_cast<lua_Integer>(uri.port));
  }
  set_field(L, "Parameters", uri.params);
  set_closure_string(L, "ToString", uri.full.data(), uri.full.size());
  const bool v6 = uri.host.find(':') != std::string::npos;
  if (uri.port != 0) {
    lua_pushfstring(L, "%s:%s%s%s%s%s:%d", uri.scheme.c_str(), uri.user.c_str(),
                    uri.user.empty() ? "" : "@", v6 ? "[" : "", uri.host.c_str(), v6 ? "]" : "",
                    static_cast<int>(uri.port));
  } else {
    lua_pushfstring(L, "%s:%s%s%s%s%s", uri.scheme.c_str(), uri.user.c_str(),
                    uri.user.empty() ? "" : "@", v6 ? "[" : "", uri.host.c_str(), v6 ? "]" : "");
  }
  lua_pushcclosure(L, upvalue_string, 1);
  lua_setfield(L, -2, "ToParameterlessString");
}

void push_account(lua_State* L, const dialplan::AccountView& a) {
  new_ci_table(L, 0, 9);
  set_field(L, "SIPUsername", a.username);
  set_field(L, "SIPDomain", a.domain);
  set_field(L, "Owner", a.owner);
  set_field(L, "OutDialPlanName", a.out_dialplan);
  set_field(L, "InDialPlanName", a.in_dialplan);
  set_bool(L, "IsIncomingOnly", a.incoming_only);
  set_bool(L, "IsUserDisabled", a.disabled);
  set_field(L, "Description", a.description);
  lua_pushfstring(L, "%s@%s", a.username.c_str(), a.domain.c_str());
  lua_pushcclosure(L, upvalue_string, 1);
  lua_setfield(L, -2, "ToString");
}

void push_provider(lua_State* L, const dialplan::ProviderView& p) {
  new_ci_table(L, 0, 10);
  set_field(L, "ProviderName", p.name);
  set_field(L, "ProviderType", p.type);
  set_field(L, "ProviderServer", p.server);
  set_field(L, "ProviderUsername", p.username);
  set_field(L, "ProviderAuthUsername", p.auth_username);
  set_field(L, "ProviderFrom", p.from_template);
  set_field(L, "CustomHeaders", p.custom_headers);
  set_field(L, "ProviderOutboundProxy", p.outbound_proxy);
  set_bool(L, "RegisterEnabled", p.register_enabled);
  set_bool(L, "IsReadOnly", p.read_only);
}

void push_binding(lua_State* L, const dialplan::BindingView& b, std::int64_t now) {
  new_ci_table(L, 0, 9);
  set_field(L, "SIPAccountName", b.account);
  set_field(L, "ContactURI", b.contact_uri);
  set_field(L, "MangledContactURI", b.mangled_uri);
  set_field(L, "UserAgent", b.user_agent);
  set_field(L, "RemoteSIPSocket", b.remote);
  set_field(L, "Transport", b.transport);
  set_field(L, "Expiry", static_cast<lua_Integer>(b.expires > now ? b.expires - now : 0));
  set_field(L, "ExpiryTime", static_cast<lua_Integer>(b.expires));
  set_field(L, "LastUpdate", static_cast<lua_Integer>(b.updated));
}

void push_request(lua_State* L, const dialplan::RequestView& r) {
  new_ci_table(L, 0, 5);
  set_field(L, "Method", r.method);
  push_uri(L, r.uri);
  lua_setfield(L, -2, "URI");
  set_field(L, "Body", r.body);

  new_ci_table(L, 0, 8);  // Header
  new_ci_table(L, 0, 4);  // From
  set_field(L, "FromName", r.from_display);
  push_uri(L, r.from_uri);
  lua_setfield(L, -2, "FromURI");
  set_field(L, "FromTag", r.from_tag);
  set_closure_string(L, "ToString", r.from_full.data(), r.from_full.size());
  lua_setfield(L, -2, "From");
  new_ci_table(L, 0, 4);  // To
  set_field(L, "ToName", r.to_display);
  push_uri(L, r.to_uri);
  lua_setfield(L, -2, "ToURI");
  set_field(L, "ToTag", r.to_tag);
  set_closure_string(L, "ToString", r.to_full.data(), r.to_full.size());
  lua_setfield(L, -2, "To");
  set_field(L, "CallId", r.call_id);
  set_field(L, "Contact", r.contact);
  set_field(L, "UserAgent", r.user_agent);
  set_field(L, "ContentType", r.content_type);
  new_ci_table(L, static_cast<int>(r.unknown_headers.size()), 0);
  lua_Integer i = 0;
  for (const auto& h : r.unknown_headers) {
    lua_pushlstring(L, h.data(), h.size());
    lua_rawseti(L, -2, ++i);
  }
  lua_setfield(L, -2, "UnknownHeaders");
  lua_setfield(L, -2, "Header");
}

}  // namespace sip::lua
