#pragma once
// Many series through the statistical detector at once. kLanes series advance in lockstep, one
// point each per push, and the per-point arithmetic runs on all lanes together (SIMD: one AVX-512
// register holds a value of every lane; AVX2 and SSE2 builds of the same code are chosen at run
// time by the CPU). What it computes is SeriesDetector's, bit for bit, on every lane (a unit test
// compares them): the warm-up and the initial fit run through SeriesDetector itself, whose state
// is then taken over; after that the same operations run in the same order, with the scale's
// sorted window updated by a branch-free merge instead of binary searches.
//
// For what the daily cost detector needs: a fixed period (or none), no period finding, no gaps;
// `learn` is shared by the lanes (a holiday is a holiday for every series).
#include <memory>

#include "engine/detect/series_detector.hpp"

namespace costbot::detect {

class SeriesBatchDetector {
 public:
  static constexpr int kLanes = 8;

  // One point of every lane.
  struct Step {
    double expected[kLanes], lower[kLanes], upper[kLanes], scale[kLanes], z[kLanes], score[kLanes];
    bool anomaly[kLanes], over_threshold[kLanes];
    PointKind kind[kLanes];
    PointResult at(int lane, double value) const;
  };

  static bool supports(const DetectorOptions& options);
  // Throws std::invalid_argument when !supports(options).
  explicit SeriesBatchDetector(const DetectorOptions& options);
  ~SeriesBatchDetector();
  SeriesBatchDetector(const SeriesBatchDetector&) = delete;
  SeriesBatchDetector& operator=(const SeriesBatchDetector&) = delete;

  // Starts every lane over (buffers are kept: no allocation per batch of series).
  void reset();
  // Scores the next point of every lane (values[kLanes]) into `out`, then learns from it unless
  // `learn` is false. Lanes without a series of their own may be fed anything finite (zeros).
  void push(const double* values, bool learn, Step& out);

  std::int64_t points() const;

  struct State;  // the lanes' state (series_batch.cpp)

 private:
  void take_over();
  std::unique_ptr<State> state_;
};

}  // namespace costbot::detect
