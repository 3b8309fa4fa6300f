#include "adapters/http/form.hpp"

#include <boost/url/encode.hpp>
#include <boost/url/grammar/lut_chars.hpp>
#include <boost/url/parse_query.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

#include "engine/util/error.hpp"

namespace costbot::http {

FormFields decode_form(std::string_view input) {
  FormFields out;
  if (input.empty()) return out;
  // Boost.URL 1.81 reads past the end of a query that is not NUL-terminated (found by
  // fuzz_form_decoder: strlen inside parse_query on invalid input), so parse an owned copy.
  const std::string body(input);
  auto parsed = boost::urls::parse_query(body);
  if (!parsed)
    throw invalid_input("malformed form body: " + parsed.error().message() +
                        " (expected application/x-www-form-urlencoded)");
  // '+' is a space in form bodies, as HTML forms and Slack encode them.
  boost::urls::encoding_opts plus_is_space(true);
  out.reserve(parsed->size());
  for (auto p : *parsed) out.emplace_back(p.key.decode(plus_is_space), p.value.decode(plus_is_space));
  return out;
}

std::optional<std::string> form_value(const FormFields& fields, std::string_view key) {
  for (const auto& [k, v] : fields)
    if (k == key) return v;
  return std::nullopt;
}

std::string encode_form(const FormFields& fields) {
  boost::urls::encoding_opts opts(true);
  std::string out;
  for (const auto& [k, v] : fields) {
    if (!out.empty()) out += '&';
    out += boost::urls::encode(k, boost::urls::unreserved_chars, opts);
    out += '=';
    out += boost::urls::encode(v, boost::urls::unreserved_chars, opts);
  }
  return out;
}

std::string percent_encode(std::string_view text, bool keep_slash) {
  static constexpr auto kUnreservedAndSlash = boost::urls::unreserved_chars + boost::urls::grammar::lut_chars('/');
  return keep_slash ? boost::urls::encode(text, kUnreservedAndSlash) : boost::urls::encode(text, boost::urls::unreserved_chars);
}

}  // namespace costbot::http
