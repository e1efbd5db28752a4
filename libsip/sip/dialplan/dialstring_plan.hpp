// Dial plans of type "dialstring": the whole stored source is one dial
// string (a dial plan may be a single dial string). Its execution
// is one Dial of that text with the default ring time, then the shared
// outcome rules (outcome.hpp). Compiling checks the syntax with
// sip::dialstring::parse, so a broken plan is refused on save.
// Thread-safety: the compiler and compiled plans are immutable and shareable.
#pragma once

#include <string_view>

#include "sip/dialplan/execution.hpp"

namespace sip::dialplan {

class DialStringCompiler final : public Compiler {
 public:
  CompileResult compile(std::string_view name, std::string_view source) const override;
};

}  // namespace sip::dialplan
