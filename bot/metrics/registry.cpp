#include "bot/metrics/registry.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace costbot::metrics {
namespace {

void append_label_set(std::string& out, const std::vector<std::string>& names, const std::vector<std::string>& values,
                      std::string_view extra_name = {}, std::string_view extra_value = {}) {
  if (names.empty() && extra_name.empty()) return;
  out += '{';
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i) out += ',';
    out += names[i];
    out += "=\"";
    out += escape_label_value(values[i]);
    out += '"';
  }
  if (!extra_name.empty()) {
    if (!names.empty()) out += ',';
    out += extra_name;
    out += "=\"";
    out += extra_value;
    out += '"';
  }
  out += '}';
}

void append_sample(std::string& out, std::string_view name, const std::vector<std::string>& label_names,
                   const std::vector<std::string>& values, double value) {
  out += name;
  append_label_set(out, label_names, values);
  out += ' ';
  out += format_value(value);
  out += '\n';
}

void write_samples(std::string& out, const FamilyBase& f, const std::vector<std::string>& values, const Counter& c) {
  append_sample(out, f.name(), f.label_names(), values, c.value());
}

void write_samples(std::string& out, const FamilyBase& f, const std::vector<std::string>& values, const Gauge& g) {
  append_sample(out, f.name(), f.label_names(), values, g.value());
}

void write_samples(std::string& out, const FamilyBase& f, const std::vector<std::string>& values, const Histogram& h) {
  auto snap = h.snapshot();
  const auto& bounds = h.upper_bounds();
  std::string bucket = f.name() + "_bucket";
  for (std::size_t i = 0; i <= bounds.size(); ++i) {
    out += bucket;
    append_label_set(out, f.label_names(), values, "le", i < bounds.size() ? format_value(bounds[i]) : "+Inf");
    out += ' ';
    out += format_value(static_cast<double>(snap.cumulative[i]));
    out += '\n';
  }
  append_sample(out, f.name() + "_sum", f.label_names(), values, snap.sum);
  append_sample(out, f.name() + "_count", f.label_names(), values, static_cast<double>(snap.count));
}

int compare(const std::vector<std::string>& a, std::span<const std::string_view> b) {
  std::size_t n = std::min(a.size(), b.size());
  for (std::size_t i = 0; i < n; ++i)
    if (int c = std::string_view(a[i]).compare(b[i])) return c;
  return a.size() < b.size() ? -1 : a.size() > b.size() ? 1 : 0;
}

}  // namespace

void Counter::inc(double amount) {
  if (!(amount >= 0)) throw std::invalid_argument("a counter cannot go down (increment " + format_value(amount) + ")");
  value_.fetch_add(amount, std::memory_order_relaxed);
}

Histogram::Histogram(std::vector<double> upper_bounds)
    : bounds_(std::move(upper_bounds)), counts_(new std::atomic<std::uint64_t>[bounds_.size() + 1]) {
  for (std::size_t i = 0; i < bounds_.size(); ++i) {
    if (!std::isfinite(bounds_[i])) throw std::invalid_argument("histogram bounds must be finite (+Inf is implicit)");
    if (i && !(bounds_[i - 1] < bounds_[i])) throw std::invalid_argument("histogram bounds must be strictly ascending");
  }
  for (std::size_t i = 0; i <= bounds_.size(); ++i) counts_[i].store(0, std::memory_order_relaxed);
}

void Histogram::observe(double value) {
  // Buckets are "less than or equal": a value equal to a bound belongs to that bound's bucket.
  auto bucket = static_cast<std::size_t>(std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin());
  if (std::isnan(value)) bucket = bounds_.size();
  counts_[bucket].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(value, std::memory_order_relaxed);
}

Histogram::Snapshot Histogram::snapshot() const {
  Snapshot s;
  std::uint64_t running = 0;
  for (std::size_t i = 0; i <= bounds_.size(); ++i) {
    running += counts_[i].load(std::memory_order_relaxed);
    s.cumulative.push_back(running);
  }
  s.count = running;  // derived from the buckets, so _count always equals the +Inf bucket
  s.sum = sum_.load(std::memory_order_relaxed);
  return s;
}

const std::vector<double>& latency_buckets() {
  static const std::vector<double> b{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  return b;
}

const std::vector<double>& job_duration_buckets() {
  static const std::vector<double> b{0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 1800};
  return b;
}

const char* to_string(Type type) {
  switch (type) {
    case Type::counter: return "counter";
    case Type::gauge: return "gauge";
    case Type::histogram: return "histogram";
  }
  return "untyped";
}

FamilyBase::FamilyBase(std::string name, std::string help, Type type, std::vector<std::string> label_names)
    : name_(std::move(name)), help_(std::move(help)), type_(type), label_names_(std::move(label_names)) {}

template <class Metric>
bool Family<Metric>::KeyLess::operator()(const std::vector<std::string>& a, std::span<const std::string_view> b) const {
  return compare(a, b) < 0;
}

template <class Metric>
bool Family<Metric>::KeyLess::operator()(std::span<const std::string_view> a, const std::vector<std::string>& b) const {
  return compare(b, a) > 0;
}

template <class Metric>
Family<Metric>::Family(std::string name, std::string help, Type type, std::vector<std::string> label_names,
                       Factory make)
    : FamilyBase(std::move(name), std::move(help), type, std::move(label_names)), make_(std::move(make)) {
  if (FamilyBase::label_names().empty()) children_.emplace(std::vector<std::string>{}, make_());  // renders as 0 from the start
}

template <class Metric>
Metric& Family<Metric>::labels(std::span<const std::string_view> values) {
  if (values.size() != label_names().size())
    throw std::invalid_argument(fmt::format("metric {} takes {} label values, got {}", name(), label_names().size(),
                                            values.size()));
  {
    std::shared_lock lock(mutex_);
    if (auto it = children_.find(values); it != children_.end()) return *it->second;
  }
  std::unique_lock lock(mutex_);
  auto [it, inserted] = children_.try_emplace(std::vector<std::string>(values.begin(), values.end()), nullptr);
  if (inserted) it->second = make_();
  return *it->second;
}

template <class Metric>
void Family<Metric>::render(std::string& out) const {
  out += "# HELP " + name() + " " + escape_help(help()) + "\n";
  out += "# TYPE " + name() + " " + to_string(type()) + "\n";
  std::shared_lock lock(mutex_);
  for (const auto& [values, child] : children_) write_samples(out, *this, values, *child);
}

template class Family<Counter>;
template class Family<Gauge>;
template class Family<Histogram>;

FamilyBase* Registry::find(const std::string& name) const {
  for (const auto& f : families_)
    if (f->name() == name) return f.get();
  return nullptr;
}

template <class Metric>
Family<Metric>& Registry::add(const std::string& name, const std::string& help, Type type,
                              std::vector<std::string> labels, typename Family<Metric>::Factory make) {
  if (!valid_metric_name(name)) throw std::invalid_argument("invalid metric name \"" + name + "\"");
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (!valid_label_name(labels[i]) || (type == Type::histogram && labels[i] == "le"))
      throw std::invalid_argument("metric " + name + ": invalid label name \"" + labels[i] + "\"");
    if (std::find(labels.begin(), labels.begin() + static_cast<std::ptrdiff_t>(i), labels[i]) !=
        labels.begin() + static_cast<std::ptrdiff_t>(i))
      throw std::invalid_argument("metric " + name + ": label \"" + labels[i] + "\" given twice");
  }
  std::lock_guard lock(mutex_);
  if (auto* existing = find(name)) {
    if (existing->type() != type || existing->label_names() != labels)
      throw std::invalid_argument("metric " + name + " is already registered with another type or labels");
    return static_cast<Family<Metric>&>(*existing);
  }
  auto family = std::make_unique<Family<Metric>>(name, help, type, std::move(labels), std::move(make));
  auto& ref = *family;
  families_.push_back(std::move(family));
  return ref;
}

Family<Counter>& Registry::counter(const std::string& name, const std::string& help,
                                   std::vector<std::string> label_names) {
  return add<Counter>(name, help, Type::counter, std::move(label_names), [] { return std::make_unique<Counter>(); });
}

Family<Gauge>& Registry::gauge(const std::string& name, const std::string& help, std::vector<std::string> label_names) {
  return add<Gauge>(name, help, Type::gauge, std::move(label_names), [] { return std::make_unique<Gauge>(); });
}

Family<Histogram>& Registry::histogram(const std::string& name, const std::string& help,
                                       std::vector<std::string> label_names, std::vector<double> upper_bounds) {
  Histogram probe(upper_bounds);  // validates the bounds before anything is registered
  {
    std::lock_guard lock(mutex_);
    if (auto it = histogram_bounds_.find(name); it != histogram_bounds_.end() && it->second != upper_bounds)
      throw std::invalid_argument("metric " + name + " is already registered with other buckets");
  }
  auto& family = add<Histogram>(name, help, Type::histogram, std::move(label_names),
                                [upper_bounds] { return std::make_unique<Histogram>(upper_bounds); });
  std::lock_guard lock(mutex_);
  histogram_bounds_.emplace(name, std::move(upper_bounds));
  return family;
}

void Registry::on_collect(std::function<void()> hook) {
  std::lock_guard lock(mutex_);
  hooks_.push_back(std::move(hook));
}

std::string Registry::render() const {
  std::vector<std::function<void()>> hooks;
  {
    std::lock_guard lock(mutex_);
    hooks = hooks_;
  }
  for (const auto& hook : hooks) {
    try {
      hook();
    } catch (const std::exception& e) {
      // A failed collector (say, a busy database) must not take the other metrics down with it.
      spdlog::warn("metrics collector failed: {}", e.what());
    }
  }
  std::string out;
  std::lock_guard lock(mutex_);
  for (const auto& f : families_) f->render(out);
  return out;
}

Registry& default_registry() {
  static Registry registry;
  return registry;
}

std::string escape_label_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string escape_help(std::string_view help) {
  std::string out;
  out.reserve(help.size());
  for (char c : help) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string format_value(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  if (value == std::floor(value) && std::fabs(value) < 1e15) return fmt::format("{:.0f}", value);
  return fmt::format("{}", value);  // shortest text that reads back as the same double
}

bool valid_metric_name(std::string_view name) {
  if (name.empty()) return false;
  auto head = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':'; };
  if (!head(name[0])) return false;
  return std::all_of(name.begin() + 1, name.end(), [&](char c) { return head(c) || (c >= '0' && c <= '9'); });
}

bool valid_label_name(std::string_view name) {
  if (name.empty() || name.starts_with("__")) return false;
  auto head = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; };
  if (!head(name[0])) return false;
  return std::all_of(name.begin() + 1, name.end(), [&](char c) { return head(c) || (c >= '0' && c <= '9'); });
}

}  // namespace costbot::metrics
