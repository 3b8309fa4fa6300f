#include "tests/support/png_image.hpp"

#include <cairo.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <stdexcept>

namespace costbot::testing {
namespace {

struct Reader {
  const std::string* bytes;
  std::size_t offset = 0;
};

cairo_status_t read_chunk(void* closure, unsigned char* data, unsigned int length) {
  auto* r = static_cast<Reader*>(closure);
  if (r->offset + length > r->bytes->size()) return CAIRO_STATUS_READ_ERROR;
  std::memcpy(data, r->bytes->data() + r->offset, length);
  r->offset += length;
  return CAIRO_STATUS_SUCCESS;
}

std::uint32_t big_endian(const std::string& s, std::size_t at) {
  auto b = [&](std::size_t i) { return static_cast<std::uint32_t>(static_cast<unsigned char>(s[at + i])); };
  return b(0) << 24 | b(1) << 16 | b(2) << 8 | b(3);
}

}  // namespace

std::size_t PngImage::count_near(std::uint8_t r, std::uint8_t g, std::uint8_t b, int tolerance) const {
  std::size_t n = 0;
  for (const auto& p : pixels)
    if (std::abs(p.r - r) <= tolerance && std::abs(p.g - g) <= tolerance && std::abs(p.b - b) <= tolerance) ++n;
  return n;
}

PngImage decode_png(const std::string& bytes) {
  Reader reader{&bytes};
  std::unique_ptr<cairo_surface_t, decltype(&cairo_surface_destroy)> surface(
      cairo_image_surface_create_from_png_stream(&read_chunk, &reader), &cairo_surface_destroy);
  if (cairo_surface_status(surface.get()) != CAIRO_STATUS_SUCCESS)
    throw std::runtime_error(std::string("not a readable PNG: ") + cairo_status_to_string(cairo_surface_status(surface.get())));
  cairo_surface_flush(surface.get());
  PngImage image;
  image.width = cairo_image_surface_get_width(surface.get());
  image.height = cairo_image_surface_get_height(surface.get());
  int stride = cairo_image_surface_get_stride(surface.get());
  auto format = cairo_image_surface_get_format(surface.get());
  const unsigned char* data = cairo_image_surface_get_data(surface.get());
  image.pixels.reserve(static_cast<std::size_t>(image.width) * image.height);
  for (int y = 0; y < image.height; ++y) {
    auto* row = reinterpret_cast<const std::uint32_t*>(data + static_cast<std::ptrdiff_t>(y) * stride);
    for (int x = 0; x < image.width; ++x) {
      std::uint32_t v = row[x];  // native-endian 0xAARRGGBB, premultiplied
      std::uint8_t a = format == CAIRO_FORMAT_RGB24 ? 255 : static_cast<std::uint8_t>(v >> 24);
      auto channel = [&](int shift) -> std::uint8_t {
        unsigned c = (v >> shift) & 0xff;
        return a == 0 ? 0 : static_cast<std::uint8_t>(std::min(255u, (c * 255 + a / 2) / a));
      };
      image.pixels.push_back({channel(16), channel(8), channel(0), a});
    }
  }
  return image;
}

PngHeader read_png_header(const std::string& bytes) {
  static const char signature[] = "\x89PNG\r\n\x1a\n";
  if (bytes.size() < 33 || bytes.compare(0, 8, signature, 8) != 0) throw std::runtime_error("no PNG signature");
  if (big_endian(bytes, 8) != 13 || bytes.compare(12, 4, "IHDR") != 0) throw std::runtime_error("first chunk is not IHDR");
  PngHeader h;
  h.width = big_endian(bytes, 16);
  h.height = big_endian(bytes, 20);
  h.bit_depth = static_cast<unsigned char>(bytes[24]);
  h.color_type = static_cast<unsigned char>(bytes[25]);
  return h;
}

}  // namespace costbot::testing
