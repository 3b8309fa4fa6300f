#pragma once
// Mustache templates (kainjow-mustache) read from the templates/ directory at render time, so
// wording and new personas need no rebuild. The escaping follows the file type: `.json` templates
// escape values as JSON string content (so {{name}} is safe inside "..."), `.html` as HTML, others
// not at all. {{{raw}}} inserts a value unescaped (e.g. a pre-rendered JSON fragment).
//
// In lists of objects every item also gets `_index` (1-based), `_first` and `_last`, so a JSON
// template can write separators: {{#items}}{...}{{^_last}},{{/_last}}{{/items}}.
#include <boost/json.hpp>

#include <string>

namespace costbot::render {

class Templates {
 public:
  explicit Templates(std::string root);  // e.g. "templates"

  const std::string& root() const { return root_; }
  bool exists(const std::string& relative_path) const;
  // Renders templates/<relative_path>. Partials ({{> name}}) are looked up as
  // <root>/partials/<name>.<same extension>. Throws costbot::Error naming the template on a
  // missing file or a Mustache syntax error.
  std::string render(const std::string& relative_path, const boost::json::value& context) const;
  // Renders a .json template and parses the result; an invalid result is an error naming the template.
  boost::json::value render_json(const std::string& relative_path, const boost::json::value& context) const;

 private:
  std::string root_;
};

}  // namespace costbot::render
