#include "nets/data/folder_dataset.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "io/file_io.h"
#include "nets/data/image_decode.h"

namespace agnapprox {
namespace {

namespace fs = std::filesystem;

// The image files of a folder, with their labels, decoded on request.
class FolderImages : public ImageSource {
 public:
  FolderImages(std::vector<std::string> files, ImageOptions o)
      : ImageSource(std::move(o)), files_(std::move(files)) {}
  int64_t size() const override { return static_cast<int64_t>(files_.size()); }
  RawImage Raw(int64_t i) const override {
    const std::string& path = files_.at(static_cast<size_t>(i));
    absl::StatusOr<std::string> bytes = ReadFile(path);
    if (!bytes.ok()) throw std::runtime_error(std::string(bytes.status().message()));
    absl::StatusOr<torch::Tensor> pixels = DecodeImage(*bytes, path);
    if (!pixels.ok()) throw std::runtime_error(std::string(pixels.status().message()));
    return {*pixels, path};
  }

 private:
  std::vector<std::string> files_;
};

// The first 8 bytes of `path` (fewer for a shorter file).
std::string Head(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char head[8] = {};
  in.read(head, 8);
  return std::string(head, static_cast<size_t>(in.gcount()));
}

// Every regular file under `dir` (recursively), sorted by path.
std::vector<std::string> FilesUnder(const std::string& dir) {
  std::vector<std::string> files;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->is_regular_file(ec)) files.push_back(it->path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

struct Split {
  std::vector<std::string> files;
  std::vector<int64_t> labels;
};

// Keeps the JPEG and PNG files of `candidates` (by content), labelled
// `label`, counting the others in *skipped.
void KeepImages(const std::vector<std::string>& candidates, int64_t label, Split* split,
                int64_t* skipped) {
  for (const std::string& f : candidates) {
    if (KindOf(Head(f)) == ImageKind::kOther) {
      ++*skipped;
      continue;
    }
    split->files.push_back(f);
    split->labels.push_back(label);
  }
}

std::vector<std::string> Subfolders(const std::string& dir) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (e.is_directory()) names.push_back(e.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

// CLASS/... folders of `dir` labelled by `classes`; errors name an empty
// class folder or one that is not a class.
absl::Status ReadClassFolders(const std::string& dir, const std::vector<std::string>& classes,
                              Split* split, int64_t* skipped) {
  const std::map<std::string, int64_t> index = [&] {
    std::map<std::string, int64_t> m;
    for (size_t i = 0; i < classes.size(); ++i) m[classes[i]] = static_cast<int64_t>(i);
    return m;
  }();
  for (const std::string& name : Subfolders(dir)) {
    auto it = index.find(name);
    if (it == index.end()) {
      return absl::InvalidArgumentError(absl::StrCat(
          dir, "/", name, ": a class folder that train/ does not have (labels would be wrong)"));
    }
    const size_t before = split->files.size();
    KeepImages(FilesUnder(dir + "/" + name), it->second, split, skipped);
    if (split->files.size() == before) {
      return absl::InvalidArgumentError(absl::StrCat(dir, "/", name, ": no JPEG or PNG images"));
    }
  }
  return absl::OkStatus();
}

// Tiny ImageNet's validation split: val/images/* labelled by
// val/val_annotations.txt ("FILE<tab>CLASS<tab>...").
absl::Status ReadTinyImageNetVal(const std::string& val, const std::vector<std::string>& classes,
                                 Split* split, int64_t* skipped) {
  std::map<std::string, int64_t> index;
  for (size_t i = 0; i < classes.size(); ++i) index[classes[i]] = static_cast<int64_t>(i);
  absl::StatusOr<std::string> text = ReadFile(val + "/val_annotations.txt");
  if (!text.ok()) return text.status();
  int line_no = 0;
  for (absl::string_view line : absl::StrSplit(*text, '\n')) {
    ++line_no;
    if (line.empty() || line == "\r") continue;
    std::vector<std::string> f = absl::StrSplit(line, '\t');
    if (f.size() < 2 || !index.count(f[1])) {
      return absl::InvalidArgumentError(absl::StrCat(val, "/val_annotations.txt:", line_no,
                                                     ": no known class in '", line, "'"));
    }
    const std::string file = val + "/images/" + f[0];
    if (!fs::is_regular_file(file)) {
      return absl::InvalidArgumentError(absl::StrCat(val, "/val_annotations.txt:", line_no, ": ",
                                                     file, " is missing"));
    }
    KeepImages({file}, index.at(f[1]), split, skipped);
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<FolderData> OpenFolderDataset(const std::string& dir, const ImageOptions& train,
                                             const ImageOptions& test) {
  const std::string train_dir = dir + "/train";
  if (!fs::is_directory(train_dir)) {
    return absl::InvalidArgumentError(dir + ": no train/ folder (want DIR/train/CLASS/*)");
  }
  FolderData out;
  out.classes = Subfolders(train_dir);
  if (out.classes.empty()) {
    return absl::InvalidArgumentError(train_dir + ": no class folders");
  }
  Split tr, te;
  if (absl::Status s = ReadClassFolders(train_dir, out.classes, &tr, &out.skipped); !s.ok()) {
    return s;
  }
  const std::string val = dir + "/val", test_dir = dir + "/test";
  absl::Status s;
  if (fs::is_regular_file(val + "/val_annotations.txt")) {
    s = ReadTinyImageNetVal(val, out.classes, &te, &out.skipped);
  } else if (fs::is_directory(val)) {
    s = ReadClassFolders(val, out.classes, &te, &out.skipped);
  } else if (fs::is_directory(test_dir)) {
    s = ReadClassFolders(test_dir, out.classes, &te, &out.skipped);
  } else {
    return absl::InvalidArgumentError(dir + ": no val/ or test/ folder");
  }
  if (!s.ok()) return s;
  if (te.files.empty()) return absl::InvalidArgumentError(dir + ": no test images");
  out.train_labels = torch::tensor(tr.labels, torch::kLong);
  out.test_labels = torch::tensor(te.labels, torch::kLong);
  out.train = std::make_shared<FolderImages>(std::move(tr.files), train);
  out.test = std::make_shared<FolderImages>(std::move(te.files), test);
  return out;
}

}  // namespace agnapprox
