#pragma once
// Text for HTML: the five characters that could end an element or an attribute value, escaped.
// One copy for the templates (.html mustache escape) and the web channel's pages.
#include <string>
#include <string_view>

namespace costbot::text {

std::string html_escape(std::string_view in);

}  // namespace costbot::text
