#pragma once
// What every CSV-based cost reader shares: the header (columns found by name, case-insensitively,
// with '.' and '_' treated alike so "service.description" and "service_description" both match),
// the required-column check, the per-row field count check, and typed field parsing whose errors
// name the column ("BilledCost: expected a number, got \"abc\"").
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "engine/ingest/csv_reader.hpp"
#include "engine/ingest/record_reader.hpp"

namespace costbot::ingest {

class CsvRows : public RecordReader {
 public:
  CsvRows(std::unique_ptr<ByteSource> source, std::string name, std::string format_name);

  bool next() final;
  const CostRecord& record() const final { return record_; }
  const std::string& error() const final { return error_; }
  std::int64_t line() const final { return csv_.line(); }
  std::string_view raw() const final { return csv_.raw(); }

 protected:
  // Reads the header; call from the subclass constructor before looking columns up.
  void read_header();
  // The index of the first of `names` present in the header, or -1.
  int column(std::initializer_list<std::string_view> names) const;
  // Like column(), but records the first name as missing when none is present.
  int required(std::initializer_list<std::string_view> names);
  // Throws when required() found columns missing; names them and the header it saw.
  void check_required();

  // Maps the current row into record_ (fields start reset); returns false with error_ set to reject.
  virtual bool map_row() = 0;

  // Field access for the current row; a column index of -1 reads as missing.
  std::string_view text(int col) const;
  bool present(int col) const { return col >= 0 && !csv_[static_cast<std::size_t>(col)].missing(); }
  // Empty/NULL → `fallback` (or an error when required).
  bool number(int col, double& out, bool required = false);
  bool instant(int col, UnixSeconds& out);  // required
  bool reject(std::string reason);          // sets error_, returns false
  const std::string& header_name(int col) const { return header_[static_cast<std::size_t>(col)]; }

  CsvReader csv_;
  std::string name_;
  std::string format_name_;
  CostRecord record_;
  std::string error_;

 private:
  std::vector<std::string> header_;      // as written
  std::vector<std::string> header_key_;  // lower-cased, '.' → '_'
  std::vector<std::string> missing_;
};

// Billing exports write instants as ISO 8601 ("2024-09-18T22:00:00Z", "2024-09-18 22:00:00 UTC")
// or, in Azure EA files, as US dates ("09/18/2024"). Returns nullopt for anything else.
std::optional<UnixSeconds> parse_billing_instant(std::string_view text);
// Strict number parsing (the whole field must be a number; surrounding spaces allowed).
std::optional<double> parse_amount(std::string_view text);

// The reader factories, one per file.
std::unique_ptr<RecordReader> make_focus_reader(std::unique_ptr<ByteSource> source, const std::string& name);
std::unique_ptr<RecordReader> make_cur_reader(std::unique_ptr<ByteSource> source, const std::string& name);
std::unique_ptr<RecordReader> make_azure_reader(std::unique_ptr<ByteSource> source, const std::string& name);
std::unique_ptr<RecordReader> make_gcp_csv_reader(std::unique_ptr<ByteSource> source, const std::string& name);
std::unique_ptr<RecordReader> make_gcp_json_reader(std::unique_ptr<ByteSource> source, const std::string& name);

}  // namespace costbot::ingest
