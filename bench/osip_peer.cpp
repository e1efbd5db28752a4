// libosip2 side of the benchmark (see osip_peer.hpp). osip parses every
// header it knows (Via, From, To, Contact, CSeq, Route, Record-Route,
// Content-Type, Authorization, Allow ...) eagerly inside osip_message_parse
// into malloc'ed structures; the walk then only reads fields. That is osip's
// design and part of what "parse + walk" measures; the walk reads the same
// values as the libsip walk (the start-up check compares the checksums).
//
// Numbers are kept as strings by osip (port, CSeq, Content-Length ...); the
// walk converts them with osip_atoi, as an osip application must, because
// libsip hands out the same values already converted.
#include "osip_peer.hpp"

#include <osip2/osip.h>
#include <osipparser2/osip_parser.h>

#include <cstring>
#include <mutex>

#include "messages.hpp"

namespace sipsmith_bench::osip {
namespace {

// osip's lookup functions take `char*` names.
char kBranch[] = "branch";
char kTag[] = "tag";
char kExpires[] = "expires";
char kLr[] = "lr";
char kMaxForwards[] = "max-forwards";

std::size_t len(const char* s) noexcept {
  return s != nullptr ? std::strlen(s) : 0;
}

// Length without surrounding quotes: osip keeps them in Authorization
// values, libsip strips them (the checksum wants the value itself).
std::size_t unquoted_len(const char* s) noexcept {
  const std::size_t n = len(s);
  return n >= 2 && s[0] == '"' && s[n - 1] == '"' ? n - 2 : n;
}

std::uint64_t number(const char* s) noexcept {
  if (s == nullptr) return 0;
  const int v = osip_atoi(s);
  return v < 0 ? 0 : static_cast<std::uint64_t>(v);
}

std::size_t param_len(osip_list_t* params, char* name) noexcept {
  osip_uri_param_t* p = nullptr;
  if (osip_uri_param_get_byname(params, name, &p) != 0 || p == nullptr) return 0;
  return len(p->gvalue);
}

void walk_uri(Checksum& c, const osip_uri_t* u) noexcept {
  if (u == nullptr) {
    c.poison();
    return;
  }
  c.add(len(u->username));
  c.add(len(u->host));
}

void walk_from(Checksum& c, osip_from_t* f) noexcept {  // From and To
  if (f == nullptr) {
    c.poison();
    return;
  }
  walk_uri(c, f->url);
  c.add(param_len(&f->gen_params, kTag));
}

void walk(Checksum& c, osip_message_t* m) noexcept {
  if (MSG_IS_REQUEST(m)) {
    c.add(len(m->sip_method));
    walk_uri(c, m->req_uri);
    c.add(m->req_uri != nullptr ? number(m->req_uri->port) : 0);
  } else {
    c.add(static_cast<std::uint64_t>(m->status_code));
  }

  const int nvia = osip_list_size(&m->vias);
  for (int i = 0; i < nvia; ++i) {
    osip_via_t* v = nullptr;
    if (osip_message_get_via(m, i, &v) < 0 || v == nullptr) {
      c.poison();
      continue;
    }
    c.add(len(v->host));
    c.add(number(v->port));
    c.add(param_len(&v->via_params, kBranch));
  }

  walk_from(c, osip_message_get_from(m));
  walk_from(c, osip_message_get_to(m));

  if (osip_call_id_t* id = osip_message_get_call_id(m)) {
    c.add(len(id->number) + (id->host != nullptr ? 1 + len(id->host) : 0));
  } else {
    c.poison();
  }

  if (osip_cseq_t* cs = osip_message_get_cseq(m)) {
    c.add(number(cs->number));
    c.add(len(cs->method));
  } else {
    c.poison();
  }

  osip_contact_t* ct = nullptr;
  if (osip_message_get_contact(m, 0, &ct) >= 0 && ct != nullptr && ct->url != nullptr) {
    c.add(len(ct->url->username));
    c.add(len(ct->url->host));
    c.add(number(ct->url->port));
    osip_uri_param_t* e = nullptr;
    c.add(osip_uri_param_get_byname(&ct->gen_params, kExpires, &e) == 0 && e != nullptr
              ? number(e->gvalue)
              : 0);
  } else {
    c.add(0), c.add(0), c.add(0), c.add(0);
  }

  osip_header_t* mf = nullptr;
  c.add(osip_message_header_get_byname(m, kMaxForwards, 0, &mf) >= 0 && mf != nullptr
            ? number(mf->hvalue)
            : 0);

  if (osip_content_type_t* t = osip_message_get_content_type(m)) {
    c.add(len(t->type));
    c.add(len(t->subtype));
  } else {
    c.add(0), c.add(0);
  }

  osip_content_length_t* cl = osip_message_get_content_length(m);
  c.add(cl != nullptr ? number(cl->value) : 0);

  osip_authorization_t* a = nullptr;
  if (osip_message_get_authorization(m, 0, &a) >= 0 && a != nullptr) {
    c.add(unquoted_len(a->username));
    c.add(unquoted_len(a->realm));
    c.add(unquoted_len(a->nonce));
    c.add(unquoted_len(a->response));
  } else {
    c.add(0), c.add(0), c.add(0), c.add(0);
  }

  osip_body_t* b = nullptr;
  c.add(osip_message_get_body(m, 0, &b) >= 0 && b != nullptr ? b->length : 0);
}

osip_message_t* parse_raw(std::string_view bytes) noexcept {
  osip_message_t* m = nullptr;
  if (osip_message_init(&m) != 0) return nullptr;
  if (osip_message_parse(m, bytes.data(), bytes.size()) != 0) {
    osip_message_free(m);
    return nullptr;
  }
  return m;
}

// osip_message_to_str, optional copy, osip_free. Returns the length.
std::size_t to_str(osip_message_t* m, std::string* out) noexcept {
  char* text = nullptr;
  std::size_t n = 0;
  if (osip_message_to_str(m, &text, &n) != 0 || text == nullptr) return 0;
  if (out != nullptr) out->assign(text, n);
  osip_free(text);
  return n;
}

}  // namespace

bool init() noexcept {
  static int rc = -1;
  static std::once_flag once;
  std::call_once(once, [] { rc = parser_init(); });
  return rc == 0;
}

bool parse_walk(std::string_view bytes, std::uint64_t& checksum) noexcept {
  osip_message_t* m = parse_raw(bytes);
  if (m == nullptr) return false;
  Checksum c;
  walk(c, m);
  osip_message_free(m);
  checksum = c.v;
  return true;
}

Message Message::parse(std::string_view bytes) noexcept {
  Message r;
  r.m_ = parse_raw(bytes);
  return r;
}

Message& Message::operator=(Message&& o) noexcept {
  if (this != &o) {
    if (m_ != nullptr) osip_message_free(m_);
    m_ = o.m_;
    o.m_ = nullptr;
  }
  return *this;
}

Message::~Message() {
  if (m_ != nullptr) osip_message_free(m_);
}

std::size_t Message::serialize(std::string* out) noexcept {
  if (m_ == nullptr) return 0;
  osip_message_force_update(m_);
  return to_str(m_, out);
}

std::size_t edit_serialize(std::string_view bytes, const char* via, const char* request_uri,
                           std::string* out) noexcept {
  osip_message_t* m = parse_raw(bytes);
  if (m == nullptr) return 0;
  std::size_t n = 0;
  osip_uri_t* uri = nullptr;
  if (osip_message_append_via(m, via) == 0 && osip_uri_init(&uri) == 0) {
    if (osip_uri_parse(uri, request_uri) == 0) {
      osip_route_t* r = nullptr;
      osip_uri_param_t* lr = nullptr;
      if (osip_message_get_route(m, 0, &r) >= 0 && r != nullptr && r->url != nullptr &&
          osip_uri_param_get_byname(&r->url->url_params, kLr, &lr) == 0) {
        osip_list_remove(&m->routes, 0);
        osip_route_free(r);
      }
      if (m->req_uri != nullptr) osip_uri_free(m->req_uri);
      osip_message_set_uri(m, uri);
      osip_message_force_update(m);
      n = to_str(m, out);
    } else {
      osip_uri_free(uri);
    }
  }
  osip_message_free(m);
  return n;
}

}  // namespace sipsmith_bench::osip
