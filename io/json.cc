#include "io/json.h"

#include <cmath>
#include <cstdio>

namespace agnapprox {
namespace {

void AppendString(const std::string& s, std::string* out) {
  out->push_back('"');
  for (unsigned char c : s) {
    switch (c) {
      case '"': *out += "\\\""; break;
      case '\\': *out += "\\\\"; break;
      case '\n': *out += "\\n"; break;
      case '\t': *out += "\\t"; break;
      case '\r': *out += "\\r"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          *out += buf;
        } else {
          out->push_back(static_cast<char>(c));
        }
    }
  }
  out->push_back('"');
}

}  // namespace

Json Json::Raw(std::string text) {
  Json j(Kind::kRaw);
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  j.string_ = std::move(text);
  return j;
}

Json& Json::Set(const std::string& key, Json value) {
  for (auto& member : members_) {
    if (member.first == key) {
      member.second = std::move(value);
      return *this;
    }
  }
  members_.emplace_back(key, std::move(value));
  return *this;
}

Json& Json::Push(Json value) {
  items_.push_back(std::move(value));
  return *this;
}

std::string Json::Dump() const {
  std::string out;
  DumpTo(&out, 0);
  out.push_back('\n');
  return out;
}

std::string Json::DumpLine() const {
  std::string out;
  DumpTo(&out, -1);
  return out;
}

void Json::DumpTo(std::string* out, int indent) const {
  const bool line = indent < 0;
  const std::string pad = line ? "" : std::string(indent + 2, ' ');
  const std::string open_sep = line ? "" : "\n";
  const std::string item_sep = line ? ", " : ",\n";
  const std::string close = line ? "" : "\n" + std::string(indent, ' ');
  const int inner = line ? -1 : indent + 2;
  switch (kind_) {
    case Kind::kNull:
      *out += "null";
      return;
    case Kind::kBool:
      *out += bool_ ? "true" : "false";
      return;
    case Kind::kInteger:
      *out += std::to_string(integer_);
      return;
    case Kind::kNumber: {
      if (!std::isfinite(number_)) {
        *out += "null";
        return;
      }
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.17g", number_);
      *out += buf;
      return;
    }
    case Kind::kString:
      AppendString(string_, out);
      return;
    case Kind::kRaw:
      *out += string_;
      return;
    case Kind::kArray:
      if (items_.empty()) {
        *out += "[]";
        return;
      }
      *out += "[" + open_sep;
      for (size_t i = 0; i < items_.size(); ++i) {
        *out += pad;
        items_[i].DumpTo(out, inner);
        if (i + 1 < items_.size()) *out += item_sep;
      }
      *out += close + "]";
      return;
    case Kind::kObject:
      if (members_.empty()) {
        *out += "{}";
        return;
      }
      *out += "{" + open_sep;
      for (size_t i = 0; i < members_.size(); ++i) {
        *out += pad;
        AppendString(members_[i].first, out);
        *out += ": ";
        members_[i].second.DumpTo(out, inner);
        if (i + 1 < members_.size()) *out += item_sep;
      }
      *out += close + "}";
      return;
  }
}

}  // namespace agnapprox
