// SPDX-License-Identifier: Apache-2.0
// A small JSON Schema (2020-12 subset) checker for the contract tests: exactly the keywords
// protocol/schemas use. Loading refuses any other keyword, so a schema can never silently
// rely on something this checker ignores.
//
// Supported: type, required, properties, additionalProperties, enum, const, pattern (ECMAScript
// via std::regex, unanchored as in JSON Schema), minLength/maxLength (code points),
// minimum/maximum, items, minItems/maxItems, $ref ("file.schema.json", "file#/$defs/x",
// "#/$defs/x"), oneOf, anyOf, allOf; annotations ($schema, $id, $defs, $comment, title,
// description, format, examples, default) are accepted and not checked.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "protocol/result.hpp"

namespace locker::protocol {

class schema_set {
 public:
  // Loads every "*.schema.json" in dir. Fails on unreadable JSON, an unsupported keyword,
  // a bad pattern or a $ref that does not resolve, naming the file and the place.
  [[nodiscard]] static result<schema_set, std::string> load(const std::filesystem::path& dir);

  // Violations as "<JSON pointer>: <why>"; empty when the instance is valid. An unknown
  // schema file is itself reported as a violation.
  [[nodiscard]] std::vector<std::string> validate(std::string_view schema_file,
                                                  const nlohmann::json& instance) const;
  // Same, for JSON text (malformed text is one violation).
  [[nodiscard]] std::vector<std::string> validate_text(std::string_view schema_file,
                                                       std::string_view text) const;

  [[nodiscard]] std::vector<std::string> files() const;

 private:
  struct where {
    const std::string* file;
    const nlohmann::json* schema;
  };

  [[nodiscard]] std::string check_schema(const std::string& file, const nlohmann::json& s,
                                         const std::string& at);
  [[nodiscard]] const nlohmann::json* resolve(const std::string& from_file, const std::string& ref,
                                              const std::string** to_file) const;
  void check(where w, const nlohmann::json& inst, const std::string& path, int depth,
             std::vector<std::string>& out) const;

  std::map<std::string, nlohmann::json, std::less<>> docs_;
  // std::regex is not cheap to build: one per pattern text, shared.
  std::map<std::string, std::shared_ptr<const std::regex>, std::less<>> patterns_;
};

}  // namespace locker::protocol
