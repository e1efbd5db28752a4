// Wizard plan documents: validation errors with line/column and the rule
// they concern; source positions and diagnostics formatting.
#include <gtest/gtest.h>

#include "sip/wizard/source_pos.hpp"
#include "sip/wizard/wizard_plan.hpp"

namespace sip::wizard {
namespace {

dialplan::Diagnostic error_of(const std::string& json) {
  auto parsed = parse_wizard_document(json);
  auto* diag = std::get_if<dialplan::Diagnostic>(&parsed);
  EXPECT_NE(diag, nullptr) << "accepted: " << json;
  return diag ? *diag : dialplan::Diagnostic{};
}

TEST(WizardJson, AcceptsTheDocumentedFormat) {
  auto parsed = parse_wizard_document(R"({
    // comments are allowed
    "format": "sipsmith-wizard", "version": 1, "description": "demo",
    "rules": [
      {"direction": "out", "priority": 2, "description": "Mum", "pattern_type": "exact",
       "pattern": "*100", "command": "dial", "destination": "0871234567", "provider": "blueface"},
      {"direction": "in", "to_match": "any", "time": "SaSu;10:00-12:00", "command": "reject",
       "status": 486},
      {"direction": "out", "pattern_type": "prefix", "pattern": "1", "command": "dial",
       "destination": "sip:music@iptel.org"}
    ]})");
  ASSERT_TRUE(std::holds_alternative<std::vector<Rule>>(parsed))
      << std::get<dialplan::Diagnostic>(parsed).message;
  const auto& rules = std::get<std::vector<Rule>>(parsed);
  ASSERT_EQ(rules.size(), 3u);
  EXPECT_EQ(rules[0].priority, 2);
  EXPECT_EQ(rule_dial_string(rules[0]), "0871234567@blueface");
  EXPECT_EQ(rules[1].direction, RuleDirection::In);
  EXPECT_EQ(rules[1].pattern_type, PatternType::Regex);
  EXPECT_EQ(rules[1].status, 486);
  ASSERT_TRUE(rules[1].time);
  EXPECT_EQ(rules[1].time->days, 0x60);
  EXPECT_EQ(rule_dial_string(rules[2]), "sip:music@iptel.org");
}

TEST(WizardJson, SyntaxErrorHasLineAndColumn) {
  auto d = error_of("{\n  \"rules\": [\n    {\"direction\": \"out\",}\n  ]\n}");
  EXPECT_EQ(d.line, 3);
  EXPECT_EQ(d.column, 25);
  EXPECT_NE(d.message.find("invalid JSON"), std::string::npos) << d.message;
}

TEST(WizardJson, FieldErrorsPointAtTheField) {
  const std::string doc =
      "{\"rules\": [\n"
      "  {\"direction\": \"out\", \"pattern_type\": \"exact\", \"pattern\": \"1\", \"command\": "
      "\"dial\", "
      "\"provider\": \"p\"},\n"
      "  {\"direction\": \"out\", \"pattern_type\": \"prefx\", \"pattern\": \"1\", \"command\": "
      "\"dial\"}\n"
      "]}";
  auto d = error_of(doc);
  EXPECT_EQ(d.line, 3);
  EXPECT_EQ(d.column, 40);
  EXPECT_EQ(d.message.rfind("rules[1].pattern_type: ", 0), 0u) << d.message;
  EXPECT_NE(d.message.find("prefx"), std::string::npos);
}

TEST(WizardJson, EachKindOfMistake) {
  auto msg = [](const std::string& rule) {
    return error_of(R"({"rules":[)" + rule + "]}").message;
  };
  EXPECT_NE(msg(R"({"direction":"sideways"})").find("direction must be"), std::string::npos);
  EXPECT_NE(
      msg(R"({"direction":"out","pattern_type":"exact","pattern":"1","command":"dial","provider":"p","destinaton":"x"})")
          .find("unknown field \"destinaton\""),
      std::string::npos);
  EXPECT_NE(msg(R"({"direction":"out","pattern":"1","command":"dial","provider":"p"})")
                .find("needs \"pattern_type\""),
            std::string::npos);
  EXPECT_NE(msg(R"({"direction":"out","pattern_type":"exact","command":"dial","provider":"p"})")
                .find("non-empty pattern"),
            std::string::npos);
  EXPECT_NE(
      msg(R"({"direction":"out","pattern_type":"regex","pattern":"(","command":"dial","provider":"p"})")
          .find("bad regular expression"),
      std::string::npos);
  EXPECT_NE(msg(R"({"direction":"out","pattern_type":"exact","pattern":"1","command":"dial"})")
                .find("needs \"provider\""),
            std::string::npos);
  EXPECT_NE(
      msg(R"({"direction":"out","pattern_type":"exact","pattern":"1","command":"reject","status":200})")
          .find("status must be an integer from 400 to 699"),
      std::string::npos);
  EXPECT_NE(
      msg(R"({"direction":"out","pattern_type":"exact","pattern":"1","command":"reject","provider":"p"})")
          .find("applies to command \"dial\" only"),
      std::string::npos);
  EXPECT_NE(
      msg(R"({"direction":"out","pattern_type":"exact","pattern":"1","command":"dial_advanced"})")
          .find("missing \"dial_string\""),
      std::string::npos);
  EXPECT_NE(msg(R"({"direction":"out","pattern_type":"exact","pattern":"1","command":"jump"})")
                .find("command must be"),
            std::string::npos);
  EXPECT_NE(
      msg(R"({"direction":"out","pattern_type":"exact","pattern":"1","to":"x","command":"reject"})")
          .find("incoming rules only"),
      std::string::npos);
  EXPECT_NE(msg(R"({"direction":"in","to_match":"account","command":"reject"})")
                .find("needs a non-empty \"to\""),
            std::string::npos);
  EXPECT_NE(msg(R"({"direction":"in","to_match":"regex","to":"[a","command":"reject"})")
                .find("bad regular expression"),
            std::string::npos);
  EXPECT_NE(msg(R"({"direction":"in","time":"M;25:00-26:00","command":"reject"})").find("HH:MM"),
            std::string::npos);
  EXPECT_NE(msg(R"({"direction":"in","time":{"start":"09:00"},"command":"reject"})")
                .find("\"start\" and \"end\""),
            std::string::npos);
  EXPECT_NE(msg(R"({"direction":"in","priority":"high","command":"reject"})")
                .find("priority must be a number"),
            std::string::npos);
  EXPECT_NE(msg("42").find("must be a JSON object"), std::string::npos);
  EXPECT_NE(error_of(R"({"rulez":[]})").message.find("unknown field \"rulez\""), std::string::npos);
  EXPECT_NE(error_of(R"({"format":"other","rules":[]})").message.find("format must be"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"version":2,"rules":[]})").message.find("version"), std::string::npos);
  EXPECT_NE(error_of(R"([])").message.find("JSON object"), std::string::npos);
}

TEST(WizardJson, LimitsAreEnforced) {
  WizardLimits limits;
  limits.max_rules = 1;
  std::string two =
      R"({"rules":[{"direction":"in","command":"reject"},{"direction":"in","command":"reject"}]})";
  auto parsed = parse_wizard_document(two, limits);
  ASSERT_TRUE(std::holds_alternative<dialplan::Diagnostic>(parsed));
  EXPECT_NE(std::get<dialplan::Diagnostic>(parsed).message.find("more than 1 rules"),
            std::string::npos);
  limits = {};
  limits.max_source_bytes = 10;
  parsed = parse_wizard_document(two, limits);
  ASSERT_TRUE(std::holds_alternative<dialplan::Diagnostic>(parsed));
  auto result = WizardCompiler().compile("", "{\"rules\":[]}");
  EXPECT_FALSE(result.ok());
}

TEST(SourcePos, LocateAndFormat) {
  const std::string text = "{\n  \"a\": [1, {\"b\": \"x\"}],\n  \"c\": true\n}";
  EXPECT_EQ(json_locate(text, {std::string("c")}), text.find("true"));
  EXPECT_EQ(json_locate(text, {std::string("a"), std::size_t{1}, std::string("b")}),
            text.find("\"x\""));
  // Missing member: the deepest existing value.
  EXPECT_EQ(json_locate(text, {std::string("a"), std::size_t{7}}), text.find("[1"));
  auto lc = line_col(text, text.find("true"));
  EXPECT_EQ(lc.line, 3);
  EXPECT_EQ(lc.column, 8);
  EXPECT_EQ(format_diagnostic("plan.json", text, 3, 8, "bad"),
            "plan.json:3:8: bad\n  \"c\": true\n       ^\n");
  EXPECT_EQ(format_diagnostic("x.lua", "a\n  sys.Dial(\n", 2, 0, "boom"),
            "x.lua:2: boom\n  sys.Dial(\n  ^\n");
  EXPECT_EQ(format_diagnostic("f", "", 0, 0, "whole file"), "f: whole file\n");
}

}  // namespace
}  // namespace sip::wizard
