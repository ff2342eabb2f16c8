//===- tests/runtime/MemoryTest.cpp - DeviceBuffer and copies -------------===//
//
// Round trips of random data through device memory in every direction,
// buffer ownership, bounds, and the out-of-memory message. Empty buffers
// need no driver; the rest skip without a GPU.
//
//===----------------------------------------------------------------------===//
#include "RuntimeTest.h"

#include "runtime/Memory.h"

#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

using namespace ptxforge::runtime;

namespace {

std::vector<std::uint8_t> randomBytes(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> byte(0, 255);
  std::vector<std::uint8_t> data(n);
  for (std::uint8_t &b : data)
    b = static_cast<std::uint8_t>(byte(rng));
  return data;
}

} // namespace

TEST(Memory, EmptyBufferNeedsNoDriver) {
  DeviceBuffer empty;
  EXPECT_EQ(empty.devicePointer(), 0u);
  EXPECT_EQ(empty.size(), 0u);
  DeviceBuffer moved(std::move(empty));
  EXPECT_EQ(moved.devicePointer(), 0u);
  DeviceBuffer assigned;
  assigned = std::move(moved);
  EXPECT_EQ(assigned.devicePointer(), 0u);
  EXPECT_NO_THROW(assigned.copyFromHost(nullptr, 0));
  EXPECT_NO_THROW(assigned.copyToHost(nullptr, 0));
  int host = 0;
  EXPECT_THROW(assigned.copyFromHost(&host, sizeof host),
               std::invalid_argument);
  EXPECT_THROW(assigned.copyToHost(&host, sizeof host), std::invalid_argument);
}

TEST(MemoryGpu, RoundTripOfRandomData) {
  PF_REQUIRE_GPU();
  const std::size_t n = (std::size_t(1) << 20) + 3;
  std::vector<std::uint8_t> in = randomBytes(n, 42);
  DeviceBuffer buffer(n);
  ASSERT_NE(buffer.devicePointer(), 0u);
  EXPECT_EQ(buffer.size(), n);
  EXPECT_EQ(buffer.device(), currentDevice());
  buffer.copyFromHost(in.data(), n);
  std::vector<std::uint8_t> out(n, 0);
  buffer.copyToHost(out.data(), n);
  EXPECT_EQ(in, out);
}

TEST(MemoryGpu, FreeFunctionsAndDeviceToDevice) {
  PF_REQUIRE_GPU();
  const std::size_t n = 4096;
  std::vector<std::uint8_t> in = randomBytes(n, 7);
  DeviceBuffer a(n), b(n);
  copyHostToDevice(a.devicePointer(), in.data(), n);
  copyDeviceToDevice(b.devicePointer(), a.devicePointer(), n);
  std::vector<std::uint8_t> out(n, 0);
  copyDeviceToHost(out.data(), b.devicePointer(), n);
  EXPECT_EQ(in, out);

  // A copy at an offset lands where it should.
  std::vector<std::uint8_t> patch = randomBytes(100, 9);
  copyHostToDevice(b.devicePointer() + 1000, patch.data(), patch.size());
  b.copyToHost(out.data(), n);
  std::memcpy(in.data() + 1000, patch.data(), patch.size());
  EXPECT_EQ(in, out);
  synchronize();
}

TEST(MemoryGpu, ZeroBytesStillAllocates) {
  PF_REQUIRE_GPU();
  DeviceBuffer buffer(0);
  EXPECT_NE(buffer.devicePointer(), 0u);
  EXPECT_EQ(buffer.size(), 0u);
}

TEST(MemoryGpu, MovesTransferOwnership) {
  PF_REQUIRE_GPU();
  DeviceBuffer a(256);
  std::uint64_t ptr = a.devicePointer();
  DeviceBuffer b(std::move(a));
  EXPECT_EQ(a.devicePointer(), 0u);
  EXPECT_EQ(b.devicePointer(), ptr);
  DeviceBuffer c(512);
  c = std::move(b);
  EXPECT_EQ(c.devicePointer(), ptr);
  EXPECT_EQ(c.size(), 256u);
  EXPECT_THROW(c.copyFromHost(nullptr, 257), std::invalid_argument);
}

TEST(MemoryGpu, OutOfMemoryIsItsOwnError) {
  PF_REQUIRE_GPU();
  const std::size_t huge = std::size_t(1) << 50; // 1 PiB
  try {
    DeviceBuffer buffer(huge);
    FAIL() << "allocating 1 PiB succeeded";
  } catch (const OutOfMemory &e) {
    EXPECT_NE(std::string(e.what()).find("asked for"), std::string::npos)
        << e.what();
    EXPECT_EQ(e.requested(), huge);
  }
  DeviceBuffer afterwards(1024);
  EXPECT_NE(afterwards.devicePointer(), 0u);
}
