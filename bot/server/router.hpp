#pragma once
// Maps (method, path) to a handler. Patterns are literal segments or segments with one {name}
// placeholder, optionally with a literal prefix/suffix: "/api/v1/findings/{id}", "/charts/{id}.png".
// A path that matches no pattern is 404; one that matches only under other methods is 405 with
// an Allow header. Registration happens before the server starts; lookups are then lock-free.
#include <string>
#include <string_view>
#include <vector>

#include "bot/server/http_types.hpp"

namespace costbot::server {

class Router {
 public:
  void add(std::string method, std::string pattern, Handler handler);
  void add_async(std::string method, std::string pattern, AsyncHandler handler);

  struct Match {
    const Handler* handler = nullptr;             // set when matched (sync)
    const AsyncHandler* async_handler = nullptr;  // set when matched (async)
    std::map<std::string, std::string> params;
    const std::string* pattern = nullptr;         // the matched route's pattern (metrics label)
    int status = 200;                             // 404 or 405 when nothing matched
    std::string allow;                            // for 405: the methods that would match
    bool found() const { return handler || async_handler; }
  };
  Match match(std::string_view method, std::string_view path) const;

  // "GET /healthz", ... for logs and docs.
  std::vector<std::string> describe() const;

 private:
  struct Segment {
    std::string prefix;  // literal text (the whole segment when there is no placeholder)
    std::string param;   // placeholder name, empty for a literal segment
    std::string suffix;
  };
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<Segment> segments;
    Handler handler;
    AsyncHandler async_handler;
  };
  void add_route(Route route);
  static bool match_segments(const Route& route, const std::vector<std::string_view>& parts,
                             std::map<std::string, std::string>* params);

  std::vector<Route> routes_;
};

}  // namespace costbot::server
