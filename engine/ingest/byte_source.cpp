#include "engine/ingest/byte_source.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <openssl/evp.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "engine/util/error.hpp"
#include "engine/util/hash.hpp"

namespace costbot::ingest {
namespace {

class FileSource final : public ByteSource {
 public:
  FileSource(const std::string& path, Sha256* digest) : path_(path), digest_(digest) {
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) throw invalid_input("cannot open " + path + ": " + std::strerror(errno));
    ::posix_fadvise(fd_, 0, 0, POSIX_FADV_SEQUENTIAL);
  }
  ~FileSource() override { ::close(fd_); }

  std::size_t read(char* into, std::size_t capacity) override {
    for (;;) {
      ssize_t n = ::read(fd_, into, capacity);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) throw invalid_input("cannot read " + path_ + ": " + std::strerror(errno));
      if (digest_ && n > 0) digest_->update(into, static_cast<std::size_t>(n));
      total_ += static_cast<std::uint64_t>(n);
      return static_cast<std::size_t>(n);
    }
  }
  std::uint64_t raw_bytes_read() const override { return total_; }

 private:
  std::string path_;
  Sha256* digest_;
  int fd_ = -1;
  std::uint64_t total_ = 0;
};

// A plain file mapped into memory, read in place; pages behind the reader are given back.
class MappedSource final : public ByteSource {
 public:
  static std::unique_ptr<MappedSource> open(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw invalid_input("cannot open " + path + ": " + std::strerror(errno));
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < 4) {
      ::close(fd);
      return nullptr;
    }
    auto size = static_cast<std::size_t>(st.st_size);
    void* map = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
    ::close(fd);
    if (map == MAP_FAILED) return nullptr;
    ::madvise(map, size, MADV_SEQUENTIAL);
    auto bytes = static_cast<const unsigned char*>(map);
    if (bytes[0] == 0x1f && bytes[1] == 0x8b) {  // gzip: streamed instead
      ::munmap(map, size);
      return nullptr;
    }
    return std::unique_ptr<MappedSource>(new MappedSource(static_cast<const char*>(map), size));
  }
  ~MappedSource() override { ::munmap(const_cast<char*>(view_.data()), view_.size()); }

  std::size_t read(char* into, std::size_t capacity) override {
    std::size_t n = std::min(capacity, view_.size() - pos_);
    std::memcpy(into, view_.data() + pos_, n);
    pos_ += n;
    release_before(pos_);
    return n;
  }
  std::uint64_t raw_bytes_read() const override { return std::max(pos_, released_); }
  const std::string_view* contiguous() const override { return &view_; }
  void release_before(std::size_t offset) override {
    constexpr std::size_t kStep = 8u << 20;
    const std::size_t page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
    if (offset < released_ + kStep) return;
    std::size_t until = offset / page * page;
    ::madvise(const_cast<char*>(view_.data()) + released_, until - released_, MADV_DONTNEED);
    released_ = until;
  }

 private:
  MappedSource(const char* data, std::size_t size) : view_(data, size) {}
  std::string_view view_;
  std::size_t pos_ = 0;
  std::size_t released_ = 0;
};

class MemorySource final : public ByteSource {
 public:
  explicit MemorySource(std::string_view bytes) : bytes_(bytes) {}
  std::size_t read(char* into, std::size_t capacity) override {
    std::size_t n = std::min(capacity, bytes_.size() - pos_);
    std::memcpy(into, bytes_.data() + pos_, n);
    pos_ += n;
    return n;
  }
  std::uint64_t raw_bytes_read() const override { return pos_; }

 private:
  std::string_view bytes_;
  std::size_t pos_ = 0;
};

// Peeks at the first bytes of another source without losing them.
class PeekedSource final : public ByteSource {
 public:
  PeekedSource(std::unique_ptr<ByteSource> inner, std::string head) : inner_(std::move(inner)), head_(std::move(head)) {}
  std::size_t read(char* into, std::size_t capacity) override {
    if (pos_ < head_.size()) {
      std::size_t n = std::min(capacity, head_.size() - pos_);
      std::memcpy(into, head_.data() + pos_, n);
      pos_ += n;
      return n;
    }
    return inner_->read(into, capacity);
  }
  std::uint64_t raw_bytes_read() const override { return inner_->raw_bytes_read(); }

 private:
  std::unique_ptr<ByteSource> inner_;
  std::string head_;
  std::size_t pos_ = 0;
};

// zlib's inflate with gzip framing; follows concatenated members (as `cat a.gz b.gz` produces).
class GzipSource final : public ByteSource {
 public:
  GzipSource(std::unique_ptr<ByteSource> inner, std::string name) : inner_(std::move(inner)), name_(std::move(name)) {
    std::memset(&z_, 0, sizeof z_);
    if (inflateInit2(&z_, 15 + 16) != Z_OK) throw Error(ErrorKind::internal, "zlib initialisation failed");
    in_.resize(1 << 18);
  }
  ~GzipSource() override { inflateEnd(&z_); }

  std::size_t read(char* into, std::size_t capacity) override {
    if (done_ || capacity == 0) return 0;
    z_.next_out = reinterpret_cast<Bytef*>(into);
    z_.avail_out = static_cast<uInt>(std::min<std::size_t>(capacity, 1u << 30));
    while (z_.avail_out > 0) {
      if (z_.avail_in == 0 && !input_ended_) {
        std::size_t n = inner_->read(in_.data(), in_.size());
        if (n == 0) input_ended_ = true;
        z_.next_in = reinterpret_cast<Bytef*>(in_.data());
        z_.avail_in = static_cast<uInt>(n);
      }
      if (z_.avail_in == 0 && input_ended_) {
        if (!member_ended_) throw invalid_input(name_ + ": truncated gzip stream (the file ends inside compressed data)");
        done_ = true;
        break;
      }
      if (member_ended_) {
        // Another gzip member follows; trailing zero padding is tolerated as gzip(1) does.
        if (z_.next_in[0] == 0) {
          z_.avail_in = 0;
          continue;
        }
        inflateReset(&z_);
        member_ended_ = false;
      }
      int rc = inflate(&z_, Z_NO_FLUSH);
      if (rc == Z_STREAM_END) {
        member_ended_ = true;
      } else if (rc == Z_BUF_ERROR) {
        if (z_.avail_in == 0 && input_ended_)
          throw invalid_input(name_ + ": truncated gzip stream (the file ends inside compressed data)");
      } else if (rc != Z_OK) {
        throw invalid_input(name_ + ": corrupt gzip data (" + std::string(z_.msg ? z_.msg : "inflate failed") + ")");
      }
      // Hand back what we have rather than waiting for a full buffer.
      if (z_.avail_out < capacity && (member_ended_ || z_.avail_in == 0)) break;
    }
    return capacity - z_.avail_out;
  }
  std::uint64_t raw_bytes_read() const override { return inner_->raw_bytes_read(); }

 private:
  std::unique_ptr<ByteSource> inner_;
  std::string name_;
  z_stream z_;
  std::vector<char> in_;
  bool input_ended_ = false;
  bool member_ended_ = false;
  bool done_ = false;
};

std::unique_ptr<ByteSource> maybe_gunzip(std::unique_ptr<ByteSource> raw, const std::string& name) {
  std::string head(2, '\0');
  std::size_t got = 0;
  while (got < 2) {
    std::size_t n = raw->read(head.data() + got, 2 - got);
    if (n == 0) break;
    got += n;
  }
  head.resize(got);
  bool gzip = got == 2 && static_cast<unsigned char>(head[0]) == 0x1f && static_cast<unsigned char>(head[1]) == 0x8b;
  auto peeked = std::make_unique<PeekedSource>(std::move(raw), std::move(head));
  if (!gzip) return peeked;
  return std::make_unique<GzipSource>(std::move(peeked), name);
}

}  // namespace

std::unique_ptr<ByteSource> open_file(const std::string& path, Sha256* digest) {
  if (!digest)
    if (auto mapped = MappedSource::open(path)) return mapped;
  return maybe_gunzip(std::make_unique<FileSource>(path, digest), path);
}

std::unique_ptr<ByteSource> gunzip_if_compressed(std::unique_ptr<ByteSource> raw, const std::string& name) {
  return maybe_gunzip(std::move(raw), name);
}

std::unique_ptr<ByteSource> prepend(std::string head, std::unique_ptr<ByteSource> rest) {
  return std::make_unique<PeekedSource>(std::move(rest), std::move(head));
}

std::unique_ptr<ByteSource> open_memory(std::string_view bytes) {
  return maybe_gunzip(std::make_unique<MemorySource>(bytes), "input");
}

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {
  if (!ctx_ || EVP_DigestInit_ex(static_cast<EVP_MD_CTX*>(ctx_), EVP_sha256(), nullptr) != 1)
    throw Error(ErrorKind::internal, "sha256 initialisation failed");
}

Sha256::~Sha256() { EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(ctx_)); }

void Sha256::update(const void* data, std::size_t size) {
  EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(ctx_), data, size);
}

std::string Sha256::hex() {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(static_cast<EVP_MD_CTX*>(ctx_), out, &len);
  return hash::to_hex(std::string_view(reinterpret_cast<const char*>(out), len));
}

std::string sha256_file(const std::string& path, const std::atomic<bool>* cancel) {
  Sha256 digest;
  constexpr std::size_t kBlock = 1u << 20;
  if (auto mapped = MappedSource::open(path)) {
    const auto& view = *mapped->contiguous();
    for (std::size_t pos = 0; pos < view.size(); pos += kBlock) {
      if (cancel && cancel->load(std::memory_order_relaxed)) return {};
      digest.update(view.data() + pos, std::min(kBlock, view.size() - pos));
      mapped->release_before(pos);
    }
    return digest.hex();
  }
  FileSource source(path, &digest);
  std::unique_ptr<char[]> buffer(new char[kBlock]);
  while (source.read(buffer.get(), kBlock) > 0)
    if (cancel && cancel->load(std::memory_order_relaxed)) return {};
  return digest.hex();
}

}  // namespace costbot::ingest
