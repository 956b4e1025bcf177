// annal_py_schema: prints the events' and rows' fields (schema.h) as JSON,
// for python/gen_types.py, which writes the typed Python classes at build
// time. A build tool: not installed.
#include <iostream>
#include <string>

#include "annal/jsonl.h"
#include "python/src/schema.h"

namespace {

std::string ToJson(const std::vector<annal::binding::TypeInfo>& types) {
  std::string out = "[";
  for (size_t i = 0; i < types.size(); ++i) {
    if (i) out += ",";
    out += "{\"name\":";
    annal::AppendJsonString(out, types[i].name);
    out += ",\"fields\":[";
    for (size_t j = 0; j < types[i].fields.size(); ++j) {
      const auto& f = types[i].fields[j];
      if (j) out += ",";
      out += "{\"name\":";
      annal::AppendJsonString(out, f.name);
      out += ",\"kind\":";
      annal::AppendJsonString(out, f.kind);
      out += f.optional ? ",\"optional\":true" : ",\"optional\":false";
      out += ",\"choices\":[";
      for (size_t k = 0; k < f.choices.size(); ++k) {
        if (k) out += ",";
        annal::AppendJsonString(out, f.choices[k]);
      }
      out += "]}";
    }
    out += "]}";
  }
  return out + "]";
}

}  // namespace

int main() {
  std::cout << "{\"events\":" << ToJson(annal::binding::EventSchema())
            << ",\"rows\":" << ToJson(annal::binding::RowSchema()) << "}\n";
}
