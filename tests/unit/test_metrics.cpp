#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <thread>

#include "bot/metrics/registry.hpp"
#include "bot/metrics/service_metrics.hpp"

using namespace costbot::metrics;

TEST_CASE("label values escape backslash, double quote and newline", "[metrics]") {
  CHECK(escape_label_value("plain /slack/commands") == "plain /slack/commands");
  CHECK(escape_label_value("a\\b") == "a\\\\b");
  CHECK(escape_label_value("say \"hi\"") == "say \\\"hi\\\"");
  CHECK(escape_label_value("two\nlines") == "two\\nlines");
  CHECK(escape_label_value("ünïcode ✓") == "ünïcode ✓");
  // HELP text escapes backslash and newline but leaves quotes alone.
  CHECK(escape_help("a \"quoted\" \\ path\nnext") == "a \"quoted\" \\\\ path\\nnext");
}

TEST_CASE("sample values are written as Prometheus reads them", "[metrics]") {
  CHECK(format_value(0) == "0");
  CHECK(format_value(3) == "3");
  CHECK(format_value(-2) == "-2");
  CHECK(format_value(0.25) == "0.25");
  CHECK(format_value(0.1 + 0.2) == "0.30000000000000004");
  CHECK(format_value(1e21) == "1e+21");
  CHECK(format_value(std::numeric_limits<double>::infinity()) == "+Inf");
  CHECK(format_value(-std::numeric_limits<double>::infinity()) == "-Inf");
  CHECK(format_value(std::nan("")) == "NaN");
}

TEST_CASE("histogram buckets are cumulative, inclusive of their bound, and end in +Inf", "[metrics]") {
  Registry registry;
  auto& h = registry.histogram("job_seconds", "Job time.", {"job"}, {0.1, 0.5, 1}).labels({"ingest"});
  for (double v : {0.05, 0.1, 0.3, 2.0, 7.0}) h.observe(v);
  auto snap = h.snapshot();
  CHECK(snap.cumulative == std::vector<std::uint64_t>{2, 3, 3, 5});
  CHECK(snap.count == 5);
  CHECK(snap.sum == Approx(9.45));
  CHECK(registry.render() ==
        "# HELP job_seconds Job time.\n"
        "# TYPE job_seconds histogram\n"
        "job_seconds_bucket{job=\"ingest\",le=\"0.1\"} 2\n"
        "job_seconds_bucket{job=\"ingest\",le=\"0.5\"} 3\n"
        "job_seconds_bucket{job=\"ingest\",le=\"1\"} 3\n"
        "job_seconds_bucket{job=\"ingest\",le=\"+Inf\"} 5\n"
        "job_seconds_sum{job=\"ingest\"} 9.45\n"
        "job_seconds_count{job=\"ingest\"} 5\n");
}

TEST_CASE("a registry renders counters and gauges with HELP, TYPE and escaped labels", "[metrics]") {
  Registry registry;
  auto& requests = registry.counter("http_requests_total", "Requests.\nBy route.", {"route", "status"});
  requests.labels({"/b", "200"}).inc();
  requests.labels({"/a \"quoted\"", "500"}).inc(2);
  requests.labels({"/b", "200"}).inc(0.5);
  registry.gauge("queue_depth", "Waiting items.").get().set(7);
  registry.counter("empty_total", "No samples yet.", {"kind"});
  CHECK(registry.render() ==
        "# HELP http_requests_total Requests.\\nBy route.\n"
        "# TYPE http_requests_total counter\n"
        "http_requests_total{route=\"/a \\\"quoted\\\"\",status=\"500\"} 2\n"
        "http_requests_total{route=\"/b\",status=\"200\"} 1.5\n"
        "# HELP queue_depth Waiting items.\n"
        "# TYPE queue_depth gauge\n"
        "queue_depth 7\n"
        "# HELP empty_total No samples yet.\n"
        "# TYPE empty_total counter\n");
}

TEST_CASE("registration validates names and returns the same family for the same definition", "[metrics]") {
  Registry registry;
  auto& a = registry.counter("x_total", "X.", {"k"});
  CHECK(&registry.counter("x_total", "X again.", {"k"}) == &a);
  CHECK_THROWS_AS(registry.counter("x_total", "X.", {"other"}), std::invalid_argument);
  CHECK_THROWS_AS(registry.gauge("x_total", "X.", {"k"}), std::invalid_argument);
  CHECK_THROWS_AS(registry.counter("9lives", "bad name"), std::invalid_argument);
  CHECK_THROWS_AS(registry.counter("has-dash_total", "bad name"), std::invalid_argument);
  CHECK_THROWS_AS(registry.counter("y_total", "bad label", {"__reserved"}), std::invalid_argument);
  CHECK_THROWS_AS(registry.counter("y_total", "twice", {"a", "a"}), std::invalid_argument);
  CHECK_THROWS_AS(registry.histogram("h", "le is taken", {"le"}, {1}), std::invalid_argument);
  CHECK_THROWS_AS(registry.histogram("h", "unsorted", {}, {1, 0.5}), std::invalid_argument);
  registry.histogram("h2", "ok", {}, {1, 2});
  CHECK_THROWS_AS(registry.histogram("h2", "other buckets", {}, {1, 3}), std::invalid_argument);
  CHECK_THROWS_AS(a.labels({"one", "two"}), std::invalid_argument);
  CHECK_THROWS_AS(a.labels({"v"}).inc(-1), std::invalid_argument);
  CHECK(valid_metric_name("costbot:rate_5m"));
  CHECK_FALSE(valid_label_name("9x"));
}

TEST_CASE("counters and histograms stay exact under concurrent updates", "[metrics]") {
  Registry registry;
  auto& counter = registry.counter("events_total", "Events.", {"worker"});
  auto& histogram = registry.histogram("latency_seconds", "Latency.", {"route"}, latency_buckets());
  constexpr int kThreads = 8, kPerThread = 20000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        counter.labels({t % 2 ? "odd" : "even"}).inc();  // children created while others look them up
        histogram.labels({"/slack/events"}).observe(0.001 * (i % 10));
      }
    });
  std::string during;
  for (int i = 0; i < 20; ++i) during = registry.render();  // scrapes while writers run
  for (auto& t : threads) t.join();
  CHECK(counter.labels({"odd"}).value() == kThreads / 2 * kPerThread);
  CHECK(counter.labels({"even"}).value() == kThreads / 2 * kPerThread);
  auto snap = histogram.labels({"/slack/events"}).snapshot();
  CHECK(snap.count == static_cast<std::uint64_t>(kThreads * kPerThread));
  CHECK(snap.cumulative.back() == snap.count);
  CHECK(snap.sum == Approx(kThreads * (kPerThread / 10) * 0.045));
}

TEST_CASE("collect hooks run at every render and a failing one does not stop it", "[metrics]") {
  Registry registry;
  auto& depth = registry.gauge("depth", "Depth.").get();
  int calls = 0;
  registry.on_collect([&] { depth.set(++calls * 10); });
  registry.on_collect([] { throw std::runtime_error("database is locked"); });
  CHECK(registry.render().find("depth 10\n") != std::string::npos);
  CHECK(registry.render().find("depth 20\n") != std::string::npos);
}

TEST_CASE("service metrics record requests, jobs, deliveries and the outbox", "[metrics]") {
  Registry registry;
  ServiceMetrics m(registry);
  m.record_request("/slack/commands", "POST", 200, 0.012);
  m.record_request("/slack/commands", "POST", 200, 0.3);
  m.record_request("/charts/{id}.png", "GET", 404, 0.002);
  m.record_job("ingest", true, 2.5);
  m.record_job("ingest", false, 0.2);
  m.record_job_skipped("ingest");
  m.record_delivery("jira.create_issue", ServiceMetrics::Delivery::retry);
  m.record_delivery("jira.create_issue", ServiceMetrics::Delivery::delivered);
  m.rows_ingested.labels({"focus-sample"}).inc(1234);
  m.findings.labels({"spike"}).inc();
  costbot::outbox::Stats stats;
  stats.pending = 4;
  stats.in_flight = 1;
  watch_outbox(registry, m, [&] { return stats; });

  auto text = registry.render();
  auto has = [&](const std::string& line) {
    INFO(line);
    CHECK(text.find(line + "\n") != std::string::npos);
  };
  has("costbot_http_requests_total{route=\"/slack/commands\",method=\"POST\",status=\"200\"} 2");
  has("costbot_http_requests_total{route=\"/charts/{id}.png\",method=\"GET\",status=\"404\"} 1");
  has("costbot_http_request_duration_seconds_bucket{route=\"/slack/commands\",le=\"0.025\"} 1");
  has("costbot_http_request_duration_seconds_bucket{route=\"/slack/commands\",le=\"0.5\"} 2");
  has("costbot_http_request_duration_seconds_count{route=\"/slack/commands\"} 2");
  has("costbot_job_runs_total{job=\"ingest\",outcome=\"failed\"} 1");
  has("costbot_job_runs_total{job=\"ingest\",outcome=\"skipped\"} 1");
  has("costbot_job_duration_seconds_count{job=\"ingest\"} 2");  // a skip is not timed
  has("costbot_outbox_retries_total{kind=\"jira.create_issue\"} 1");
  has("costbot_outbox_deliveries_total{kind=\"jira.create_issue\",outcome=\"delivered\"} 1");
  has("costbot_ingest_rows_total{source=\"focus-sample\"} 1234");
  has("costbot_findings_total{kind=\"spike\"} 1");
  has("costbot_outbox_effects{status=\"pending\"} 4");
  has("costbot_outbox_effects{status=\"in_flight\"} 1");
  has("# TYPE costbot_http_request_duration_seconds histogram");
  CHECK(m.start_time.value() > 1.6e9);
  CHECK(text.find("costbot_build_info{version=\"") != std::string::npos);
}
