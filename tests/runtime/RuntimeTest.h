//===- tests/runtime/RuntimeTest.h - What the runtime suites share --------===//
//
// The skip for machines without a GPU, and the hand-written PTX kernels the
// launch tests load through the driver's JIT.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "runtime/Driver.h"

#include <gtest/gtest.h>

/// Skips the current test, with the driver's reason, when no GPU is usable.
#define PF_REQUIRE_GPU()                                                       \
  if (!::ptxforge::runtime::isAvailable())                                     \
  GTEST_SKIP() << "no CUDA device: " << ::ptxforge::runtime::unavailableReason()

namespace ptxforge::runtime::fixtures {

/// out[blockIdx.x * blockDim.x + threadIdx.x] = threadIdx.x, for int32 out.
inline constexpr const char *kWriteTidPtx = R"(
.version 7.0
.target sm_50
.address_size 64

.visible .entry write_tid(
    .param .u64 write_tid_param_0
)
{
    .reg .b32 %r<5>;
    .reg .b64 %rd<5>;

    ld.param.u64 %rd1, [write_tid_param_0];
    cvta.to.global.u64 %rd2, %rd1;
    mov.u32 %r1, %tid.x;
    mov.u32 %r2, %ctaid.x;
    mov.u32 %r3, %ntid.x;
    mad.lo.s32 %r4, %r2, %r3, %r1;
    mul.wide.u32 %rd3, %r4, 4;
    add.s64 %rd4, %rd2, %rd3;
    st.global.u32 [%rd4], %r1;
    ret;
}
)";

/// The same kernel with an instruction ptxas does not know (line 16).
inline constexpr const char *kBrokenPtx = R"(
.version 7.0
.target sm_50
.address_size 64

.visible .entry broken(
    .param .u64 broken_param_0
)
{
    .reg .b32 %r<5>;
    .reg .b64 %rd<5>;

    ld.param.u64 %rd1, [broken_param_0];
    cvta.to.global.u64 %rd2, %rd1;
    mov.u32 %r1, %tid.x;
    bogus.op %r3;
    st.global.u32 [%rd2], %r1;
    ret;
}
)";

} // namespace ptxforge::runtime::fixtures
