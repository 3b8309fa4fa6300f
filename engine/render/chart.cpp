#include "engine/render/chart.hpp"

#include <cairo.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <fmt/format.h>
#include <memory>
#include <numbers>

#include "engine/config/config.hpp"
#include "engine/util/error.hpp"
#include "engine/util/format.hpp"

namespace costbot::render {
namespace {

// Costs beyond this are not plausible; clamping keeps the axis arithmetic finite for any input.
constexpr double kMaxMagnitude = 1e15;

struct Layout {
  double scale = 1;
  double left = 0, right = 0, top = 0, bottom = 0;  // plot area
  double width() const { return right - left; }
  double height() const { return bottom - top; }
};

struct Fonts {
  double title, subtitle, tick, legend;
};

using SurfacePtr = std::unique_ptr<cairo_surface_t, decltype(&cairo_surface_destroy)>;
using ContextPtr = std::unique_ptr<cairo_t, decltype(&cairo_destroy)>;

void set_color(cairo_t* cr, Rgb c, double alpha = 1.0) {
  cairo_set_source_rgba(cr, c.r / 255.0, c.g / 255.0, c.b / 255.0, alpha);
}

void set_font(cairo_t* cr, double size, bool bold = false) {
  cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL,
                         bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size(cr, size);
}

double text_width(cairo_t* cr, const std::string& text) {
  cairo_text_extents_t ext;
  cairo_text_extents(cr, text.c_str(), &ext);
  return ext.x_advance;
}

// Draws `text` with its baseline at y; align 0 = left, 0.5 = centre, 1 = right edge at x.
void draw_text(cairo_t* cr, const std::string& text, double x, double y, double align = 0) {
  cairo_move_to(cr, x - align * text_width(cr, text), y);
  cairo_show_text(cr, text.c_str());
}

double clamp_value(double v) { return std::clamp(v, -kMaxMagnitude, kMaxMagnitude); }

// "$1.2k" in dollars; other currencies are named once in the subtitle, so ticks read "1.2k".
std::string axis_label(double value, const std::string& currency) {
  if (currency == "USD") return fmtx::money_compact(value);
  std::string label = fmtx::money_compact(value, currency);
  return label.substr(0, label.size() - currency.size() - 1);
}

struct Series {
  std::vector<ChartPoint> points;  // sorted by day, finite, clamped
  double low = 0, high = 1;        // value range, always including 0
  bool any_anomaly = false, any_band = false, any_expected = false, any_actual = false;
};

Series prepare(const ChartData& data) {
  Series s;
  for (const auto& p : data.points) {
    if (!std::isfinite(p.actual)) continue;
    ChartPoint q = p;
    q.actual = clamp_value(p.actual);
    auto finite = [](const std::optional<double>& v) -> std::optional<double> {
      if (v && std::isfinite(*v)) return clamp_value(*v);
      return std::nullopt;
    };
    q.expected = finite(p.expected);
    q.lower = finite(p.lower);
    q.upper = finite(p.upper);
    if (q.lower && q.upper && *q.lower > *q.upper) std::swap(q.lower, q.upper);
    s.points.push_back(q);
  }
  std::stable_sort(s.points.begin(), s.points.end(), [](const auto& a, const auto& b) { return a.day < b.day; });
  // Costs that never go below zero have no negative baseline either: a model's extrapolation
  // below $0 is drawn at $0.
  bool negative_actual = false;
  for (const auto& p : s.points) negative_actual |= !p.projected && p.actual < 0;
  double lo = 0, hi = 0;
  for (auto& p : s.points) {
    if (p.projected) p.anomaly = false;  // nothing happened yet on a day to come
    if (!negative_actual)
      for (auto* v : {&p.expected, &p.lower, &p.upper})
        if (*v) *v = std::max(0.0, **v);
    for (auto v : {p.projected ? std::optional<double>() : std::optional<double>(p.actual), p.expected, p.lower, p.upper})
      if (v) lo = std::min(lo, *v), hi = std::max(hi, *v);
    s.any_anomaly |= p.anomaly;
    s.any_band |= p.lower && p.upper;
    s.any_expected |= p.expected.has_value();
    s.any_actual |= !p.projected;
  }
  if (data.reference && std::isfinite(*data.reference)) hi = std::max(hi, clamp_value(*data.reference)), lo = std::min(lo, clamp_value(*data.reference));
  if (hi - lo <= 0) hi = lo + 1;  // all zeros (or no data): show a 0..$1 axis
  s.low = lo;
  s.high = hi;
  return s;
}

struct Scales {
  Layout plot;
  Day first{};
  double slot = 1;  // pixels per day
  double y_low = 0, y_high = 1;
  double x(Day d) const { return plot.left + (static_cast<double>((d - first).count()) + 0.5) * slot; }
  double y(double v) const { return plot.bottom - (v - y_low) / (y_high - y_low) * plot.height(); }
};

// Picks every k-th day to label so labels never overlap; counted back from the latest day.
int label_stride(double slot, double label_width) {
  static constexpr int strides[] = {1, 2, 3, 7, 14, 28, 56, 91, 182, 364};
  for (int k : strides)
    if (k * slot >= label_width) return k;
  return static_cast<int>(std::ceil(label_width / std::max(slot, 1e-9)));
}

// Draws the legend from (x, baseline), wrapping to a new line when an entry would not fit before
// max_x; returns the baseline of the last line.
double draw_legend(cairo_t* cr, const Series& s, const ChartData& data, const ChartOptions& o, double x, double baseline,
                   double max_x, const Fonts& f, double scale) {
  set_font(cr, f.legend);
  const double swatch = 18 * scale, gap = 6 * scale, spacing = 16 * scale, start_x = x;
  enum Kind { kActual, kExpected, kBand, kAnomaly, kReference };
  std::vector<std::pair<Kind, std::string>> entries;
  if (s.any_actual) entries.push_back({kActual, data.actual_label});
  if (s.any_expected) entries.push_back({kExpected, data.expected_label});
  if (s.any_band) entries.push_back({kBand, data.band_label});
  if (s.any_anomaly) entries.push_back({kAnomaly, "Anomaly"});
  if (data.reference && !data.reference_label.empty()) entries.push_back({kReference, data.reference_label});
  for (const auto& [kind, text] : entries) {
    double entry_width = swatch + gap + text_width(cr, text);
    if (x > start_x && x + entry_width > max_x) {
      x = start_x;
      baseline += f.legend * 1.6;
    }
    double mid = baseline - f.legend * 0.35;
    switch (kind) {
      case kActual:
      case kExpected: {
        set_color(cr, kind == kActual ? ChartPalette::actual : ChartPalette::expected);
        cairo_set_line_width(cr, (kind == kActual ? 2.25 : 1.5) * scale);
        double dash[] = {4 * scale, 3 * scale};
        if (kind == kExpected) cairo_set_dash(cr, dash, 2, 0);
        cairo_move_to(cr, x, mid);
        cairo_line_to(cr, x + swatch, mid);
        cairo_stroke(cr);
        cairo_set_dash(cr, nullptr, 0, 0);
        break;
      }
      case kBand:
        set_color(cr, ChartPalette::band, 0.7);
        cairo_rectangle(cr, x, mid - 5 * scale, swatch, 10 * scale);
        cairo_fill(cr);
        break;
      case kAnomaly:
        set_color(cr, o.highlight);
        cairo_arc(cr, x + swatch / 2, mid, 4.5 * scale, 0, 2 * std::numbers::pi);
        cairo_fill(cr);
        break;
      case kReference:
        set_color(cr, ChartPalette::reference);
        cairo_set_line_width(cr, 2 * scale);
        cairo_move_to(cr, x, mid);
        cairo_line_to(cr, x + swatch, mid);
        cairo_stroke(cr);
        break;
    }
    set_color(cr, ChartPalette::muted_text);
    draw_text(cr, text, x + swatch + gap, baseline);
    x += entry_width + spacing;
  }
  return baseline;
}

// A line through consecutive points that have a value; a missing value breaks the line.
template <class Value>
void trace(cairo_t* cr, const Scales& sc, const std::vector<ChartPoint>& points, Value value) {
  bool drawing = false;
  for (const auto& p : points) {
    auto v = value(p);
    if (!v) {
      drawing = false;
      continue;
    }
    if (drawing) cairo_line_to(cr, sc.x(p.day), sc.y(*v));
    else cairo_move_to(cr, sc.x(p.day), sc.y(*v));
    drawing = true;
  }
}

void draw_band(cairo_t* cr, const Scales& sc, const std::vector<ChartPoint>& points) {
  // One polygon per run of days that have both bounds.
  std::size_t i = 0;
  while (i < points.size()) {
    if (!(points[i].lower && points[i].upper)) {
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j < points.size() && points[j].lower && points[j].upper) ++j;
    if (j - i == 1) {  // a lone day: a short bar, so it is still visible
      double x = sc.x(points[i].day), w = std::clamp(sc.slot * 0.6, 2.0, 20.0);
      cairo_rectangle(cr, x - w / 2, sc.y(*points[i].upper), w, sc.y(*points[i].lower) - sc.y(*points[i].upper));
    } else {
      cairo_move_to(cr, sc.x(points[i].day), sc.y(*points[i].upper));
      for (std::size_t k = i + 1; k < j; ++k) cairo_line_to(cr, sc.x(points[k].day), sc.y(*points[k].upper));
      for (std::size_t k = j; k-- > i;) cairo_line_to(cr, sc.x(points[k].day), sc.y(*points[k].lower));
      cairo_close_path(cr);
    }
    set_color(cr, ChartPalette::band, 0.7);
    cairo_fill(cr);
    i = j;
  }
}

// The title in at most two lines that fit `width`; what does not fit ends in "…".
std::vector<std::string> title_lines(cairo_t* cr, const std::string& title, double width) {
  std::vector<std::string> lines(1);
  for (std::size_t i = 0; i < title.size();) {
    auto space = title.find(' ', i);
    if (space == std::string::npos) space = title.size();
    const std::string word = title.substr(i, space - i);
    i = space + 1;
    if (word.empty()) continue;
    const std::string joined = lines.back().empty() ? word : lines.back() + " " + word;
    if (lines.back().empty() || lines.size() == 2 || text_width(cr, joined) <= width) lines.back() = joined;
    else lines.push_back(word);
  }
  const std::string ellipsis = "\xE2\x80\xA6";
  for (auto& l : lines) {
    if (text_width(cr, l) <= width) continue;
    while (!l.empty() && text_width(cr, l + ellipsis) > width) {
      while (!l.empty()) {  // one whole UTF-8 character: continuation bytes, then the lead byte
        const auto c = static_cast<unsigned char>(l.back());
        l.pop_back();
        if ((c & 0xC0) != 0x80) break;
      }
    }
    l += ellipsis;
  }
  return lines;
}

void draw_chart(cairo_t* cr, const ChartData& data, const ChartOptions& o) {
  const double W = o.width, H = o.height;
  // Chat clients show the image at the width of a message or a phone (~360 px): text sized from
  // the width keeps its labels at ~9 px or more there (an 800 px chart draws them at ~20 px).
  const double fs = std::clamp(std::min(W / 800.0, H / 400.0 * 1.2), 0.55, 5.0);
  const double scale = std::clamp(fs * 1.4, 0.8, 6.0);  // line widths, markers, gaps
  auto font = [&](double size) { return std::max(10.0, size * fs); };
  const Fonts f{font(24), font(19), font(20), font(19)};
  const double pad = 12 * scale;
  Series s = prepare(data);

  set_color(cr, ChartPalette::background);
  cairo_paint(cr);

  // Header: title (up to two lines), subtitle, legend.
  set_color(cr, ChartPalette::text);
  set_font(cr, f.title, true);
  double y = pad;
  for (const auto& line : title_lines(cr, data.title.empty() ? "Daily cost" : data.title, W - 2 * pad)) {
    y += f.title * (y == pad ? 1.0 : 1.25);
    draw_text(cr, line, pad, y);
  }
  std::string subtitle = data.subtitle;
  if (data.currency != "USD") subtitle += (subtitle.empty() ? "" : " · ") + std::string("amounts in ") + data.currency;
  if (!subtitle.empty()) {
    y += f.subtitle * 1.5;
    set_color(cr, ChartPalette::muted_text);
    set_font(cr, f.subtitle);
    draw_text(cr, subtitle, pad, y);
  }
  y += f.legend * 1.9;
  y = draw_legend(cr, s, data, o, pad, y, W - pad, f, scale);

  Scales sc;
  sc.plot.top = y + f.legend * 1.4;
  sc.plot.bottom = H - pad - f.tick * 1.6;
  sc.plot.right = W - pad;
  if (s.points.empty()) {
    set_color(cr, ChartPalette::muted_text);
    set_font(cr, f.tick * 1.2);
    draw_text(cr, "No data for this period", W / 2, (sc.plot.top + sc.plot.bottom) / 2, 0.5);
    return;
  }

  // Y axis: round ticks; the labels' width sets the left margin.
  int target = std::clamp(static_cast<int>((sc.plot.bottom - sc.plot.top) / (42 * scale)), 2, 8);
  auto ticks = nice_ticks(s.low, s.high, target);
  sc.y_low = ticks.front();
  sc.y_high = ticks.back();
  set_font(cr, f.tick);
  double label_w = 0;
  for (double t : ticks) label_w = std::max(label_w, text_width(cr, axis_label(t, data.currency)));
  sc.plot.left = pad + label_w + 8 * scale;
  if (sc.plot.width() < 10 || sc.plot.height() < 10) return;  // too small for a plot: header only

  sc.first = s.points.front().day;
  const auto span_days = (s.points.back().day - sc.first).count() + 1;
  sc.slot = sc.plot.width() / static_cast<double>(span_days);

  // Days to come: a light shade behind them, so a forecast never reads as data.
  for (const auto& p : s.points) {
    if (!p.projected) continue;
    set_color(cr, ChartPalette::grid, 0.5);
    cairo_rectangle(cr, sc.x(p.day) - sc.slot / 2, sc.plot.top, sc.slot, sc.plot.height());
    cairo_fill(cr);
  }

  // Anomalous days: a tinted column behind everything.
  for (const auto& p : s.points) {
    if (!p.anomaly) continue;
    double w = std::clamp(sc.slot, 3 * scale, 28 * scale);  // a lone day must not tint the whole plot
    set_color(cr, o.highlight, 0.12);
    cairo_rectangle(cr, sc.x(p.day) - w / 2, sc.plot.top, w, sc.plot.height());
    cairo_fill(cr);
  }

  // Grid and y labels (lines on half pixels stay crisp).
  cairo_set_line_width(cr, 1);
  for (double t : ticks) {
    double ty = std::round(sc.y(t)) + 0.5;
    set_color(cr, t == 0 && sc.y_low < 0 ? ChartPalette::axis : ChartPalette::grid);
    cairo_move_to(cr, sc.plot.left, ty);
    cairo_line_to(cr, sc.plot.right, ty);
    cairo_stroke(cr);
    set_color(cr, ChartPalette::muted_text);
    draw_text(cr, axis_label(t, data.currency), sc.plot.left - 8 * scale, ty + f.tick * 0.35, 1);
  }

  draw_band(cr, sc, s.points);

  if (s.any_expected) {
    set_color(cr, ChartPalette::expected);
    cairo_set_line_width(cr, 1.5 * scale);
    double dash[] = {4 * scale, 3 * scale};
    cairo_set_dash(cr, dash, 2, 0);
    trace(cr, sc, s.points, [](const ChartPoint& p) { return p.expected; });
    cairo_stroke(cr);
    cairo_set_dash(cr, nullptr, 0, 0);
  }

  if (data.reference && std::isfinite(*data.reference)) {
    const double ry = std::round(sc.y(clamp_value(*data.reference))) + 0.5;
    set_color(cr, ChartPalette::reference);
    cairo_set_line_width(cr, 2 * scale);
    cairo_move_to(cr, sc.plot.left, ry);
    cairo_line_to(cr, sc.plot.right, ry);
    cairo_stroke(cr);
  }

  set_color(cr, ChartPalette::actual);
  cairo_set_line_width(cr, 2.25 * scale);
  cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
  cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
  std::size_t actual_points = 0;
  const ChartPoint* only = nullptr;
  for (const auto& p : s.points)
    if (!p.projected) ++actual_points, only = &p;
  if (actual_points == 1) {
    cairo_arc(cr, sc.x(only->day), sc.y(only->actual), 3 * scale, 0, 2 * std::numbers::pi);
    cairo_fill(cr);
  } else if (actual_points > 1) {
    trace(cr, sc, s.points,
          [](const ChartPoint& p) { return p.projected ? std::optional<double>() : std::optional<double>(p.actual); });
    cairo_stroke(cr);
  }

  // Markers on anomalous days, and the amount of the largest one.
  const ChartPoint* peak = nullptr;
  for (const auto& p : s.points) {
    if (!p.anomaly) continue;
    if (!peak || p.actual > peak->actual) peak = &p;
    cairo_arc(cr, sc.x(p.day), sc.y(p.actual), 4.5 * scale, 0, 2 * std::numbers::pi);
    set_color(cr, o.highlight);
    cairo_fill_preserve(cr);
    set_color(cr, ChartPalette::background);
    cairo_set_line_width(cr, 1.5 * scale);
    cairo_stroke(cr);
  }
  if (peak) {
    set_font(cr, f.tick, true);
    set_color(cr, ChartPalette::text);
    std::string amount = fmtx::money_short(peak->actual, data.currency);
    double px = sc.x(peak->day), tw = text_width(cr, amount);
    px = std::clamp(px, sc.plot.left + tw / 2, sc.plot.right - tw / 2);
    double py = sc.y(peak->actual) - 9 * scale;
    if (py - f.tick < sc.plot.top) py = sc.y(peak->actual) + 9 * scale + f.tick;  // no room above: below
    draw_text(cr, amount, px, py, 0.5);
  }

  // X axis: baseline and day labels.
  set_color(cr, ChartPalette::axis);
  cairo_set_line_width(cr, 1);
  double axis_y = std::round(sc.plot.bottom) + 0.5;
  cairo_move_to(cr, sc.plot.left, axis_y);
  cairo_line_to(cr, sc.plot.right, axis_y);
  cairo_stroke(cr);
  set_font(cr, f.tick);
  int stride = label_stride(sc.slot, text_width(cr, "Sep 30") + 14 * scale);
  Day last = s.points.back().day;
  for (auto d = last; d >= sc.first; d -= std::chrono::days{stride}) {
    std::string label = fmtx::day_short(d);
    double tw = text_width(cr, label);
    double lx = std::clamp(sc.x(d), tw / 2 + 2, W - tw / 2 - 2);
    set_color(cr, ChartPalette::axis);
    cairo_move_to(cr, std::round(sc.x(d)) + 0.5, axis_y);
    cairo_line_to(cr, std::round(sc.x(d)) + 0.5, axis_y + 4 * scale);
    cairo_stroke(cr);
    set_color(cr, ChartPalette::muted_text);
    draw_text(cr, label, lx, axis_y + 4 * scale + f.tick * 1.1, 0.5);
  }
}

cairo_status_t append_png(void* closure, const unsigned char* data, unsigned int length) {
  static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
  return CAIRO_STATUS_SUCCESS;
}

}  // namespace

std::optional<Rgb> parse_hex_color(std::string_view text) {
  if (text.empty() || text[0] != '#') return std::nullopt;
  text.remove_prefix(1);
  if (text.size() != 3 && text.size() != 6) return std::nullopt;
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  int v[6];
  for (std::size_t i = 0; i < text.size(); ++i)
    if ((v[i] = hex(text[i])) < 0) return std::nullopt;
  if (text.size() == 3)
    return Rgb{static_cast<std::uint8_t>(v[0] * 17), static_cast<std::uint8_t>(v[1] * 17),
               static_cast<std::uint8_t>(v[2] * 17)};
  return Rgb{static_cast<std::uint8_t>(v[0] * 16 + v[1]), static_cast<std::uint8_t>(v[2] * 16 + v[3]),
             static_cast<std::uint8_t>(v[4] * 16 + v[5])};
}

std::string to_hex(Rgb c) { return fmt::format("#{:02x}{:02x}{:02x}", c.r, c.g, c.b); }

ChartOptions ChartOptions::from_config(const config::ChartsConfig& charts) {
  ChartOptions o;
  o.width = charts.width;
  o.height = charts.height;
  if (auto c = parse_hex_color(charts.highlight)) o.highlight = *c;
  return o;
}

std::vector<double> nice_ticks(double low, double high, int target) {
  if (!std::isfinite(low) || !std::isfinite(high)) return {0, 1};
  if (high < low) std::swap(low, high);
  if (high - low <= 0) high = low + 1;
  target = std::max(target, 1);
  double rough = (high - low) / target;
  double magnitude = std::pow(10.0, std::floor(std::log10(rough)));
  double step = magnitude * 10;
  for (double m : {1.0, 2.0, 2.5, 5.0, 10.0})
    if (m * magnitude >= rough * 0.999) {
      step = m * magnitude;
      break;
    }
  double start = std::floor(low / step + 1e-9) * step;
  double end = std::ceil(high / step - 1e-9) * step;
  std::vector<double> ticks;
  for (int i = 0; i <= 100; ++i) {
    double t = start + i * step;
    if (std::fabs(t) < step * 1e-9) t = 0;  // no "-0" or 1e-17 from accumulated rounding
    ticks.push_back(t);
    if (t >= end - step * 1e-9) break;
  }
  if (ticks.size() < 2) ticks.push_back(start + step);
  return ticks;
}

std::string render_cost_chart(const ChartData& data, const ChartOptions& options) {
  if (options.width < ChartOptions::kMinWidth || options.width > ChartOptions::kMaxWidth ||
      options.height < ChartOptions::kMinHeight || options.height > ChartOptions::kMaxHeight)
    throw Error(ErrorKind::invalid_input,
                fmt::format("chart size {}x{} is out of range ({}..{} x {}..{} pixels)", options.width, options.height,
                            ChartOptions::kMinWidth, ChartOptions::kMaxWidth, ChartOptions::kMinHeight,
                            ChartOptions::kMaxHeight));
  SurfacePtr surface(cairo_image_surface_create(CAIRO_FORMAT_ARGB32, options.width, options.height),
                     &cairo_surface_destroy);
  if (cairo_surface_status(surface.get()) != CAIRO_STATUS_SUCCESS)
    throw Error(ErrorKind::internal, "cannot draw the chart",
                std::string("cairo surface: ") + cairo_status_to_string(cairo_surface_status(surface.get())));
  {
    ContextPtr cr(cairo_create(surface.get()), &cairo_destroy);
    draw_chart(cr.get(), data, options);
    if (cairo_status(cr.get()) != CAIRO_STATUS_SUCCESS)
      throw Error(ErrorKind::internal, "cannot draw the chart",
                  std::string("cairo: ") + cairo_status_to_string(cairo_status(cr.get())));
  }
  cairo_surface_flush(surface.get());
  std::string png;
  auto status = cairo_surface_write_to_png_stream(surface.get(), &append_png, &png);
  if (status != CAIRO_STATUS_SUCCESS)
    throw Error(ErrorKind::internal, "cannot encode the chart", std::string("cairo png: ") + cairo_status_to_string(status));
  return png;
}

}  // namespace costbot::render
