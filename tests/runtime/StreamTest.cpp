//===- tests/runtime/StreamTest.cpp - Streams, events, graphs, pool memory -===//
//
// Stream-ordered allocation and free, events ordering two streams and timing
// work, a captured graph replayed, pinned and mapped host memory, and the
// fault note that names a kernel. Skip without a GPU except where no driver
// is needed.
//
//===----------------------------------------------------------------------===//
#include "RuntimeTest.h"

#include "runtime/DriverApi.h"
#include "runtime/Memory.h"
#include "runtime/Module.h"
#include "runtime/Stream.h"

#include <cstdint>
#include <cstring>
#include <vector>

using namespace ptxforge::runtime;

namespace {

LaunchConfig oneBlock(unsigned threads, void *stream) {
  LaunchConfig c;
  c.block[0] = threads;
  c.stream = stream;
  return c;
}

} // namespace

TEST(Stream, LegacyStreamCannotBeCapturedAndNeedsNoDriver) {
  EXPECT_THROW(Graph::beginCapture(nullptr), std::invalid_argument);
  EXPECT_FALSE(Graph::capturing());
}

TEST(Stream, FaultNoteNamesTheLastKernelLaunched) {
  Function fn;
  fn.handle = reinterpret_cast<void *>(0x1);
  fn.name = "saxpy_made_up";
  fn.device = currentDevice();
  detail::noteLaunch(fn);
  EXPECT_EQ(detail::faultNote(CUDA_ERROR_OUT_OF_MEMORY), "");
  EXPECT_EQ(detail::faultNote(CUDA_ERROR_INVALID_VALUE), "");
  for (int code : {CUDA_ERROR_ILLEGAL_ADDRESS, CUDA_ERROR_LAUNCH_FAILED, CUDA_ERROR_MISALIGNED_ADDRESS})
    EXPECT_NE(detail::faultNote(code).find("raised by kernel 'saxpy_made_up'"), std::string::npos)
        << detail::faultNote(code);
  fn.handle = reinterpret_cast<void *>(0x2);
  fn.name = "another";
  detail::noteLaunch(fn);
  EXPECT_NE(detail::faultNote(CUDA_ERROR_ILLEGAL_ADDRESS).find("'another'"), std::string::npos);
}

TEST(StreamGpu, AllocateFreeAndCountLive) {
  PF_REQUIRE_GPU();
  const std::size_t live = liveAllocations();
  Stream stream;
  std::uint64_t a = deviceAllocate(1 << 20, stream.handle());
  std::uint64_t b = deviceAllocate(0);
  EXPECT_NE(a, 0u);
  EXPECT_NE(b, 0u);
  EXPECT_EQ(liveAllocations(), live + 2);
  memsetDevice(a, 0xab, 1 << 20, stream.handle());
  std::vector<std::uint8_t> host(1 << 20);
  copyDeviceToHost(host.data(), a, host.size(), stream.handle());
  stream.synchronize();
  EXPECT_EQ(host[0], 0xab);
  EXPECT_EQ(host.back(), 0xab);
  deviceFree(a, currentDevice());
  deviceFree(b, currentDevice());
  EXPECT_EQ(liveAllocations(), live);
  synchronize();
}

TEST(StreamGpu, TooLargeIsOutOfMemoryNotADriverError) {
  PF_REQUIRE_GPU();
  const std::size_t total = deviceInfo(currentDevice()).totalMemory;
  try {
    deviceAllocate(total * 2);
    FAIL() << "allocated twice the device's memory";
  } catch (const OutOfMemory &e) {
    EXPECT_EQ(e.requested(), total * 2);
    EXPECT_NE(std::string(e.what()).find("out of device memory: asked for"), std::string::npos) << e.what();
  }
}

TEST(StreamGpu, EventsOrderStreamsAndTime) {
  PF_REQUIRE_GPU();
  auto module = Module::load(fixtures::kWriteTidPtx, currentDevice());
  Function fn = module->function("write_tid");
  Stream a, b;
  DeviceBuffer out(256 * sizeof(std::int32_t));
  memsetDevice(out.devicePointer(), 0xff, out.size());
  std::uint64_t ptr = out.devicePointer();
  void *params[] = {&ptr};
  Event start, done, end;
  start.record(a.handle());
  launch(fn, oneBlock(256, a.handle()), params);
  done.record(a.handle());
  done.waitOn(b.handle());
  end.record(b.handle());
  end.synchronize();
  EXPECT_TRUE(done.query());
  EXPECT_GE(Event::elapsedMs(start, end), 0.0f);
  std::vector<std::int32_t> host(256);
  out.copyToHost(host.data(), out.size());
  for (int i = 0; i < 256; ++i)
    ASSERT_EQ(host[i], i);
  Event untimed(false);
  untimed.record(b.handle());
  untimed.synchronize();
  EXPECT_THROW(Event::elapsedMs(start, untimed), std::invalid_argument);
}

TEST(StreamGpu, CapturedGraphReplays) {
  PF_REQUIRE_GPU();
  auto module = Module::load(fixtures::kWriteTidPtx, currentDevice());
  Function fn = module->function("write_tid");
  Stream stream;
  DeviceBuffer out(128 * sizeof(std::int32_t));
  memsetDevice(out.devicePointer(), 0xff, out.size());
  std::uint64_t ptr = out.devicePointer();
  void *params[] = {&ptr};

  const std::size_t live = liveAllocations();
  Graph::beginCapture(stream.handle());
  EXPECT_TRUE(Graph::capturing());
  launch(fn, oneBlock(128, stream.handle()), params);
  std::uint64_t scratch = deviceAllocate(64); // synchronous while capturing
  deviceFree(scratch, currentDevice());       // deferred until the capture ends
  EXPECT_EQ(liveAllocations(), live + 1);
  std::unique_ptr<Graph> graph = Graph::endCapture(stream.handle());
  EXPECT_FALSE(Graph::capturing());
  EXPECT_EQ(liveAllocations(), live);
  EXPECT_EQ(graph->nodeCount(), 1u);

  std::vector<std::int32_t> host(128);
  out.copyToHost(host.data(), out.size());
  EXPECT_EQ(host[5], -1) << "the captured launch ran during the capture";
  graph->launch(stream.handle());
  stream.synchronize();
  out.copyToHost(host.data(), out.size());
  for (int i = 0; i < 128; ++i)
    ASSERT_EQ(host[i], i);
}

TEST(StreamGpu, PinnedAndMappedHostMemory) {
  PF_REQUIRE_GPU();
  HostBuffer pinned(4096, false);
  EXPECT_NE(pinned.data(), nullptr);
  EXPECT_EQ(pinned.devicePointer(), 0u);
  HostBuffer mapped(4096, true);
  ASSERT_NE(mapped.devicePointer(), 0u);
  std::memset(mapped.data(), 0, 4096);
  auto module = Module::load(fixtures::kWriteTidPtx, currentDevice());
  Function fn = module->function("write_tid");
  std::uint64_t ptr = mapped.devicePointer();
  void *params[] = {&ptr};
  launch(fn, oneBlock(64, nullptr), params);
  synchronize();
  auto *values = static_cast<std::int32_t *>(mapped.data());
  for (int i = 0; i < 64; ++i)
    ASSERT_EQ(values[i], i);
}
