//===- runtime/Stream.h - Streams, events and CUDA graphs -----------------===//
//
// Owning wrappers of CUstream, CUevent and CUgraphExec, each made in the
// primary context of one device and destroyed there. A stream handle of 0
// means the legacy default stream throughout the runtime.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <memory>

namespace ptxforge::runtime {

/// A stream of the device it was made on. Blocking with respect to the legacy
/// default stream (numba-cuda's cuda.stream()), unless made non-blocking.
class Stream {
public:
  /// Creates a stream on the current device.
  explicit Stream(bool nonBlocking = false);
  ~Stream();
  Stream(const Stream &) = delete;
  Stream &operator=(const Stream &) = delete;

  void *handle() const { return handle_; }
  int device() const { return device_; }
  /// Waits for all work queued on the stream; a device fault names the kernel.
  void synchronize() const;
  /// True when all work queued on the stream has finished.
  bool query() const;

private:
  void *handle_ = nullptr;
  int device_ = 0;
};

/// Waits for work on `stream` (a CUstream, 0 for the legacy default).
void synchronizeStream(void *stream);

/// Makes `consumer` wait, on the device, for the work queued on `producer`
/// so far (an event recorded there). No-op when both are the same stream.
void streamWaitStream(void *consumer, void *producer);

/// A CUDA event of the current device.
class Event {
public:
  explicit Event(bool timing = true);
  ~Event();
  Event(const Event &) = delete;
  Event &operator=(const Event &) = delete;

  void *handle() const { return handle_; }
  void record(void *stream);
  void synchronize() const;
  /// True when the work before the last record() has finished.
  bool query() const;
  /// Makes `stream` wait for the last record() (cuStreamWaitEvent).
  void waitOn(void *stream) const;
  /// Milliseconds between two recorded, completed timing events.
  static float elapsedMs(const Event &start, const Event &end);

private:
  void *handle_ = nullptr;
  int device_ = 0;
  bool timing_ = true;
};

/// An instantiated CUDA graph, made by capturing a stream's work.
class Graph {
public:
  /// Starts capturing the work queued on `stream` (not the legacy default
  /// stream). Launches and copies on it are recorded, not run, until
  /// endCapture.
  static void beginCapture(void *stream);
  /// Ends the capture on `stream` and instantiates the graph. On failure the
  /// capture is still ended, so the stream stays usable.
  static std::unique_ptr<Graph> endCapture(void *stream);
  /// True while any capture started here is in progress. Memory freed
  /// meanwhile is kept until it ends (a stream-ordered free on the legacy
  /// stream would invalidate the capture).
  static bool capturing();

  ~Graph();
  Graph(const Graph &) = delete;
  Graph &operator=(const Graph &) = delete;

  /// Replays the graph on `stream`.
  void launch(void *stream) const;
  /// Number of nodes captured.
  std::size_t nodeCount() const { return nodes_; }

private:
  Graph(void *graph, void *exec, int device, std::size_t nodes)
      : graph_(graph), exec_(exec), device_(device), nodes_(nodes) {}
  void *graph_;
  void *exec_;
  int device_;
  std::size_t nodes_;
};

} // namespace ptxforge::runtime
