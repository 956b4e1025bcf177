#include "annal/status.h"

namespace annal {

std::string Status::ToString() const {
  switch (code_) {
    case Code::kOk:
      return "OK";
    case Code::kRejected:
      return "rejected: " + message_;
    case Code::kInvalidInput:
      return "invalid input: " + message_;
    case Code::kNotAStore:
      return "not an annal store: " + message_;
    case Code::kIncompatible:
      return "incompatible store: " + message_;
    case Code::kCorruption:
      return "corruption: " + message_;
    case Code::kIOError:
      return "I/O error: " + message_;
    case Code::kBusy:
      return "busy: " + message_;
    case Code::kInternal:
      return "internal error (a bug in annal, please report it): " + message_;
  }
  return message_;
}

}  // namespace annal
