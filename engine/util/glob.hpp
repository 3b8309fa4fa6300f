#pragma once
// Case-insensitive glob (* and ?), for names that differ in case between providers and exports.
// The case-sensitive glob_match is declared in strings.hpp; both share one matcher in strings.cpp.
// (Its own header so that adding it did not touch strings.hpp, which most of the tree includes.)
#include <string_view>

namespace costbot::text {

bool glob_match_icase(std::string_view pattern, std::string_view text);

}  // namespace costbot::text
