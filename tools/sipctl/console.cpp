#include "console.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <nlohmann/json.hpp>

#include "common/exit_codes.hpp"
#include "sip/control/event_json.hpp"
#include "sip/event/format.hpp"

namespace sipsmith::sipctl {

int run_console(const Args& args, cli::ControlClient& client, std::ostream& out) {
  using nlohmann::json;
  using Clock = std::chrono::steady_clock;
  const bool colour =
      !args.json && ::isatty(STDOUT_FILENO) == 1 && std::getenv("NO_COLOR") == nullptr;
  const auto end =
      Clock::now() + std::chrono::milliseconds(static_cast<long long>(args.seconds * 1000));
  int events = 0;
  try {
    for (;;) {
      int wait_ms = -1;
      if (args.seconds > 0) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - Clock::now());
        if (left.count() <= 0) break;
        wait_ms = static_cast<int>(left.count());
      }
      auto line = client.read_line(wait_ms);
      if (!line) break;
      const json j = json::parse(*line, nullptr, false);
      const bool dropped = j.is_object() && j.value("type", std::string()) == "dropped";
      if (args.json) {
        out << *line << '\n';
      } else if (dropped) {
        out << "-- "
            << sip::event::format_dropped(j.value("count", std::uint64_t{0}),
                                          j.value("total", std::uint64_t{0}))
            << '\n';
      } else if (auto e = sip::control::event_from_json(j)) {
        out << sip::event::format_line(*e, colour) << '\n';
      } else {
        out << *line << '\n';  // something newer than this sipctl: as it came
      }
      out.flush();
      if (!dropped && args.count > 0 && ++events >= args.count) break;
    }
  } catch (const cli::NetworkError& e) {
    std::cerr << "sipctl: " << e.what() << "\n";
    return cli::to_int(cli::ExitCode::Network);
  }
  return cli::to_int(cli::ExitCode::Ok);
}

}  // namespace sipsmith::sipctl
