// How sipctl shows a result: aligned tables for lists, "key: value" lines
// for one record, short sentences for changes; with --json, NDJSON (one
// object per line; a list prints one line per element).
// Thread-safety: plain functions writing to the given stream.
#pragma once

#include <nlohmann/json.hpp>
#include <ostream>

#include "options.hpp"

namespace sipsmith::sipctl {

void render_json(std::ostream& out, const nlohmann::json& result);
void render_human(std::ostream& out, const Request& request, const nlohmann::json& result);

}  // namespace sipsmith::sipctl
