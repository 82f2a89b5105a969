#include "deploy/model_file.h"

#include <cstdio>
#include <functional>

#include "absl/strings/str_cat.h"
#include "io/file_io.h"

namespace agnapprox {
namespace {

std::string TableKey(const std::string& layer) { return "agnapprox/table/" + layer; }
std::string NameKey(const std::string& layer) { return "agnapprox/multiplier/" + layer; }
std::string CompensationKey(const std::string& layer) {
  return "agnapprox/compensation/" + layer;
}

// Writes an archive filled by `fill` to a temporary file, then renames it
// over `path`, so readers never see half a file.
absl::Status WriteArchive(const std::string& path,
                          const std::function<absl::Status(torch::serialize::OutputArchive&)>& fill) {
  const std::string tmp = path + ".tmp";
  try {
    torch::serialize::OutputArchive archive;
    if (absl::Status s = fill(archive); !s.ok()) return s;
    archive.save_to(tmp);
  } catch (const c10::Error& e) {
    std::remove(tmp.c_str());
    return absl::InternalError(absl::StrCat(path, ": cannot save: ", e.what_without_backtrace()));
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    return absl::InvalidArgumentError(absl::StrCat(path, ": cannot write"));
  }
  return absl::OkStatus();
}

// Reads the archive at `path` and hands it to `use`; LibTorch's errors
// become one-line errors naming the file and saying what it is not.
absl::Status ReadArchive(const std::string& path, const std::string& what,
                         const std::function<absl::Status(torch::serialize::InputArchive&)>& use) {
  if (absl::StatusOr<long long> size = RegularFileSize(path); !size.ok()) return size.status();
  try {
    torch::serialize::InputArchive archive;
    archive.load_from(path);
    return use(archive);
  } catch (const c10::Error& e) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": not ", what, ": ", e.what_without_backtrace()));
  }
}

}  // namespace

absl::Status SaveWeights(ApproxNetImpl& net, const std::string& path) {
  return WriteArchive(path, [&](torch::serialize::OutputArchive& archive) {
    net.save(archive);
    return absl::OkStatus();
  });
}

absl::Status LoadWeights(ApproxNetImpl& net, const std::string& path) {
  return ReadArchive(path, "a checkpoint", [&](torch::serialize::InputArchive& archive) {
    net.load(archive);
    return absl::OkStatus();
  });
}

absl::Status SaveDeployedModel(ApproxNetImpl& net, const std::string& path) {
  return WriteArchive(path, [&](torch::serialize::OutputArchive& archive) {
    net.save(archive);
    for (auto& [name, layer] : net.approx_layers()) {
      if (!layer->has_table()) {
        return absl::InvalidArgumentError(absl::StrCat("layer ", name, " has no multiplier"));
      }
      const std::vector<int32_t>& t = layer->table();
      archive.write(
          TableKey(name),
          torch::from_blob(const_cast<int32_t*>(t.data()), {65536}, torch::kInt32).clone());
      archive.write(NameKey(name), c10::IValue(layer->multiplier_name()));
      const std::vector<double>& g = layer->error_compensation();
      if (!g.empty()) {
        archive.write(CompensationKey(name),
                      torch::from_blob(const_cast<double*>(g.data()), {256}, torch::kDouble).clone());
      }
    }
    return absl::OkStatus();
  });
}

absl::Status LoadDeployedModel(ApproxNetImpl& net, const std::string& path) {
  return ReadArchive(path, "a deployed model", [&](torch::serialize::InputArchive& archive) {
    net.load(archive);
    for (auto& [name, layer] : net.approx_layers()) {
      torch::Tensor table;
      c10::IValue multiplier;
      if (!archive.try_read(TableKey(name), table) ||
          !archive.try_read(NameKey(name), multiplier) || table.numel() != 65536 ||
          table.scalar_type() != torch::kInt32 || !multiplier.isString()) {
        return absl::InvalidArgumentError(
            absl::StrCat(path, ": layer ", name, " has no multiplier table"));
      }
      table = table.contiguous();
      layer->set_table(
          std::vector<int32_t>(table.data_ptr<int32_t>(), table.data_ptr<int32_t>() + 65536),
          multiplier.toStringRef());
      torch::Tensor g;
      if (archive.try_read(CompensationKey(name), g)) {
        if (g.numel() != 256 || g.scalar_type() != torch::kDouble) {
          return absl::InvalidArgumentError(
              absl::StrCat(path, ": layer ", name, " has a broken error compensation"));
        }
        g = g.contiguous();
        layer->set_error_compensation(
            std::vector<double>(g.data_ptr<double>(), g.data_ptr<double>() + 256));
      }
      layer->set_mode(Mode::kApprox);
    }
    return absl::OkStatus();
  });
}

}  // namespace agnapprox
