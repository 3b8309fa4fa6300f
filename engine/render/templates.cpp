#include "engine/render/templates.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <kainjow/mustache.hpp>
#include <sstream>

#include "engine/util/error.hpp"
#include "engine/util/html.hpp"

namespace costbot::render {
namespace fs = std::filesystem;
namespace mus = kainjow::mustache;

namespace {

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorKind::internal, "template not found: " + path.string());
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string json_escape(const std::string& s) {
  std::string out;
  out.reserve(s.size() + 8);
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) out += fmt::format("\\u{:04x}", c);
        else out.push_back(static_cast<char>(c));
    }
  }
  return out;
}

std::string number_text(double v) {
  if (v == static_cast<double>(static_cast<long long>(v)) && std::abs(v) < 1e15)
    return std::to_string(static_cast<long long>(v));
  return fmt::format("{}", v);
}

mus::data to_data(const boost::json::value& v) {
  switch (v.kind()) {
    case boost::json::kind::object: {
      mus::data obj{mus::data::type::object};
      for (const auto& kv : v.get_object()) obj.set(std::string(kv.key()), to_data(kv.value()));
      return obj;
    }
    case boost::json::kind::array: {
      mus::data list{mus::data::type::list};
      const auto& arr = v.get_array();
      for (std::size_t i = 0; i < arr.size(); ++i) {
        mus::data item = to_data(arr[i]);
        if (item.is_object()) {
          item.set("_index", std::to_string(i + 1));
          item.set("_first", mus::data(i == 0));
          item.set("_last", mus::data(i + 1 == arr.size()));
        }
        list.push_back(item);
      }
      return list;
    }
    case boost::json::kind::string: return mus::data(std::string(v.get_string()));
    case boost::json::kind::bool_: return mus::data(v.get_bool());
    case boost::json::kind::int64: return mus::data(std::to_string(v.get_int64()));
    case boost::json::kind::uint64: return mus::data(std::to_string(v.get_uint64()));
    case boost::json::kind::double_: return mus::data(number_text(v.get_double()));
    case boost::json::kind::null: break;
  }
  return mus::data(false);
}

}  // namespace

Templates::Templates(std::string root) : root_(std::move(root)) {}

bool Templates::exists(const std::string& relative_path) const { return fs::exists(fs::path(root_) / relative_path); }

std::string Templates::render(const std::string& relative_path, const boost::json::value& context) const {
  fs::path path = fs::path(root_) / relative_path;
  if (!fs::exists(path)) throw Error(ErrorKind::not_found, "template not found: " + path.string());
  std::string ext = path.extension().string();
  mus::mustache tmpl{read_text(path)};
  if (!tmpl.is_valid())
    throw Error(ErrorKind::internal, "template " + path.string() + ": " + tmpl.error_message());
  if (ext == ".json") tmpl.set_custom_escape(json_escape);
  else if (ext == ".html") tmpl.set_custom_escape([](const std::string& s) { return text::html_escape(s); });
  else tmpl.set_custom_escape([](const std::string& s) { return s; });

  mus::data data = to_data(context);
  if (!data.is_object()) data = mus::data{mus::data::type::object};
  // Partials resolve lazily from <root>/partials/<name><ext>.
  fs::path partial_dir = fs::path(root_) / "partials";
  for (const auto& entry : fs::exists(partial_dir) ? fs::directory_iterator(partial_dir) : fs::directory_iterator()) {
    if (entry.path().extension() != ext) continue;
    std::string name = entry.path().stem().string();
    std::string text = read_text(entry.path());
    data.set(name, mus::partial{[text] { return text; }});
  }
  std::string out = tmpl.render(data);
  if (!tmpl.is_valid())
    throw Error(ErrorKind::internal, "template " + path.string() + ": " + tmpl.error_message());
  return out;
}

boost::json::value Templates::render_json(const std::string& relative_path, const boost::json::value& context) const {
  std::string text = render(relative_path, context);
  boost::system::error_code ec;
  auto value = boost::json::parse(text, ec);
  if (ec)
    throw Error(ErrorKind::internal, "template " + relative_path + " did not render valid JSON: " + ec.message(),
                text.substr(0, 2000));
  return value;
}

}  // namespace costbot::render
