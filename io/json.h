// A small JSON value for the binaries' outputs: objects keep insertion
// order, numbers print with 17 significant digits (exact round trip), and
// non-finite numbers become null.
//
//   Json j = Json::Object();
//   j.Set("metric", "power").Set("metric_max", 0.425);
//   std::string text = j.Dump();
#ifndef AGNAPPROX_IO_JSON_H_
#define AGNAPPROX_IO_JSON_H_

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace agnapprox {

class Json {
 public:
  Json() : kind_(Kind::kNull) {}
  Json(bool b) : kind_(Kind::kBool), bool_(b) {}
  Json(double d) : kind_(Kind::kNumber), number_(d) {}
  Json(int v) : Json(static_cast<int64_t>(v)) {}
  Json(int64_t v) : kind_(Kind::kInteger), integer_(v) {}
  Json(const char* s) : kind_(Kind::kString), string_(s) {}
  Json(std::string s) : kind_(Kind::kString), string_(std::move(s)) {}

  static Json Object() { return Json(Kind::kObject); }
  // Already-serialised JSON, embedded as it is (trailing newlines dropped).
  static Json Raw(std::string text);
  static Json Array() { return Json(Kind::kArray); }

  // REQUIRES: an object. Appends (or replaces) `key`; returns *this.
  Json& Set(const std::string& key, Json value);
  // REQUIRES: an array. Appends; returns *this.
  Json& Push(Json value);

  // Text with two-space indentation and a final newline.
  std::string Dump() const;
  // The same on one line (for JSON Lines files), without a newline.
  std::string DumpLine() const;

 private:
  enum class Kind { kNull, kBool, kNumber, kInteger, kString, kArray, kObject, kRaw };
  explicit Json(Kind kind) : kind_(kind) {}
  // indent < 0: one line.
  void DumpTo(std::string* out, int indent) const;

  Kind kind_;
  bool bool_ = false;
  double number_ = 0;
  int64_t integer_ = 0;
  std::string string_;
  std::vector<std::pair<std::string, Json>> members_;  // objects
  std::vector<Json> items_;                            // arrays
};

}  // namespace agnapprox

#endif  // AGNAPPROX_IO_JSON_H_
