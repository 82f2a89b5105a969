// Runs //:pipeline as a user would on a tiny generated Fashion-MNIST-format
// folder: every stage, the outputs, and a kill during approximate
// retraining followed by --resume.
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <thread>

#include "gtest/gtest.h"
#include "io/file_io.h"
#include "tests/pipeline_testing.h"

namespace agnapprox {
namespace {

std::string Command(const std::string& out, const std::string& extra) {
  return Runfile("pipeline/pipeline_main") + " --data_dir=" + Dir() + "/data --output_dir=" + out +
         " --epochs=baseline=2,qat=1,gradient_search=2,approx=1 --trace_samples=32 "
         "--batch_size=64 --threads=1 " + extra;
}

class PipelineTest : public TinyDataTest {};

TEST_F(PipelineTest, EveryStageAndEveryOutput) {
  const std::string out = Dir() + "/run";
  ASSERT_EQ(std::system((Command(out, "") + " 2>" + Dir() + "/log.txt").c_str()), 0)
      << Slurp(Dir() + "/log.txt");
  const std::string summary = Slurp(out + "/summary.json");
  for (const char* key :
       {"\"baseline_accuracy\"", "\"qat_accuracy\"", "\"gradient_search_accuracy\"",
        "\"approx_accuracy_before_retraining\"", "\"approx_accuracy\"",
        "\"relative_energy_consumption\"", "\"sigma\"", "\"matching\"", "\"uniform\"",
        "\"seconds\"", "\"multiplier_name\"", "\"conv1\"", "\"selection\": \"verified\"",
        "\"metrics_are_estimates\": true", "\"matched_weights\": \"qat\"", "\"comparison\""}) {
    EXPECT_NE(summary.find(key), std::string::npos) << key;
  }
  // One metrics line per epoch: 2 + 1 + 2 + 1 + 1 (uniform retraining).
  const std::string metrics = Slurp(out + "/metrics.jsonl");
  EXPECT_EQ(std::count(metrics.begin(), metrics.end(), '\n'), 7);
  EXPECT_NE(metrics.find("\"stage\": \"gradient_search\""), std::string::npos);
  const std::string report = Slurp(out + "/report.html");
  EXPECT_EQ(report.rfind("<!DOCTYPE html>", 0), 0u);
  size_t svgs = 0;
  for (size_t p = report.find("<svg"); p != std::string::npos; p = report.find("<svg", p + 1)) {
    ++svgs;
  }
  EXPECT_EQ(svgs, 6u);  // energy, sigma, accuracy, energy-accuracy, the selection's front, calibration
  EXPECT_EQ(report.find("http://"), report.find("http://www.w3.org/2000/svg"));  // no fetches
  EXPECT_NE(Slurp(out + "/traces/traces.txtpb").find("fc3"), std::string::npos);
  EXPECT_NE(Slurp(out + "/traces/held_out.txtpb").find("fc3"), std::string::npos);
  EXPECT_NE(Slurp(out + "/traces/traces.txtpb").find("activation_zero_point"), std::string::npos);
  const std::string matching = Slurp(out + "/matching.json");
  for (const char* key : {"\"observed_std\"", "\"held_out_observed_std\"",
                          "\"held_out_layers_within_tolerance\"", "\"estimator\": \"model\""}) {
    EXPECT_NE(matching.find(key), std::string::npos) << key;
  }
  EXPECT_NE(summary.find("\"held_out_layers_within_tolerance\""), std::string::npos);
  const std::string log = Slurp(Dir() + "/log.txt");
  EXPECT_NE(log.find("[pipeline] matching"), std::string::npos);
  EXPECT_NE(log.find("epoch 1/2"), std::string::npos);

  // Matching again with other settings on the same trained network: the
  // earlier stages are taken over, not trained again.
  const std::string again = Dir() + "/reuse";
  ASSERT_EQ(std::system((Command(again, "--reuse_search=" + out + " --estimator=trace") + " 2>" +
                         Dir() + "/log_reuse.txt")
                            .c_str()),
            0)
      << Slurp(Dir() + "/log_reuse.txt");
  const std::string reuse_log = Slurp(Dir() + "/log_reuse.txt");
  EXPECT_EQ(reuse_log.find("gradient_search  epoch"), std::string::npos) << reuse_log;
  EXPECT_NE(reuse_log.find("resuming after: gradient_search"), std::string::npos) << reuse_log;
  const std::string reused = Slurp(again + "/summary.json");
  EXPECT_NE(reused.find("\"estimator\": \"trace\""), std::string::npos);
  for (const char* key : {"baseline_accuracy", "qat_accuracy", "gradient_search_accuracy"}) {
    ASSERT_NE(JsonNumber(summary, key), -1) << key;
    EXPECT_EQ(JsonNumber(reused, key), JsonNumber(summary, key)) << key;
  }
}

TEST_F(PipelineTest, TraceEstimatorWithBiasCompensationAndTableGradients) {
  const std::string out = Dir() + "/trace_compensated";
  ASSERT_EQ(std::system((Command(out, "--estimator=trace --compensate_bias --epochs=baseline=1,"
                                      "qat=1,gradient_search=1,approx=1 --retrain_gradient=table") +
                         " 2>" + Dir() + "/log_tc.txt")
                            .c_str()),
            0)
      << Slurp(Dir() + "/log_tc.txt");
  const std::string summary = Slurp(out + "/summary.json");
  EXPECT_NE(summary.find("\"estimator\": \"trace\""), std::string::npos);
  EXPECT_NE(summary.find("\"compensate_bias\": true"), std::string::npos);
  // Retrained with the tables' own gradients (issue #17).
  EXPECT_NE(summary.find("\"retrain_gradient\": \"table\""), std::string::npos);
  const std::string matching = Slurp(out + "/matching.json");
  EXPECT_NE(matching.find("\"bias_correction\""), std::string::npos);
  EXPECT_NE(matching.find("\"compensated_observed_std\""), std::string::npos);
  // The deployed model keeps its compensation.
  EXPECT_NE(Slurp(out + "/checkpoints/approx.pt").find("agnapprox/compensation/conv1"),
            std::string::npos);
}

// Killed during approximate retraining and resumed, a run ends exactly as
// an uninterrupted one: every stage's checkpoint is byte-identical (one
// thread, fixed seeds: training is deterministic), and so are matching.json
// and the accuracies. A resume with other settings is refused.
TEST_F(PipelineTest, KillDuringRetrainingThenResumeEqualsAnUninterruptedRun) {
  const std::string flags = "--epochs=baseline=1,qat=1,gradient_search=1,approx=25";
  const std::string whole = Dir() + "/whole";
  ASSERT_EQ(std::system((Command(whole, flags) + " 2>" + Dir() + "/whole.txt").c_str()), 0)
      << Slurp(Dir() + "/whole.txt");

  const std::string out = Dir() + "/killed";
  const std::string cmd = Command(out, flags);
  const pid_t pid = StartShell(cmd + " 2>/dev/null");
  bool deployed = false;
  for (int i = 0; i < 6000 && !deployed; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    deployed = Slurp(out + "/state.txtpb").find("completed: \"deploy\"") != std::string::npos;
  }
  ASSERT_TRUE(deployed);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  kill(pid, SIGKILL);
  ASSERT_TRUE(WIFSIGNALED(WaitFor(pid)));
  const std::string state_before = Slurp(out + "/state.txtpb");
  EXPECT_EQ(state_before.find("completed: \"approx\""), std::string::npos);

  // Other settings: refused with one line naming the flag and both values.
  for (const std::string& other :
       {std::string("--lambda=0.3"), std::string("--epochs=baseline=1,qat=1,gradient_search=1,"
                                                 "approx=26"),
        std::string("--estimator=trace")}) {
    const int refused = std::system(
        (Command(out, flags + " --resume " + other) + " 2>" + Dir() + "/refused.txt").c_str());
    EXPECT_EQ(WEXITSTATUS(refused), 1) << other;
    const std::string err = Slurp(Dir() + "/refused.txt");
    EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
    EXPECT_NE(err.find("this run has"), std::string::npos) << err;
    EXPECT_NE(err.find(other.substr(0, other.find('='))), std::string::npos) << err;
  }
  EXPECT_EQ(Slurp(out + "/state.txtpb"), state_before);

  ASSERT_EQ(std::system((Command(out, flags + " --resume") + " 2>" + Dir() + "/resume.txt").c_str()),
            0)
      << Slurp(Dir() + "/resume.txt");
  const std::string log = Slurp(Dir() + "/resume.txt");
  EXPECT_NE(log.find("resuming after: deploy"), std::string::npos) << log;
  EXPECT_EQ(log.find("[pipeline] baseline"), std::string::npos) << log;
  EXPECT_EQ(log.find("[pipeline] gradient_search"), std::string::npos) << log;
  EXPECT_NE(log.find("[pipeline] approx"), std::string::npos) << log;
  for (const char* file :
       {"checkpoints/baseline.pt", "checkpoints/qat.pt", "checkpoints/gradient_search.pt",
        "checkpoints/approx.pt", "matching.json"}) {
    const std::string want = Slurp(whole + "/" + file);
    EXPECT_FALSE(want.empty()) << file;
    EXPECT_TRUE(Slurp(out + "/" + file) == want) << file << " differs after the resume";
  }
  const std::string a = Slurp(whole + "/summary.json"), b = Slurp(out + "/summary.json");
  for (const char* key : {"baseline_accuracy", "qat_accuracy", "gradient_search_accuracy",
                          "approx_accuracy_before_retraining", "approx_accuracy"}) {
    ASSERT_NE(JsonNumber(a, key), -1) << key;
    EXPECT_EQ(JsonNumber(b, key), JsonNumber(a, key)) << key;
  }
}

TEST_F(PipelineTest, LambdaSweepWritesAParetoTable) {
  const std::string out = Dir() + "/sweep";
  ASSERT_EQ(std::system((Command(out, "--sweep_lambda=0.05,2") + " 2>" + Dir() + "/sweep.txt")
                            .c_str()),
            0)
      << Slurp(Dir() + "/sweep.txt");
  const std::string json = Slurp(out + "/sweep.json");
  size_t runs = 0;
  for (size_t p = json.find("\"lambda\""); p != std::string::npos;
       p = json.find("\"lambda\"", p + 1)) {
    ++runs;
  }
  EXPECT_EQ(runs, 3u);  // the main run's lambda and the two swept ones
  EXPECT_NE(json.find("\"pareto_optimal\": true"), std::string::npos);
  EXPECT_NE(Slurp(out + "/sweep.html").find("<svg"), std::string::npos);
  // The swept runs start from the main run's QAT network.
  const std::string log = Slurp(Dir() + "/sweep.txt");
  EXPECT_NE(log.find("resuming after: qat"), std::string::npos) << log;
  // Sweeping again into the same folder with another QAT schedule: the old
  // swept runs are not reused under the new settings.
  const int status = std::system(
      (Command(out, "--sweep_lambda=0.05,2 --epochs=baseline=2,qat=2,gradient_search=2,approx=1") +
       " 2>" + Dir() + "/sweep2.txt")
          .c_str());
  EXPECT_EQ(WEXITSTATUS(status), 1);
  const std::string err = Slurp(Dir() + "/sweep2.txt");
  EXPECT_NE(err.find("--epochs (qat): this run has 2 but"), std::string::npos) << err;
  EXPECT_NE(err.find("lambda_0.05/state.txtpb"), std::string::npos) << err;
}

// LeNet5 on a subset of the real Fashion-MNIST from Debian: trained,
// traced, matched with the built-in catalog, deployed and run approximately.
TEST_F(PipelineTest, RealFashionMnistSubset) {
  const std::string out = Dir() + "/fashion";
  const std::string cmd = Runfile("pipeline/pipeline_main") + " --output_dir=" + out +
                          " --train_limit=4000 --epochs=baseline=2,qat=1,gradient_search=1,"
                          "approx=1 --trace_samples=64 2>" + Dir() + "/fashion.txt";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << Slurp(Dir() + "/fashion.txt");
  const std::string summary = Slurp(out + "/summary.json");
  EXPECT_GT(JsonNumber(summary, "baseline_accuracy"), 0.7) << summary;
  EXPECT_GT(JsonNumber(summary, "approx_accuracy"), 0.7) << summary;
  const double energy = JsonNumber(summary, "relative_energy_consumption");
  EXPECT_GT(energy, 0);
  EXPECT_LT(energy, 1);
}

// A learnable CIFAR-10-format folder: class c brightens channel c % 3.
void WriteCifar(const std::string& dir, int per_batch) {
  std::mt19937_64 rng(3);
  auto batch = [&](int n) {
    std::string out;
    for (int i = 0; i < n; ++i) {
      const int c = static_cast<int>(rng() % 10);
      out.push_back(static_cast<char>(c));
      for (int p = 0; p < 3072; ++p) {
        const bool lit = p / 1024 == c % 3 && (p % 1024) / 32 < 8 + 2 * c;
        out.push_back(static_cast<char>(lit ? 200 + rng() % 50 : rng() % 60));
      }
    }
    return out;
  };
  for (int i = 1; i <= 5; ++i) {
    ASSERT_TRUE(
        WriteFileAtomically(dir + "/data_batch_" + std::to_string(i) + ".bin", batch(per_batch))
            .ok());
  }
  ASSERT_TRUE(WriteFileAtomically(dir + "/test_batch.bin", batch(per_batch)).ok());
}

// Every CIFAR-10 network through every stage on a tiny folder.
TEST_F(PipelineTest, CifarNetworksRunEveryStage) {
  mkdir((Dir() + "/cifar").c_str(), 0755);
  WriteCifar(Dir() + "/cifar", 40);
  for (const std::string net : {"resnet8", "resnet14", "resnet20", "resnet32", "vgg11", "vgg13",
                                "vgg16", "vgg19", "alexnet", "mobilenetv2"}) {
    SCOPED_TRACE(net);
    const std::string out = Dir() + "/" + net;
    const std::string cmd = Runfile("pipeline/pipeline_main") + " --net=" + net +
                            " --dataset=cifar10 --data_dir=" + Dir() + "/cifar --output_dir=" +
                            out +
                            " --epochs=baseline=1,qat=1,gradient_search=1,approx=1"
                            " --train_limit=64 --trace_samples=4 --batch_size=32 "
                            "--num_samples=64 2>" + Dir() + "/" + net + ".txt";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << Slurp(Dir() + "/" + net + ".txt");
    const std::string summary = Slurp(out + "/summary.json");
    EXPECT_NE(summary.find("\"approx_accuracy\""), std::string::npos);
    EXPECT_NE(summary.find("\"uniform\""), std::string::npos);
  }
  EXPECT_NE(Slurp(Dir() + "/mobilenetv2/summary.json").find("block16_depthwise"),
            std::string::npos);
  // A network and data set of different image shapes is a clear error.
  const int status = std::system((Runfile("pipeline/pipeline_main") +
                                  " --net=resnet8 --output_dir=" + Dir() + "/mismatch 2>" +
                                  Dir() + "/mismatch.txt")
                                     .c_str());
  EXPECT_EQ(WEXITSTATUS(status), 1);
  EXPECT_NE(Slurp(Dir() + "/mismatch.txt").find("takes 3x32x32 images"), std::string::npos);
}

// A network trained and exported by PyTorch (nets/onnx/testdata) through
// every stage on real Fashion-MNIST: the baseline is its own accuracy, and
// the results name its ONNX nodes.
TEST_F(PipelineTest, ImportedOnnxModelRunsEveryStage) {
  const std::string out = Dir() + "/onnx";
  const std::string model = Runfile("nets/onnx/testdata/fixture.onnx");
  const std::string cmd = Runfile("pipeline/pipeline_main") + " --model=" + model +
                          " --output_dir=" + out +
                          " --train_limit=2000 --epochs=baseline=0,qat=1,gradient_search=1,"
                          "approx=1 --trace_samples=64 --threads=1 2>" + Dir() + "/onnx.txt";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << Slurp(Dir() + "/onnx.txt");
  const std::string summary = Slurp(out + "/summary.json");
  const std::string fixture = Slurp(Runfile("nets/onnx/testdata/fixture.json"));
  EXPECT_NEAR(JsonNumber(summary, "baseline_accuracy"), JsonNumber(fixture, "accuracy"), 1e-9)
      << summary;
  EXPECT_NE(summary.find("\"net\": \"" + model + "\""), std::string::npos) << summary;
  const std::string matching = Slurp(out + "/matching.json");
  for (const char* node : {"/stem/Conv", "/res1/Conv", "/res2/Conv", "/down/Conv", "/fc1/Gemm",
                           "/fc2/Gemm"}) {
    EXPECT_NE(matching.find(std::string("\"") + node + "\""), std::string::npos) << node;
  }
  EXPECT_GT(JsonNumber(summary, "approx_accuracy"), 0.7) << summary;

  // Bad models and mismatched data: exit 1, one line, nothing written.
  ASSERT_TRUE(WriteFileAtomically(Dir() + "/garbage.onnx", "\x08\x07garbage").ok());
  mkdir((Dir() + "/onnx_cifar").c_str(), 0755);
  WriteCifar(Dir() + "/onnx_cifar", 4);
  struct Case {
    std::string flags, want;
  } cases[] = {
      {"--model=" + Dir() + "/garbage.onnx", "garbage.onnx: "},
      {"--model=" + Dir() + "/absent.onnx", "absent.onnx: no such file"},
      {"--model=" + model + " --dataset=cifar10 --data_dir=" + Dir() + "/onnx_cifar --trace_samples=2",
       "takes 1x28x28 inputs but --dataset=cifar10 has 3x32x32 images"},
  };
  for (const Case& c : cases) {
    const std::string bad = Dir() + "/onnx_bad";
    const int status = std::system((Runfile("pipeline/pipeline_main") + " " + c.flags +
                                    " --output_dir=" + bad + " 2>" + Dir() + "/onnx_err.txt")
                                       .c_str());
    EXPECT_EQ(WEXITSTATUS(status), 1) << c.flags;
    const std::string err = Slurp(Dir() + "/onnx_err.txt");
    EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
    EXPECT_NE(err.find(c.want), std::string::npos) << err;
    EXPECT_FALSE(PathExists(bad)) << c.flags;
  }
}

// Anything wrong on the command line is a usage error (exit 2), anything
// wrong in the files bad input (exit 1): one line on stderr that names the
// flag or file, before any work and without an output folder.
TEST_F(PipelineTest, BadInputsAreOneLineErrors) {
  struct Case {
    std::string flags;
    int exit_code;
    std::string named;
  } cases[] = {
      {"--net=vgg99", 2, "--net: unknown network 'vgg99'"},
      {"--epochs=baseline=x", 2, "--epochs: bad item 'baseline=x'"},
      {"--sweep_lambda=0.1,oops", 2, "--sweep_lambda: 'oops'"},
      {"--estimator=oracle", 2, "--estimator: unknown estimator 'oracle'"},
      {"--retrain_gradient=exact", 2, "--retrain_gradient: unknown gradient 'exact'"},
      {"--lambda=nan", 2, "--lambda=nan: must be"},
      {"--lambda=-1", 2, "--lambda=-1: must be"},
      {"--sigma_max=0", 2, "--sigma_max=0: must be"},
      {"--threads=-3", 2, "--threads=-3: must be"},
      {"--num_samples=-1", 2, "--num_samples=-1: must be"},
      {"--batch_size=0", 2, "--batch_size=0: must be"},
      {"--trace_samples=640", 1, "--trace_samples: 640 images"},
      {"--catalog=" + Dir() + "/missing.txtpb", 1, Dir() + "/missing.txtpb"},
      {"--metric=cells", 1, "cells"},
      {"--data_dir=" + Dir() + "/nowhere", 1, Dir() + "/nowhere"},
  };
  for (const Case& c : cases) {
    const std::string bad = Dir() + "/bad";
    const std::string cmd = Command(bad, c.flags) + " 2>" + Dir() + "/err.txt";
    const int status = std::system(cmd.c_str());
    EXPECT_TRUE(WIFEXITED(status)) << c.flags;
    EXPECT_EQ(WEXITSTATUS(status), c.exit_code) << c.flags;
    const std::string err = Slurp(Dir() + "/err.txt");
    EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << c.flags << ": " << err;
    EXPECT_NE(err.find(c.named), std::string::npos) << c.flags << ": " << err;
    EXPECT_FALSE(PathExists(bad)) << c.flags;
  }
}

}  // namespace
}  // namespace agnapprox
