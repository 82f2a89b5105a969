// Searching per-layer multiplier assignments by *measured* accuracy (the
// pipeline's --selection=verified).
//
// The tolerance rule (select.h) promises an error std per layer; it does not
// promise an accuracy, because approximate errors are deterministic and
// input-correlated where gradient search's noise was not. Here the error
// model only orders and prunes the candidates; a measurement decides. The
// caller supplies an AssignmentOracle that counts the images an assignment
// classifies correctly (the pipeline's: the deployed network on calibration
// images, from cached layer outputs), and SearchAssignments returns the
// cheapest assignment it measured that stays within the target, and every
// point it measured.
//
//   std::vector<SearchLayer> layers = SearchLayersOf(matching, pruning);
//   SearchOptions options;          // min_correct, exhaustive_limit, ...
//   absl::StatusOr<SearchResult> r = SearchAssignments(layers, oracle, options);
//   r->evaluated[r->chosen].choice  // one option index per layer
//
// The search, with N the number of measurements:
//   0. Candidates per layer: options dominated on that layer (another is no
//      more expensive and has no larger predicted error) are dropped, and so
//      are options whose predicted error exceeds `max_error_ratio` times the
//      tolerance (the least-error option always stays).
//   1. Exhaustive when the options' product is at most `exhaustive_limit`:
//      every assignment measured, the exact optimum.
//   2. Sensitivity: every option of every layer measured with the other
//      layers at their reference (least predicted error, usually the exact
//      product): loss_l(c) in images.
//   3. Knapsack: the exact least-energy assignment whose summed single-layer
//      losses fit a loss budget (dynamic programming over integer image
//      counts), measured, for the target's budget and for halves and
//      doubles of it (points of the front). When the target's solution
//      misses when measured (losses interact), the budget shrinks by what it
//      missed and the knapsack is solved again (at most `max_shrinks`). Half
//      and all of the largest summed loss give the cheap end of the front.
//   4. Descent: from the cheapest measured assignment within the target
//      (the tolerance choice is measured too), move one layer to its next
//      cheaper option: of the moves that stay within the target, the one
//      with the most energy saved per image lost; until none does.
#ifndef AGNAPPROX_MATCHING_VERIFIED_SEARCH_H_
#define AGNAPPROX_MATCHING_VERIFIED_SEARCH_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace agnapprox {

// One multiplier a layer may take.
struct SearchOption {
  std::string name;
  double relative_metric = 0;  // metric / metric_max
  // The error std the tolerance rule used, over the layer's max_std: orders
  // and prunes the options (0 for an exact multiplier).
  double error_ratio = 0;
};

struct SearchLayer {
  std::string name;
  double weight = 0;  // opcount_l / opcount_total
  std::vector<SearchOption> options;
  // The tolerance rule's choice (an index into options), or -1 for none.
  int start = -1;
};

// One option index per layer.
using Assignment = std::vector<int>;

class AssignmentOracle {
 public:
  virtual ~AssignmentOracle() = default;
  // Images classified correctly with each layer l at options[choice[l]].
  virtual absl::StatusOr<int64_t> Correct(const std::vector<std::string>& multipliers) = 0;
  // A hint: the next calls differ from `multipliers` in few layers (the
  // oracle may cache what those layers leave unchanged).
  virtual absl::Status SetBase(const std::vector<std::string>& multipliers) = 0;
};

struct SearchOptions {
  // The target: an assignment qualifies when it classifies at least this
  // many images correctly.
  int64_t min_correct = 0;
  // Enumerate every assignment when there are at most this many.
  int64_t exhaustive_limit = 256;
  // Candidate pruning (step 0); <= 0 keeps every undominated option.
  double max_error_ratio = 16;
  int max_shrinks = 4;
  // Stops the descent after this many measurements in all.
  int64_t max_evaluations = 4000;
  // Called after each measurement with (measurements so far, a bound on
  // the measurements of the current step), for a progress bar; may be null.
  void (*progress)(int64_t done, int64_t planned, void* context) = nullptr;
  void* progress_context = nullptr;
};

struct EvaluatedAssignment {
  Assignment choice;
  double relative_energy = 0;
  int64_t correct = 0;
  // The step that measured it: "exhaustive", "reference", "sensitivity",
  // "tolerance", "knapsack", "descent".
  std::string step;
};

struct SearchResult {
  // Every distinct assignment measured, in measurement order.
  std::vector<EvaluatedAssignment> evaluated;
  // Indices into `evaluated` of the non-dominated ones (no other has less
  // or equal energy and more or equal correct images, one of them strictly),
  // by increasing energy.
  std::vector<size_t> front;
  // The cheapest qualifying assignment (ties: more correct, then measured
  // first), or -1 when none qualifies.
  int64_t chosen = -1;
  // The most correct images of any measured assignment.
  int64_t best_correct = 0;
  // Layers after pruning (step 0): what Assignment indices refer to.
  std::vector<SearchLayer> layers;
  int64_t measurements = 0;
};

// Measured points (relative energy, correct images) of any kind, e.g. the
// search's and the uniform assignments together:
// The indices of the non-dominated points (no other has less or equal
// energy and more or equal correct images, one of them strictly), by
// increasing energy; of equal points the first.
std::vector<size_t> ParetoFront(const std::vector<std::pair<double, int64_t>>& points);
// The cheapest point with at least `min_correct` (ties: more correct, then
// the first), or -1.
int64_t CheapestWithin(const std::vector<std::pair<double, int64_t>>& points, int64_t min_correct);

// The multiplier names of `choice`, one per layer.
std::vector<std::string> AssignmentNames(const std::vector<SearchLayer>& layers,
                                         const Assignment& choice);

// Relative energy sum_l weight_l * relative_metric_l of `choice`.
double AssignmentEnergy(const std::vector<SearchLayer>& layers, const Assignment& choice);

// The candidates of step 0, each layer's options sorted by relative metric
// (then error ratio, then name); `start` follows its option.
std::vector<SearchLayer> PruneOptions(const std::vector<SearchLayer>& layers,
                                      double max_error_ratio);

// Runs steps 0-4. Errors: no layers, a layer without options, or the
// oracle's own errors. A target that nothing meets is not an error here:
// `chosen` is then -1 and `best_correct` says what is on offer.
absl::StatusOr<SearchResult> SearchAssignments(const std::vector<SearchLayer>& layers,
                                               AssignmentOracle& oracle,
                                               const SearchOptions& options);

}  // namespace agnapprox

#endif  // AGNAPPROX_MATCHING_VERIFIED_SEARCH_H_
