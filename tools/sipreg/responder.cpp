#include "responder.hpp"

#include <string>

#include "sip/base/log.hpp"

namespace sipsmith::sipreg {

void Responder::on_request(sip::txn::ServerTransaction txn, sip::transport::Inbound&& in) {
  const bool options = in.message.method() == sip::msg::Method::Options;
  const int status = options ? 200 : 501;
  sip::log(sip::LogLevel::Info, "sipreg",
           std::string(in.message.method_token()) + " from " + in.origin.remote.to_string() + ": " +
               std::to_string(status));
  if (auto r = txn.respond(status); !r)
    sip::log(sip::LogLevel::Warn, "sipreg", "cannot answer: " + r.error().to_string());
}

}  // namespace sipsmith::sipreg
