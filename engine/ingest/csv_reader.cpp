#include "engine/ingest/csv_reader.hpp"

#include <algorithm>
#include <cstring>

#include "engine/util/error.hpp"

namespace costbot::ingest {
namespace {

constexpr std::size_t kInitialBuffer = 1u << 20;

// Bytes that end an unquoted field.
struct DelimiterTable {
  bool stop[256] = {};
  constexpr DelimiterTable() {
    stop[static_cast<unsigned char>(',')] = true;
    stop[static_cast<unsigned char>('\n')] = true;
    stop[static_cast<unsigned char>('\r')] = true;
  }
};
constexpr DelimiterTable kDelimiters;

std::size_t count_newlines(const char* p, std::size_t n) {
  std::size_t lines = 0;
  while (n > 0) {
    const void* hit = std::memchr(p, '\n', n);
    if (!hit) break;
    ++lines;
    auto skip = static_cast<std::size_t>(static_cast<const char*>(hit) - p) + 1;
    p += skip;
    n -= skip;
  }
  return lines;
}

}  // namespace

CsvReader::CsvReader(std::unique_ptr<ByteSource> source, std::string name)
    : source_(std::move(source)), name_(std::move(name)), buffer_(new char[kInitialBuffer]), capacity_(kInitialBuffer), fields_(64) {
  data_ = buffer_.get();
}

bool CsvReader::refill() {
  if (eof_) return false;
  if (begin_ > 0) {
    std::memmove(buffer_.get(), buffer_.get() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  if (end_ == capacity_) {
    if (capacity_ >= kMaxRecordBytes)
      throw invalid_input(name_ + ":" + std::to_string(next_line_) + ": a single record is longer than " +
                          std::to_string(kMaxRecordBytes >> 20) + " MB (not a CSV file, or an unterminated quote)");
    std::size_t grown = std::min(capacity_ * 2, kMaxRecordBytes);
    std::unique_ptr<char[]> bigger(new char[grown]);
    std::memcpy(bigger.get(), buffer_.get(), end_);
    buffer_ = std::move(bigger);
    capacity_ = grown;
    data_ = buffer_.get();
  }
  std::size_t n = source_->read(buffer_.get() + end_, capacity_ - end_);
  if (n == 0) {
    eof_ = true;
    return false;
  }
  end_ += n;
  return true;
}

bool CsvReader::next() {
  if (!started_) {
    started_ = true;
    if (const auto* whole = source_->contiguous()) {
      // Parse the mapped file in place: no copy, no refill.
      data_ = whole->data();
      end_ = whole->size();
      eof_ = true;
    }
    while (end_ - begin_ < 3 && refill()) {
    }
    starts_binary_ = std::memchr(data_, '\0', std::min<std::size_t>(end_, 4096)) != nullptr;
    if (end_ - begin_ >= 3 && std::memcmp(data_ + begin_, "\xEF\xBB\xBF", 3) == 0) begin_ += 3;
  } else if (data_ != buffer_.get() && begin_ > released_ + (8u << 20)) {
    // Mapped input: the current record starts at begin_; everything before it is done with.
    source_->release_before(begin_);
    released_ = begin_;
  }
  for (;;) {
    if (begin_ == end_ && !refill()) return false;
    switch (parse_record()) {
      case Parse::record: return true;
      case Parse::blank: break;
      case Parse::need_more:
        refill();  // at end of input, parse_record completes the record or throws
        break;
    }
  }
}

CsvReader::Parse CsvReader::parse_record() {
  const char* data = data_;
  const std::size_t end = end_;
  std::size_t pos = begin_;
  bool bare_cr = false;  // the record ended with a lone '\r' (old Mac line end)
  count_ = 0;
  unescaped_.clear();
  scratch_.clear();
  problem_.clear();

  for (;;) {
    // One field starts at pos.
    if (pos < end && data[pos] == '"') {
      std::size_t content = pos + 1;
      std::size_t scan = content;
      std::size_t close;
      bool escaped = false;
      for (;;) {
        const void* hit = scan < end ? std::memchr(data + scan, '"', end - scan) : nullptr;
        if (!hit) {
          if (!eof_) return Parse::need_more;
          auto line = next_line_ + static_cast<std::int64_t>(count_newlines(data + begin_, pos - begin_));
          throw invalid_input(name_ + ":" + std::to_string(line) +
                              ": unterminated quoted field: the file ends inside it (the file is truncated or not valid CSV)");
        }
        std::size_t q = static_cast<std::size_t>(static_cast<const char*>(hit) - data);
        if (q + 1 == end && !eof_) return Parse::need_more;
        if (q + 1 < end && data[q + 1] == '"') {
          escaped = true;
          scan = q + 2;
          continue;
        }
        close = q;
        break;
      }
      if (escaped) {
        std::size_t offset = scratch_.size();
        for (std::size_t i = content; i < close; ++i) {
          scratch_.push_back(data[i]);
          if (data[i] == '"') ++i;  // the second quote of a doubled pair
        }
        unescaped_.push_back({count_, offset, scratch_.size() - offset});
        add_field(nullptr, 0, true);
      } else {
        add_field(data + content, close - content, true);
      }
      pos = close + 1;
      if (pos < end && !kDelimiters.stop[static_cast<unsigned char>(data[pos])]) {
        if (problem_.empty())
          problem_ = "unexpected text after the closing quote of field " + std::to_string(count_);
        while (pos < end && !kDelimiters.stop[static_cast<unsigned char>(data[pos])]) ++pos;
        if (pos == end && !eof_) return Parse::need_more;
      }
    } else {
      std::size_t start = pos;
      while (pos < end && !kDelimiters.stop[static_cast<unsigned char>(data[pos])]) ++pos;
      if (pos == end && !eof_) return Parse::need_more;
      add_field(data + start, pos - start, false);
    }

    // After a field: a comma, a line end, or the end of input.
    if (pos == end) {  // only reached at eof
      break;
    }
    char c = data[pos];
    if (c == ',') {
      ++pos;
      if (pos == end && !eof_) return Parse::need_more;
      continue;
    }
    if (c == '\r') {
      if (pos + 1 == end && !eof_) return Parse::need_more;
      ++pos;
      if (pos < end && data[pos] == '\n') ++pos;
      else bare_cr = true;
      break;
    }
    ++pos;  // '\n'
    break;
  }
  // Lines are counted once per record: most records hold no line break but their last.
  const std::size_t lines = count_newlines(data + begin_, pos - begin_) + (bare_cr ? 1 : 0);

  std::size_t record_begin = begin_;
  std::size_t raw_end = pos;
  while (raw_end > record_begin && (data[raw_end - 1] == '\n' || data[raw_end - 1] == '\r')) --raw_end;
  record_line_ = next_line_;
  next_line_ += static_cast<std::int64_t>(lines);
  begin_ = pos;

  // A blank line is not a record.
  if (count_ == 1 && fields_[0].text.empty() && !fields_[0].quoted) return Parse::blank;

  raw_ = std::string_view(data + record_begin, raw_end - record_begin);
  saw_binary_ = std::memchr(raw_.data(), '\0', raw_.size()) != nullptr;
  for (const auto& u : unescaped_) fields_[u.field].text = std::string_view(scratch_.data() + u.offset, u.size);
  return Parse::record;
}

}  // namespace costbot::ingest
