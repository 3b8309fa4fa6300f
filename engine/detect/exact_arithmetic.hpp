#pragma once
// Multiply and add round separately from here to the end of the including file, in every build:
// the one-series detectors (series_detector.cpp, daily_detector.cpp) and the many-series one
// (series_batch.cpp, one lane or eight, AVX-512, AVX2 or SSE2) must agree bit for bit, and a fused
// multiply-add rounds once, so the lanes would drift apart in the last bits.
// Include it after every other header.
#if defined(__clang__)
#pragma clang fp contract(off)
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif
