#include "multipliers/catalog_file.h"

#include <cmath>
#include <cstring>
#include <set>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/text_format.h"
#include "multipliers/catalog.pb.h"
#include "io/text_format.h"
#include "io/file_io.h"
#include "io/npy.h"
#include "io/parallel.h"

namespace agnapprox {
namespace {

// Entries first.. of a table as int32, or the error that names the first
// that does not fit.
absl::Status TakeEntries(int64_t first, absl::Span<const double> values, int32_t* entries) {
  for (size_t k = 0; k < values.size(); ++k) {
    const double v = values[k];
    if (std::abs(v) > 2147483647.0) {
      return absl::InvalidArgumentError(absl::StrCat("table entry ", first + k, " is ", v,
                                                     ", which does not fit int32"));
    }
    entries[k] = static_cast<int32_t>(v);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<int32_t>> ReadTable(const proto::Lut& lut,
                                               const std::string& base_dir) {
  std::vector<int32_t> table(kTableSize);
  if (lut.has_npy()) {
    // Read in runs straight into the table: a double per entry as well
    // would be 512 KiB of fresh memory per table.
    const std::string path = ResolvePath(base_dir, lut.npy());
    auto check = [&](const NpyArray& header) -> absl::Status {
      if (header.shape != std::vector<int64_t>{kNumOperands, kNumOperands}) {
        return absl::InvalidArgumentError(
            absl::StrCat(path, ": table has shape (", absl::StrJoin(header.shape, ", "),
                         "), expected (256, 256)"));
      }
      if (!IsIntegerType(header.type)) {
        return absl::InvalidArgumentError(
            absl::StrCat(path, ": table dtype is float, expected integers"));
      }
      return absl::OkStatus();
    };
    auto take = [&](int64_t first, absl::Span<const double> values) {
      return TakeEntries(first, values, table.data() + first);
    };
    if (absl::Status s = ReadNpyRuns(path, check, take); !s.ok()) return s;
    return table;
  }
  if (!lut.has_raw_int32()) {
    return absl::InvalidArgumentError("lut has neither npy nor raw_int32");
  }
  const std::string path = ResolvePath(base_dir, lut.raw_int32());
  absl::StatusOr<std::string> bytes = ReadFile(path);
  if (!bytes.ok()) return bytes.status();
  if (bytes->size() != kTableSize * 4) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": raw_int32 table has ", bytes->size(),
        " bytes, expected 262144 (65536 little-endian int32)"));
  }
  for (int i = 0; i < kTableSize; ++i) {
    const unsigned char* p = reinterpret_cast<const unsigned char*>(bytes->data()) + 4 * i;
    const uint32_t u = p[0] | (p[1] << 8) | (p[2] << 16) | (static_cast<uint32_t>(p[3]) << 24);
    int32_t v;
    std::memcpy(&v, &u, 4);
    const double value = v;
    if (absl::Status s = TakeEntries(i, absl::MakeConstSpan(&value, 1), &table[i]); !s.ok()) {
      return s;
    }
  }
  return table;
}

absl::StatusOr<Multiplier> FromProto(const proto::Multiplier& pm,
                                     const std::string& base_dir) {
  Multiplier m;
  m.name = pm.name();
  if (!pm.has_signed_()) {
    return absl::InvalidArgumentError("missing field 'signed'");
  }
  m.is_signed = pm.signed_();
  if (pm.has_bits() && pm.bits() != 8) {
    return absl::InvalidArgumentError(
        absl::StrCat("bits is ", pm.bits(), ", only 8 is supported"));
  }
  if (!pm.has_lut()) return absl::InvalidArgumentError("missing field 'lut'");
  absl::StatusOr<std::vector<int32_t>> table = ReadTable(pm.lut(), base_dir);
  if (!table.ok()) return table.status();
  if (pm.lut().layout() == proto::Lut::BIT_PATTERN) {
    *table = BitPatternToValueOrder(*table, m.is_signed);
  }
  if (pm.lut().contents() == proto::Lut::ERROR) {
    const std::vector<int32_t> exact = ExactProducts(m.range());
    for (int i = 0; i < kTableSize; ++i) (*table)[i] += exact[i];
  }
  m.products = std::move(*table);
  for (const auto& [key, value] : pm.metrics()) m.metrics[key] = value;
  return m;
}

}  // namespace

std::vector<int32_t> BitPatternToValueOrder(absl::Span<const int32_t> table,
                                            bool is_signed) {
  if (!is_signed) return std::vector<int32_t>(table.begin(), table.end());
  // Bit pattern p in 0..255 is the value int8_t(p); value order index v + 128.
  auto value_index = [](int pattern) {
    return static_cast<int>(static_cast<int8_t>(pattern)) + 128;
  };
  std::vector<int32_t> out(kTableSize);
  for (int pa = 0; pa < kNumOperands; ++pa) {
    for (int pb = 0; pb < kNumOperands; ++pb) {
      out[value_index(pa) * kNumOperands + value_index(pb)] =
          table[pa * kNumOperands + pb];
    }
  }
  return out;
}

absl::Status ValidateMultiplier(const Multiplier& m) {
  if (m.products.size() != static_cast<size_t>(kTableSize)) {
    return absl::InvalidArgumentError(
        absl::StrCat("multiplier ", m.name, ": table is not 256x256"));
  }
  const int64_t lo = m.is_signed ? -32768 : 0;
  const int64_t hi = m.is_signed ? 32767 : 65535;
  for (int i = 0; i < kTableSize; ++i) {
    if (m.products[i] < lo || m.products[i] > hi) {
      const int a = OperandValue(i / kNumOperands, m.range());
      const int b = OperandValue(i % kNumOperands, m.range());
      return absl::InvalidArgumentError(absl::StrCat(
          "multiplier ", m.name, ": product P[", a, "][", b, "] = ",
          m.products[i], " does not fit a ", m.is_signed ? "signed" : "unsigned",
          " 16-bit result (", lo, "..", hi, ")"));
    }
  }
  for (const auto& [key, value] : m.metrics) {
    if (!std::isfinite(value) || value < 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "multiplier ", m.name, ": metric ", key, " is ", value,
          ", expected a non-negative number"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<Catalog> ParseCatalog(const std::string& text,
                                     const std::string& path) {
  proto::Catalog pc;
  if (absl::Status s = ParseTextFormat(text, path, &pc); !s.ok()) return s;
  Catalog catalog;
  catalog.source = path;
  const std::string base_dir = DirName(path);
  std::set<std::string> names;
  for (int i = 0; i < pc.multiplier_size(); ++i) {
    const proto::Multiplier& pm = pc.multiplier(i);
    if (pm.name().empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, ": multiplier #", i + 1, " has no name"));
    }
    if (!names.insert(pm.name()).second) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, ": duplicate multiplier name ", pm.name()));
    }
  }
  // Tables load in parallel; the first error in file order is reported.
  std::vector<absl::StatusOr<Multiplier>> loaded(
      pc.multiplier_size(), absl::UnknownError("not loaded"));
  RunTasks(0, pc.multiplier_size(), [&](size_t i) {
    const proto::Multiplier& pm = pc.multiplier(static_cast<int>(i));
    loaded[i] = FromProto(pm, base_dir);
    if (!loaded[i].ok()) {
      loaded[i] = absl::InvalidArgumentError(absl::StrCat(
          path, ": multiplier ", pm.name(), ": ", loaded[i].status().message()));
    } else if (absl::Status s = ValidateMultiplier(*loaded[i]); !s.ok()) {
      loaded[i] = absl::InvalidArgumentError(absl::StrCat(path, ": ", s.message()));
    }
  });
  for (absl::StatusOr<Multiplier>& m : loaded) {
    if (!m.ok()) return m.status();
    catalog.multipliers.push_back(std::move(*m));
  }
  return catalog;
}

absl::StatusOr<Catalog> LoadCatalog(const std::string& path) {
  absl::StatusOr<std::string> text = ReadFile(path);
  if (!text.ok()) return text.status();
  return ParseCatalog(*text, path);
}

absl::Status WriteCatalog(const Catalog& catalog, const std::string& path,
                          const std::string& table_dir) {
  proto::Catalog pc;
  const std::string base_dir = DirName(path);
  for (const Multiplier& m : catalog.multipliers) {
    proto::Multiplier* pm = pc.add_multiplier();
    pm->set_name(m.name);
    pm->set_signed_(m.is_signed);
    pm->set_bits(8);
    const std::string table = absl::StrCat(table_dir, "/", m.name, ".npy");
    pm->mutable_lut()->set_npy(table);
    for (const auto& [key, value] : m.metrics) (*pm->mutable_metrics())[key] = value;
    const std::vector<double> values(m.products.begin(), m.products.end());
    if (absl::Status s = WriteNpy(ResolvePath(base_dir, table), NpyType::kInt32,
                                  {kNumOperands, kNumOperands}, values);
        !s.ok()) {
      return s;
    }
  }
  std::string text;
  google::protobuf::TextFormat::PrintToString(pc, &text);
  return WriteFileAtomically(path, text);
}

}  // namespace agnapprox
