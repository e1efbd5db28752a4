// Private to the provreg module: one provider's registration (a
// RegistrationListener over one ua::RegistrationSession at a time).
// Thread-safety: core thread only; owned by the Agent.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "sip/provreg/agent.hpp"
#include "sip/transport/transport.hpp"
#include "sip/ua/registration.hpp"

namespace sip::provreg {

class Agent::Binding final : public ua::RegistrationListener {
 public:
  // `config` belongs to the agent and may change between attempts.
  Binding(const Services& services, const AgentConfig& config, store::Provider provider,
          std::uint64_t fingerprint, ProviderPlan plan);
  ~Binding() override;

  // The first attempt `after` from now.
  void start(Duration after);
  // Registering, but no attempt scheduled until start(): `why` says what
  // it waits for.
  void wait(const std::string& why);
  // Expires 0 when registered; `done` runs later (never inside this call)
  // once answered or at once when there is nothing to unregister.
  void leave(std::function<void()> done);
  void disable(const std::string& reason);

  std::uint64_t fingerprint() const noexcept { return fingerprint_; }
  bool leaving() const noexcept { return static_cast<bool>(done_); }
  const store::Provider& provider() const noexcept { return provider_; }
  Status status() const;
  // The flow it registered through, while registered.
  std::optional<transport::Origin> flow() const;

  // ua::RegistrationListener
  void on_state(ua::RegState state, ua::RegFailure failure, const std::string& detail) override;
  void on_response(const msg::Message& response, double elapsed_ms) override;
  void on_bindings(const std::vector<ua::Binding>&) override {}
  void on_request(const std::string& bytes, const transport::Destination& to) override;
  void on_failover(const transport::Destination& failed, const transport::Destination& next,
                   const std::string& why) override;

 private:
  void attempt();
  void start_session(std::vector<transport::Destination> targets);
  void failed(const std::string& reason);
  void schedule(Duration after);
  void set(State s, const std::string& text);
  void later(std::function<void()> fn);
  std::int64_t now_s() const;

  const Services& svc_;
  const AgentConfig& config_;
  store::Provider provider_;
  std::uint64_t fingerprint_;
  std::optional<ProviderPlan> plan_;
  std::unique_ptr<ua::RegistrationSession> session_;
  Status status_;
  std::string last_text_ = "-";  // of the last state change, to log changes only
  int last_status_ = 0;
  std::optional<TimePoint> last_attempt_;
  TimerId timer_ = 0;
  std::function<void()> done_;  // set while leaving
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace sip::provreg
