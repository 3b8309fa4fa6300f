#pragma once
// A small Prometheus metrics registry: counters, gauges and histograms with labels, and the text
// exposition format 0.0.4 that GET /metrics serves.
//
// Written by hand because Debian 12 packages no C++ Prometheus client (prometheus-cpp is not in
// bookworm), and the part needed here is small: atomic numbers plus a text writer.
//
// Hot path: look a child up once and keep the reference (children live as long as the registry),
// or call labels(...) per event: a shared-lock map lookup without allocation when the child
// exists; updates are lock-free atomics. Rendering takes each family's lock briefly.
#include <atomic>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace costbot::metrics {

// The Content-Type of render()'s output.
inline constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";

class Counter {
 public:
  // Counters only go up: a negative `amount` is a bug and throws std::invalid_argument.
  void inc(double amount = 1.0);
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

class Gauge {
 public:
  void set(double value) { value_.store(value, std::memory_order_relaxed); }
  void inc(double amount = 1.0) { value_.fetch_add(amount, std::memory_order_relaxed); }
  void dec(double amount = 1.0) { value_.fetch_sub(amount, std::memory_order_relaxed); }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

class Histogram {
 public:
  // `upper_bounds` ascending and finite; the +Inf bucket is implicit.
  explicit Histogram(std::vector<double> upper_bounds);
  void observe(double value);

  struct Snapshot {
    std::vector<std::uint64_t> cumulative;  // one per bound, then +Inf (== count)
    double sum = 0;
    std::uint64_t count = 0;
  };
  Snapshot snapshot() const;
  const std::vector<double>& upper_bounds() const { return bounds_; }

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> counts_;  // per bucket, not cumulative; last = +Inf
  std::atomic<double> sum_{0};
};

// Default buckets for request and job latencies, in seconds.
const std::vector<double>& latency_buckets();
const std::vector<double>& job_duration_buckets();

enum class Type { counter, gauge, histogram };
const char* to_string(Type type);

class FamilyBase {
 public:
  FamilyBase(std::string name, std::string help, Type type, std::vector<std::string> label_names);
  virtual ~FamilyBase() = default;
  const std::string& name() const { return name_; }
  const std::string& help() const { return help_; }
  Type type() const { return type_; }
  const std::vector<std::string>& label_names() const { return label_names_; }
  // Appends HELP, TYPE and every sample of this family.
  virtual void render(std::string& out) const = 0;

 private:
  std::string name_, help_;
  Type type_;
  std::vector<std::string> label_names_;
};

// One metric name with a fixed set of label names; one child per combination of label values.
template <class Metric>
class Family final : public FamilyBase {
 public:
  using Factory = std::function<std::unique_ptr<Metric>()>;
  Family(std::string name, std::string help, Type type, std::vector<std::string> label_names, Factory make);

  // The child for these label values (in the order of label_names()), created on first use.
  // Throws std::invalid_argument when the number of values is wrong.
  Metric& labels(std::initializer_list<std::string_view> values) {
    return labels(std::span<const std::string_view>(values.begin(), values.size()));
  }
  Metric& labels(std::span<const std::string_view> values);
  // The one child of a family without labels.
  Metric& get() { return labels({}); }

  void render(std::string& out) const override;

 private:
  struct KeyLess {
    using is_transparent = void;
    bool operator()(const std::vector<std::string>& a, const std::vector<std::string>& b) const { return a < b; }
    bool operator()(const std::vector<std::string>& a, std::span<const std::string_view> b) const;
    bool operator()(std::span<const std::string_view> a, const std::vector<std::string>& b) const;
  };
  Factory make_;
  mutable std::shared_mutex mutex_;
  std::map<std::vector<std::string>, std::unique_ptr<Metric>, KeyLess> children_;
};

class Registry {
 public:
  Registry() = default;
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // Registers a family, or returns the existing one when name, type, labels (and buckets) match.
  // Throws std::invalid_argument for an invalid name or label name, or a conflicting definition.
  Family<Counter>& counter(const std::string& name, const std::string& help, std::vector<std::string> label_names = {});
  Family<Gauge>& gauge(const std::string& name, const std::string& help, std::vector<std::string> label_names = {});
  Family<Histogram>& histogram(const std::string& name, const std::string& help, std::vector<std::string> label_names,
                               std::vector<double> upper_bounds);

  // Called at the start of every render(), e.g. to set a gauge from the database at scrape time.
  void on_collect(std::function<void()> hook);

  // The whole registry in the text exposition format 0.0.4, families in registration order.
  std::string render() const;

 private:
  FamilyBase* find(const std::string& name) const;
  template <class Metric>
  Family<Metric>& add(const std::string& name, const std::string& help, Type type, std::vector<std::string> labels,
                      typename Family<Metric>::Factory make);

  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<FamilyBase>> families_;
  std::map<std::string, std::vector<double>> histogram_bounds_;
  std::vector<std::function<void()>> hooks_;
};

// The process-wide registry that GET /metrics renders.
Registry& default_registry();

// Exposition helpers, public for tests.
std::string escape_label_value(std::string_view value);  // \ → \\, " → \", newline → \n
std::string escape_help(std::string_view help);          // \ → \\, newline → \n
std::string format_value(double value);                  // 3, 0.25, 1e+21, +Inf, -Inf, NaN
bool valid_metric_name(std::string_view name);           // [a-zA-Z_:][a-zA-Z0-9_:]*
bool valid_label_name(std::string_view name);            // [a-zA-Z_][a-zA-Z0-9_]*, not __reserved

}  // namespace costbot::metrics
