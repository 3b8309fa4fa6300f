#pragma once
// Where the bytes of an input file come from: a plain file or memory, transparently gunzipped when
// the bytes start with the gzip magic. Reads go into the caller's buffer, so nothing here grows with
// the file. Optionally keeps a SHA-256 of the raw (still compressed) bytes as they stream past.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace costbot::ingest {

class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Fills up to `capacity` bytes; returns 0 only at the end of input. Throws costbot::Error
  // (invalid_input) on a read error or a corrupt / truncated gzip stream.
  virtual std::size_t read(char* into, std::size_t capacity) = 0;
  // Bytes consumed from the underlying file so far (compressed bytes for gzip).
  virtual std::uint64_t raw_bytes_read() const = 0;

  // Zero-copy access for a plain file: the whole input as one view (memory-mapped), or nullptr.
  // A reader using it calls release_before() as it moves on, so the pages it has passed leave the
  // process's memory (they stay in the page cache) and memory does not grow with the file.
  virtual const std::string_view* contiguous() const { return nullptr; }
  virtual void release_before(std::size_t /*offset*/) {}
};

// Opens `path`: memory-mapped when it is a plain non-empty file, streamed through zlib when it is
// gzip. `digest` (may be null) receives the raw bytes for hashing as they are read (streamed then).
class Sha256;
std::unique_ptr<ByteSource> open_file(const std::string& path, Sha256* digest = nullptr);
// Reads from memory (tests, fuzzing); gunzips when the bytes start with the gzip magic.
std::unique_ptr<ByteSource> open_memory(std::string_view bytes);

// Gunzips `raw` when it starts with the gzip magic; otherwise hands it back unchanged (remote
// objects arrive this way). `name` is used in error messages.
std::unique_ptr<ByteSource> gunzip_if_compressed(std::unique_ptr<ByteSource> raw, const std::string& name);

// Bytes already read from `rest` (to look at them) followed by the rest of it.
std::unique_ptr<ByteSource> prepend(std::string head, std::unique_ptr<ByteSource> rest);

// Incremental SHA-256 (OpenSSL EVP).
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void update(const void* data, std::size_t size);
  std::string hex();  // finishes; call once

 private:
  void* ctx_;
};

// SHA-256 of a whole file, read in large blocks. Returns "" when `cancel` turns true first.
std::string sha256_file(const std::string& path, const std::atomic<bool>* cancel = nullptr);

}  // namespace costbot::ingest
