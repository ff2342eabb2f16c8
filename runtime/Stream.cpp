//===- runtime/Stream.cpp - Streams, events and CUDA graphs ---------------===//
//
// Thin owners of driver handles. Destructors never throw: a handle whose
// context is gone (at exit, or after a sticky fault) is dropped quietly.
// Captures run in relaxed mode, so that allocations made while one is in
// progress do not invalidate it; frees are deferred until it ends.
//
//===----------------------------------------------------------------------===//
#include "runtime/Stream.h"
#include "runtime/DriverApi.h"
#include "runtime/Memory.h"

#include <atomic>

namespace ptxforge::runtime {

namespace {

std::atomic<int> gCaptures{0};

/// Makes the device's context current without throwing; false when it cannot.
bool quietContext(int device) noexcept {
  try {
    ensureContext(device);
    return true;
  } catch (...) {
    return false;
  }
}

} // namespace

Stream::Stream(bool nonBlocking) : device_(currentDevice()) {
  ensureContext(device_);
  CUstream stream = nullptr;
  PF_CHECK_CU(cuStreamCreate, &stream, nonBlocking ? CU_STREAM_NON_BLOCKING : CU_STREAM_DEFAULT);
  handle_ = stream;
}

Stream::~Stream() {
  if (handle_ && quietContext(device_))
    detail::gCu.cuStreamDestroy(static_cast<CUstream>(handle_));
}

void Stream::synchronize() const {
  ensureContext(device_);
  PF_CHECK_CU(cuStreamSynchronize, static_cast<CUstream>(handle_));
}

bool Stream::query() const {
  ensureContext(device_);
  CUresult result = detail::gCu.cuStreamQuery(static_cast<CUstream>(handle_));
  if (result == CUDA_ERROR_NOT_READY)
    return false;
  detail::checkCu(result, "cuStreamQuery");
  return true;
}

void synchronizeStream(void *stream) {
  ensureContext(currentDevice());
  PF_CHECK_CU(cuStreamSynchronize, static_cast<CUstream>(stream));
}

void streamWaitStream(void *consumer, void *producer) {
  if (consumer == producer)
    return;
  ensureContext(currentDevice());
  CUevent event = nullptr;
  PF_CHECK_CU(cuEventCreate, &event, CU_EVENT_DISABLE_TIMING);
  CUresult result = detail::gCu.cuEventRecord(event, static_cast<CUstream>(producer));
  if (result == CUDA_SUCCESS)
    result = detail::gCu.cuStreamWaitEvent(static_cast<CUstream>(consumer), event, 0);
  // An event destroyed before it completes is released once it does.
  detail::gCu.cuEventDestroy(event);
  detail::checkCu(result, "cuStreamWaitEvent");
}

Event::Event(bool timing) : device_(currentDevice()), timing_(timing) {
  ensureContext(device_);
  CUevent event = nullptr;
  PF_CHECK_CU(cuEventCreate, &event, timing ? CU_EVENT_DEFAULT : CU_EVENT_DISABLE_TIMING);
  handle_ = event;
}

Event::~Event() {
  if (handle_ && quietContext(device_))
    detail::gCu.cuEventDestroy(static_cast<CUevent>(handle_));
}

void Event::record(void *stream) {
  ensureContext(device_);
  PF_CHECK_CU(cuEventRecord, static_cast<CUevent>(handle_), static_cast<CUstream>(stream));
}

void Event::synchronize() const {
  ensureContext(device_);
  PF_CHECK_CU(cuEventSynchronize, static_cast<CUevent>(handle_));
}

bool Event::query() const {
  ensureContext(device_);
  CUresult result = detail::gCu.cuEventQuery(static_cast<CUevent>(handle_));
  if (result == CUDA_ERROR_NOT_READY)
    return false;
  detail::checkCu(result, "cuEventQuery");
  return true;
}

void Event::waitOn(void *stream) const {
  ensureContext(device_);
  PF_CHECK_CU(cuStreamWaitEvent, static_cast<CUstream>(stream), static_cast<CUevent>(handle_), 0);
}

float Event::elapsedMs(const Event &start, const Event &end) {
  if (!start.timing_ || !end.timing_)
    throw std::invalid_argument("event_elapsed_time needs events made with timing=True");
  ensureContext(start.device_);
  float ms = 0;
  PF_CHECK_CU(cuEventElapsedTime, &ms, static_cast<CUevent>(start.handle_), static_cast<CUevent>(end.handle_));
  return ms;
}

void Graph::beginCapture(void *stream) {
  if (!stream)
    throw std::invalid_argument("the legacy default stream cannot be captured: capture a stream made with "
                                "ptxforge.stream()");
  ensureContext(currentDevice());
  gCaptures.fetch_add(1);
  CUresult result =
      detail::gCu.cuStreamBeginCapture(static_cast<CUstream>(stream), CU_STREAM_CAPTURE_MODE_RELAXED);
  if (result != CUDA_SUCCESS) {
    gCaptures.fetch_sub(1);
    detail::throwCudaError(result, "cuStreamBeginCapture");
  }
}

std::unique_ptr<Graph> Graph::endCapture(void *stream) {
  const int device = currentDevice();
  ensureContext(device);
  CUgraph graph = nullptr;
  CUresult result = detail::gCu.cuStreamEndCapture(static_cast<CUstream>(stream), &graph);
  if (gCaptures.fetch_sub(1) == 1)
    releaseDeferredFrees();
  detail::checkCu(result, "cuStreamEndCapture");
  std::size_t nodes = 0;
  detail::gCu.cuGraphGetNodes(graph, nullptr, &nodes);
  CUgraphExec exec = nullptr;
  result = detail::gCu.cuGraphInstantiate(&exec, graph, 0);
  if (result != CUDA_SUCCESS) {
    detail::gCu.cuGraphDestroy(graph);
    detail::throwCudaError(result, "cuGraphInstantiate");
  }
  return std::unique_ptr<Graph>(new Graph(graph, exec, device, nodes));
}

bool Graph::capturing() { return gCaptures.load(std::memory_order_relaxed) > 0; }

Graph::~Graph() {
  if (!quietContext(device_))
    return;
  detail::gCu.cuGraphExecDestroy(static_cast<CUgraphExec>(exec_));
  detail::gCu.cuGraphDestroy(static_cast<CUgraph>(graph_));
}

void Graph::launch(void *stream) const {
  ensureContext(device_);
  PF_CHECK_CU(cuGraphLaunch, static_cast<CUgraphExec>(exec_), static_cast<CUstream>(stream));
}

} // namespace ptxforge::runtime
