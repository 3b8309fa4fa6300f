#pragma once
// Decodes a PNG (with cairo, which the engine links anyway) so tests can look at real pixels.
#include <cstdint>
#include <string>
#include <vector>

namespace costbot::testing {

struct Pixel {
  std::uint8_t r = 0, g = 0, b = 0, a = 0;
};

struct PngImage {
  int width = 0, height = 0;
  std::vector<Pixel> pixels;  // row-major, un-premultiplied

  const Pixel& at(int x, int y) const { return pixels[static_cast<std::size_t>(y) * width + x]; }
  // Pixels whose every channel is within `tolerance` of (r, g, b).
  std::size_t count_near(std::uint8_t r, std::uint8_t g, std::uint8_t b, int tolerance = 0) const;
};

// Throws std::runtime_error when the bytes are not a PNG cairo can read.
PngImage decode_png(const std::string& bytes);

struct PngHeader {
  std::uint32_t width = 0, height = 0;
  int bit_depth = 0, color_type = 0;
};
// Reads the signature and the IHDR chunk straight from the bytes (no decoder involved).
PngHeader read_png_header(const std::string& bytes);

}  // namespace costbot::testing
