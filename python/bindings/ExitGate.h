//===- python/bindings/ExitGate.h - C++ work that the exit waits for ------===//
//
// Calls that run C++ with the GIL released (compiles, loads, copies, syncs)
// pass through a gate. At interpreter exit, ptxforge's atexit hook closes it
// and waits for the calls in flight, so that a daemon thread is never inside
// libptxforge, LLVM or libcuda while C's exit handlers destroy their statics.
// A daemon thread that comes later waits, the GIL released, until the
// process is gone; the thread that closed the gate gets an exception.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <pybind11/pybind11.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <thread>

namespace ptxforge::bindings {

namespace detail {
struct ExitGate {
  std::mutex mutex;
  std::condition_variable idle;
  int inFlight = 0;
  bool closed = false;
  std::thread::id closer;
};
inline ExitGate &exitGate() {
  static ExitGate *gate = new ExitGate; // never destroyed: used while the process exits
  return *gate;
}
} // namespace detail

/// Releases the GIL for the enclosing scope, as py::gil_scoped_release, and
/// counts the scope as work in flight. Once the interpreter is exiting, other
/// threads wait here for the end of the process, and the exiting thread gets
/// a RuntimeError.
class GilRelease {
public:
  GilRelease() {
    detail::ExitGate &g = detail::exitGate();
    bool admitted = false;
    {
      std::lock_guard<std::mutex> lock(g.mutex);
      if (!g.closed) {
        ++g.inFlight;
        admitted = true;
      } else if (g.closer == std::this_thread::get_id()) {
        throw std::runtime_error("ptxforge: the interpreter is exiting; no more compiles, launches or copies");
      }
    }
    state_ = PyEval_SaveThread();
    if (admitted)
      return;
    std::unique_lock<std::mutex> lock(g.mutex);
    for (;;) // never returns: the interpreter is exiting (a timed wait, see closeExitGate)
      g.idle.wait_for(lock, std::chrono::hours(1));
  }
  ~GilRelease() {
    // The GIL first, the count second: the exit hook returns, and Python's
    // finalisation begins, only once every admitted call holds the GIL again,
    // so no call here can meet a finalising interpreter (which would end the
    // thread inside this destructor).
    PyEval_RestoreThread(state_);
    detail::ExitGate &g = detail::exitGate();
    std::lock_guard<std::mutex> lock(g.mutex);
    if (--g.inFlight == 0)
      g.idle.notify_all();
  }
  GilRelease(const GilRelease &) = delete;
  GilRelease &operator=(const GilRelease &) = delete;

private:
  PyThreadState *state_;
};

/// Closes the gate and waits, the GIL released, until no call is in flight.
inline void closeExitGate() {
  detail::ExitGate &g = detail::exitGate();
  PyThreadState *state = PyEval_SaveThread();
  {
    std::unique_lock<std::mutex> lock(g.mutex);
    g.closed = true;
    g.closer = std::this_thread::get_id();
    // Timed waits: condition_variable::wait(lock) is a GLIBCXX_3.4.30 symbol
    // (GCC 12), which would raise the wheel's manylinux tag past 2_34.
    while (g.inFlight != 0)
      g.idle.wait_for(lock, std::chrono::hours(1));
  }
  PyEval_RestoreThread(state);
}

} // namespace ptxforge::bindings
