// A YAML document as JSON text, for `annal schema add FILE.yaml`: the
// declarations' JSON reader (ParseDeclarations) then reads it, so YAML and
// JSON declarations meet one set of rules and messages. Maps become
// objects, sequences arrays; a plain scalar that reads as a decimal integer
// or true/false becomes one, any other scalar (and every quoted one) a
// string. Parsed by yaml-cpp (Debian's libyaml-cpp-dev). Not thread-safe.
#pragma once

#include <string>

#include "annal/status.h"

namespace annal::cli {

Result<std::string> YamlToJson(const std::string& yaml);

}  // namespace annal::cli
