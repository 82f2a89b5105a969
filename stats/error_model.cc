#include "stats/error_model.h"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>

namespace agnapprox {
namespace {

using RowMajorMatrix =
    Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

Eigen::Map<const RowMajorMatrix> AsMatrix(const ErrorMap& map) {
  return Eigen::Map<const RowMajorMatrix>(map.values.data(), kNumOperands,
                                          kNumOperands);
}

Eigen::VectorXd Probabilities(const OperandHistogram& h) {
  Eigen::VectorXd p(kNumOperands);
  for (int i = 0; i < kNumOperands; ++i) p[i] = h.Probability(i);
  return p;
}

// Rows per block of H: 64 x 256 doubles = 128 KiB, which stays in L2 and
// is all the memory a prediction touches for H (fresh pages are costly).
// Each row's moments are one dot product per column of U, so the block
// size does not change any result.
constexpr int64_t kRowBlock = 64;

}  // namespace

ErrorMoments PredictSingle(const ErrorMap& map, const OperandHistogram& a,
                           const OperandHistogram& b) {
  const Eigen::VectorXd pa = Probabilities(a);
  const Eigen::VectorXd pb = Probabilities(b);
  const auto e = AsMatrix(map);
  const double mean = pa.dot(e * pb);
  const double second = pa.dot(e.cwiseProduct(e) * pb);
  return {mean, std::sqrt(std::max(0.0, second - mean * mean))};
}

WeightedError WeightError(const ErrorMap& map, const OperandHistogram& weights) {
  const Eigen::VectorXd pw = Probabilities(weights);
  const auto e = AsMatrix(map);
  WeightedError w;
  w.range = map.range;
  w.mean.resize(kNumOperands);
  w.second.resize(kNumOperands);
  Eigen::Map<Eigen::VectorXd>(w.mean.data(), kNumOperands) = e * pw;
  Eigen::Map<Eigen::VectorXd>(w.second.data(), kNumOperands) = e.cwiseProduct(e) * pw;
  return w;
}

std::vector<ErrorMoments> PredictPopulation(
    absl::Span<const ErrorMap* const> maps, const OperandHistogram& weights,
    absl::Span<const int16_t> features, int64_t fan_in,
    absl::Span<const int64_t> rows) {
  std::vector<WeightedError> weighted;
  weighted.reserve(maps.size());
  std::vector<const WeightedError*> pointers;
  for (const ErrorMap* map : maps) {
    weighted.push_back(WeightError(*map, weights));
    pointers.push_back(&weighted.back());
  }
  return PredictPopulationFromWeighted(pointers, features, fan_in, rows);
}

std::vector<ErrorMoments> PredictPopulationFromWeighted(
    absl::Span<const WeightedError* const> weighted, absl::Span<const int16_t> features,
    int64_t fan_in, absl::Span<const int64_t> rows) {
  const int64_t num_maps = static_cast<int64_t>(weighted.size());
  const int64_t num_rows = static_cast<int64_t>(rows.size());
  const OperandRange range = weighted.empty() ? OperandRange::kSigned : weighted[0]->range;

  // U = [E_1 p_w, (E_1∘E_1) p_w, E_2 p_w, ...]: 256 x 2M.
  Eigen::MatrixXd u(kNumOperands, 2 * num_maps);
  for (int64_t j = 0; j < num_maps; ++j) {
    u.col(2 * j) = Eigen::Map<const Eigen::VectorXd>(weighted[j]->mean.data(), kNumOperands);
    u.col(2 * j + 1) =
        Eigen::Map<const Eigen::VectorXd>(weighted[j]->second.data(), kNumOperands);
  }

  // m_i for every map and row (two passes over them keep var_i(m_i) exact to
  // rounding even when the mean dominates), and the running sum of v_i.
  Eigen::MatrixXd m(num_rows, num_maps);
  std::vector<double> sum_v(num_maps, 0.0);
  const double inv_n = 1.0 / static_cast<double>(fan_in);
  RowMajorMatrix h(std::min(kRowBlock, num_rows), kNumOperands);
  for (int64_t start = 0; start < num_rows; start += kRowBlock) {
    const int64_t count = std::min(kRowBlock, num_rows - start);
    h.setZero();
    for (int64_t r = 0; r < count; ++r) {
      const int16_t* x = features.data() + rows[start + r] * fan_in;
      double* hr = h.data() + r * kNumOperands;
      for (int64_t k = 0; k < fan_in; ++k) hr[OperandIndex(x[k], range)] += inv_n;
    }
    const Eigen::MatrixXd moments = h.topRows(count) * u;
    for (int64_t j = 0; j < num_maps; ++j) {
      for (int64_t r = 0; r < count; ++r) {
        const double mi = moments(r, 2 * j);
        m(start + r, j) = mi;
        sum_v[j] += moments(r, 2 * j + 1) - mi * mi;
      }
    }
  }

  const double n = static_cast<double>(fan_in);
  std::vector<ErrorMoments> out(num_maps);
  for (int64_t j = 0; j < num_maps; ++j) {
    const double mean_m = m.col(j).mean();
    const double var_m = (m.col(j).array() - mean_m).square().mean();
    const double mean_v = sum_v[j] / num_rows;
    out[j].mean = n * mean_m;
    out[j].std = std::sqrt(std::max(0.0, n * n * var_m + n * mean_v));
  }
  return out;
}

std::vector<double> ExpectedErrorByWeight(const ErrorMap& map,
                                          const OperandHistogram& activations) {
  std::vector<double> g(kNumOperands, 0.0);
  for (int ia = 0; ia < kNumOperands; ++ia) {
    const double p = activations.Probability(ia);
    if (p == 0) continue;
    for (int ib = 0; ib < kNumOperands; ++ib) g[ib] += p * map.At(ia, ib);
  }
  return g;
}

std::vector<double> ChannelCorrection(absl::Span<const double> error_by_weight,
                                      absl::Span<const int16_t> weights, int64_t fan_in,
                                      OperandRange range) {
  const int64_t out = static_cast<int64_t>(weights.size()) / fan_in;
  std::vector<double> c(out, 0.0);
  for (int64_t o = 0; o < out; ++o) {
    for (int64_t j = 0; j < fan_in; ++j) {
      c[o] += error_by_weight[OperandIndex(weights[o * fan_in + j], range)];
    }
  }
  return c;
}

}  // namespace agnapprox
