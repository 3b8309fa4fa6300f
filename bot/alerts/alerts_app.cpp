#include "bot/alerts/alerts_app.hpp"

#include <spdlog/spdlog.h>

#include "adapters/email/message_render.hpp"
#include "adapters/email/smtp_client.hpp"
#include "adapters/pagerduty/events_api.hpp"
#include "adapters/pagerduty/page_event.hpp"
#include "bot/alerts/subscription_commands.hpp"
#include "bot/outbox/receipts.hpp"
#include "bot/service/service.hpp"
#include "engine/alerts/escalation.hpp"
#include "engine/util/error.hpp"
#include "engine/util/json_fields.hpp"

namespace costbot::alerts_app {
namespace json = boost::json;

namespace {

// Takes Acknowledge clicks on alerts; hands every other click to the handler installed before.
class AlertActionHandler final : public actions::ActionHandler {
 public:
  AlertActionHandler(const config::Config& config, std::string templates_root, std::shared_ptr<actions::ActionHandler> next)
      : config_(config), templates_(std::move(templates_root)), next_(std::move(next)) {}

  actions::ActionOutcome handle(const chat::ChatAction& a, storage::Database& db, UnixSeconds now) override {
    auto parts = chat::split_subject(a.subject);
    const bool alert = parts.kind == "incident" || parts.kind == "finding";
    if (a.verb != chat::ActionVerb::ack || !alert) {
      if (!next_) throw invalid_input("this button is not handled by this service");
      return next_->handle(a, db, now);
    }
    auto tx = db.begin_write();
    auto result = alerts::acknowledge(db, config_, templates_, a.subject, a.actor.platform, a.actor.user_id, a.actor.name, now);
    tx.commit();
    spdlog::info("{} acknowledged by {}:{}: {}", a.subject, a.actor.platform, a.actor.user_id, result.message);
    actions::ActionOutcome outcome;
    chat::Reply note;
    note.text(result.message);
    note.fallback = result.message;
    outcome.reply_to_actor = std::move(note);
    outcome.queued_effects = result.report.queued();
    return outcome;
  }

 private:
  const config::Config& config_;
  render::Templates templates_;
  std::shared_ptr<actions::ActionHandler> next_;
};

void register_pagerduty(service::Service& svc) {
  const auto& pd = svc.config().pagerduty;
  if (!pd.enabled()) {
    spdlog::info("PagerDuty is off: no pagerduty.routing_key / PAGERDUTY_ROUTING_KEY (pagerduty.event effects stay queued)");
    return;
  }
  auto api = std::make_shared<pagerduty::EventsApi>(svc.http_client(), pd.events_url, pd.routing_key.reveal());
  http::CallOptions options;
  options.idempotency = http::Idempotency::idempotent;
  options.max_retry_wait = std::chrono::seconds(1);  // a long Retry-After goes back to the outbox
  api->set_call_options(options);
  pagerduty::PageOptions page_options{pd.source, svc.config().public_base_url()};
  outbox::register_typed<messages::Page>(svc.outbox(), messages::outbox_kind(messages::Page{}),
                                         [api, page_options](const messages::Page& page, const outbox::Item&,
                                                             outbox::DeliveryContext&) -> json::value {
    try {
      auto result = api->send(pagerduty::event_for(page, page_options));
      return json::object{{"status", result.status}, {"dedup_key", result.dedup_key}};
    } catch (const Error& e) {
      if (e.kind() == ErrorKind::invalid_input && !dynamic_cast<const http::RemoteError*>(&e))
        throw outbox::DeliveryError(e.what(), false);  // our own event is malformed: retrying cannot help
      throw;
    }
  });
}

void register_email(service::Service& svc) {
  const auto& email = svc.config().email;
  if (!email.enabled()) {
    spdlog::info("email is off: no email.smtp_url / SMTP_URL (email.send effects stay queued)");
    return;
  }
  auto client = std::make_shared<email::SmtpClient>(email::SmtpOptions::from_config(email, svc.config().http_client.ca_file));
  auto templates = svc.templates_ptr();
  outbox::register_typed<messages::Email>(svc.outbox(), messages::outbox_kind(messages::Email{}),
                                          [client, templates](const messages::Email& mail, const outbox::Item& item,
                                                              outbox::DeliveryContext& ctx) -> json::value {
    // SMTP has no idempotency key: the receipt, written right after the server took the message,
    // keeps a retry after a crash from sending it twice.
    if (auto receipt = outbox::receipt_for(ctx.db, item.idempotency_key)) return *receipt;
    auto m = email::render_email(*templates, mail);
    m.message_id = "outbox." + std::to_string(item.id);
    client->send(m, ctx.now);
    json::object receipt{{"sent", true}, {"to", item.payload.at("to")}};
    outbox::record_receipt(ctx.db, item.idempotency_key, receipt, ctx.now);
    return receipt;
  });
}

}  // namespace

void install(service::Service& svc, const std::string& templates_root) {
  const auto& config = svc.config();
  install_subscription_commands(svc.commands(), config);
  svc.set_action_handler(std::make_shared<AlertActionHandler>(config, templates_root, svc.action_handler_ptr()));
  register_pagerduty(svc);
  register_email(svc);
}

}  // namespace costbot::alerts_app
