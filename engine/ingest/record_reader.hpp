#pragma once
// Readers turn one provider's export into normalized CostRecords, one row at a time. A row that
// cannot be mapped is reported (error() says why, with the column) and the reader moves on; a file
// that is not what the source type expects (missing required columns, binary data, truncated)
// throws costbot::Error(invalid_input) naming the file and what is wrong.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "engine/ingest/byte_source.hpp"
#include "engine/ingest/cost_record.hpp"

namespace costbot::ingest {

class RecordReader {
 public:
  virtual ~RecordReader() = default;
  // Advances to the next data row; false at the end. After true, either error() is empty and
  // record() holds the row, or error() says why the row was rejected.
  virtual bool next() = 0;
  virtual const CostRecord& record() const = 0;
  virtual const std::string& error() const = 0;
  virtual std::int64_t line() const = 0;       // the line the row starts on
  virtual std::string_view raw() const = 0;    // the row as written in the file
};

// focus, cur, azure or gcp (gcp: CSV, or newline-delimited JSON when the file starts with '{').
std::unique_ptr<RecordReader> open_cost_reader(SourceType type, std::unique_ptr<ByteSource> source,
                                               const std::string& name);

}  // namespace costbot::ingest
