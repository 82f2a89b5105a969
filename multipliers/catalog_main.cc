// `bazel run //:catalog -- list|import-evoapprox [flags]`
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "io/command_line.h"
#include "io/heap.h"
#include "io/json.h"
#include "multipliers/catalog_file.h"
#include "multipliers/error_summary.h"
#include "multipliers/evoapprox.h"
#include "multipliers/open_catalog.h"
#include "io/file_io.h"

ABSL_FLAG(std::string, catalog, "builtin",
          "list: a catalog file, 'builtin' or 'builtin:FILTER'");
ABSL_FLAG(std::string, filter, "", "list: keep names containing this");
ABSL_FLAG(std::string, signedness, "any", "list: any, signed or unsigned");
ABSL_FLAG(std::string, format, "table", "list: table or json");
ABSL_FLAG(std::string, source, "", "import-evoapprox: EvoApproxLib checkout");
ABSL_FLAG(std::string, output, "",
          "import-evoapprox: folder for catalog.txtpb and luts/");

namespace agnapprox {
namespace {

constexpr char kUsage[] =
    "catalog list [--catalog=PATH|builtin[:FILTER]] [--filter=SUBSTR] "
    "[--signedness=any|signed|unsigned] [--format=table|json]\n"
    "catalog import-evoapprox --source=DIR --output=DIR";

absl::StatusOr<Catalog> ListedCatalog() {
  absl::StatusOr<Catalog> catalog =
      OpenCatalog(absl::GetFlag(FLAGS_catalog), UserDirectory());
  if (!catalog.ok()) return catalog.status();
  CatalogFilter filter;
  filter.name_contains = absl::GetFlag(FLAGS_filter);
  const std::string signedness = absl::GetFlag(FLAGS_signedness);
  if (signedness == "signed") {
    filter.signedness = Signedness::kSigned;
  } else if (signedness == "unsigned") {
    filter.signedness = Signedness::kUnsigned;
  } else if (signedness != "any") {
    UsageError("--signedness must be any, signed or unsigned");
  }
  return FilterCatalog(*catalog, filter);
}

absl::Status List() {
  const std::string format = absl::GetFlag(FLAGS_format);
  if (format != "table" && format != "json") {
    UsageError("--format must be table or json");
  }
  absl::StatusOr<Catalog> catalog = ListedCatalog();
  if (!catalog.ok()) return catalog.status();
  if (format == "json") {
    Json list = Json::Array();
    for (const Multiplier& m : catalog->multipliers) {
      const ErrorSummary e = SummarizeErrors(m);
      Json metrics = Json::Object();
      for (const auto& [key, value] : m.metrics) metrics.Set(key, value);
      list.Push(Json::Object()
                    .Set("name", m.name)
                    .Set("signed", m.is_signed)
                    .Set("bits", 8)
                    .Set("metrics", metrics)
                    .Set("metrics_are_estimates", m.metrics_are_estimates)
                    .Set("error", Json::Object()
                                      .Set("mean", e.mean)
                                      .Set("std", e.std)
                                      .Set("mae", e.mae)
                                      .Set("wce", e.wce)
                                      .Set("ep", e.ep)
                                      .Set("mre", e.mre)
                                      .Set("mse", e.mse)));
    }
    std::cout << list.Dump();
    return absl::OkStatus();
  }
  std::cout << absl::StrFormat("%-16s %-8s %-28s %10s %10s %8s %8s\n", "name",
                               "signed", "metrics", "mae", "wce", "mre%",
                               "ep%");
  bool estimates = false;
  for (const Multiplier& m : catalog->multipliers) {
    const ErrorSummary e = SummarizeErrors(m);
    std::string metrics;
    for (const auto& [key, value] : m.metrics) {
      absl::StrAppend(&metrics, metrics.empty() ? "" : " ", key, "=",
                      absl::StrFormat("%.4g", value));
    }
    if (m.metrics_are_estimates) {
      metrics += " *";
      estimates = true;
    }
    std::cout << absl::StrFormat("%-16s %-8s %-28s %10.3f %10.0f %8.3f %8.2f\n",
                                 m.name, m.is_signed ? "yes" : "no", metrics,
                                 e.mae, e.wce, e.mre, e.ep);
  }
  std::cout << catalog->multipliers.size() << " multipliers from "
            << catalog->source << "\n";
  if (estimates) {
    std::cout << "* estimated costs (first-order cell-count model, exact = "
                 "1.0), not synthesis results\n";
  }
  return absl::OkStatus();
}

absl::Status Import() {
  if (absl::GetFlag(FLAGS_source).empty()) UsageError("--source is required");
  if (absl::GetFlag(FLAGS_output).empty()) UsageError("--output is required");
  const std::string source = UserPath(absl::GetFlag(FLAGS_source));
  const std::string output = UserPath(absl::GetFlag(FLAGS_output));
  absl::StatusOr<Catalog> catalog = ImportEvoApprox(source);
  if (!catalog.ok()) return catalog.status();
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(output) / "luts", ec);
  if (ec) {
    return absl::InvalidArgumentError(
        absl::StrCat(output, ": cannot create: ", ec.message()));
  }
  const std::string path = output + "/catalog.txtpb";
  if (absl::Status s = WriteCatalog(*catalog, path, "luts"); !s.ok()) return s;
  int signed_count = 0;
  for (const Multiplier& m : catalog->multipliers) signed_count += m.is_signed;
  std::cerr << "imported " << signed_count << " signed and "
            << catalog->multipliers.size() - signed_count
            << " unsigned multipliers into " << path << "\n";
  return absl::OkStatus();
}

}  // namespace
}  // namespace agnapprox

int main(int argc, char** argv) {
  using namespace agnapprox;
  KeepHeapOnHugePages(/*reserve_mib=*/256);
  std::vector<char*> args = ParseFlagsOrExit(argc, argv, kUsage);
  if (args.size() != 2) UsageError("expected one command: list or import-evoapprox");
  const std::string command = args[1];
  absl::Status status;
  if (command == "list") {
    status = List();
  } else if (command == "import-evoapprox") {
    status = Import();
  } else {
    UsageError("unknown command '" + command + "'");
  }
  if (!status.ok()) FailWith(status);
  return 0;
}
