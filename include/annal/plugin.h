// annal/plugin.h: projections in a shared object, for the `annal` command
// and server (`--plugin PATH.so`) and any embedder (LoadPlugin). A plugin
// defines one C entry point, `annal_plugin_v1`, with ANNAL_PLUGIN below; the
// loader refuses a shared object without it, and one built against another
// plugin ABI or another build of these headers (their layout fingerprint),
// with a message, never a crash (docs/projections.md, "Plugins").
//
// Thread-safety: LoadPlugin may be called from any thread. The shared
// object stays loaded for the life of the process (its projections'
// code must outlive every engine that holds them).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "annal/export.h"
#include "annal/projection.h"
#include "annal/status.h"
#include "annal/upcast.h"

namespace annal {

// Bumped whenever what crosses the entry point changes.
inline constexpr uint32_t kPluginAbi = 3;  // 2: TableSpec::indexes; 3: Event::shape

// What a plugin's entry point returns: the ABI it was built for, the layout
// fingerprint of the types it hands over, and its projections.
struct PluginV1 {
  uint32_t abi;
  uint64_t layout;
  void (*projections)(std::vector<std::shared_ptr<Projection>>* out);
};

// The sizes of what crosses the boundary, and the standard library's string
// ABI: a plugin whose fingerprint differs was built against other headers
// or another standard library, and is refused.
constexpr uint64_t PluginLayout() {
  return (uint64_t{sizeof(Value)} << 48) | (uint64_t{sizeof(TableSpec)} << 32) |
         (uint64_t{sizeof(FieldSpec)} << 16) | (uint64_t{sizeof(LoggedEvent)} << 1) |
#if defined(_GLIBCXX_USE_CXX11_ABI) && _GLIBCXX_USE_CXX11_ABI
         1
#else
         0
#endif
      ;
}

// A plugin's upcasters (annal/upcast.h): a second entry point,
// `annal_upcasters_v1`, optional, defined with ANNAL_UPCASTERS below.
struct UpcastersV1 {
  uint32_t abi;
  uint64_t layout;
  void (*upcasters)(std::vector<Upcaster>* out);
};
constexpr uint64_t UpcasterLayout() {
  return PluginLayout() ^ (uint64_t{sizeof(Upcaster)} << 56);
}

// Loads the plugin at `path` and returns its projections (none for a plugin
// of upcasters only). kInvalidInput
// naming the file when it cannot be loaded, has no entry point, or was
// built for another ABI or layout.
ANNAL_EXPORT Result<std::vector<std::shared_ptr<Projection>>> LoadPlugin(
    const std::string& path);
// Loads the plugin at `path` and returns its upcasters: none when it has no
// `annal_upcasters_v1`; kInvalidInput as LoadPlugin's otherwise.
ANNAL_EXPORT Result<std::vector<Upcaster>> LoadPluginUpcasters(const std::string& path);

}  // namespace annal

// In one source file of a plugin: ANNAL_PLUGIN(MakeProjections), where
// MakeProjections appends the plugin's projections to the vector it is given.
#define ANNAL_PLUGIN(make_projections)                                       \
  extern "C" __attribute__((visibility("default"))) const ::annal::PluginV1* \
  annal_plugin_v1() {                                                        \
    static const ::annal::PluginV1 plugin = {                                \
        ::annal::kPluginAbi, ::annal::PluginLayout(), (make_projections)};   \
    return &plugin;                                                          \
  }

// In one source file of a plugin, optionally: ANNAL_UPCASTERS(MakeUpcasters),
// where MakeUpcasters appends the plugin's upcasters to the vector it is given.
#define ANNAL_UPCASTERS(make_upcasters)                                         \
  extern "C" __attribute__((visibility("default"))) const ::annal::UpcastersV1* \
  annal_upcasters_v1() {                                                        \
    static const ::annal::UpcastersV1 plugin = {                                \
        ::annal::kPluginAbi, ::annal::UpcasterLayout(), (make_upcasters)};      \
    return &plugin;                                                             \
  }
