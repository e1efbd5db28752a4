#include "sip/message/editor.hpp"

#include "sip/base/ci.hpp"
#include "sip/message/status.hpp"
#include "sip/parser/parse.hpp"

namespace sip::msg {
namespace {
constexpr std::size_t kAtEnd = SIZE_MAX;

void append_line(std::string& out, std::string_view name, std::string_view value) {
  out.append(name);
  out.append(": ");
  out.append(value);
}
}  // namespace

MessageEditor::MessageEditor(const Message& source)
    : src_(source), replaced_(source.fields().size()), removed_(source.fields().size(), false) {}

void MessageEditor::set_request_uri(std::string_view uri) {
  uri_ = std::string(uri);
}
void MessageEditor::set_method(std::string_view method) {
  method_ = std::string(method);
}

void MessageEditor::set_status(int status, std::string_view reason) {
  std::string s = "SIP/2.0 ";
  s += std::to_string(status);
  s += ' ';
  s.append(reason.empty() ? reason_phrase(status) : reason);
  start_line_ = std::move(s);
}

void MessageEditor::remove(const HeaderField& f) {
  const auto i = static_cast<std::size_t>(&f - src_.fields().data());
  if (i < removed_.size()) removed_[i] = true;
}

void MessageEditor::replace(const HeaderField& f, std::string_view new_value) {
  const auto i = static_cast<std::size_t>(&f - src_.fields().data());
  if (i < replaced_.size()) {
    replaced_[i] = std::string(new_value);
    removed_[i] = false;
  }
}

void MessageEditor::insert_before(const HeaderField& f, std::string_view name,
                                  std::string_view value) {
  const auto i = static_cast<std::size_t>(&f - src_.fields().data());
  std::string line;
  append_line(line, name, value);
  inserts_.push_back({i, std::move(line)});
}

void MessageEditor::remove_all(HeaderId id) {
  const auto& fs = src_.fields();
  for (std::size_t i = 0; i < fs.size(); ++i)
    if (fs[i].id == id) removed_[i] = true;
}

void MessageEditor::remove_all(std::string_view name) {
  const HeaderId id = header_id_from_name(name);
  if (id != HeaderId::Other) return remove_all(id);
  const auto& fs = src_.fields();
  for (std::size_t i = 0; i < fs.size(); ++i)
    if (fs[i].id == HeaderId::Other && ci_equal(src_.text(fs[i].name), name)) removed_[i] = true;
}

void MessageEditor::prepend(std::string_view name, std::string_view value) {
  std::string line;
  append_line(line, name, value);
  inserts_.push_back({0, std::move(line)});
}

void MessageEditor::append(std::string_view name, std::string_view value) {
  std::string line;
  append_line(line, name, value);
  inserts_.push_back({kAtEnd, std::move(line)});
}

void MessageEditor::set_body(std::string_view body, std::string_view content_type) {
  body_ = std::string(body);
  content_type_ = std::string(content_type);
}

std::string MessageEditor::serialize() const {
  std::string out;
  serialize_to(out);
  return out;
}

void MessageEditor::serialize_to(std::string& out) const {
  const std::string_view body = body_ ? std::string_view(*body_) : src_.body();
  out.reserve(out.size() + src_.bytes().size() + 64 + (body_ ? body_->size() : 0));
  // Start line.
  const StartLine& sl = src_.start_line();
  if (start_line_) {
    out += *start_line_;
  } else if (sl.is_request) {
    out.append(method_ ? std::string_view(*method_) : src_.method_token());
    out += ' ';
    out.append(uri_ ? std::string_view(*uri_) : src_.request_uri_text());
    out += ' ';
    out.append(src_.version());
  } else {
    out.append(src_.bytes().substr(0, sl.reason.end()));
  }
  out += "\r\n";
  const auto& fs = src_.fields();
  bool wrote_cl = false;
  auto emit_cl = [&] {
    out += "Content-Length: ";
    out += std::to_string(body.size());
    out += "\r\n";
    wrote_cl = true;
  };
  auto emit_inserts = [&](std::size_t idx) {
    for (const Insert& ins : inserts_)
      if (ins.before_field == idx) {
        out += ins.line;
        out += "\r\n";
      }
  };
  std::size_t i = 0;
  while (i < fs.size()) {
    // A group: the fields that came from one header line.
    std::size_t j = i + 1;
    while (j < fs.size() && fs[j].line.off == fs[i].line.off) ++j;
    for (std::size_t k = i; k < j; ++k) emit_inserts(k);
    const HeaderId id = fs[i].id;
    if (id == HeaderId::ContentLength) {
      if (!wrote_cl) emit_cl();
    } else if (id == HeaderId::ContentType && content_type_) {
      if (!content_type_->empty())
        append_line(out, src_.text(fs[i].name), *content_type_), out += "\r\n";
    } else {
      bool touched = false;
      for (std::size_t k = i; k < j; ++k) touched |= removed_[k] || replaced_[k].has_value();
      if (!touched) {
        out.append(src_.text(fs[i].line));
        out += "\r\n";
      } else {
        bool first = true;
        for (std::size_t k = i; k < j; ++k) {
          if (removed_[k]) continue;
          if (first) {
            out.append(src_.text(fs[i].name));
            out += ": ";
            first = false;
          } else {
            out += ", ";
          }
          out.append(replaced_[k] ? std::string_view(*replaced_[k]) : src_.text(fs[k].value));
        }
        if (!first) out += "\r\n";
      }
    }
    i = j;
  }
  // Inserts aimed at a position past the last header (none in the source,
  // or prepend() on a message without headers) and appends.
  for (const Insert& ins : inserts_)
    if (ins.before_field >= fs.size() && ins.before_field != kAtEnd) {
      out += ins.line;
      out += "\r\n";
    }
  emit_inserts(kAtEnd);
  if (content_type_ && !content_type_->empty() && !src_.first(HeaderId::ContentType)) {
    append_line(out, "Content-Type", *content_type_);
    out += "\r\n";
  }
  if (!wrote_cl) emit_cl();
  out += "\r\n";
  out.append(body);
}

Result<Message> MessageEditor::to_message() const {
  parser::Limits limits;
  limits.max_message_size = SIZE_MAX;
  limits.max_body_size = SIZE_MAX;
  return parser::parse_datagram(serialize(), limits);
}

}  // namespace sip::msg
