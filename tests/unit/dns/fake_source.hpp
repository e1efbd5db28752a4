// Test double for QuerySource: answers synchronously from a table, records
// every question, and treats unknown (type, name) pairs as NXDOMAIN.
// Thread-safety: single-threaded.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "sip/dns/lookup.hpp"

namespace sip::dns::test {

class FakeSource final : public QuerySource {
 public:
  using Key = std::pair<RecordType, std::string>;

  void query(RecordType type, const std::string& name, AnswerFn done) override {
    asked_.emplace_back(type, name);
    const auto it = answers_.find({type, name});
    if (it != answers_.end()) return done(std::make_shared<Answer>(it->second));
    auto nx = std::make_shared<Answer>();
    nx->status = AnswerStatus::NxDomain;
    nx->ttl = 30;
    done(nx);
  }

  FakeSource& a(const std::string& name, const std::vector<const char*>& ips,
                std::uint32_t ttl = 300) {
    Answer v4, v6;
    v4.status = v6.status = AnswerStatus::Ok;
    v4.ttl = v6.ttl = ttl;
    for (const char* ip : ips) {
      auto address = *transport::SocketAddress::from_ip(ip, 0);
      (address.v6 ? v6 : v4).addresses.push_back(address);
    }
    set(RecordType::A, name, v4);
    set(RecordType::Aaaa, name, v6);
    return *this;
  }
  FakeSource& srv(const std::string& name, std::vector<SrvRecord> records,
                  std::uint32_t ttl = 300) {
    Answer ans;
    ans.status = AnswerStatus::Ok;
    ans.ttl = ttl;
    ans.srv = std::move(records);
    answers_[{RecordType::Srv, name}] = std::move(ans);
    return *this;
  }
  FakeSource& naptr(const std::string& name, std::vector<NaptrRecord> records,
                    std::uint32_t ttl = 300) {
    Answer ans;
    ans.status = AnswerStatus::Ok;
    ans.ttl = ttl;
    ans.naptr = std::move(records);
    answers_[{RecordType::Naptr, name}] = std::move(ans);
    return *this;
  }
  FakeSource& status(RecordType type, const std::string& name, AnswerStatus s) {
    Answer ans;
    ans.status = s;
    answers_[{type, name}] = std::move(ans);
    return *this;
  }

  const std::vector<Key>& asked() const { return asked_; }
  bool was_asked(RecordType type, const std::string& name) const {
    for (const auto& k : asked_) {
      if (k.first == type && k.second == name) return true;
    }
    return false;
  }

 private:
  void set(RecordType type, const std::string& name, Answer ans) {
    if (ans.addresses.empty()) ans.status = AnswerStatus::NoData;
    answers_[{type, name}] = std::move(ans);
  }

  std::map<Key, Answer> answers_;
  std::vector<Key> asked_;
};

}  // namespace sip::dns::test
