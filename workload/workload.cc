// The workload generator: the public API over workload_impl.h.
#include "workload/workload_impl.h"

namespace annal {

Workload::Workload(WorkloadOptions options) : impl_(std::make_unique<Impl>(options)) {}
Workload::~Workload() = default;
Event Workload::Next() { return impl_->Next(); }
std::vector<Event> Workload::Take(size_t n) {
  std::vector<Event> out;
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) out.push_back(Next());
  return out;
}

}  // namespace annal
