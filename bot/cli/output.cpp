#include "bot/cli/output.hpp"

#include <algorithm>

#include "engine/util/strings.hpp"

namespace costbot::cli {

void print_table(std::ostream& out, const Table& t) {
  std::vector<std::size_t> width(t.headers.size(), 0);
  for (std::size_t c = 0; c < t.headers.size(); ++c) width[c] = t.headers[c].size();
  for (const auto& row : t.rows)
    for (std::size_t c = 0; c < row.size() && c < width.size(); ++c) width[c] = std::max(width[c], row[c].size());
  auto line = [&](const std::vector<std::string>& cells) {
    std::string s;
    for (std::size_t c = 0; c < width.size(); ++c) {
      const std::string& v = c < cells.size() ? cells[c] : "";
      bool right = c < t.right_aligned.size() && t.right_aligned[c];
      std::string pad(width[c] - std::min(width[c], v.size()), ' ');
      if (c) s += "  ";
      s += right ? pad + v : v + (c + 1 < width.size() ? pad : "");
    }
    out << s << "\n";
  };
  line(t.headers);
  std::vector<std::string> rule;
  for (auto w : width) rule.emplace_back(w, '-');
  line(rule);
  for (const auto& row : t.rows) line(row);
}

std::string csv_field(const std::string& v) {
  std::string s;
  text::append_csv_field(s, v, v.find_first_of(",\"\n\r") != std::string::npos);
  return s;
}

void print_csv(std::ostream& out, const Table& t) {
  auto line = [&](const std::vector<std::string>& cells) {
    for (std::size_t c = 0; c < cells.size(); ++c) out << (c ? "," : "") << csv_field(cells[c]);
    out << "\n";
  };
  line(t.headers);
  for (const auto& row : t.rows) line(row);
}

namespace {
void pretty(std::ostream& os, const boost::json::value& jv, std::string indent) {
  switch (jv.kind()) {
    case boost::json::kind::object: {
      const auto& obj = jv.get_object();
      if (obj.empty()) { os << "{}"; return; }
      os << "{\n";
      indent += "  ";
      for (auto it = obj.begin(); it != obj.end(); ++it) {
        os << indent << boost::json::serialize(boost::json::string(it->key())) << ": ";
        pretty(os, it->value(), indent);
        if (std::next(it) != obj.end()) os << ",";
        os << "\n";
      }
      indent.resize(indent.size() - 2);
      os << indent << "}";
      break;
    }
    case boost::json::kind::array: {
      const auto& arr = jv.get_array();
      if (arr.empty()) { os << "[]"; return; }
      os << "[\n";
      indent += "  ";
      for (auto it = arr.begin(); it != arr.end(); ++it) {
        os << indent;
        pretty(os, *it, indent);
        if (std::next(it) != arr.end()) os << ",";
        os << "\n";
      }
      indent.resize(indent.size() - 2);
      os << indent << "]";
      break;
    }
    default:
      os << boost::json::serialize(jv);
  }
}
}  // namespace

boost::json::value json_or_text(const std::string& text) {
  boost::system::error_code ec;
  auto v = boost::json::parse(text, ec);
  return ec ? boost::json::value(text) : v;
}

void print_json(std::ostream& out, const boost::json::value& value) {
  pretty(out, value, "");
  out << "\n";
}

}  // namespace costbot::cli
