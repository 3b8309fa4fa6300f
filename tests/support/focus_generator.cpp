#include "tests/support/focus_generator.hpp"

#include <zlib.h>

#include <cstdio>
#include <stdexcept>
#include <vector>

#include "engine/ingest/byte_source.hpp"
#include "engine/ingest/csv_reader.hpp"
#include "engine/util/strings.hpp"
#include "engine/util/time.hpp"

namespace costbot::testing {
namespace {

struct TemplateField {
  std::string text;
  bool quoted;
  bool null;
};
using TemplateRow = std::vector<TemplateField>;

class Output {
 public:
  Output(const std::string& path, bool gzip) : gzip_(gzip) {
    if (gzip) {
      gz_ = gzopen(path.c_str(), "wb1");
      if (!gz_) throw std::runtime_error("cannot write " + path);
    } else {
      file_ = std::fopen(path.c_str(), "wb");
      if (!file_) throw std::runtime_error("cannot write " + path);
    }
  }
  ~Output() { close(); }
  void write(const std::string& data) {
    bytes_ += static_cast<std::int64_t>(data.size());
    if (gzip_) gzwrite(gz_, data.data(), static_cast<unsigned>(data.size()));
    else std::fwrite(data.data(), 1, data.size(), file_);
  }
  void close() {
    if (gz_) gzclose(gz_);
    if (file_) std::fclose(file_);
    gz_ = nullptr;
    file_ = nullptr;
  }
  std::int64_t bytes() const { return bytes_; }

 private:
  bool gzip_;
  gzFile gz_ = nullptr;
  std::FILE* file_ = nullptr;
  std::int64_t bytes_ = 0;
};

std::string timestamp(UnixSeconds t) {
  std::string iso = format_instant(t);  // 2024-09-18T22:00:00Z → the sample's "2024-09-18 22:00:00"
  iso[10] = ' ';
  iso.pop_back();
  return iso;
}

}  // namespace

GeneratedTotals generate_focus_file(const std::string& sample_path, const std::string& out_path,
                                    const FocusGeneratorOptions& options) {
  ingest::CsvReader csv(ingest::open_file(sample_path), sample_path);
  if (!csv.next()) throw std::runtime_error("empty sample " + sample_path);
  TemplateRow header;
  for (const auto& f : csv.fields()) header.push_back({std::string(f.text), f.quoted, false});
  std::vector<TemplateRow> templates;
  while (csv.next()) {
    TemplateRow row;
    for (const auto& f : csv.fields()) row.push_back({std::string(f.text), f.quoted, !f.quoted && f.text == "NULL"});
    templates.push_back(std::move(row));
  }
  auto col = [&](std::string_view name) {
    for (std::size_t i = 0; i < header.size(); ++i)
      if (header[i].text == name) return static_cast<int>(i);
    throw std::runtime_error("sample has no column " + std::string(name));
  };
  const int billed = col("BilledCost"), effective = col("EffectiveCost"), list = col("ListCost"),
            contracted = col("ContractedCost"), charge_start = col("ChargePeriodStart"),
            charge_end = col("ChargePeriodEnd"), period_start = col("BillingPeriodStart"),
            period_end = col("BillingPeriodEnd"), resource = col("ResourceId"), id = col("Id"),
            provider = col("ProviderName");

  Output out(out_path, options.gzip);
  std::string chunk;
  chunk.reserve(1 << 22);
  for (std::size_t i = 0; i < header.size(); ++i) {
    if (i) chunk += ',';
    text::append_csv_field(chunk, header[i].text, header[i].quoted);
  }
  chunk += '\n';

  GeneratedTotals totals;
  const UnixSeconds first = start_of(*parse_day(options.first_day));
  const std::int64_t hours = static_cast<std::int64_t>(options.days) * 24;
  const std::int64_t per_hour = std::max<std::int64_t>(1, (options.rows + hours - 1) / hours);
  char number[64];
  for (std::int64_t i = 0; i < options.rows; ++i) {
    const std::int64_t r = i % options.resources;
    const TemplateRow& t = templates[static_cast<std::size_t>(r) % templates.size()];
    const UnixSeconds start = first + (i / per_hour) * 3600;
    const Day month = first_of_month(day_of(start));
    // A deterministic factor in [0.5, 1.5) so amounts vary but reruns write the same file.
    const double factor = 0.5 + static_cast<double>((static_cast<std::uint64_t>(i) * 2654435761u) % 1000) / 1000.0;
    for (std::size_t c = 0; c < t.size(); ++c) {
      if (c) chunk += ',';
      const int ci = static_cast<int>(c);
      const TemplateField& f = t[c];
      if (f.null) {
        chunk += f.text;
        continue;
      }
      if (ci == billed || ci == effective || ci == list || ci == contracted) {
        double value = std::strtod(f.text.c_str(), nullptr) * factor;
        std::snprintf(number, sizeof number, "%.10f", value);
        double written = std::strtod(number, nullptr);
        if (ci == billed) {
          totals.billed += written;
          totals.billed_by_provider[t[static_cast<std::size_t>(provider)].text] += written;
        }
        if (ci == effective) totals.effective += written;
        text::append_csv_field(chunk, number, f.quoted);
      } else if (ci == charge_start) {
        text::append_csv_field(chunk, timestamp(start), f.quoted);
      } else if (ci == charge_end) {
        text::append_csv_field(chunk, timestamp(start + 3600), f.quoted);
      } else if (ci == period_start) {
        text::append_csv_field(chunk, timestamp(start_of(month)), f.quoted);
      } else if (ci == period_end) {
        text::append_csv_field(chunk, timestamp(start_of(first_of_next_month(month))), f.quoted);
      } else if (ci == resource) {
        text::append_csv_field(chunk, f.text + "-r" + std::to_string(r), f.quoted);
      } else if (ci == id) {
        text::append_csv_field(chunk, std::to_string(i + 1), f.quoted);
      } else {
        text::append_csv_field(chunk, f.text, f.quoted);
      }
    }
    chunk += '\n';
    ++totals.rows;
    if (chunk.size() > (1u << 22) - 8192) {
      out.write(chunk);
      chunk.clear();
    }
  }
  out.write(chunk);
  out.close();
  totals.bytes = out.bytes();
  return totals;
}

}  // namespace costbot::testing
