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
//   outbox kind web.post   stores a post by feed + subject (web_feed.hpp), the page shows it
//
// Who may use it (web.access): `local` answers only clients on loopback whose Host header names
// this machine (localhost, 127.0.0.1, [::1], or server.public_url's host), so a page elsewhere
// cannot reach it even by DNS rebinding; `open` answers anyone (put an authenticating proxy in
// front); `off` registers no page and no /web route (web.post effects are still stored).
//
// Cross-site requests (CSRF): POST /web/actions needs all of: Content-Type application/json (a
// plain HTML form cannot send it, and a cross-origin script would need a CORS preflight, which
// this service never grants), no foreign Origin / Sec-Fetch-Site, and the X-CSRF-Token the page
// was served with (random per process; another origin cannot read the page to learn it).
#include <string>

namespace costbot::service {
class Service;
}

namespace costbot::web {

// `templates_root`: the directory holding web/page/ (index.html, app.js, app.css).
void install(service::Service& service, const std::string& templates_root);

}  // namespace costbot::web
