#include "matching/observed.h"

#include <algorithm>
#include <cmath>

#include "io/parallel.h"
#include "multipliers/lut_gemm/lut_gemm.h"

namespace agnapprox {
namespace {

// Rows per task: bounds the int32 output block and keeps tasks fixed, so
// that any thread count gives the same sums.
constexpr int64_t kRowsPerTask = 2048;

// Exact integer sums of e_ro, e_ro^2 and per-neuron sums.
struct Sums {
  __int128 sum = 0;
  __int128 sum_sq = 0;
  long double sum_cube = 0, sum_fourth = 0;  // for the standard error only
  std::vector<int64_t> channel;  // [out]

  void Merge(const Sums& o) {
    sum += o.sum;
    sum_sq += o.sum_sq;
    sum_cube += o.sum_cube;
    sum_fourth += o.sum_fourth;
    for (size_t i = 0; i < channel.size(); ++i) channel[i] += o.channel[i];
  }
};

// `rows`: the rows each output neuron meets.
ObservedErrorStats Finish(const Sums& s, int64_t rows, int64_t out) {
  ObservedErrorStats e;
  const long double count = static_cast<long double>(rows) * out;
  const long double mean = static_cast<long double>(s.sum) / count;
  const long double var = static_cast<long double>(s.sum_sq) / count - mean * mean;
  e.mean = static_cast<double>(mean);
  e.std = static_cast<double>(std::sqrt(std::max(var, 0.0L)));
  // var(e - m_o) = var(e) - var_o(m_o) (each neuron has `rows` entries).
  long double between = 0;
  e.channel_mean.resize(out);
  for (int64_t o = 0; o < out; ++o) {
    const long double m = static_cast<long double>(s.channel[o]) / rows;
    e.channel_mean[o] = static_cast<double>(m);
    between += (m - mean) * (m - mean) / out;
  }
  e.std_after_channel_mean = static_cast<double>(std::sqrt(std::max(var - between, 0.0L)));
  if (var > 0) {
    const long double m2 = static_cast<long double>(s.sum_sq) / count;
    const long double m3 = s.sum_cube / count, m4 = s.sum_fourth / count;
    const long double central4 =
        m4 - 4 * mean * m3 + 6 * mean * mean * m2 - 3 * mean * mean * mean * mean;
    e.std_error = static_cast<double>(std::sqrt(std::max(central4 - var * var, 0.0L) / rows) /
                                      (2 * std::sqrt(var)));
  }
  return e;
}

}  // namespace

TraceIndices IndicesOf(const LayerTrace& trace) {
  TraceIndices x;
  x.fan_in = trace.fan_in;
  x.rows = trace.num_rows();
  x.out = static_cast<int64_t>(trace.weights.size()) / trace.fan_in;
  x.groups = std::max<int64_t>(1, trace.groups);
  x.features.resize(trace.features.size());
  x.weights.resize(trace.weights.size());
  for (size_t i = 0; i < trace.features.size(); ++i) {
    x.features[i] = static_cast<uint8_t>(OperandIndex(trace.features[i], trace.range));
  }
  for (size_t i = 0; i < trace.weights.size(); ++i) {
    x.weights[i] = static_cast<uint8_t>(OperandIndex(trace.weights[i], trace.range));
  }
  return x;
}

std::vector<int32_t> ErrorTable(const ErrorMap& map) {
  std::vector<int32_t> t(map.values.size());
  for (size_t i = 0; i < t.size(); ++i) t[i] = static_cast<int32_t>(map.values[i]);
  return t;
}

namespace {

// Adds output e of a row to the sums (per-row partial sums first).
struct RowSums {
  int64_t sum = 0;
  __int128 sq = 0;
  long double cube = 0, fourth = 0;
  void Add(int64_t e) {
    sum += e;
    sq += static_cast<__int128>(e) * e;
    const long double d = static_cast<long double>(e), d2 = d * d;
    cube += d2 * d;
    fourth += d2 * d2;
  }
  void To(Sums* s) const {
    s->sum += sum;
    s->sum_sq += sq;
    s->sum_cube += cube;
    s->sum_fourth += fourth;
  }
};

}  // namespace

ObservedErrorStats ObserveError(const TraceIndices& x, absl::Span<const int32_t> error_table,
                           int threads) {
  const LutGemm gemm(error_table);
  const int64_t rows_per_group = x.rows / x.groups, out_per_group = x.out / x.groups;
  const int64_t blocks = (rows_per_group + kRowsPerTask - 1) / kRowsPerTask;
  const int64_t tasks = blocks * x.groups;
  std::vector<Sums> parts(tasks);
  RunTasks(threads, tasks, [&](size_t task) {
    const int64_t group = static_cast<int64_t>(task) / blocks;
    const int64_t first_in_group = (static_cast<int64_t>(task) % blocks) * kRowsPerTask;
    const int64_t first = group * rows_per_group + first_in_group;
    const int64_t count = std::min(kRowsPerTask, rows_per_group - first_in_group);
    const int64_t out0 = group * out_per_group;
    const uint8_t* w = x.weights.data() + out0 * x.fan_in;
    Sums& s = parts[task];
    s.channel.assign(x.out, 0);
    if (out_per_group <= 4) {
      // Few outputs per group (depthwise: one): a direct loop, no GEMM.
      for (int64_t r = 0; r < count; ++r) {
        const uint8_t* a = x.features.data() + (first + r) * x.fan_in;
        RowSums row;
        for (int64_t o = 0; o < out_per_group; ++o) {
          int64_t e = 0;
          for (int64_t j = 0; j < x.fan_in; ++j) e += error_table[a[j] * 256 + w[o * x.fan_in + j]];
          row.Add(e);
          s.channel[out0 + o] += e;
        }
        row.To(&s);
      }
      return;
    }
    thread_local std::vector<int32_t> c;
    c.resize(count * out_per_group);
    gemm.Multiply(x.features.data() + first * x.fan_in, count, w, out_per_group, x.fan_in,
                  c.data(), 1);
    for (int64_t r = 0; r < count; ++r) {
      const int32_t* row_out = c.data() + r * out_per_group;
      RowSums row;
      for (int64_t o = 0; o < out_per_group; ++o) {
        row.Add(row_out[o]);
        s.channel[out0 + o] += row_out[o];
      }
      row.To(&s);
    }
  });
  Sums all;
  all.channel.assign(x.out, 0);
  for (const Sums& s : parts) all.Merge(s);
  return Finish(all, rows_per_group, x.out);
}

ErrorMoments OffsetError(const ObservedErrorStats& e, absl::Span<const double> offset) {
  // Each neuron has the same number of rows, so with m_o its mean error:
  // E[(e - c)^2] = E[e^2] - 2 mean_o(c_o m_o) + mean_o(c_o^2).
  const size_t out = offset.size();
  long double cross = 0, square = 0, shift = 0;
  for (size_t o = 0; o < out; ++o) {
    cross += static_cast<long double>(offset[o]) * e.channel_mean[o] / out;
    square += static_cast<long double>(offset[o]) * offset[o] / out;
    shift += static_cast<long double>(offset[o]) / out;
  }
  const long double second = static_cast<long double>(e.std) * e.std +
                             static_cast<long double>(e.mean) * e.mean - 2 * cross + square;
  const long double mean = e.mean - shift;
  return {static_cast<double>(mean),
          static_cast<double>(std::sqrt(std::max(second - mean * mean, 0.0L)))};
}

ObservedErrorStats ObserveErrorReference(const TraceIndices& x, absl::Span<const int32_t> error_table) {
  Sums s;
  s.channel.assign(x.out, 0);
  const int64_t rows_per_group = x.rows / x.groups, out_per_group = x.out / x.groups;
  for (int64_t r = 0; r < x.rows; ++r) {
    const int64_t g = r / rows_per_group;
    for (int64_t o = g * out_per_group; o < (g + 1) * out_per_group; ++o) {
      int64_t e = 0;
      for (int64_t j = 0; j < x.fan_in; ++j) {
        e += error_table[x.features[r * x.fan_in + j] * 256 + x.weights[o * x.fan_in + j]];
      }
      RowSums one;
      one.Add(e);
      one.To(&s);
      s.channel[o] += e;
    }
  }
  return Finish(s, rows_per_group, x.out);
}

}  // namespace agnapprox
