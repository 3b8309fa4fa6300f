#pragma once
// A streaming RFC 4180 CSV reader: quoted fields with doubled quotes, embedded commas and newlines,
// CRLF or LF line ends, a UTF-8 BOM, and the unquoted literal NULL. Every record knows the line it
// starts on and its raw bytes (for the quarantine).
//
// Hand-written rather than a library because ingestion speed is a product requirement (millions of
// billing rows per run) and no Debian-packaged C++ CSV parser gives both zero-copy fields and exact
// starting line numbers for records that span several lines. Fields are views into one reusable
// buffer; only fields that contain doubled quotes are copied (unescaped into a per-record scratch
// buffer), so parsing allocates nothing per field or per record once the buffers have grown.
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/ingest/byte_source.hpp"

namespace costbot::ingest {

struct CsvField {
  std::string_view text;
  bool quoted = false;
  // The literal NULL (unquoted) that FOCUS exports write for a missing value; empty also counts.
  bool missing() const { return text.empty() || (!quoted && text == "NULL"); }
};

class CsvReader {
 public:
  // `name` is used in error messages (usually the file path).
  CsvReader(std::unique_ptr<ByteSource> source, std::string name);

  // Advances to the next record; false at the end of input. Blank lines are skipped. Throws
  // costbot::Error(invalid_input) naming the file and line when the input ends inside a quoted
  // field (a truncated file) or a single record exceeds the size limit.
  bool next();

  std::size_t size() const { return count_; }
  const CsvField& operator[](std::size_t i) const { return fields_[i]; }
  std::span<const CsvField> fields() const { return {fields_.data(), count_}; }
  std::int64_t line() const { return record_line_; }  // 1-based line the record starts on
  std::string_view raw() const { return raw_; }        // the record's bytes as in the file
  // A syntax problem in this record that did not stop parsing (e.g. text after a closing quote);
  // empty when the record is well formed. The caller decides (usually: quarantine the row).
  const std::string& problem() const { return problem_; }
  const std::string& name() const { return name_; }
  bool saw_binary() const { return saw_binary_; }  // NUL bytes seen in a record: not a text file
  bool starts_binary() const { return starts_binary_; }  // NUL bytes in the first 4 KB of input

  static constexpr std::size_t kMaxRecordBytes = 64u << 20;

 private:
  enum class Parse { record, need_more, blank };
  Parse parse_record();
  bool refill();

  std::unique_ptr<ByteSource> source_;
  std::string name_;
  std::unique_ptr<char[]> buffer_;  // not zero-filled: only bytes read are ever looked at
  std::size_t capacity_;
  const char* data_;               // buffer_, or the whole input when the source is mapped
  std::size_t released_ = 0;
  std::size_t begin_ = 0;  // first unparsed byte
  std::size_t end_ = 0;    // end of valid data
  bool eof_ = false;
  bool started_ = false;
  std::int64_t next_line_ = 1;
  std::int64_t record_line_ = 0;

  void add_field(const char* data, std::size_t size, bool quoted) {
    if (count_ == fields_.size()) fields_.resize(fields_.size() * 2);
    fields_[count_++] = CsvField{std::string_view(data, size), quoted};
  }

  std::vector<CsvField> fields_;  // the first count_ are the current record's
  std::size_t count_ = 0;
  struct Unescaped {
    std::size_t field, offset, size;  // fields whose text lives in scratch_, patched once it is final
  };
  std::vector<Unescaped> unescaped_;
  std::string scratch_;
  std::string_view raw_;
  std::string problem_;
  bool saw_binary_ = false;
  bool starts_binary_ = false;
};

}  // namespace costbot::ingest
