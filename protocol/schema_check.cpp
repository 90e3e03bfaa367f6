// SPDX-License-Identifier: Apache-2.0
#include "protocol/schema_check.hpp"

#include <cmath>
#include <fstream>
#include <set>
#include <sstream>

#include "protocol/json_util.hpp"

namespace locker::protocol {

namespace {

using nlohmann::json;

const std::set<std::string, std::less<>> annotations{
    "$schema", "$id", "$defs", "$comment", "title", "description", "format", "examples", "default"};
const std::set<std::string, std::less<>> assertions{
    "type",      "required", "properties", "additionalProperties",
    "enum",      "const",    "pattern",    "minLength",
    "maxLength", "minimum",  "maximum",    "items",
    "minItems",  "maxItems", "$ref",       "oneOf",
    "anyOf",     "allOf"};

bool has_type(const json& inst, std::string_view type) {
  if (type == "null") return inst.is_null();
  if (type == "boolean") return inst.is_boolean();
  if (type == "object") return inst.is_object();
  if (type == "array") return inst.is_array();
  if (type == "number") return inst.is_number();
  if (type == "string") return inst.is_string();
  if (type == "integer") {
    return inst.is_number_integer() ||
           (inst.is_number_float() && std::trunc(inst.get<double>()) == inst.get<double>());
  }
  return false;
}

// JSON equality with 1 == 1.0, as JSON Schema's enum/const want.
bool json_equal(const json& a, const json& b) {
  if (a.is_number() && b.is_number()) return a.get<double>() == b.get<double>();
  return a == b;
}

std::string escape_pointer(const std::string& key) {
  std::string out;
  for (const char c : key) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

result<schema_set, std::string> schema_set::load(const std::filesystem::path& dir) {
  schema_set set;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (!name.ends_with(".schema.json")) continue;
    std::ifstream in(entry.path());
    std::stringstream buf;
    buf << in.rdbuf();
    auto parsed = detail::parse_json(buf.str(), 64);
    if (!parsed.value) return fail(name + ": " + parsed.message);
    set.docs_.emplace(name, std::move(*parsed.value));
  }
  if (ec) return fail(dir.string() + ": " + ec.message());
  if (set.docs_.empty()) return fail(dir.string() + ": no *.schema.json files");
  for (const auto& [file, doc] : set.docs_) {
    if (auto problem = set.check_schema(file, doc, "#"); !problem.empty()) return fail(problem);
  }
  return set;
}

std::string schema_set::check_schema(const std::string& file, const json& s,
                                     const std::string& at) {
  if (s.is_boolean()) return {};
  if (!s.is_object()) return file + at + ": a schema must be an object or a boolean";
  for (const auto& [key, value] : s.items()) {
    const std::string here = at + "/" + escape_pointer(key);
    if (!annotations.contains(key) && !assertions.contains(key)) {
      return file + here + ": unsupported keyword";
    }
    std::string problem;
    if (key == "properties" || key == "$defs") {
      for (const auto& [name, sub] : value.items()) {
        problem = check_schema(file, sub, here + "/" + escape_pointer(name));
        if (!problem.empty()) return problem;
      }
    } else if (key == "additionalProperties" || key == "items") {
      problem = check_schema(file, value, here);
    } else if (key == "oneOf" || key == "anyOf" || key == "allOf") {
      if (!value.is_array() || value.empty()) return file + here + ": must be a non-empty array";
      for (std::size_t i = 0; i < value.size() && problem.empty(); ++i) {
        problem = check_schema(file, value[i], here + "/" + std::to_string(i));
      }
    } else if (key == "pattern") {
      if (!value.is_string()) return file + here + ": must be a string";
      const auto& text = value.get_ref<const std::string&>();
      try {
        patterns_.try_emplace(text,
                              std::make_shared<const std::regex>(text, std::regex::ECMAScript));
      } catch (const std::regex_error&) {
        return file + here + ": not a regular expression std::regex accepts";
      }
    } else if (key == "$ref") {
      const std::string* target_file = nullptr;
      if (!value.is_string() || resolve(file, value.get<std::string>(), &target_file) == nullptr) {
        return file + here + ": does not resolve";
      }
    } else if (key == "required" || key == "enum") {
      if (!value.is_array()) return file + here + ": must be an array";
    } else if (key == "type") {
      if (!value.is_string() && !value.is_array())
        return file + here + ": must be a string or array";
    }
    if (!problem.empty()) return problem;
  }
  return {};
}

const json* schema_set::resolve(const std::string& from_file, const std::string& ref,
                                const std::string** to_file) const {
  const auto hash = ref.find('#');
  const std::string file = hash == 0 ? from_file : ref.substr(0, hash);
  const std::string pointer = hash == std::string::npos ? "" : ref.substr(hash + 1);
  const auto doc = docs_.find(file);
  if (doc == docs_.end()) return nullptr;
  *to_file = &doc->first;
  if (pointer.empty()) return &doc->second;
  try {
    const json::json_pointer p(pointer);
    if (!doc->second.contains(p)) return nullptr;
    return &doc->second.at(p);
  } catch (const json::exception&) {
    return nullptr;
  }
}

std::vector<std::string> schema_set::validate(std::string_view schema_file,
                                              const json& instance) const {
  std::vector<std::string> out;
  const auto doc = docs_.find(schema_file);
  if (doc == docs_.end()) {
    out.push_back("no schema file " + std::string(schema_file));
    return out;
  }
  check(where{&doc->first, &doc->second}, instance, "", 0, out);
  return out;
}

std::vector<std::string> schema_set::validate_text(std::string_view schema_file,
                                                   std::string_view text) const {
  const auto parsed = detail::parse_json(text, 64);
  if (!parsed.value) return {parsed.message};
  return validate(schema_file, *parsed.value);
}

std::vector<std::string> schema_set::files() const {
  std::vector<std::string> names;
  for (const auto& [name, doc] : docs_) names.push_back(name);
  return names;
}

void schema_set::check(where w, const json& inst, const std::string& path, int depth,
                       std::vector<std::string>& out) const {
  const std::string at = path.empty() ? "/" : path;
  if (depth > 64) {
    out.push_back(at + ": $ref nesting too deep (a cycle?)");
    return;
  }
  const json& s = *w.schema;
  if (s.is_boolean()) {
    if (!s.get<bool>()) out.push_back(at + ": not allowed here");
    return;
  }
  if (const auto it = s.find("$ref"); it != s.end()) {
    const std::string* file = nullptr;
    const json* target = resolve(*w.file, it->get<std::string>(), &file);
    if (target == nullptr) {
      out.push_back(at + ": $ref " + it->get<std::string>() + " does not resolve");
    } else {
      check(where{file, target}, inst, path, depth + 1, out);
    }
  }
  if (const auto it = s.find("type"); it != s.end()) {
    bool any = false;
    if (it->is_string()) {
      any = has_type(inst, it->get<std::string>());
    } else {
      for (const auto& t : *it) any = any || has_type(inst, t.get<std::string>());
    }
    if (!any) {
      out.push_back(at + ": must be of type " +
                    (it->is_string() ? it->get<std::string>() : it->dump()));
      return;  // the other keywords would only repeat the same complaint
    }
  }
  if (const auto it = s.find("const"); it != s.end() && !json_equal(inst, *it)) {
    out.push_back(at + ": must be " + it->dump());
  }
  if (const auto it = s.find("enum"); it != s.end()) {
    bool found = false;
    for (const auto& v : *it) found = found || json_equal(inst, v);
    if (!found) out.push_back(at + ": must be one of " + it->dump());
  }
  if (inst.is_string()) {
    const auto& str = inst.get_ref<const std::string&>();
    const auto n = detail::utf8_length(str);
    if (const auto it = s.find("minLength"); it != s.end() && n < it->get<std::size_t>()) {
      out.push_back(at + ": shorter than " + it->dump() + " characters");
    }
    if (const auto it = s.find("maxLength"); it != s.end() && n > it->get<std::size_t>()) {
      out.push_back(at + ": longer than " + it->dump() + " characters");
    }
    if (const auto it = s.find("pattern"); it != s.end()) {
      const auto re = patterns_.find(it->get<std::string>());
      if (re == patterns_.end() || !std::regex_search(str, *re->second)) {
        out.push_back(at + ": does not match " + it->get<std::string>());
      }
    }
  }
  if (inst.is_number()) {
    const double d = inst.get<double>();
    if (const auto it = s.find("minimum"); it != s.end() && d < it->get<double>()) {
      out.push_back(at + ": less than " + it->dump());
    }
    if (const auto it = s.find("maximum"); it != s.end() && d > it->get<double>()) {
      out.push_back(at + ": greater than " + it->dump());
    }
  }
  if (inst.is_object()) {
    if (const auto it = s.find("required"); it != s.end()) {
      for (const auto& key : *it) {
        if (!inst.contains(key.get<std::string>())) {
          out.push_back(at + ": missing required property " + key.get<std::string>());
        }
      }
    }
    const auto props = s.find("properties");
    const auto additional = s.find("additionalProperties");
    for (const auto& [key, value] : inst.items()) {
      const std::string sub = path + "/" + escape_pointer(key);
      if (props != s.end() && props->contains(key)) {
        check(where{w.file, &props->at(key)}, value, sub, depth, out);
      } else if (additional != s.end()) {
        check(where{w.file, &*additional}, value, sub, depth, out);
      }
    }
  }
  if (inst.is_array()) {
    if (const auto it = s.find("minItems"); it != s.end() && inst.size() < it->get<std::size_t>()) {
      out.push_back(at + ": fewer than " + it->dump() + " items");
    }
    if (const auto it = s.find("maxItems"); it != s.end() && inst.size() > it->get<std::size_t>()) {
      out.push_back(at + ": more than " + it->dump() + " items");
    }
    if (const auto it = s.find("items"); it != s.end()) {
      for (std::size_t i = 0; i < inst.size(); ++i) {
        check(where{w.file, &*it}, inst[i], path + "/" + std::to_string(i), depth, out);
      }
    }
  }
  if (const auto it = s.find("allOf"); it != s.end()) {
    for (const auto& sub : *it) check(where{w.file, &sub}, inst, path, depth, out);
  }
  for (const char* key : {"oneOf", "anyOf"}) {
    const auto it = s.find(key);
    if (it == s.end()) continue;
    std::size_t matches = 0;
    std::vector<std::string> why;
    for (std::size_t i = 0; i < it->size(); ++i) {
      std::vector<std::string> sub_errors;
      check(where{w.file, &(*it)[i]}, inst, path, depth, sub_errors);
      if (sub_errors.empty()) {
        ++matches;
      } else {
        for (auto& e : sub_errors) why.push_back("[" + std::to_string(i) + "] " + e);
      }
    }
    const bool one = std::string_view(key) == "oneOf";
    if (matches == 0) {
      std::string msg = at + ": matches none of " + key;
      for (const auto& e : why) msg += "; " + e;
      out.push_back(msg);
    } else if (one && matches > 1) {
      out.push_back(at + ": matches " + std::to_string(matches) + " alternatives of oneOf");
    }
  }
}

}  // namespace locker::protocol
