#include "bot/auth/oidc_sign_in.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <map>

#include "adapters/oidc/oidc.hpp"
#include "bot/server/errors.hpp"
#include "bot/service/service.hpp"
#include "engine/util/error.hpp"
#include "engine/util/hash.hpp"
#include "engine/util/log.hpp"
#include "engine/util/utf8.hpp"

namespace costbot::webauth {
namespace {

constexpr std::int64_t kLoginTtl = 600;  // seconds from "Sign in" to the provider sending the browser back

struct OidcRoutes {
  service::Service& svc;
  std::shared_ptr<const WebAuth> auth;
  std::function<server::Response(const std::string&)> problem_page;
  std::map<std::string, std::shared_ptr<oidc::Provider>> providers;

  std::string login_cookie_name() const { return auth->secure() ? "__Host-costbot_login" : "costbot_login"; }

  std::string login_cookie(const std::string& value, std::int64_t max_age) const {
    return login_cookie_name() + "=" + value + "; Path=/; HttpOnly; SameSite=Lax; Max-Age=" + std::to_string(max_age) +
           (auth->secure() ? "; Secure" : "");
  }

  // The redirect URI: public_url's, or (public_url derived from listen) the address bound.
  std::string redirect_uri(const std::string& provider) const {
    const auto& c = svc.config();
    std::string base = c.server.public_url_derived ? svc.url() : c.public_base_url();
    return base + "/auth/callback/" + provider;
  }

  std::shared_ptr<oidc::Provider> provider_of(const server::Request& req) const {
    auto it = providers.find(req.param("provider"));
    if (it == providers.end()) throw not_found("no sign-in provider \"" + req.param("provider") + "\" (web.providers)");
    return it->second;
  }

  void login(server::Request&& req, server::Respond respond) {
    auth->check_transport(req);
    auto provider = provider_of(req);
    boost::asio::post(svc.work_pool(), [this, provider, req = std::move(req), respond]() mutable {
      log::ScopedRequestId scope(req.id);
      try {
        const std::string state = hash::random_hex(24), nonce = hash::random_hex(24), verifier = hash::random_hex(32);
        const std::string browser = hash::random_hex(24);
        // The provider's URL first: it fetches discovery, which may fail (503) before anything is stored.
        auto url = provider->authorization_url(redirect_uri(provider->config().name), state, nonce, verifier);
        auth::save_pending_login(svc.db(), state, browser,
                                 {provider->config().name, nonce, verifier, safe_return_path(req.query_param("next").value_or(""))},
                                 kLoginTtl, svc.clock().now());
        auto r = server::Response::empty(302);
        r.with_header("Location", url);
        r.with_header("Set-Cookie", login_cookie(browser, kLoginTtl));
        r.with_header("Cache-Control", "no-store");
        r.with_header("Referrer-Policy", "no-referrer");
        respond(std::move(r));
      } catch (...) {
        respond(server::error_response_for(std::current_exception(), req));
      }
    });
  }

  void callback(server::Request&& req, server::Respond respond) {
    auth->check_transport(req);
    auto provider = provider_of(req);
    if (auto error = req.query_param("error")) {
      spdlog::info("web sign-in with {} refused by the provider: {}", provider->config().name, text::loggable(*error));
      return respond(problem_page("The identity provider did not sign you in (" + error->substr(0, 80) + ")."));
    }
    auto code = req.query_param("code").value_or("");
    auto state = req.query_param("state").value_or("");
    auto browser = cookie_value(req, login_cookie_name()).value_or("");
    if (code.empty() || state.empty()) return respond(problem_page("The sign-in answer has no code or state."));
    boost::asio::post(svc.work_pool(), [this, provider, code, state, browser, req = std::move(req), respond]() mutable {
      log::ScopedRequestId scope(req.id);
      try {
        const auto now = svc.clock().now();
        // The state must be a login this same browser started (login CSRF), for this provider.
        auto pending = auth::take_pending_login(svc.db(), state, browser, now);
        if (!pending || pending->provider != provider->config().name) {
          spdlog::warn("web sign-in with {}: unknown, expired or foreign state", provider->config().name);
          return respond(problem_page("This sign-in was not started in this browser, or took too long. Try again."));
        }
        oidc::Identity id;
        try {
          id = provider->complete(code, pending->code_verifier, pending->nonce, redirect_uri(provider->config().name));
        } catch (const Error& e) {
          if (e.kind() != ErrorKind::unauthorized) throw;
          spdlog::warn("web sign-in with {} failed: {}", provider->config().name, e.what());
          return respond(problem_page(e.what()));
        }
        auth::Session s;
        s.user_id = id.user_id;
        s.name = id.name.empty() ? (id.email.empty() ? id.user_id : id.email) : id.name;
        s.provider = provider->config().name;
        s.groups = id.groups;
        spdlog::info("web: {} signed in with {}", s.user_id, s.provider);
        auto r = auth->sign_in(svc.db(), std::move(s), pending->return_to, now);
        r.with_header("Set-Cookie", login_cookie("", 0));
        respond(std::move(r));
      } catch (...) {
        respond(server::error_response_for(std::current_exception(), req));
      }
    });
  }
};

}  // namespace

void install_oidc_routes(service::Service& svc, std::shared_ptr<const WebAuth> auth,
                         std::function<server::Response(const std::string& problem)> problem_page) {
  const auto& providers = svc.config().web.providers;
  if (providers.empty()) return;
  auto routes = std::make_shared<OidcRoutes>(OidcRoutes{svc, std::move(auth), std::move(problem_page), {}});
  for (const auto& p : providers)
    routes->providers[p.name] = std::make_shared<oidc::Provider>(p, svc.http_client(), svc.clock());
  auto& r = svc.router();
  r.add_async("GET", "/auth/login/{provider}",
              [routes](server::Request&& req, server::Respond respond) { routes->login(std::move(req), std::move(respond)); });
  r.add_async("GET", "/auth/callback/{provider}", [routes](server::Request&& req, server::Respond respond) {
    routes->callback(std::move(req), std::move(respond));
  });
}

}  // namespace costbot::webauth
