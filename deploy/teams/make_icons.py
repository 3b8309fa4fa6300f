#!/usr/bin/env python3
"""Draws the Teams app icons (color.png 192x192, outline.png 32x32) with no imaging library:
daily cost bars with the last one spiking in the anomaly colour, the story costbot's charts tell.
Run from anywhere: python3 deploy/teams/make_icons.py  (rewrites the PNGs beside this file)."""
import os
import struct
import zlib

BLUE = (0x1F, 0x5F, 0xBF)
WHITE = (0xFF, 0xFF, 0xFF)
RED = (0xE0, 0x31, 0x31)


def png(width, height, pixels):
    """pixels: rows of (r, g, b, a) tuples."""
    raw = b"".join(b"\x00" + b"".join(struct.pack("4B", *p) for p in row) for row in pixels)

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def render(size, shapes, background):
    """shapes: (inside(x, y) -> bool, colour) in unit coordinates, later ones on top; 4x4 supersampling."""
    rows = []
    n = 4
    for py in range(size):
        row = []
        for px in range(size):
            acc = [0.0, 0.0, 0.0, 0.0]
            for sy in range(n):
                for sx in range(n):
                    x, y = (px + (sx + 0.5) / n) / size, (py + (sy + 0.5) / n) / size
                    colour = background
                    for inside, c in shapes:
                        if inside(x, y):
                            colour = c
                    if colour is not None:
                        acc[0] += colour[0]
                        acc[1] += colour[1]
                        acc[2] += colour[2]
                        acc[3] += 1
            covered = acc[3]
            if covered == 0:
                row.append((0, 0, 0, 0))
            else:
                row.append((round(acc[0] / covered), round(acc[1] / covered), round(acc[2] / covered),
                            round(255 * covered / (n * n))))
        rows.append(row)
    return rows


def bar(x0, x1, top, bottom=0.78):
    return lambda x, y: x0 <= x <= x1 and top <= y <= bottom


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    bars = [bar(0.20, 0.34, 0.52), bar(0.43, 0.57, 0.46), bar(0.66, 0.80, 0.20)]
    colour = render(192, [(bars[0], WHITE), (bars[1], WHITE), (bars[2], RED)], BLUE)
    with open(os.path.join(here, "color.png"), "wb") as f:
        f.write(png(192, 192, colour))
    # The outline icon must be white on transparent.
    outline = render(32, [(b, WHITE) for b in bars], None)
    with open(os.path.join(here, "outline.png"), "wb") as f:
        f.write(png(32, 32, outline))


if __name__ == "__main__":
    main()
