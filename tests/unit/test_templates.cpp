#include <catch2/catch.hpp>

#include "engine/render/templates.hpp"
#include "engine/util/error.hpp"
#include "tests/support/test_support.hpp"

using namespace costbot;

TEST_CASE("JSON templates escape values as JSON strings and render lists with separators", "[templates]") {
  testing::TempDir dir;
  dir.write("t/msg.json", R"({"text": "{{title}}", "items": [{{#items}}"{{name}}"{{^_last}},{{/_last}}{{/items}}]})");
  render::Templates templates(dir.path().string());
  auto v = templates.render_json("t/msg.json", boost::json::parse(R"({"title": "a \"quoted\"\nline", "items": [{"name": "x"}, {"name": "y\\z"}]})"));
  CHECK(v.at("text").as_string() == "a \"quoted\"\nline");
  REQUIRE(v.at("items").as_array().size() == 2);
  CHECK(v.at("items").as_array()[1].as_string() == "y\\z");
}

TEST_CASE("HTML templates escape markup, text templates do not", "[templates]") {
  testing::TempDir dir;
  dir.write("a.html", "<p>{{v}}</p>");
  dir.write("a.txt", "{{v}} {{n}}");
  render::Templates templates(dir.path().string());
  boost::json::value ctx = {{"v", "<b>&"}, {"n", 12.5}};
  CHECK(templates.render("a.html", ctx) == "<p>&lt;b&gt;&amp;</p>");
  CHECK(templates.render("a.txt", ctx) == "<b>& 12.5");
}

TEST_CASE("partials are read from templates/partials with the same extension", "[templates]") {
  testing::TempDir dir;
  dir.write("partials/money.txt", "${{amount}}");
  dir.write("m.txt", "cost: {{> money}}");
  render::Templates templates(dir.path().string());
  CHECK(templates.render("m.txt", boost::json::object{{"amount", "5"}}) == "cost: $5");
}

TEST_CASE("a missing template, a syntax error and invalid JSON output are errors naming the template", "[templates]") {
  testing::TempDir dir;
  dir.write("bad.txt", "{{#open}} never closed");
  dir.write("broken.json", R"({"a": {{n}})");
  render::Templates templates(dir.path().string());
  CHECK_THROWS_WITH(templates.render("nope.txt", {}), Catch::Contains("nope.txt"));
  CHECK_THROWS_WITH(templates.render("bad.txt", {}), Catch::Contains("bad.txt"));
  CHECK_THROWS_WITH(templates.render_json("broken.json", boost::json::object{}), Catch::Contains("broken.json"));
}
