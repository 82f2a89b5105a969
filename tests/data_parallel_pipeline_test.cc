// //:pipeline data-parallel (issue #15, spec section 8) as a user runs it:
// ranks as processes on 127.0.0.1 with torchrun's variables, through
// pipeline/launch_local.sh and by hand. The --quick flow on two ranks
// against one process; rank 0 alone writing, with the lambda sweep dealt
// to the ranks; and the faults, each ending within a bound.
#include <signal.h>

#include <chrono>
#include <string>
#include <thread>
#include <utility>

#include "gtest/gtest.h"
#include "io/file_io.h"
#include "nets/training/loopback_testing.h"
#include "tests/pipeline_testing.h"

namespace agnapprox {
namespace {

std::string Pipeline() { return Runfile("pipeline/pipeline_main"); }

// One rank of a run on the tiny data set, started by hand.
std::string Rank(int world, int rank, int port, const std::string& out, const std::string& extra,
                 const std::string& log) {
  return "env WORLD_SIZE=" + std::to_string(world) + " RANK=" + std::to_string(rank) +
         " MASTER_ADDR=127.0.0.1 MASTER_PORT=" + std::to_string(port) + " " + Pipeline() +
         " --data_dir=" + Dir() + "/data --output_dir=" + out +
         " --epochs=baseline=2,qat=1,gradient_search=1,approx=1 --trace_samples=32"
         " --batch_size=64 --threads=1 --dist_timeout=20 " + extra + " 2>" + log;
}

size_t Lines(const std::string& text) { return std::count(text.begin(), text.end(), '\n'); }

class DataParallelPipelineTest : public TinyDataTest {};

// The whole --quick flow (Debian's Fashion-MNIST) on two ranks through the
// launcher, one thread each, against one process with two threads: the
// accuracies agree within one point (the two runs differ in the order of
// floating-point sums, batch normalisation over half batches, and
// gradient search's noise numbers).
TEST_F(DataParallelPipelineTest, QuickFlowOnTwoRanksMatchesOneProcess) {
  const std::string one = Dir() + "/quick_one", two = Dir() + "/quick_two";
  ASSERT_EQ(std::system((Pipeline() + " --quick --threads=2 --output_dir=" + one + " 2>" + Dir() +
                         "/quick_one.txt")
                            .c_str()),
            0)
      << Slurp(Dir() + "/quick_one.txt");
  const std::string launch = "AGNAPPROX_PIPELINE=" + Pipeline() +
                             " MASTER_PORT=" + std::to_string(FreeLoopbackPort()) + " bash " +
                             Runfile("pipeline/launch_local.sh") + " 2 --quick --output_dir=" +
                             two + " 2>" + Dir() + "/quick_two.txt";
  ASSERT_EQ(std::system(launch.c_str()), 0) << Slurp(Dir() + "/quick_two.txt");
  const std::string a = Slurp(one + "/summary.json"), b = Slurp(two + "/summary.json");
  EXPECT_EQ(JsonNumber(a, "world_size"), 1);
  EXPECT_EQ(JsonNumber(b, "world_size"), 2);
  for (const char* key : {"baseline_accuracy", "qat_accuracy", "approx_accuracy"}) {
    ASSERT_GT(JsonNumber(a, key), 0.8) << key << "\n" << a;
    EXPECT_NEAR(JsonNumber(b, key), JsonNumber(a, key), 0.01) << key;
  }
  // Rank 1 printed no stage lines: rank 0 alone reports.
  EXPECT_EQ(Slurp(Dir() + "/quick_two.txt").find("[rank 1] [pipeline]"), std::string::npos);
}

// Rank 1 given another --output_dir (as on another machine): it writes
// nothing of the main run there, only its share of the lambda sweep, which
// it starts from the QAT network rank 0 sent through the store; rank 0
// writes everything else, and the combined sweep.
TEST_F(DataParallelPipelineTest, RankZeroAloneWritesAndTheSweepIsDealtToTheRanks) {
  const std::string out0 = Dir() + "/alone0", out1 = Dir() + "/alone1";
  const int port = FreeLoopbackPort();
  const std::string sweep = "--sweep_lambda=0.5,1";
  const pid_t r0 = StartShell(Rank(2, 0, port, out0, sweep, Dir() + "/alone0.txt"));
  const pid_t r1 = StartShell(Rank(2, 1, port, out1, sweep, Dir() + "/alone1.txt"));
  const int s0 = WaitFor(r0), s1 = WaitFor(r1);
  ASSERT_EQ(WEXITSTATUS(s0), 0) << Slurp(Dir() + "/alone0.txt");
  ASSERT_EQ(WEXITSTATUS(s1), 0) << Slurp(Dir() + "/alone1.txt");
  const std::string summary = Slurp(out0 + "/summary.json");
  EXPECT_EQ(JsonNumber(summary, "world_size"), 2);
  EXPECT_NE(Slurp(out0 + "/report.html").find("Trained data-parallel on 2 ranks."),
            std::string::npos);
  EXPECT_GT(JsonNumber(summary, "approx_accuracy"), 0.3) << summary;
  // Every epoch's accuracy comes from rank 0's evaluation (never NaN).
  const std::string metrics = Slurp(out0 + "/metrics.jsonl");
  EXPECT_EQ(Lines(metrics), 6u);
  EXPECT_EQ(metrics.find("nan"), std::string::npos) << metrics;
  // Lambda 0.5 on rank 0, lambda 1 on rank 1.
  EXPECT_TRUE(PathExists(out0 + "/sweep/lambda_0.5/summary.json"));
  EXPECT_FALSE(PathExists(out0 + "/sweep/lambda_1"));
  EXPECT_TRUE(PathExists(out1 + "/sweep/lambda_1/summary.json"));
  for (const char* file : {"/summary.json", "/state.txtpb", "/metrics.jsonl", "/checkpoints",
                           "/traces", "/sweep.json", "/sweep/lambda_0.5"}) {
    EXPECT_FALSE(PathExists(out1 + file)) << file;
  }
  const std::string table = Slurp(out0 + "/sweep.json");
  for (const char* lambda : {"\"lambda\": 0.5,", "\"lambda\": 1,", "\"lambda\": 0.2"}) {
    EXPECT_NE(table.find(lambda), std::string::npos) << lambda << "\n" << table;
  }
  // Rank 1's run of lambda 1 started from rank 0's QAT network.
  EXPECT_EQ(Slurp(out1 + "/sweep/lambda_1/checkpoints/qat.pt"),
            Slurp(out0 + "/checkpoints/qat.pt"));
}

TEST_F(DataParallelPipelineTest, UnreachableStoreFailsWithinTheTimeoutNamingTheAddress) {
  const int port = FreeLoopbackPort();
  double seconds = 0;
  const int status = WaitFor(
      StartShell(Rank(2, 1, port, Dir() + "/lonely", "--dist_timeout=2", Dir() + "/lonely.txt")),
      &seconds);
  const std::string err = Slurp(Dir() + "/lonely.txt");
  EXPECT_EQ(WEXITSTATUS(status), 1) << err;
  EXPECT_EQ(Lines(err), 1u) << err;
  EXPECT_NE(err.find("127.0.0.1:" + std::to_string(port)), std::string::npos) << err;
  EXPECT_LT(seconds, 15);
}

TEST_F(DataParallelPipelineTest, RanksWithDifferentFlagsRefuseNamingTheFlag) {
  const int port = FreeLoopbackPort();
  const pid_t r0 = StartShell(Rank(2, 0, port, Dir() + "/flags", "", Dir() + "/flags0.txt"));
  const pid_t r1 =
      StartShell(Rank(2, 1, port, Dir() + "/flags", "--lambda=0.3", Dir() + "/flags1.txt"));
  double seconds = 0;
  const int s0 = WaitFor(r0, &seconds), s1 = WaitFor(r1);
  for (const std::string log : {"/flags0.txt", "/flags1.txt"}) {
    const std::string err = Slurp(Dir() + log);
    EXPECT_EQ(Lines(err), 1u) << err;
    EXPECT_NE(err.find("--lambda"), std::string::npos) << err;
  }
  EXPECT_EQ(WEXITSTATUS(s0), 1);
  EXPECT_EQ(WEXITSTATUS(s1), 1);
  EXPECT_LT(seconds, 15);
  EXPECT_FALSE(PathExists(Dir() + "/flags/state.txtpb"));
}

TEST_F(DataParallelPipelineTest, BadWorldSizeOrRankIsAUsageError) {
  const std::pair<std::string, std::string> cases[] = {
      {"WORLD_SIZE=two RANK=0", "WORLD_SIZE"}, {"WORLD_SIZE=0 RANK=0", "WORLD_SIZE"},
      {"WORLD_SIZE=2 RANK=2", "RANK"},         {"WORLD_SIZE=2 RANK=-1", "RANK"},
      {"WORLD_SIZE=2", "RANK"},                {"WORLD_SIZE=2 RANK=1 MASTER_PORT=x", "MASTER_PORT"},
      {"WORLD_SIZE=2 RANK=1 LOCAL_WORLD_SIZE=0", "LOCAL_WORLD_SIZE"}};
  for (const auto& [env, named] : cases) {
    const int status = std::system((env + " " + Pipeline() + " --output_dir=" + Dir() +
                                    "/env 2>" + Dir() + "/env.txt")
                                       .c_str());
    const std::string err = Slurp(Dir() + "/env.txt");
    EXPECT_EQ(WEXITSTATUS(status), 2) << env << ": " << err;
    EXPECT_EQ(Lines(err), 1u) << err;
    EXPECT_NE(err.find(named), std::string::npos) << env << ": " << err;
  }
  EXPECT_FALSE(PathExists(Dir() + "/env"));
}

// Kills one rank during approximate retraining: the other fails within the
// timeout with one line; then --resume on two ranks continues after the
// last stage rank 0 completed.
void KillOneRankThenResume(int victim) {
  const std::string out = Dir() + "/kill" + std::to_string(victim);
  const std::string flags = "--epochs=baseline=1,qat=1,gradient_search=1,approx=60";
  int port = FreeLoopbackPort();
  const pid_t pids[2] = {
      StartShell(Rank(2, 0, port, out, flags, out + ".0.txt")),
      StartShell(Rank(2, 1, port, out, flags, out + ".1.txt"))};
  bool deployed = false;
  for (int i = 0; i < 6000 && !deployed; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    deployed = Slurp(out + "/state.txtpb").find("completed: \"deploy\"") != std::string::npos;
  }
  ASSERT_TRUE(deployed) << Slurp(out + ".0.txt");
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  kill(pids[victim], SIGKILL);
  EXPECT_TRUE(WIFSIGNALED(WaitFor(pids[victim])));
  double seconds = 0;
  const int status = WaitFor(pids[1 - victim], &seconds);
  const std::string err = Slurp(out + "." + std::to_string(1 - victim) + ".txt");
  EXPECT_EQ(WEXITSTATUS(status), 1) << err;
  // The one line after the progress lines.
  const std::string last = err.substr(err.rfind('\n', err.size() - 2) + 1);
  EXPECT_EQ(last.rfind("error: rank " + std::to_string(1 - victim) + ":", 0), 0u) << err;
  EXPECT_LT(seconds, 20 + 15);  // --dist_timeout=20

  port = FreeLoopbackPort();
  const std::string resume = flags + " --resume";
  const pid_t again[2] = {StartShell(Rank(2, 0, port, out, resume, out + ".r0.txt")),
                          StartShell(Rank(2, 1, port, out, resume, out + ".r1.txt"))};
  EXPECT_EQ(WEXITSTATUS(WaitFor(again[0])), 0) << Slurp(out + ".r0.txt");
  EXPECT_EQ(WEXITSTATUS(WaitFor(again[1])), 0) << Slurp(out + ".r1.txt");
  const std::string log = Slurp(out + ".r0.txt");
  EXPECT_NE(log.find("resuming after: deploy"), std::string::npos) << log;
  EXPECT_EQ(log.find("[pipeline] gradient_search"), std::string::npos) << log;
  EXPECT_GT(JsonNumber(Slurp(out + "/summary.json"), "approx_accuracy"), 0) << log;
}

TEST_F(DataParallelPipelineTest, RankOneKilledMidEpochThenResume) { KillOneRankThenResume(1); }

TEST_F(DataParallelPipelineTest, RankZeroKilledMidEpochThenResume) { KillOneRankThenResume(0); }

}  // namespace
}  // namespace agnapprox
