// SPDX-License-Identifier: Apache-2.0
// The conventions every program's command line follows, in one place: -h/--help on the program
// and on each of its commands, --version as "PROGRAM VERSION", usage when a command is needed
// and none is given, exit 2 for a bad command line, and one error line
// "PROGRAM: message (try [COMMAND ]--help)". The parser is CLI11; its messages are rewritten
// here into the tools' own words.
#pragma once

#include <iosfwd>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>

namespace locker::cli {

inline constexpr int exit_ok = 0;
inline constexpr int exit_usage = 2;  // bad command line: nothing was done

// The project's VERSION from CMake.
[[nodiscard]] std::string_view version();

// "PROGRAM VERSION": the first line help2man reads.
[[nodiscard]] std::string version_line(std::string_view program);

// "PROGRAM: message (try --help)" or, for a command, "(try PROGRAM COMMAND --help)".
[[nodiscard]] std::string error_line(std::string_view program, std::string_view message,
                                     std::string_view command = {});

// Help laid out for people and help2man: "Usage: ..." first, then the description, the
// options ("Options:"), the commands ("Commands:") and the footer. A command may carry a
// hand-written help text instead (set_help_text), which is printed as it is.
class formatter : public CLI::Formatter {
 public:
  std::string make_help(const CLI::App* app, std::string name,
                        CLI::AppFormatMode mode) const override;
  std::string make_option_name(const CLI::Option* opt, bool is_positional) const override;
  void set_help_text(const CLI::App* app, std::string text) { texts_[app] = std::move(text); }

 private:
  std::map<const CLI::App*, std::string> texts_;
};

// Gives app the conventions above (and to the commands added later, which inherit them): the
// formatter, --version, -h/--help. Returns the formatter for hand-written help texts.
std::shared_ptr<formatter> conventions(CLI::App& app);

// CLI11's message in the tools' words: "unknown option --x", "--x needs a value",
// "unexpected argument 'y'", "--x is required".
[[nodiscard]] std::string readable(const CLI::ParseError& e);

// The deepest command that was selected ("" for the program itself), as "a b".
[[nodiscard]] std::string selected_command(const CLI::App& app);

// Parses args (without the program name). Help and --version go to out (exit_ok); a parse
// error becomes one error line on err (exit_usage); nullopt: go on. With command_required,
// no arguments at all prints the usage line on that one error line and gives exit_usage:
// "PROGRAM: usage: PROGRAM [OPTIONS] COMMAND (try --help)".
std::optional<int> parse(CLI::App& app, const std::vector<std::string>& args, std::ostream& out,
                         std::ostream& err, bool command_required = false);

}  // namespace locker::cli
