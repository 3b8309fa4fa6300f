// Prints a populated /metrics exposition (every service instrument, awkward label values, the
// outbox gauges read from a real SQLite outbox) for check_metrics.sh to hand to promtool.
#include <iostream>

#include "bot/metrics/registry.hpp"
#include "bot/metrics/service_metrics.hpp"
#include "engine/outbox/outbox.hpp"
#include "engine/storage/database.hpp"
#include "tests/support/test_support.hpp"

using namespace costbot;

int main() {
  testing::TempDir dir;
  auto db = storage::open_migrated(dir.file("metrics.db"));
  {
    auto tx = db.begin_write();
    outbox::enqueue(db, {"slack.post_message", "alert:1:slack", {{"channel", "C1"}}, 0}, 1000);
    outbox::enqueue(db, {"jira.create_issue", "approval:7:ticket", {}, 0}, 1000);
    outbox::enqueue(db, {"email.send", "digest:1", {}, 0}, 1000);
    tx.commit();
  }
  auto item = outbox::claim(db, 1000);
  outbox::retry_later(db, item->id, 1060, "HTTP 429");  // pending again, later
  outbox::claim(db, 1000);                               // in flight

  metrics::Registry registry;
  metrics::ServiceMetrics m(registry);
  metrics::watch_outbox(registry, m, [&] { return outbox::stats(db); });
  for (int i = 0; i < 50; ++i) m.record_request("/slack/commands", "POST", 200, 0.004 * i);
  m.record_request("/slack/events", "POST", 401, 0.0007);
  m.record_request("/charts/{id}.png", "GET", 404, 0.002);
  m.record_request("/metrics", "GET", 200, 0.0011);
  m.record_request("weird \"route\" \\ with\nnewline", "GET", 400, 12.0);  // must still parse
  m.record_job("ingest", true, 4.2);
  m.record_job("detect", false, 0.8);
  m.record_delivery("slack.post_message", metrics::ServiceMetrics::Delivery::retry);
  m.record_delivery("jira.create_issue", metrics::ServiceMetrics::Delivery::delivered);
  m.record_delivery("email.send", metrics::ServiceMetrics::Delivery::failed);
  m.rows_ingested.labels({"focus-sample"}).inc(12345);
  m.rows_quarantined.labels({"focus-sample"}).inc(3);
  m.findings.labels({"spike"}).inc(2);
  m.findings.labels({"idle_compute"}).inc();
  registry.gauge("costbot_example_ratio", "A gauge with an \"odd\" help text \\ and\na newline.").get().set(0.125);
  std::cout << registry.render();
  return 0;
}
