#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace costbot::text {

std::string_view trim(std::string_view s);
std::string to_lower(std::string_view s);
bool iequals(std::string_view a, std::string_view b);
bool starts_with_icase(std::string_view s, std::string_view prefix);
std::vector<std::string> split(std::string_view s, char sep);
// Splits on runs of whitespace; no empty pieces.
std::vector<std::string> split_words(std::string_view s);
std::string join(const std::vector<std::string>& parts, std::string_view sep);
std::string replace_all(std::string s, std::string_view from, std::string_view to);

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
