#pragma once
// The local web channel: the embedded default that needs no account anywhere.
//
//   GET  /                 the page (templates/web/page/index.html, app.js, app.css)
//   GET  /web/app.js, /web/app.css, /web/favicon.svg
//   GET  /web/feeds        feeds with posts, the persona switcher's names, the approvals feed name
//   GET  /web/feed?feed=F[&after=SEQ][&limit=N]   posts of one feed (persona:cfo, approvals, ...)
//   GET  /web/findings     open findings straight from detection (the alert feed until persona
//                          feeds have posts), GET /web/incidents, GET /web/tickets (ticket outbox)
//   POST /web/actions      {"verb", "subject", "actor", "reason"?} → chat::ChatAction{platform "web"}
//                          → service.action_handler() (the approvals engine decides)
//   GET  /auth/local?token=T   signs the browser in as the local operator (session cookie)
//
// Sign-in (issue 15, finding 1): the client's address grants nothing. Every route that shows or
// changes data needs a session cookie (HttpOnly, SameSite=Strict, 12 hours, kept in memory as a
// SHA-256 digest), which only the link `serve` prints on its standard output at start gives: the
// local operator, who holds the console. Without a session the page is a sign-in notice and
// /web/* answers 401. The actions' `actor` names the approver the operator decides for (as the
// CLI's `approvals decide --actor` does); the approvals engine checks that person's role.
//   outbox kind web.post   stores a post by feed + subject (web_feed.hpp), the page shows it
//
// Who may connect (web.access): `local` answers only clients on loopback whose Host header names
// this machine (localhost, 127.0.0.1, [::1], or server.public_url's host); `open` answers anyone
// who signs in; `off` registers no page and no /web route (web.post effects are still stored).
//
// Cross-site requests (CSRF): POST /web/actions needs all of: Content-Type application/json (a
// plain HTML form cannot send it, and a cross-origin script would need a CORS preflight, which
// this service never grants), no foreign Origin / Sec-Fetch-Site, and the X-CSRF-Token the page
// was served with (random per session; another origin cannot read the page to learn it).
#include <string>

namespace costbot::service {
class Service;
}

namespace costbot::web {

// `templates_root`: the directory holding web/page/ (index.html, app.js, app.css).
void install(service::Service& service, const std::string& templates_root);

// "/auth/local?token=..." of the running service's web channel ("" when it has none): what
// `serve` prints at start, for tests and tools that run the service in-process.
std::string local_sign_in_path(const service::Service& service);

}  // namespace costbot::web
