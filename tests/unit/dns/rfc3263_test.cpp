#include "sip/dns/rfc3263.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sip/dns/errors.hpp"

namespace sip::dns {
namespace {

using transport::Kind;
const std::vector<Kind> kAll = {Kind::Udp, Kind::Tcp, Kind::Tls};

Result<Query> from(const std::string& text) {
  auto u = uri::parse_uri(text);
  if (!u) return u.error();
  return query_from_uri(*u);
}

TEST(DnsRfc3263, QueryFromSipUri) {
  auto q = from("sip:alice@Example.COM");
  ASSERT_TRUE(q);
  EXPECT_EQ(q->host, "Example.COM");
  EXPECT_EQ(q->port, 0);
  EXPECT_FALSE(q->transport);
  EXPECT_FALSE(q->sips);
}

TEST(DnsRfc3263, QueryFromUriWithPortTransportAndMaddr) {
  auto q = from("sip:bob@example.com:5070;transport=TCP;maddr=proxy.example.net.");
  ASSERT_TRUE(q);
  EXPECT_EQ(q->host, "proxy.example.net");  // maddr wins, trailing dot dropped
  EXPECT_EQ(q->port, 5070);
  EXPECT_EQ(q->transport, Kind::Tcp);
}

TEST(DnsRfc3263, SipsTransportRules) {
  auto tcp = from("sips:example.com;transport=tcp");
  ASSERT_TRUE(tcp);
  EXPECT_EQ(tcp->transport, Kind::Tls);  // sips over TCP is TLS
  EXPECT_TRUE(tcp->sips);
  auto udp = from("sips:example.com;transport=udp");
  ASSERT_FALSE(udp);
  EXPECT_EQ(failure_of(udp.error()), Failure::BadInput);
}

TEST(DnsRfc3263, RejectsWhatCannotBeResolved) {
  for (const char* text : {"tel:+15551234", "sip:example.com;transport=sctp", "sip:exa mple.com"}) {
    auto q = from(text);
    ASSERT_FALSE(q) << text;
  }
  EXPECT_EQ(failure_of(from("tel:+15551234").error()), Failure::BadInput);
  EXPECT_FALSE(make_query("a..b", 0, {}, false));
  EXPECT_FALSE(make_query("", 0, {}, false));
  EXPECT_FALSE(make_query(std::string(254, 'a'), 0, {}, false));
  EXPECT_TRUE(make_query("_sip._udp.example.com", 0, {}, false));
}

TEST(DnsRfc3263, NumericHostsBypassLookup) {
  auto v4 = numeric_target(*make_query("192.0.2.7", 0, {}, false));
  ASSERT_TRUE(v4);
  EXPECT_EQ(v4->to_string(), "UDP 192.0.2.7:5060");
  EXPECT_EQ(v4->ttl, kNoExpiry);
  auto v6 = numeric_target(*make_query("[2001:db8::1]", 5080, Kind::Tcp, false));
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->to_string(), "TCP [2001:db8::1]:5080");
  EXPECT_EQ(v6->tls_name, "2001:db8::1");
  auto s = numeric_target(*make_query("192.0.2.7", 0, {}, true));
  ASSERT_TRUE(s);
  EXPECT_EQ(s->to_string(), "TLS 192.0.2.7:5061");
  EXPECT_FALSE(numeric_target(*make_query("example.com", 5060, {}, false)));
  EXPECT_TRUE(is_numeric_host("::1"));
  EXPECT_FALSE(is_numeric_host("1.2.3"));
}

TEST(DnsRfc3263, DefaultKind) {
  EXPECT_EQ(default_kind(*make_query("a.b", 0, {}, false), kAll), Kind::Udp);
  EXPECT_EQ(default_kind(*make_query("a.b", 0, {}, true), kAll), Kind::Tls);
  EXPECT_EQ(default_kind(*make_query("a.b", 0, Kind::Tcp, false), kAll), Kind::Tcp);
  EXPECT_EQ(default_kind(*make_query("a.b", 0, {}, false), {Kind::Tcp}), Kind::Tcp);
  EXPECT_FALSE(default_kind(*make_query("a.b", 0, {}, true), {Kind::Udp, Kind::Tcp}));
  EXPECT_FALSE(default_kind(*make_query("a.b", 0, Kind::Tls, false), {Kind::Udp}));
}

NaptrRecord naptr(std::uint16_t order, std::uint16_t pref, const char* service,
                  const char* replacement, const char* flags = "s", const char* regexp = "") {
  return NaptrRecord{order, pref, flags, service, regexp, replacement};
}

TEST(DnsRfc3263, NaptrSelectionOrderAndFilters) {
  const std::vector<NaptrRecord> records = {
      naptr(20, 10, "SIP+D2U", "_sip._udp.example.com"),
      naptr(10, 20, "SIP+D2T", "_sip._tcp.example.com."),
      naptr(10, 10, "SIPS+D2T", "_sips._tcp.example.com"),
      naptr(5, 10, "SIP+D2S", "_sip._sctp.example.com"),             // SCTP: unsupported
      naptr(5, 10, "E2U+sip", "", "u", "!^.*$!sip:a@example.com!"),  // ENUM, not SIP
      naptr(6, 10, "sip+d2u", "_x._udp.example.com", "a"),           // not an SRV pointer
      naptr(10, 20, "SIP+D2T", "_sip._tcp.example.com"),             // duplicate
  };
  const auto all = select_naptr(records, false, kAll);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0], (NaptrChoice{Kind::Tls, "_sips._tcp.example.com"}));
  EXPECT_EQ(all[1], (NaptrChoice{Kind::Tcp, "_sip._tcp.example.com"}));
  EXPECT_EQ(all[2], (NaptrChoice{Kind::Udp, "_sip._udp.example.com"}));

  const auto sips = select_naptr(records, true, kAll);
  ASSERT_EQ(sips.size(), 1u);
  EXPECT_EQ(sips[0].kind, Kind::Tls);

  const auto udp_only = select_naptr(records, false, {Kind::Udp});
  ASSERT_EQ(udp_only.size(), 1u);
  EXPECT_EQ(udp_only[0].kind, Kind::Udp);
}

TEST(DnsRfc3263, SrvFallbackKindsAndNames) {
  EXPECT_EQ(srv_fallback_kinds(false, kAll), (std::vector<Kind>{Kind::Tls, Kind::Tcp, Kind::Udp}));
  EXPECT_EQ(srv_fallback_kinds(true, kAll), (std::vector<Kind>{Kind::Tls}));
  EXPECT_EQ(srv_fallback_kinds(false, {Kind::Udp, Kind::Tcp}),
            (std::vector<Kind>{Kind::Tcp, Kind::Udp}));
  EXPECT_EQ(srv_name(Kind::Udp, "example.com"), "_sip._udp.example.com");
  EXPECT_EQ(srv_name(Kind::Tcp, "example.com"), "_sip._tcp.example.com");
  EXPECT_EQ(srv_name(Kind::Tls, "example.com"), "_sips._tcp.example.com");
}

TEST(DnsRfc3263, FailureRoundTrip) {
  for (Failure f : {Failure::NameError, Failure::NoRecords, Failure::Timeout,
                    Failure::ServerFailure, Failure::Overloaded, Failure::BadInput}) {
    EXPECT_EQ(failure_of(make_failure(f)), f) << failure_name(f);
  }
  EXPECT_EQ(failure_of(make_error(Errc::not_found, 0, "dns: no such domain name (NXDOMAIN)x")),
            Failure::None);
  EXPECT_EQ(failure_of(Error{}), Failure::None);
  EXPECT_TRUE(is_transient(Failure::Timeout));
  EXPECT_FALSE(is_transient(Failure::NameError));
}

}  // namespace
}  // namespace sip::dns
