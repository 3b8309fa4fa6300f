#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace costbot::text {

std::string_view trim(std::string_view s);
// ASCII only, on purpose: header names, media types, config words and commands are ASCII, and
// std::tolower's locale lookup is measurable on the request path. Inline for that path.
constexpr char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + ('a' - 'A')) : c; }
std::string to_lower(std::string_view s);
inline bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  return true;
}
inline bool starts_with_icase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}
std::vector<std::string> split(std::string_view s, char sep);
// Splits on runs of whitespace; no empty pieces.
std::vector<std::string> split_words(std::string_view s);
std::string join(const std::vector<std::string>& parts, std::string_view sep);
std::string replace_all(std::string s, std::string_view from, std::string_view to);
// Appends `value` as one CSV field: as is, or (quoted) in double quotes with inner quotes doubled.
void append_csv_field(std::string& out, std::string_view value, bool quoted);

// Strict number parsing: the whole string must be a number (surrounding spaces allowed).
std::optional<double> parse_double(std::string_view s);
std::optional<long long> parse_int(std::string_view s);

// Levenshtein distance, for "did you mean" suggestions.
std::size_t edit_distance(std::string_view a, std::string_view b);
// The candidate closest to `word`, if it is close enough to be a plausible typo.
std::optional<std::string> closest(std::string_view word, const std::vector<std::string>& candidates);

// Shell-style glob with * and ? (no character classes), for names and paths.
bool glob_match(std::string_view pattern, std::string_view text);

}  // namespace costbot::text
