// SPDX-License-Identifier: Apache-2.0
#include "protocol/schema_check.hpp"

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include <gtest/gtest.h>

#include "protocol/topics.hpp"

namespace locker::protocol {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

// A throw-away folder of schemas for one test.
class schema_dir {
 public:
  explicit schema_dir(const std::string& name)
      : path_(fs::temp_directory_path() / ("locker_schema_check_" + name)) {
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~schema_dir() { fs::remove_all(path_); }
  void write(const std::string& file, const json& schema) const {
    std::ofstream(path_ / file) << schema.dump(2);
  }
  [[nodiscard]] const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

const json sample_schema = json::parse(R"({
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "type": "object",
  "required": ["name", "n", "kind"],
  "properties": {
    "name": {"type": "string", "minLength": 2, "maxLength": 4, "pattern": "^[a-zé]+$"},
    "n": {"type": "integer", "minimum": 1, "maximum": 10},
    "kind": {"enum": ["a", "b"]},
    "fixed": {"const": 7},
    "list": {"type": "array", "items": {"$ref": "#/$defs/small"}, "minItems": 1, "maxItems": 2},
    "other": {"$ref": "other.schema.json#/$defs/flag"},
    "either": {"oneOf": [{"type": "string"}, {"type": "integer"}]},
    "any": {"anyOf": [{"type": "null"}, {"type": "boolean"}]},
    "map": {"type": "object", "additionalProperties": {"type": "number"}}
  },
  "additionalProperties": false,
  "$defs": {"small": {"type": "integer", "maximum": 3}}
})");
const json other_schema = json::parse(R"({"$defs": {"flag": {"type": "boolean"}}})");

TEST(schema_check, accepts_a_valid_instance_and_rejects_each_violation) {
  const schema_dir dir("keywords");
  dir.write("sample.schema.json", sample_schema);
  dir.write("other.schema.json", other_schema);
  const auto set = schema_set::load(dir.path());
  ASSERT_TRUE(set.ok()) << set.error();
  const json good = json::parse(R"({"name":"éa","n":10,"kind":"a","fixed":7.0,"list":[1,3],
      "other":true,"either":"s","any":null,"map":{"x":1.5}})");
  EXPECT_TRUE(set->validate("sample.schema.json", good).empty());

  const std::vector<std::pair<std::string, json>> bad{{"name", "a"},
                                                      {"name", "abcde"},
                                                      {"name", "AB"},
                                                      {"name", 5},
                                                      {"n", 0},
                                                      {"n", 11},
                                                      {"n", 2.5},
                                                      {"n", "3"},
                                                      {"kind", "c"},
                                                      {"fixed", 8},
                                                      {"list", json::array()},
                                                      {"list", {1, 2, 3}},
                                                      {"list", {4}},
                                                      {"other", "yes"},
                                                      {"either", 1.5},
                                                      {"any", 0},
                                                      {"map", {{"x", "y"}}},
                                                      {"extra", 1}};
  for (const auto& [key, value] : bad) {
    json j = good;
    j[key] = value;
    EXPECT_FALSE(set->validate("sample.schema.json", j).empty()) << key << "=" << value.dump();
  }
  json missing = good;
  missing.erase("kind");
  const auto errors = set->validate("sample.schema.json", missing);
  ASSERT_EQ(errors.size(), 1U);
  EXPECT_EQ(errors.front(), "/: missing required property kind");
  json nested = good;
  nested["list"][1] = 9;
  EXPECT_EQ(set->validate("sample.schema.json", nested).front().rfind("/list/1:", 0), 0U);
  EXPECT_FALSE(set->validate("sample.schema.json", json::array()).empty());
  EXPECT_FALSE(set->validate("nonexistent.schema.json", good).empty());
  EXPECT_FALSE(set->validate_text("sample.schema.json", "{").empty());
}

TEST(schema_check, one_of_must_match_exactly_one) {
  const schema_dir dir("one_of");
  dir.write("x.schema.json", json::parse(R"({"oneOf":[{"type":"integer"},{"type":"number"}]})"));
  const auto set = schema_set::load(dir.path());
  ASSERT_TRUE(set.ok()) << set.error();
  EXPECT_FALSE(set->validate("x.schema.json", 1).empty());  // both match
  EXPECT_TRUE(set->validate("x.schema.json", 1.5).empty());
  EXPECT_FALSE(set->validate("x.schema.json", "s").empty());
}

TEST(schema_check, refuses_schemas_it_cannot_check_fully) {
  {
    const schema_dir dir("unsupported");
    dir.write("x.schema.json", json::parse(R"({"type":"object","patternProperties":{}})"));
    const auto set = schema_set::load(dir.path());
    ASSERT_FALSE(set.ok());
    EXPECT_NE(set.error().find("patternProperties"), std::string::npos) << set.error();
  }
  {
    const schema_dir dir("dangling_ref");
    dir.write("x.schema.json", json::parse(R"({"properties":{"a":{"$ref":"y.schema.json"}}})"));
    EXPECT_FALSE(schema_set::load(dir.path()).ok());
  }
  {
    const schema_dir dir("bad_pattern");
    dir.write("x.schema.json", json::parse(R"({"pattern":"(["})"));
    EXPECT_FALSE(schema_set::load(dir.path()).ok());
  }
  EXPECT_FALSE(schema_set::load("/nonexistent/schemas").ok());
}

TEST(schema_check, loads_the_contract_schemas) {
  const auto set = schema_set::load(std::string(LOCKER_SOURCE_DIR) + "/protocol/schemas");
  ASSERT_TRUE(set.ok()) << set.error();
  const auto names = set->files();
  const std::set<std::string> files(names.begin(), names.end());
  for (const char* f : {"status", "info", "state", "evt_parcel", "evt_door", "evt_alarm", "tele",
                        "reply", "cfg_desired", "cfg_reported", "job", "get_state_data"}) {
    EXPECT_TRUE(files.contains(std::string(f) + ".schema.json")) << f;
  }
  for (const auto name : command_names()) {
    EXPECT_TRUE(files.contains("cmd_" + std::string(name) + ".schema.json")) << name;
  }
}

TEST(schema_check, asyncapi_names_every_topic_and_existing_schemas) {
  std::ifstream in(std::string(LOCKER_SOURCE_DIR) + "/protocol/asyncapi.yaml");
  std::stringstream buf;
  buf << in.rdbuf();
  const std::string doc = buf.str();
  ASSERT_FALSE(doc.empty());
  for (const char* topic : {"status", "info", "state", "evt/parcel", "evt/door", "evt/alarm",
                            "tele", "cfg/desired", "cfg/reported", "job/{job_id}"}) {
    EXPECT_NE(doc.find("  locker/v1/{locker_id}/" + std::string(topic) + ":\n"), std::string::npos)
        << topic;
  }
  for (const auto name : command_names()) {
    for (const char* dir : {"cmd/", "res/"}) {
      EXPECT_NE(doc.find("  locker/v1/{locker_id}/" + std::string(dir) + std::string(name) + ":\n"),
                std::string::npos)
          << dir << name;
    }
  }
  const std::regex ref(R"(\$ref: '\./schemas/([a-z_]+\.schema\.json)')");
  std::size_t refs = 0;
  for (auto it = std::sregex_iterator(doc.begin(), doc.end(), ref); it != std::sregex_iterator();
       ++it, ++refs) {
    EXPECT_TRUE(fs::exists(std::string(LOCKER_SOURCE_DIR) + "/protocol/schemas/" + (*it)[1].str()))
        << (*it)[1].str();
  }
  EXPECT_GE(refs, 20U);
}

}  // namespace
}  // namespace locker::protocol
