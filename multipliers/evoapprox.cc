#include "multipliers/evoapprox.h"

#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <regex>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "multipliers/catalog_file.h"
#include "io/file_io.h"

namespace agnapprox {
namespace {

namespace fs = std::filesystem;

std::string ShellQuote(const std::string& s) {
  return "'" + absl::StrReplaceAll(s, {{"'", "'\\''"}}) + "'";
}

bool IsUnsignedType(const std::string& type) { return type[0] == 'u'; }

// A C program that includes the model and writes its 65536 results as
// little-endian int32 in value order.
std::string DriverSource(const EvoApproxModel& m, bool is_signed) {
  auto operand = [&](const std::string& type, const char* v) {
    return absl::StrCat("(", type, ")(", IsUnsignedType(type) ? "uint8_t" : "int8_t",
                        ")", v);
  };
  const std::string result =
      is_signed ? "(int32_t)(int16_t)(uint16_t)r" : "(int32_t)r";
  return absl::StrCat(
      "#include <stdint.h>\n#include <stdio.h>\n#include ",
      "\"", m.path, "\"\n",
      "int main(int argc, char** argv) {\n"
      "  static int32_t out[65536];\n"
      "  if (argc != 2) return 2;\n"
      "  for (int ia = 0; ia < 256; ++ia) {\n"
      "    for (int ib = 0; ib < 256; ++ib) {\n",
      "      int a = ia", is_signed ? " - 128" : "", ", b = ib",
      is_signed ? " - 128" : "", ";\n",
      "      ", m.return_type, " r = ", m.function, "(",
      operand(m.first_type, "a"), ", ", operand(m.second_type, "b"), ");\n",
      "      out[ia * 256 + ib] = ", result, ";\n",
      "    }\n  }\n"
      "  FILE* f = fopen(argv[1], \"wb\");\n"
      "  if (!f || fwrite(out, 4, 65536, f) != 65536 || fclose(f) != 0) return 3;\n"
      "  return 0;\n}\n");
}

absl::StatusOr<std::vector<int32_t>> Evaluate(const EvoApproxModel& m,
                                              bool is_signed,
                                              const std::string& work_dir) {
  const std::string driver = work_dir + "/driver.c";
  const std::string exe = work_dir + "/driver";
  const std::string table = work_dir + "/table.bin";
  const std::string log = work_dir + "/cc.log";
  if (absl::Status s = WriteFileAtomically(driver, DriverSource(m, is_signed));
      !s.ok()) {
    return s;
  }
  const char* cc = std::getenv("CC");
  const std::string compile =
      absl::StrCat(cc != nullptr && *cc ? cc : "cc", " -O1 -w -o ",
                   ShellQuote(exe), " ", ShellQuote(driver), " >",
                   ShellQuote(log), " 2>&1");
  if (std::system(compile.c_str()) != 0) {
    absl::StatusOr<std::string> out = ReadFile(log);
    std::string first_line = out.ok() ? out->substr(0, out->find('\n')) : "";
    return absl::InvalidArgumentError(absl::StrCat(
        m.path, ": the C compiler failed: ", first_line));
  }
  const std::string run = absl::StrCat(ShellQuote(exe), " ", ShellQuote(table));
  if (std::system(run.c_str()) != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(m.path, ": the compiled model did not run"));
  }
  absl::StatusOr<std::string> bytes = ReadFile(table);
  if (!bytes.ok()) return bytes.status();
  if (bytes->size() != kTableSize * 4u) {
    return absl::InternalError(absl::StrCat(m.path, ": short table"));
  }
  std::vector<int32_t> products(kTableSize);
  std::memcpy(products.data(), bytes->data(), bytes->size());
  return products;
}

}  // namespace

absl::StatusOr<EvoApproxModel> ParseEvoApproxModel(const std::string& source,
                                                   const std::string& path) {
  EvoApproxModel m;
  m.path = path;
  const std::string stem = fs::path(path).stem().string();
  static const std::regex kFunction(
      R"(\b(u?int(?:8|16|32|64)_t)\s+(\w+)\s*\(\s*(?:const\s+)?(u?int(?:8|16|32|64)_t)\s+\w+\s*,\s*(?:const\s+)?(u?int(?:8|16|32|64)_t)\s+\w+\s*\)\s*\{)");
  bool found = false;
  for (auto it = std::sregex_iterator(source.begin(), source.end(), kFunction);
       it != std::sregex_iterator(); ++it) {
    // Prefer the function named like the file; else the last definition.
    if (found && m.function == stem) break;
    m.return_type = (*it)[1];
    m.function = (*it)[2];
    m.first_type = (*it)[3];
    m.second_type = (*it)[4];
    found = true;
  }
  if (!found) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": no function of two 8-bit operands found"));
  }
  static const std::regex kMetric(
      R"(PDK45_(PWR|AREA|DELAY)\s*=\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?))");
  const std::map<std::string, std::string> names = {
      {"PWR", "power"}, {"AREA", "area"}, {"DELAY", "delay"}};
  for (auto it = std::sregex_iterator(source.begin(), source.end(), kMetric);
       it != std::sregex_iterator(); ++it) {
    m.metrics[names.at((*it)[1])] = std::stod((*it)[2]);
  }
  if (m.metrics.count("power") && m.metrics.count("delay")) {
    m.metrics["pdp"] = m.metrics["power"] * m.metrics["delay"];
  }
  return m;
}

absl::StatusOr<Catalog> ImportEvoApprox(const std::string& source_dir) {
  Catalog catalog;
  catalog.source = source_dir;
  char work_template[] = "/tmp/agnapprox-evoapprox-XXXXXX";
  const char* tmp = std::getenv("TEST_TMPDIR");
  std::string pattern =
      tmp != nullptr ? std::string(tmp) + "/evoapprox-XXXXXX" : work_template;
  if (mkdtemp(pattern.data()) == nullptr) {
    return absl::InternalError("cannot create a temporary directory");
  }
  const std::string work_dir = pattern;
  int found_dirs = 0;
  absl::Status status = absl::OkStatus();
  for (bool is_signed : {true, false}) {
    const fs::path dir = fs::path(source_dir) / "multiplers" /
                         (is_signed ? "8x8_signed" : "8x8_unsigned");
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) continue;
    ++found_dirs;
    std::map<std::string, std::string> files;  // name -> first path
    for (auto it = fs::recursive_directory_iterator(dir, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (it->is_regular_file() && it->path().extension() == ".c") {
        files.emplace(it->path().stem().string(), fs::absolute(it->path()).string());
      }
    }
    for (const auto& [name, path] : files) {
      absl::StatusOr<std::string> source = ReadFile(path);
      if (!source.ok()) return source.status();
      absl::StatusOr<EvoApproxModel> model = ParseEvoApproxModel(*source, path);
      if (!model.ok()) return model.status();
      absl::StatusOr<std::vector<int32_t>> products =
          Evaluate(*model, is_signed, work_dir);
      if (!products.ok()) {
        status = products.status();
        break;
      }
      Multiplier m;
      m.name = name;
      m.is_signed = is_signed;
      m.products = std::move(*products);
      m.metrics = model->metrics;
      if (absl::Status s = ValidateMultiplier(m); !s.ok()) {
        status = absl::InvalidArgumentError(absl::StrCat(path, ": ", s.message()));
        break;
      }
      catalog.multipliers.push_back(std::move(m));
    }
    if (!status.ok()) break;
  }
  std::error_code ignored;
  fs::remove_all(work_dir, ignored);
  if (!status.ok()) return status;
  if (found_dirs == 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        source_dir, ": no multiplers/8x8_signed or multiplers/8x8_unsigned "
                    "folder (is this an EvoApproxLib checkout?)"));
  }
  return catalog;
}

}  // namespace agnapprox
