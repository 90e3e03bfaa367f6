// SPDX-License-Identifier: Apache-2.0
// What Debian's toml++ 3.3.0 must never be handed. Its parser mishandles some files instead of
// reporting them: a table header whose '[' is followed by anything but a key ("[=", "[ #",
// "[" at the end of a line) reaches an assertion in parse_key (undefined behaviour in the
// packaged library, which is built without assertions), and so do "[[[" and "[[ [a]]"; a '}'
// inside an array ("s=[}", "s=[1,}") reaches one in parse_value. Its
// Unicode tables are undefined behaviour for most non-ASCII code points (the whitespace test
// reaches __builtin_unreachable for U+00A1..U+0499, for instance), and the parser consults
// them on paths TOML's grammar does not suggest (an invalid value is scanned on into the
// quoted string after it), so any non-ASCII byte is refused: config and board files are
// ASCII, comments included. Config and board files are read
// before the parser sees them and such files are refused with a clear reason, so a typo in a
// file never becomes undefined behaviour in lockerd. The reproducers are tests
// (tests/config/toml_guard_test.cpp) and fuzz corpus entries (tests/fuzz/corpus/config_files).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace locker::drivers::toml_file {

// Larger than any real config or board file by far; anything bigger is not one.
inline constexpr std::size_t max_file_bytes = std::size_t{1024} * 1024;

// Why `text` must not reach the parser ("line 3: ..."), or nullopt when it may.
[[nodiscard]] std::optional<std::string> refusal(std::string_view text);

}  // namespace locker::drivers::toml_file
