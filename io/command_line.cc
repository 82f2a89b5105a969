#include "io/command_line.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "absl/flags/commandlineflag.h"
#include "absl/flags/parse.h"
#include "absl/flags/reflection.h"
#include "absl/flags/usage.h"
#include "absl/strings/match.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/string_view.h"
#include "io/file_io.h"

namespace agnapprox {
namespace {

std::string OneLine(absl::string_view text) {
  return absl::StrReplaceAll(text, {{"\n", " "}, {"\r", " "}});
}

void PrintHelp() {
  std::cout << absl::ProgramUsageMessage() << "\n\nFlags:\n";
  std::vector<absl::CommandLineFlag*> flags;
  for (const auto& [name, flag] : absl::GetAllFlags()) {
    if (absl::StrContains(flag->Filename(), "absl/")) continue;
    flags.push_back(flag);
  }
  std::sort(flags.begin(), flags.end(), [](auto* a, auto* b) {
    return a->Name() < b->Name();
  });
  for (const absl::CommandLineFlag* flag : flags) {
    std::cout << "  --" << flag->Name() << "  " << flag->Help()
              << " (default: " << flag->DefaultValue() << ")\n";
  }
}

// Checks every flag before absl parses them, so that mistakes are usage
// errors (exit 2) rather than absl's own exit code.
void CheckFlags(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    if (arg == "--") break;
    if (arg.size() < 2 || arg[0] != '-') continue;
    arg.remove_prefix(arg[1] == '-' ? 2 : 1);
    const size_t eq = arg.find('=');
    const std::string name(arg.substr(0, eq));
    if (name == "help" || name == "helpfull") {
      PrintHelp();
      std::exit(0);
    }
    absl::CommandLineFlag* flag = absl::FindCommandLineFlag(name);
    if (flag == nullptr && absl::StartsWith(name, "no") && eq == absl::string_view::npos) {
      absl::CommandLineFlag* positive = absl::FindCommandLineFlag(name.substr(2));
      if (positive != nullptr && positive->IsOfType<bool>()) continue;
    }
    if (flag == nullptr) UsageError("unknown flag --" + name);
    std::string value;
    if (eq != absl::string_view::npos) {
      value = std::string(arg.substr(eq + 1));
    } else if (flag->IsOfType<bool>()) {
      value = "true";
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      UsageError("flag --" + name + " needs a value");
    }
    std::string error;
    if (!flag->ParseFrom(value, &error)) {
      UsageError("bad value for --" + name + ": " + error);
    }
  }
}

}  // namespace

std::vector<char*> ParseFlagsOrExit(int argc, char** argv, const char* usage) {
  absl::SetProgramUsageMessage(usage);
  CheckFlags(argc, argv);
  return absl::ParseCommandLine(argc, argv);
}

void FailWith(const absl::Status& status) {
  std::fprintf(stderr, "error: %s\n", OneLine(status.message()).c_str());
  std::exit(1);
}

void UsageError(const std::string& message) {
  std::fprintf(stderr, "usage error: %s (see --help)\n",
               OneLine(message).c_str());
  std::exit(2);
}

std::string UserDirectory() {
  const char* dir = std::getenv("BUILD_WORKING_DIRECTORY");
  return dir != nullptr ? dir : "";
}

std::string UserPath(const std::string& path) {
  return ResolvePath(UserDirectory(), path);
}

void RestartWithPassiveThreads(char** argv) {
  if (std::getenv("AGNAPPROX_THREADS_SET") != nullptr) return;
  setenv("AGNAPPROX_THREADS_SET", "1", 1);
  setenv("OMP_WAIT_POLICY", "PASSIVE", /*overwrite=*/0);
  setenv("OPENBLAS_NUM_THREADS", "1", /*overwrite=*/0);
  // LibTorch's distributed layer logs its socket errors through glog on
  // stderr; ours are the one-line statuses that name what failed.
  setenv("GLOG_minloglevel", "3", /*overwrite=*/0);
  execv("/proc/self/exe", argv);
  // Could not restart (no /proc): carry on with the libraries' defaults.
}

}  // namespace agnapprox
