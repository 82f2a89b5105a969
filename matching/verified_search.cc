#include "matching/verified_search.h"

#include <algorithm>
#include <limits>
#include <map>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace agnapprox {
namespace {

// The measurements of one search, each assignment measured once.
class Measurements {
 public:
  Measurements(const std::vector<SearchLayer>& layers, AssignmentOracle& oracle,
               const SearchOptions& options)
      : layers_(layers), oracle_(oracle), options_(options) {}

  absl::Status SetBase(const Assignment& a) { return oracle_.SetBase(Names(a)); }

  // The index in `evaluated` of `a`, measured now unless it was already.
  absl::StatusOr<size_t> Measure(const Assignment& a, const char* step, int64_t planned) {
    auto it = index_.find(a);
    if (it != index_.end()) return it->second;
    absl::StatusOr<int64_t> correct = oracle_.Correct(Names(a));
    if (!correct.ok()) return correct.status();
    EvaluatedAssignment e;
    e.choice = a;
    e.relative_energy = AssignmentEnergy(layers_, a);
    e.correct = *correct;
    e.step = step;
    evaluated_.push_back(std::move(e));
    index_[a] = evaluated_.size() - 1;
    if (options_.progress != nullptr) {
      options_.progress(static_cast<int64_t>(evaluated_.size()), planned,
                        options_.progress_context);
    }
    return evaluated_.size() - 1;
  }

  const EvaluatedAssignment& at(size_t i) const { return evaluated_[i]; }
  std::vector<EvaluatedAssignment>& all() { return evaluated_; }
  int64_t count() const { return static_cast<int64_t>(evaluated_.size()); }

 private:
  std::vector<std::string> Names(const Assignment& a) const { return AssignmentNames(layers_, a); }

  const std::vector<SearchLayer>& layers_;
  AssignmentOracle& oracle_;
  const SearchOptions& options_;
  std::vector<EvaluatedAssignment> evaluated_;
  std::map<Assignment, size_t> index_;
};

std::vector<std::pair<double, int64_t>> PointsOf(const std::vector<EvaluatedAssignment>& e) {
  std::vector<std::pair<double, int64_t>> p;
  for (const EvaluatedAssignment& a : e) p.push_back({a.relative_energy, a.correct});
  return p;
}

// The least-energy assignment whose losses sum to at most `budget`: a
// multiple-choice knapsack solved exactly by dynamic programming over the
// integer loss. losses[l][c] >= 0.
Assignment Knapsack(const std::vector<SearchLayer>& layers,
                    const std::vector<std::vector<int64_t>>& losses, int64_t budget) {
  const size_t n = layers.size();
  const int64_t width = budget + 1;
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<double> cost(width, 0.0), next(width);
  std::vector<std::vector<int>> pick(n, std::vector<int>(width, -1));
  for (size_t l = 0; l < n; ++l) {
    for (int64_t b = 0; b < width; ++b) {
      double best = inf;
      for (size_t c = 0; c < layers[l].options.size(); ++c) {
        const int64_t loss = losses[l][c];
        if (loss > b || cost[b - loss] == inf) continue;
        const double v = cost[b - loss] + layers[l].weight * layers[l].options[c].relative_metric;
        if (v < best) {
          best = v;
          pick[l][b] = static_cast<int>(c);
        }
      }
      next[b] = best;
    }
    cost.swap(next);
  }
  Assignment a(n);
  int64_t b = budget;
  for (size_t l = n; l-- > 0;) {
    a[l] = pick[l][b];
    b -= losses[l][a[l]];
  }
  return a;
}

}  // namespace

int64_t CheapestWithin(const std::vector<std::pair<double, int64_t>>& e, int64_t min_correct) {
  int64_t best = -1;
  for (size_t i = 0; i < e.size(); ++i) {
    if (e[i].second < min_correct) continue;
    if (best < 0 || e[i].first < e[best].first ||
        (e[i].first == e[best].first && e[i].second > e[best].second)) {
      best = static_cast<int64_t>(i);
    }
  }
  return best;
}

std::vector<size_t> ParetoFront(const std::vector<std::pair<double, int64_t>>& e) {
  std::vector<size_t> order(e.size());
  for (size_t i = 0; i < e.size(); ++i) order[i] = i;
  // By energy, then most correct first: a point is on the front when it
  // beats the accuracy of everything cheaper or as cheap before it.
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    if (e[a].first != e[b].first) return e[a].first < e[b].first;
    return e[a].second > e[b].second;
  });
  std::vector<size_t> front;
  int64_t best = std::numeric_limits<int64_t>::min();
  for (size_t i : order) {
    if (e[i].second > best) {
      front.push_back(i);
      best = e[i].second;
    }
  }
  return front;
}

std::vector<std::string> AssignmentNames(const std::vector<SearchLayer>& layers,
                                         const Assignment& choice) {
  std::vector<std::string> names(choice.size());
  for (size_t l = 0; l < choice.size(); ++l) names[l] = layers[l].options[choice[l]].name;
  return names;
}

double AssignmentEnergy(const std::vector<SearchLayer>& layers, const Assignment& choice) {
  double e = 0;
  for (size_t l = 0; l < layers.size(); ++l) {
    e += layers[l].weight * layers[l].options[choice[l]].relative_metric;
  }
  return e;
}

std::vector<SearchLayer> PruneOptions(const std::vector<SearchLayer>& layers,
                                      double max_error_ratio) {
  std::vector<SearchLayer> out;
  for (const SearchLayer& layer : layers) {
    SearchLayer p = layer;
    p.options.clear();
    p.start = -1;
    std::vector<size_t> order(layer.options.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      const SearchOption &x = layer.options[a], &y = layer.options[b];
      if (x.relative_metric != y.relative_metric) return x.relative_metric < y.relative_metric;
      if (x.error_ratio != y.error_ratio) return x.error_ratio < y.error_ratio;
      return x.name < y.name;
    });
    double least = std::numeric_limits<double>::infinity();
    for (const SearchOption& o : layer.options) least = std::min(least, o.error_ratio);
    // An option stays unless one before it in this order (no more
    // expensive) has no more error; of identical options the first stays.
    std::vector<size_t> kept;
    for (size_t k = order.size(); k-- > 0;) {
      const size_t i = order[k];
      const SearchOption& o = layer.options[i];
      const bool is_start = static_cast<int>(i) == layer.start;
      const bool too_large = max_error_ratio > 0 && o.error_ratio > max_error_ratio &&
                             o.error_ratio > least;
      bool dominated = false;
      for (size_t m = 0; m < k; ++m) {
        const SearchOption& c = layer.options[order[m]];
        if (c.relative_metric <= o.relative_metric && c.error_ratio <= o.error_ratio) {
          dominated = true;
          break;
        }
      }
      if (is_start || (!dominated && !too_large)) kept.push_back(i);
    }
    std::reverse(kept.begin(), kept.end());
    for (size_t i : kept) {
      if (static_cast<int>(i) == layer.start) p.start = static_cast<int>(p.options.size());
      p.options.push_back(layer.options[i]);
    }
    out.push_back(std::move(p));
  }
  return out;
}

absl::StatusOr<SearchResult> SearchAssignments(const std::vector<SearchLayer>& input,
                                               AssignmentOracle& oracle,
                                               const SearchOptions& options) {
  if (input.empty()) return absl::InvalidArgumentError("the search has no layers");
  for (const SearchLayer& l : input) {
    if (l.options.empty()) {
      return absl::InvalidArgumentError(absl::StrCat("layer ", l.name, ": no multipliers"));
    }
  }
  SearchResult result;
  result.layers = PruneOptions(input, options.max_error_ratio);
  const std::vector<SearchLayer>& layers = result.layers;
  const size_t n = layers.size();
  Measurements m(layers, oracle, options);

  // 1. Exhaustive.
  int64_t space = 1;
  for (const SearchLayer& l : layers) {
    space = std::min<int64_t>(space * static_cast<int64_t>(l.options.size()),
                              options.exhaustive_limit + 1);
  }
  if (space <= options.exhaustive_limit) {
    Assignment a(n, 0);
    while (true) {
      if (a[n - 1] == 0) {
        if (absl::Status s = m.SetBase(a); !s.ok()) return s;
      }
      if (absl::StatusOr<size_t> i = m.Measure(a, "exhaustive", space); !i.ok()) return i.status();
      // The last layer counts fastest, so one base serves its options.
      size_t l = n;
      while (l-- > 0) {
        if (++a[l] < static_cast<int>(layers[l].options.size())) break;
        a[l] = 0;
      }
      if (l == static_cast<size_t>(-1)) break;
    }
  } else {
    // 2. Sensitivity around the reference.
    Assignment reference(n);
    int64_t planned = 1;
    for (size_t l = 0; l < n; ++l) {
      int best = 0;
      for (size_t c = 1; c < layers[l].options.size(); ++c) {
        if (layers[l].options[c].error_ratio < layers[l].options[best].error_ratio) {
          best = static_cast<int>(c);
        }
      }
      reference[l] = best;
      planned += static_cast<int64_t>(layers[l].options.size()) - 1;
    }
    if (absl::Status s = m.SetBase(reference); !s.ok()) return s;
    absl::StatusOr<size_t> ref = m.Measure(reference, "reference", planned);
    if (!ref.ok()) return ref.status();
    const int64_t ref_correct = m.at(*ref).correct;
    std::vector<std::vector<int64_t>> losses(n);
    int64_t most_loss = 0;
    for (size_t l = 0; l < n; ++l) {
      losses[l].assign(layers[l].options.size(), 0);
      int64_t layer_most = 0;
      for (size_t c = 0; c < layers[l].options.size(); ++c) {
        Assignment a = reference;
        a[l] = static_cast<int>(c);
        absl::StatusOr<size_t> i = m.Measure(a, "sensitivity", planned);
        if (!i.ok()) return i.status();
        losses[l][c] = std::max<int64_t>(0, ref_correct - m.at(*i).correct);
        layer_most = std::max(layer_most, losses[l][c]);
      }
      most_loss += layer_most;
    }
    // The tolerance choice, measured.
    if (std::all_of(layers.begin(), layers.end(), [](const SearchLayer& l) { return l.start >= 0; })) {
      Assignment t(n);
      for (size_t l = 0; l < n; ++l) t[l] = layers[l].start;
      if (absl::StatusOr<size_t> i = m.Measure(t, "tolerance", 0); !i.ok()) return i.status();
    }
    // 3. Knapsack at the target's budget (shrinking while it misses), then
    // at halves and doubles of it for the front.
    const int64_t target_budget = ref_correct - options.min_correct;
    if (target_budget >= 0) {
      int64_t budget = std::min(target_budget, most_loss);
      for (int shrink = 0; shrink <= options.max_shrinks; ++shrink) {
        absl::StatusOr<size_t> i = m.Measure(Knapsack(layers, losses, budget), "knapsack", 0);
        if (!i.ok()) return i.status();
        const int64_t lost = ref_correct - m.at(*i).correct;
        if (m.at(*i).correct >= options.min_correct || budget == 0) break;
        // Losses interact: aim lower by the ratio the last solution missed.
        budget = std::min(budget - 1, budget * target_budget / std::max<int64_t>(lost, 1));
        budget = std::max<int64_t>(budget, 0);
      }
    }
    const int64_t unit = std::max<int64_t>(target_budget, 1);
    for (int64_t b :
         {unit / 4, unit / 2, 2 * unit, 4 * unit, 8 * unit, 16 * unit, most_loss / 2, most_loss}) {
      if (b <= 0 || b > most_loss) continue;
      absl::StatusOr<size_t> i = m.Measure(Knapsack(layers, losses, b), "knapsack", 0);
      if (!i.ok()) return i.status();
    }
    // 4. Descent from the cheapest qualifying point.
    int64_t current = CheapestWithin(PointsOf(m.all()), options.min_correct);
    std::vector<std::vector<bool>> blocked(n);
    for (size_t l = 0; l < n; ++l) blocked[l].assign(layers[l].options.size(), false);
    while (current >= 0 && m.count() < options.max_evaluations) {
      const Assignment base = m.at(current).choice;
      const int64_t base_correct = m.at(current).correct;
      if (absl::Status s = m.SetBase(base); !s.ok()) return s;
      int64_t best = -1;
      double best_score = -1;
      for (size_t l = 0; l < n && m.count() < options.max_evaluations; ++l) {
        const int c = base[l] - 1;  // the next cheaper option
        if (c < 0 || blocked[l][c]) continue;
        Assignment a = base;
        a[l] = c;
        absl::StatusOr<size_t> i = m.Measure(a, "descent", 0);
        if (!i.ok()) return i.status();
        const EvaluatedAssignment& e = m.at(*i);
        if (e.correct < options.min_correct) {
          blocked[l][c] = true;
          continue;
        }
        const double saved = m.at(current).relative_energy - e.relative_energy;
        const double lost = std::max<double>(0.5, static_cast<double>(base_correct - e.correct));
        if (saved > 0 && saved / lost > best_score) {
          best_score = saved / lost;
          best = static_cast<int64_t>(*i);
        }
      }
      if (best < 0) break;
      current = best;
    }
  }

  result.measurements = m.count();
  result.evaluated = std::move(m.all());
  result.front = ParetoFront(PointsOf(result.evaluated));
  result.chosen = CheapestWithin(PointsOf(result.evaluated), options.min_correct);
  for (const EvaluatedAssignment& e : result.evaluated) {
    result.best_correct = std::max(result.best_correct, e.correct);
  }
  return result;
}

}  // namespace agnapprox
