// SPDX-License-Identifier: Apache-2.0
// The one table of settings (daemon/config/settings_table) against each of its consumers: the
// file loader (defaults, ranges, unknown keys), cfg/desired's schema, the example file and
// config/README.md's settings reference, so that none of them can drift from it.
#include "daemon/config/settings_table.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

namespace locker::config {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

const fs::path source_dir = LOCKER_SOURCE_DIR;

std::string read_text(const fs::path& p) {
  std::ifstream in(p);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// A main file in a temp folder naming the simulator's board; removed afterwards.
class main_file {
 public:
  explicit main_file(const std::string& extra) {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           (std::string("lockerd-settings-") + info->name() + "-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    path_ = dir_ / "lockerd.toml";
    std::ofstream(path_) << "locker_id = \"t-1\"\nboard = \""
                         << (source_dir / "config/boards/sim-24.toml").string() << "\"\n"
                         << extra;
  }
  ~main_file() {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  main_file(const main_file&) = delete;
  main_file& operator=(const main_file&) = delete;
  [[nodiscard]] const fs::path& path() const { return path_; }

 private:
  fs::path dir_, path_;
};

// "[section]\nkey = value\n" (the top level without a header, before any table).
std::string line_for(const setting& s, const std::string& value) {
  return (s.section.empty() ? "" : "[" + std::string(s.section) + "]\n") + std::string(s.key) +
         " = " + value + "\n";
}

TEST(settings_table, keys_are_unique_and_well_formed) {
  std::set<std::string> seen;
  for (const auto& s : settings_table()) {
    EXPECT_TRUE(seen.insert(s.dotted()).second) << s.dotted() << " twice";
    EXPECT_FALSE(s.doc.empty()) << s.dotted() << " has no documentation";
    if (s.type == setting_type::integer) {
      EXPECT_LE(s.min, s.default_integer) << s.dotted();
      EXPECT_LE(s.default_integer, s.max) << s.dotted();
      EXPECT_NE(s.set, nullptr) << s.dotted();
      EXPECT_NE(s.get, nullptr) << s.dotted();
    }
    if (s.type == setting_type::choice) {
      EXPECT_FALSE(s.words.empty()) << s.dotted();
      EXPECT_NE(std::find(s.words.begin(), s.words.end(), s.default_text), s.words.end())
          << s.dotted() << ": the default is not one of its words";
    }
    // Remote keys are the file's key without its section: unique among themselves too.
    if (s.remote()) {
      EXPECT_EQ(s.type, setting_type::integer) << s.dotted();
      EXPECT_GE(s.lowest_remote(), s.min) << s.dotted();
    }
  }
  EXPECT_EQ(remote_rules().size(), 11U);
}

TEST(settings_table, a_file_without_settings_gets_every_default_of_the_table) {
  const main_file f("");
  const auto c = load_config(f.path());
  for (const auto& s : settings_table()) {
    if (s.type == setting_type::integer) {
      EXPECT_EQ(s.get(c), s.default_integer) << s.dotted();
    }
    if (s.type == setting_type::choice) {
      const auto i = static_cast<std::size_t>(s.get(c));
      ASSERT_LT(i, s.words.size()) << s.dotted();
      EXPECT_EQ(s.words[i], s.default_text) << s.dotted();
    }
  }
  EXPECT_EQ(c.state_dir, fs::path("/var/lib/lockerd"));
  EXPECT_EQ(c.update.rauc, fs::path(find_setting("update", "rauc")->default_text));
}

TEST(settings_table, the_loader_refuses_every_value_out_of_the_tables_range_naming_the_key) {
  for (const auto& s : settings_table()) {
    if (s.type != setting_type::integer) continue;
    for (const auto bad : {s.min - 1, s.max + 1}) {
      const main_file f(line_for(s, std::to_string(bad)));
      try {
        (void)load_config(f.path());
        ADD_FAILURE() << s.dotted() << " = " << bad << " was accepted";
      } catch (const config_error& e) {
        EXPECT_EQ(e.key(), s.dotted()) << e.what();
        EXPECT_THAT(e.reason(), HasSubstr("out of range")) << e.what();
      }
    }
  }
}

TEST(settings_table, the_loader_takes_a_value_in_range_into_the_field_the_table_names) {
  // One step from the default (within range), so that cross-checks still hold.
  for (const auto& s : settings_table()) {
    if (s.type != setting_type::integer) continue;
    const auto v = s.default_integer < s.max ? s.default_integer + 1 : s.default_integer - 1;
    const main_file f(line_for(s, std::to_string(v)));
    try {
      EXPECT_EQ(s.get(load_config(f.path())), v) << s.dotted();
    } catch (const config_error& e) {
      ADD_FAILURE() << s.dotted() << " = " << v << ": " << e.what();
    }
  }
}

TEST(settings_table, the_loader_refuses_a_key_the_table_lacks_in_each_section) {
  std::set<std::string_view> sections;
  for (const auto& s : settings_table()) sections.insert(s.section);
  for (const auto section : sections) {
    const std::string text =
        (section.empty() ? "" : "[" + std::string(section) + "]\n") + "door_left_open_secs = 1\n";
    const main_file f(text);
    try {
      (void)load_config(f.path());
      ADD_FAILURE() << "accepted in [" << section << "]";
    } catch (const config_error& e) {
      EXPECT_EQ(e.key(), (section.empty() ? "" : std::string(section) + ".") +
                             std::string("door_left_open_secs"));
      EXPECT_THAT(e.reason(), HasSubstr("unknown key"));
    }
  }
}

TEST(settings_table, cfg_desired_schema_has_exactly_the_remote_rows_and_their_ranges) {
  const auto schema =
      nlohmann::json::parse(read_text(source_dir / "protocol/schemas/cfg_desired.schema.json"));
  const auto& props = schema.at("properties");
  std::set<std::string> in_schema;
  for (const auto& [key, value] : props.items())
    if (key != "version") in_schema.insert(key);
  std::set<std::string> in_table;
  for (const auto& r : remote_rules()) {
    in_table.insert(std::string(r.key));
    ASSERT_TRUE(props.contains(std::string(r.key))) << r.key;
    EXPECT_EQ(props.at(std::string(r.key)).at("minimum").get<std::int64_t>(), r.min) << r.key;
    EXPECT_EQ(props.at(std::string(r.key)).at("maximum").get<std::int64_t>(), r.max) << r.key;
  }
  EXPECT_EQ(in_schema, in_table);
}

TEST(settings_table, the_example_file_names_every_key) {
  const auto example = read_text(source_dir / "config/lockerd.example.toml");
  for (const auto& s : settings_table())
    EXPECT_THAT(example, HasSubstr("\n" + std::string(s.key) + " = ")) << s.dotted();
}

// config/README.md's reference is the table's, word for word. To regenerate it after a change
// to the table: LOCKER_WRITE_SETTINGS_REFERENCE=1 ctest -R settings_table
TEST(settings_table, config_readme_reference_is_the_tables) {
  const auto file = source_dir / "config/README.md";
  const auto text = read_text(file);
  const auto begin = text.find(reference_begin);
  const auto end = text.find(reference_end);
  ASSERT_NE(begin, std::string::npos) << "no " << reference_begin << " in " << file;
  ASSERT_NE(end, std::string::npos) << "no " << reference_end << " in " << file;
  const auto from = begin + reference_begin.size() + 1;  // past the marker's newline
  const auto shown = text.substr(from, end - from);
  const auto wanted = reference_markdown();
  if (shown != wanted && std::getenv("LOCKER_WRITE_SETTINGS_REFERENCE") != nullptr) {
    std::ofstream(file) << text.substr(0, from) << wanted << text.substr(end);
    GTEST_SKIP() << "rewrote " << file;
  }
  EXPECT_EQ(shown, wanted) << "config/README.md's settings reference differs from "
                              "daemon/config/settings_table.cpp; regenerate it with "
                              "LOCKER_WRITE_SETTINGS_REFERENCE=1 ctest -R settings_table";
}

}  // namespace
}  // namespace locker::config
