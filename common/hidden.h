// ANNAL_HIDDEN: for the Impl class nested in an exported class of the public
// API (include/annal/export.h). A nested class takes its outer class's
// visibility, so without the mark every member of Engine::Impl would be
// exported from libannal.so with Engine. Nothing to call; no state.
#pragma once

#define ANNAL_HIDDEN [[gnu::visibility("hidden")]]
