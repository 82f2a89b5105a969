// The whole agnapprox flow for one network and data set:
//
//   1. baseline (FP32)            5. deployment, evaluation before retraining
//   2. QAT                        6. approximate retraining, then test
//   3. gradient search (sigma)    7. the uniform comparison: one multiplier
//   4. tracing and matching          in every layer at the same or lower
//                                    relative energy, before and after the
//                                    same retraining
//
// Every stage ends with a checkpoint and an updated state file, written
// atomically, so that Resume continues after the last completed stage.
// Outputs in options.output_dir: summary.json, metrics.jsonl, matching.json,
// traces/, report.html. The pipeline only composes: networks come from the
// registry in nets/, data sets from nets/data, selection rules from
// matching/.
#ifndef AGNAPPROX_PIPELINE_PIPELINE_H_
#define AGNAPPROX_PIPELINE_PIPELINE_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "matching/select.h"

namespace agnapprox {

class DataParallel;  // nets/training/distributed.h

// How matching's choice is made: agnapprox's rule (the cheapest multiplier
// within each layer's tolerance), or that rule's choice improved by
// measured accuracy on calibration images (matching/verified_search.h).
enum class Selection { kTolerance, kVerified };

struct PipelineOptions {
  std::string net = "lenet5";
  // An ONNX file to start from instead of `net` (spec section 7).
  std::string model;
  std::string dataset = "fashion_mnist";
  std::string data_dir;           // default: Debian's Fashion-MNIST
  // folder and npy data sets (spec section 9): the crop's side (0: the
  // network's input size, else 224), the shorter side before cropping (-1:
  // round(S * 256 / 224); 0: none), normalisation (empty: ImageNet's), and
  // whether training augments (random crop and flip).
  int64_t image_size = 0;
  int64_t resize = -1;
  std::vector<double> mean, std;
  bool augment = true;
  std::string catalog = "builtin:_s";
  std::string catalog_filter;     // keep the entries whose name contains it

  std::string metric = "power";
  int max_distinct = 0;
  int64_t batch_size = 128;
  int threads = 0;                // 0 = one per core
  uint64_t seed = 0;
  std::string output_dir = "agnapprox_out";
  double lambda = 0.2;
  double initial_noise = 0.1;
  double sigma_max = 0.5;
  // Stage -> epochs and stage -> learning rate, overriding the network's
  // settings.
  std::map<std::string, int> epochs;
  std::map<std::string, double> lr;
  // Training examples used per epoch (0 = all).
  int64_t train_limit = 0;
  // Images traced for matching (the first ones of the training data), and
  // as many following ones traced apart to check the choice (held out).
  int64_t trace_samples = 256;
  int64_t num_samples = 512;      // matching's sampled rows per layer
  // At most this many activation codes per layer trace: larger layers keep
  // a seeded sample of their rows (0 = every row).
  int64_t trace_codes = kDefaultTraceCodes;
  // What matching compares with the tolerance (spec section 5).
  Estimator estimator = Estimator::kModel;
  // Subtract each neuron's predicted systematic error at deployment, and
  // match on the error left after it.
  bool compensate_bias = false;
  Selection selection = Selection::kVerified;
  // kVerified: the cheapest assignment whose calibration accuracy is at
  // least QAT's calibration accuracy minus this many points.
  double accuracy_budget = 1.0;
  // Training images held out of training for calibration, chosen by a
  // seeded split; -1: min(5000, a tenth of the training images).
  int64_t calibration_images = -1;
  // Approximate retraining's backward (--retrain_gradient): the multiplier's
  // own gradient tables instead of the exact product's (issue #17).
  bool table_gradient = false;
  bool resume = false;
  bool progress = true;
  // Leaves out stage 7 (used by the lambda sweep's runs).
  bool skip_uniform = false;
  // Data-parallel (spec section 8): this rank's connection to the others,
  // or null for one process. Every rank runs every training stage on its
  // shard; rank 0 alone evaluates, traces, matches and writes files, and
  // shares the run's state with the others after every stage.
  DataParallel* data_parallel = nullptr;
};

// What the run studies: the ONNX file when there is one, else the network's
// name (state, summary and report use it).
inline std::string NetLabel(const PipelineOptions& o) { return o.model.empty() ? o.net : o.model; }

// The settings of --quick: LeNet5 on Fashion-MNIST with few epochs.
void ApplyQuick(PipelineOptions* options);

absl::Status RunPipeline(const PipelineOptions& options);

}  // namespace agnapprox

#endif  // AGNAPPROX_PIPELINE_PIPELINE_H_
