#include "tools/yaml_to_json.h"

#include <yaml-cpp/yaml.h>

#include <charconv>

#include "annal/jsonl.h"

namespace annal::cli {
namespace {

void AppendScalar(std::string& out, const YAML::Node& n) {
  const std::string& s = n.Scalar();
  if (n.Tag() != "!") {  // a plain scalar: maybe a number or a bool
    int64_t i = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), i);
    if (ec == std::errc() && end == s.data() + s.size() && !s.empty()) {
      out += std::to_string(i);
      return;
    }
    if (s == "true" || s == "false") {
      out += s;
      return;
    }
  }
  AppendJsonString(out, s);
}

void Append(std::string& out, const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Map: {
      out += '{';
      bool first = true;
      for (const auto& kv : n) {
        if (!first) out += ',';
        first = false;
        AppendJsonString(out, kv.first.as<std::string>());
        out += ':';
        Append(out, kv.second);
      }
      out += '}';
      break;
    }
    case YAML::NodeType::Sequence: {
      out += '[';
      bool first = true;
      for (const auto& item : n) {
        if (!first) out += ',';
        first = false;
        Append(out, item);
      }
      out += ']';
      break;
    }
    case YAML::NodeType::Scalar:
      AppendScalar(out, n);
      break;
    default:
      out += "null";
  }
}

}  // namespace

Result<std::string> YamlToJson(const std::string& yaml) {
  try {
    std::string out;
    Append(out, YAML::Load(yaml));
    return out;
  } catch (const YAML::Exception& e) {
    return Status::InvalidInput(std::string("malformed YAML: ") + e.what());
  }
}

}  // namespace annal::cli
