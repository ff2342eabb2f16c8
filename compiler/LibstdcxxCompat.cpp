//===- compiler/LibstdcxxCompat.cpp - Keep the library within manylinux ---===//
//
// LLVM's static libraries (ORC's JIT, Support's thread pool) were built by
// GCC 12, whose headers bind condition_variable::wait(unique_lock&) to the
// GLIBCXX_3.4.30 symbol: linked against the system's libstdc++, that alone
// would lift libptxforge, and the wheel, past manylinux_2_34
// (tools/wheel-check). The definition here satisfies those references
// inside the library instead (the version script keeps it unexported). It is
// what libstdc++'s own definition does: one pthread_cond_wait on the
// condition and the lock's mutex.
//
//===----------------------------------------------------------------------===//

#include <condition_variable>
#include <mutex>

#include <pthread.h>

namespace std {

void condition_variable::wait(unique_lock<mutex> &lock) {
  pthread_cond_wait(native_handle(), lock.mutex()->native_handle());
}

} // namespace std
