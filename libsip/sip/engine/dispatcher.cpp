#include "sip/engine/dispatcher.hpp"

#include <utility>

#include "sip/base/log.hpp"
#include "sip/engine/events.hpp"
#include "sip/message/builder.hpp"
#include "sip/message/validate.hpp"
#include "sip/uri/uri.hpp"

namespace sip::engine {
namespace {

constexpr std::string_view kAllow =
    "INVITE, ACK, CANCEL, BYE, OPTIONS, REGISTER, INFO, UPDATE, MESSAGE";

// A failed send is the transport's to count; the dispatcher only notes it.
void note(const Result<void>& sent) {
  if (!sent)
    log(LogLevel::Debug, "dispatch", "response not sent: " + std::string(sent.error().detail));
}

void reply(txn::ServerTransaction& txn, int status, std::string_view reason) {
  note(txn.respond(status, reason));
}

void reply(txn::ServerTransaction& txn, msg::Message response) {
  note(txn.respond(std::move(response)));
}

}  // namespace

Dispatcher::Dispatcher(const directory::Directory& directory, std::string server_name)
    : directory_(directory), server_name_(std::move(server_name)) {}

void Dispatcher::set_local_addresses(std::vector<transport::SocketAddress> addresses) {
  local_ = std::move(addresses);
}

bool Dispatcher::is_served_host(std::string_view host) const {
  if (directory_.canonical_domain(host)) return true;
  auto ip = transport::SocketAddress::from_ip(host, 0);
  if (!ip) return false;
  for (const auto& a : local_) {
    if (a.v6 == ip->v6 && a.ip == ip->ip) return true;
    if (a.is_unspecified() && a.v6 == ip->v6) return true;
  }
  return false;
}

void Dispatcher::on_request(txn::ServerTransaction txn, transport::Inbound&& in) {
  ++stats_.requests;
  const msg::Message& m = in.message;
  const msg::Method method = m.method();
  if (guard_ != nullptr && guard_->blocked(in.origin.remote.ip_string())) {
    ++stats_.blocked;
    if (events_ != nullptr) emit_refused(*events_, in, block_silently_);
    if (block_silently_) {
      // Detached without an answer on purpose: the source is blocked.
      txn.release();
      return;
    }
    reply(txn, 403, "Blocked");
    return;
  }

  msg::ValidationPolicy policy;
  // The registrar and OPTIONS-to-the-server are targets, not forwarders.
  policy.reject_max_forwards_zero =
      method != msg::Method::Register && method != msg::Method::Options;
  msg::Verdict verdict = msg::validate_request(m, policy);
  if (verdict.action == msg::Verdict::Action::Drop) {
    ++stats_.dropped;
    txn.release();
    return;
  }
  if (verdict.action == msg::Verdict::Action::Respond) {
    ++stats_.invalid;
    auto b = msg::make_response(m, verdict.status, verdict.reason);
    if (!verdict.unsupported.empty()) b.header("Unsupported", verdict.unsupported);
    b.header("Server", server_name_);
    if (auto r = b.build()) {
      reply(txn, std::move(*r));
    } else {
      reply(txn, verdict.status, verdict.reason);
    }
    return;
  }

  auto ruri = m.request_uri();
  const std::string_view host = ruri ? ruri->host : std::string_view{};
  if (method == msg::Method::Register) {
    if (registrar_ == nullptr) {
      reply(txn, 503, "Registrar not ready");
      return;
    }
    registrar_->on_register(std::move(txn), std::move(in));
    return;
  }
  // Calls: every request inside a dialog, and new INVITEs (classified by
  // the call manager: From domain served = Out, request-URI served = In).
  const auto to = m.to();
  const bool in_dialog = to && !to->tag().empty() && method != msg::Method::Register;
  if (in_dialog || method == msg::Method::Invite) {
    if (calls_ == nullptr) {
      reply(txn, 503, "Call manager not ready");
      return;
    }
    if (in_dialog) {
      ++stats_.in_dialog;
      calls_->on_in_dialog(std::move(txn), std::move(in));
    } else {
      ++stats_.calls;
      calls_->on_invite(std::move(txn), std::move(in));
    }
    return;
  }
  if (!is_served_host(host)) {
    ++stats_.not_served;
    reply(txn, 404, "Domain not serviced");
    return;
  }
  if (method == msg::Method::Options) {
    answer_options(txn, m);
    return;
  }
  if (method == msg::Method::Bye || method == msg::Method::Refer) {
    reply(txn, 481, "Call/Transaction Does Not Exist");
    return;
  }
  ++stats_.not_allowed;
  auto b = msg::make_response(m, 405, "Method Not Allowed");
  b.header("Allow", kAllow);
  b.header("Server", server_name_);
  if (auto r = b.build()) {
    reply(txn, std::move(*r));
  } else {
    reply(txn, 405, "Method Not Allowed");
  }
}

void Dispatcher::answer_options(txn::ServerTransaction& txn, const msg::Message& request) {
  ++stats_.options;
  auto b = msg::make_response(request, 200, "OK");
  b.header("Allow", kAllow);
  b.header("Accept", "application/sdp");
  b.header("Accept-Encoding", "identity");
  b.header("Accept-Language", "en");
  b.header("Supported", "");
  b.header("Server", server_name_);
  if (auto r = b.build()) {
    reply(txn, std::move(*r));
  } else {
    reply(txn, 200, "OK");
  }
}

void Dispatcher::on_ack_2xx(transport::Inbound&& in) {
  if (calls_ != nullptr) calls_->on_ack(std::move(in));
}

void Dispatcher::on_cancel(txn::ServerId invite, const msg::Message& /*cancel*/) {
  if (calls_ != nullptr) calls_->on_cancel(invite);
}

void Dispatcher::on_stray_response(transport::Inbound&& in) {
  if (calls_ != nullptr) calls_->on_stray_response(std::move(in));
}

void Dispatcher::on_server_failed(txn::ServerId id, txn::ServerFailure why) {
  if (calls_ != nullptr) calls_->on_server_failed(id, why);
}

}  // namespace sip::engine
