// annal/export.h: ANNAL_EXPORT, the mark on what libannal.so exports.
//
// The library is compiled with hidden visibility (-fvisibility=hidden), so
// its internals (store/, events/, projectors/, engine/) stay inside it; the
// classes and functions of include/annal/ that are defined in the library
// carry this mark and are its whole ABI. tools/check_exports.sh holds the
// exported set to tools/exports.txt in CI. Nothing here to call; no state.
#pragma once

#define ANNAL_EXPORT [[gnu::visibility("default")]]
