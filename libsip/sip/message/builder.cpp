#include "sip/message/builder.hpp"

#include "sip/message/status.hpp"
#include "sip/parser/parse.hpp"

namespace sip::msg {

MessageBuilder MessageBuilder::request(std::string_view method, std::string_view request_uri) {
  MessageBuilder b;
  b.start_line_.append(method).append(" ").append(request_uri).append(" SIP/2.0");
  return b;
}

MessageBuilder MessageBuilder::response(int status, std::string_view reason) {
  MessageBuilder b;
  b.start_line_ = "SIP/2.0 " + std::to_string(status) + " ";
  b.start_line_.append(reason.empty() ? reason_phrase(status) : reason);
  return b;
}

MessageBuilder& MessageBuilder::header(std::string_view name, std::string_view value) {
  headers_.emplace_back(std::string(name), std::string(value));
  return *this;
}

MessageBuilder& MessageBuilder::body(std::string_view content_type, std::string_view body) {
  content_type_ = std::string(content_type);
  body_ = std::string(body);
  return *this;
}

std::string MessageBuilder::serialize() const {
  std::string out;
  out.reserve(start_line_.size() + 64 * headers_.size() + body_.size() + 64);
  out += start_line_;
  out += "\r\n";
  for (const auto& [name, value] : headers_) {
    out += name;
    out += ": ";
    out += value;
    out += "\r\n";
  }
  if (!content_type_.empty()) {
    out += "Content-Type: ";
    out += content_type_;
    out += "\r\n";
  }
  out += "Content-Length: ";
  out += std::to_string(body_.size());
  out += "\r\n\r\n";
  out += body_;
  return out;
}

Result<Message> MessageBuilder::build() const {
  parser::Limits limits;
  limits.max_message_size = SIZE_MAX;
  limits.max_body_size = SIZE_MAX;
  return parser::parse_datagram(serialize(), limits);
}

MessageBuilder make_response(const Message& request, int status, std::string_view reason,
                             std::string_view to_tag) {
  MessageBuilder b = MessageBuilder::response(status, reason);
  for (const HeaderField& f : request.fields()) {
    switch (f.id) {
      case HeaderId::Via:
      case HeaderId::From:
      case HeaderId::CallId:
      case HeaderId::CSeq: b.header(header_name(f.id), request.text(f.value)); break;
      case HeaderId::To: {
        std::string to(request.text(f.value));
        const auto params = name_addr_params(to);
        if (status > 100 && !to_tag.empty() && params &&
            find_generic_param(*params, "tag").value_or(std::string_view{}).empty()) {
          to += ";tag=";
          to.append(to_tag);
        }
        b.header("To", to);
        break;
      }
      default: break;
    }
  }
  return b;
}

std::optional<std::string> best_effort_error_response(std::string_view raw, int status,
                                                      std::string_view detail) {
  constexpr HeaderId kCopy[] = {HeaderId::Via, HeaderId::From, HeaderId::To, HeaderId::CallId,
                                HeaderId::CSeq};
  std::string lines[std::size(kCopy)];
  std::size_t pos = raw.find('\n');
  while (pos != std::string_view::npos && pos + 1 < raw.size()) {
    const std::size_t start = pos + 1;
    std::size_t end = raw.find('\n', start);
    std::string_view line =
        raw.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) break;  // end of the header block
    const std::size_t colon = line.find(':');
    if (colon != std::string_view::npos) {
      std::string_view name = line.substr(0, colon);
      while (!name.empty() && (name.back() == ' ' || name.back() == '\t')) name.remove_suffix(1);
      const HeaderId id = header_id_from_name(name);
      std::string_view value = line.substr(colon + 1);
      while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
        value.remove_prefix(1);
      for (std::size_t i = 0; i < std::size(kCopy); ++i) {
        if (id != kCopy[i] || value.empty()) continue;
        if (id == HeaderId::Via) {
          if (!lines[i].empty()) lines[i] += "\r\n";
          lines[i] += "Via: ";
          lines[i].append(value);
        } else if (lines[i].empty()) {
          lines[i].append(header_name(id)).append(": ").append(value);
        }
      }
    }
    pos = end;
  }
  std::string out = "SIP/2.0 " + std::to_string(status) + " ";
  out.append(reason_phrase(status));
  out += "\r\n";
  for (const std::string& l : lines) {
    if (l.empty()) return std::nullopt;
    out += l;
    out += "\r\n";
  }
  if (!detail.empty()) {
    out += "Warning: 399 sipsmith \"";
    for (char c : detail)
      if (c != '"' && c != '\\' && static_cast<unsigned char>(c) >= 0x20) out += c;
    out += "\"\r\n";
  }
  out += "Content-Length: 0\r\n\r\n";
  return out;
}

}  // namespace sip::msg
