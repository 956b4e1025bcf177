// Clang's thread-safety annotations (clang.llvm.org/docs/ThreadSafetyAnalysis):
// which lock guards which data, and which functions need which lock held.
// A clang build with -Wthread-safety (ANNAL_THREAD_SAFETY, run by CI) checks
// them; other compilers see nothing. The lock discipline of Engine::Impl is
// written in these, not in prose.
#pragma once

#if defined(__clang__)
#define ANNAL_TSA(x) __attribute__((x))
#else
#define ANNAL_TSA(x)
#endif

#define CAPABILITY(name) ANNAL_TSA(capability(name))
#define SCOPED_CAPABILITY ANNAL_TSA(scoped_lockable)
#define GUARDED_BY(m) ANNAL_TSA(guarded_by(m))
#define REQUIRES(...) ANNAL_TSA(requires_capability(__VA_ARGS__))
#define REQUIRES_SHARED(...) ANNAL_TSA(requires_shared_capability(__VA_ARGS__))
#define ACQUIRE(...) ANNAL_TSA(acquire_capability(__VA_ARGS__))
#define ACQUIRE_SHARED(...) ANNAL_TSA(acquire_shared_capability(__VA_ARGS__))
#define RELEASE(...) ANNAL_TSA(release_capability(__VA_ARGS__))
#define RELEASE_SHARED(...) ANNAL_TSA(release_shared_capability(__VA_ARGS__))
#define RELEASE_GENERIC(...) ANNAL_TSA(release_generic_capability(__VA_ARGS__))
#define TRY_ACQUIRE(...) ANNAL_TSA(try_acquire_capability(__VA_ARGS__))
#define ACQUIRED_AFTER(...) ANNAL_TSA(acquired_after(__VA_ARGS__))
#define EXCLUDES(...) ANNAL_TSA(locks_excluded(__VA_ARGS__))
#define NO_THREAD_SAFETY_ANALYSIS ANNAL_TSA(no_thread_safety_analysis)
