// SPDX-License-Identifier: Apache-2.0
#include "base/cli/cli.hpp"

#include <algorithm>
#include <ostream>
#include <sstream>

#ifndef LOCKER_VERSION
#define LOCKER_VERSION "0.0.0"
#endif

namespace locker::cli {
namespace {

// The first word after CLI11's "The following argument(s) was/were not expected: ".
std::string first_extra(const std::string& message) {
  const auto colon = message.find(": ");
  if (colon == std::string::npos) return message;
  std::string rest = message.substr(colon + 2);
  if (const auto space = rest.find(' '); space != std::string::npos) rest.resize(space);
  return rest;
}

bool ends_with(const std::string& s, std::string_view tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

}  // namespace

std::string_view version() { return LOCKER_VERSION; }

std::string version_line(std::string_view program) {
  return std::string(program) + " " + std::string(version());
}

std::string error_line(std::string_view program, std::string_view message,
                       std::string_view command) {
  std::string line = std::string(program) + ": " + std::string(message) + " (try ";
  if (!command.empty()) line += std::string(program) + " " + std::string(command) + " ";
  return line + "--help)";
}

std::string formatter::make_help(const CLI::App* app, std::string name,
                                 CLI::AppFormatMode mode) const {
  if (const auto it = texts_.find(app); it != texts_.end()) return it->second;
  if (mode == CLI::AppFormatMode::Sub) return make_expanded(app);
  // help2man reads the first "Usage:" line as the synopsis and each "Heading:" line as a
  // section, so the usage comes first, then what the program is for.
  std::ostringstream out;
  out << make_usage(app, name);
  if (const std::string d = make_description(app); !d.empty()) out << '\n' << d;
  out << make_positionals(app);
  out << make_groups(app, mode);
  out << make_subcommands(app, mode);
  if (const std::string f = make_footer(app); !f.empty()) out << '\n' << f;
  return out.str();
}

std::string formatter::make_option_name(const CLI::Option* opt, bool is_positional) const {
  if (is_positional) return CLI::Formatter::make_option_name(opt, true);
  // "-h, --help", as help2man and man pages write it.
  std::string names = opt->get_name(false, true);
  std::string out;
  for (const char c : names) {
    out += c;
    if (c == ',') out += ' ';
  }
  return out;
}

std::shared_ptr<formatter> conventions(CLI::App& app) {
  auto f = std::make_shared<formatter>();
  f->label("SUBCOMMAND", "COMMAND");
  f->label("SUBCOMMANDS", "COMMANDS");
  f->label("Positionals", "Arguments");
  f->column_width(28);
  app.formatter(f);
  app.set_help_flag("-h,--help", "Print this help and exit");
  app.set_version_flag("--version", version_line(app.get_name()), "Print the version and exit");
  // Each option once: a second --x is a mistake worth stopping for (readable() names it).
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::Throw);
  // Commands added after this are listed under "Commands:" (they inherit the group).
  app.group("Commands");
  return f;
}

std::string readable(const CLI::ParseError& e) {
  // By type: CLI11 names some errors after the program rather than the error.
  std::string m = e.what();
  if (dynamic_cast<const CLI::ExtrasError*>(&e) != nullptr) {
    const std::string word = first_extra(m);
    if (word.starts_with('-')) return "unknown option " + word.substr(0, word.find('='));
    return "unexpected argument '" + word + "'";
  }
  if (dynamic_cast<const CLI::ArgumentMismatch*>(&e) != nullptr) {
    std::string name = m.substr(0, m.find_first_of(": "));
    if (!name.starts_with('-')) name = (name.size() == 1 ? "-" : "--") + name;
    if (ends_with(m, "missing")) return name + " needs a value";
    if (m.find("At Most") != std::string::npos) return name + " given twice";
    if (ends_with(m, "disallowed flag override")) return name + " takes no value";
  }
  if (dynamic_cast<const CLI::RequiredError*>(&e) != nullptr && m.starts_with("A subcommand"))
    return "no command given";
  if (dynamic_cast<const CLI::ConversionError*>(&e) != nullptr &&
      m.starts_with("Could not convert: ")) {
    // "Could not convert: --limit = ten"
    const std::string rest = m.substr(19);
    const auto eq = rest.find(" = ");
    if (eq != std::string::npos)
      return rest.substr(0, eq) + ": '" + rest.substr(eq + 3) + "' is not a number";
  }
  return m;
}

std::string selected_command(const CLI::App& app) {
  std::string path;
  const CLI::App* at = &app;
  for (;;) {
    const auto subs = at->get_subcommands();
    if (subs.empty()) return path;
    at = subs.front();
    if (!path.empty()) path += ' ';
    path += at->get_name();
  }
}

std::optional<int> parse(CLI::App& app, const std::vector<std::string>& args, std::ostream& out,
                         std::ostream& err, bool command_required) {
  if (args.empty() && command_required) {
    // The synopsis, on the one error line every usage error has.
    std::string synopsis = app.help();
    synopsis.resize(std::min(synopsis.find('\n'), synopsis.size()));
    if (synopsis.starts_with("Usage: ")) synopsis = "usage: " + synopsis.substr(7);
    err << error_line(app.get_name(), synopsis) << '\n';
    return exit_usage;
  }
  std::vector<std::string> reversed(args.rbegin(), args.rend());  // CLI11 takes them reversed
  try {
    app.parse(reversed);
  } catch (const CLI::CallForHelp&) {
    out << app.help();
    return exit_ok;
  } catch (const CLI::CallForAllHelp&) {
    out << app.help("", CLI::AppFormatMode::All);
    return exit_ok;
  } catch (const CLI::CallForVersion&) {
    out << version_line(app.get_name()) << '\n';
    return exit_ok;
  } catch (const CLI::ParseError& e) {
    std::string message = readable(e);
    // CLI11 checks what is required before what is unknown: a misspelt option or command
    // word is the better thing to name.
    if (dynamic_cast<const CLI::RequiredError*>(&e) != nullptr && !app.remaining().empty()) {
      const std::string word = app.remaining().front();
      if (word.starts_with('-'))
        message = "unknown option " + word.substr(0, word.find('='));
      else if (message == "no command given")
        message = "unknown command '" + word + "'";
    }
    err << error_line(app.get_name(), message, selected_command(app)) << '\n';
    return exit_usage;
  }
  return std::nullopt;
}

}  // namespace locker::cli
