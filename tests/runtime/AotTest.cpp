//===- tests/runtime/AotTest.cpp - AOT loading pieces that need no GPU ----===//
//
// The argument layout and its check against a kernel's parameters, the
// fatbin container (against NVIDIA's fatbinary where the toolkit has it),
// and what a cubin says of itself (against cubins that ptxas makes from
// hand-written PTX). Links libptxforge_runtime alone.
//
//===----------------------------------------------------------------------===//
#include "../support/Ptxas.h"

#include "runtime/Aot.h"
#include "runtime/Cubin.h"
#include "runtime/Fatbin.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <algorithm>
#include <functional>
#include <random>

using namespace ptxforge::runtime;
using pftest::PtxasResult;
using pftest::runPtxas;

namespace {

struct ArrayC1 {
  float *data;
  std::int64_t shape[1];
};
struct ArrayA2 {
  double *data;
  std::int64_t shape[2];
  std::int64_t strides[2];
};
struct Complex64 {
  float re, im;
};

std::string invalidArgument(const std::function<void()> &f) {
  try {
    f();
  } catch (const std::invalid_argument &e) {
    return e.what();
  }
  return "(no exception)";
}

/// A kernel taking (float32, float32[::1], int8, float64[:, :], complex64):
/// its PTX and the parameter layout ptxas gives it.
constexpr const char *kParamsPtx = R"(
.version 7.8
.target sm_80
.address_size 64
.visible .entry params(
  .param .f32 p0, .param .u64 p1, .param .u64 p2, .param .u8 p3,
  .param .u64 p4, .param .u64 p5, .param .u64 p6, .param .u64 p7, .param .u64 p8,
  .param .f32 p9, .param .f32 p10) .maxntid 128, 2, 1
{
  ret;
}
.visible .entry other(.param .u64 q)
{
  ret;
}
)";

const std::vector<ParamSlot> kParamsLayout = {{0, 4},  {8, 8},  {16, 8}, {24, 1}, {32, 8}, {40, 8},
                                              {48, 8}, {56, 8}, {64, 8}, {72, 4}, {76, 4}};

} // namespace

TEST(AotArguments, LaidOutLikeAStructOfThem) {
  ArgBuffer b;
  b.add(2.0f);
  b.add(ArrayC1{nullptr, {10}});
  b.add(std::int8_t(3));
  b.add(ArrayA2{nullptr, {2, 3}, {24, 8}});
  b.add(Complex64{1, 2});
  EXPECT_EQ(b.arguments(), (std::vector<ParamSlot>{{0, 4}, {8, 16}, {24, 1}, {32, 40}, {72, 8}}));
  EXPECT_EQ(b.size(), 80u);
  EXPECT_NO_THROW(checkArguments("params", kParamsLayout, b));
  float first;
  std::memcpy(&first, b.data(), 4);
  EXPECT_EQ(first, 2.0f);
}

TEST(AotArguments, MismatchesAreErrorsNamingTheArgument) {
  const std::vector<ParamSlot> params = {{0, 4}, {8, 8}, {16, 8}};
  ArgBuffer wrongScalar; // a double where the float goes
  wrongScalar.add(2.0);
  wrongScalar.add(ArrayC1{});
  EXPECT_NE(invalidArgument([&] { checkArguments("saxpy", params, wrongScalar); }).find("argument 1 is 8 bytes"),
            std::string::npos);
  ArgBuffer tooFew;
  tooFew.add(2.0f);
  std::string message = invalidArgument([&] { checkArguments("saxpy", params, tooFew); });
  EXPECT_NE(message.find("kernel 'saxpy'"), std::string::npos) << message;
  EXPECT_NE(message.find("takes 3 parameters"), std::string::npos) << message;
  ArgBuffer tooMany;
  tooMany.add(2.0f);
  tooMany.add(ArrayC1{});
  tooMany.add(1);
  EXPECT_NE(invalidArgument([&] { checkArguments("saxpy", params, tooMany); }).find("one too many"),
            std::string::npos);
  ArgBuffer wrongArray; // 2-d where a 1-d array goes: runs past the shape parameter
  wrongArray.add(2.0f);
  wrongArray.add(ArrayA2{});
  EXPECT_NE(invalidArgument([&] { checkArguments("saxpy", params, wrongArray); }).find("argument 2"),
            std::string::npos);
}

TEST(AotArguments, ArrayArgFillsTheHeaderStruct) {
  ArrayA2 a = arrayArg<ArrayA2>(0x1000, {2, 3}, {24, 8});
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(a.data), 0x1000u);
  EXPECT_EQ(a.shape[1], 3);
  EXPECT_EQ(a.strides[0], 24);
  EXPECT_THROW(arrayArg<ArrayC1>(0, {1, 2}), std::invalid_argument);
  EXPECT_THROW(arrayArg<ArrayC1>(0, {4}, {4}), std::invalid_argument);
  EXPECT_THROW(arrayArg<ArrayA2>(0, {2, 3}), std::invalid_argument);
}

TEST(AotImages, KindFromFirstBytes) {
  EXPECT_EQ(imageKind("\x7f" "ELF\x02\x01"), ImageKind::Cubin);
  EXPECT_EQ(imageKind(writeFatbin({})), ImageKind::Fatbin);
  EXPECT_EQ(imageKind("//\n.version 7.8\n.target sm_90\n"), ImageKind::Ptx);
  EXPECT_EQ(imageKind("int main() {}"), ImageKind::Unknown);
  EXPECT_EQ(imageKind(""), ImageKind::Unknown);
}

TEST(AotImages, FatbinRoundTrip) {
  std::vector<FatbinEntry> entries(3);
  entries[0] = {FatbinEntry::Cubin, 80, std::string("\x7f" "ELF-eighty", 10)};
  entries[1] = {FatbinEntry::Cubin, 90, std::string(13, 'x')};
  entries[2] = {FatbinEntry::Ptx, 90, ".version 8.3\n.target sm_90\n"};
  std::string fatbin = writeFatbin(entries);
  EXPECT_EQ(fatbin.size() % 8, 0u);
  std::string error;
  auto back = readFatbin(fatbin, error);
  ASSERT_TRUE(back) << error;
  ASSERT_EQ(back->size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ((*back)[i].kind, entries[i].kind);
    EXPECT_EQ((*back)[i].arch, entries[i].arch);
    // Payloads are padded to 8 bytes; a cubin's or PTX's own size is inside it.
    const std::string &data = (*back)[i].data;
    EXPECT_EQ(data.substr(0, entries[i].data.size()), entries[i].data) << i;
    EXPECT_EQ(data.find_first_not_of('\0', entries[i].data.size()), std::string::npos) << i;
    EXPECT_FALSE((*back)[i].compressed);
  }
  EXPECT_EQ(describeArchs(fatbin), "sm_80, sm_90, compute_90");
  EXPECT_TRUE(imageRunsOn(fatbin, 90));
  EXPECT_TRUE(imageRunsOn(fatbin, 86));   // the sm_80 cubin
  EXPECT_TRUE(imageRunsOn(fatbin, 120));  // the PTX, through the driver's JIT
  EXPECT_FALSE(imageRunsOn(fatbin, 75));
}

TEST(AotImages, MalformedFatbinsAreErrorsNeverCrashes) {
  std::string fatbin = writeFatbin({{FatbinEntry::Cubin, 90, std::string(100, 'c')},
                                    {FatbinEntry::Ptx, 90, ".version 7.8\n.target sm_90\n"}});
  std::string error;
  for (std::size_t cut = 0; cut < fatbin.size(); ++cut) {
    auto entries = readFatbin(std::string_view(fatbin).substr(0, cut), error);
    EXPECT_FALSE(entries) << "a fatbin cut at byte " << cut << " was read";
    EXPECT_FALSE(error.empty());
  }
  std::mt19937 random(13);
  for (int round = 0; round < 2000; ++round) {
    std::string damaged = fatbin;
    for (int k = 0; k < 4; ++k)
      damaged[random() % damaged.size()] = static_cast<char>(random());
    (void)readFatbin(damaged, error); // may or may not be well-formed; must not crash
    (void)describeArchs(damaged);
    (void)imageRunsOn(damaged, 90);
  }
}

TEST(AotCubins, ArchKernelsParametersAndBound) {
  PtxasResult sm90 = runPtxas(kParamsPtx, "sm_90"), sm80 = runPtxas(kParamsPtx, "sm_80");
  if (pftest::ptxasPath().empty())
    GTEST_SKIP() << "ptxas not found: no cubin to read";
  ASSERT_TRUE(sm90.ok && sm80.ok) << sm90.log << sm80.log;
  EXPECT_EQ(cubinArch(sm90.cubin), 90);
  EXPECT_EQ(cubinArch(sm80.cubin), 80);
  EXPECT_EQ(imageKind(sm90.cubin), ImageKind::Cubin);
  EXPECT_EQ(describeArchs(sm80.cubin), "sm_80");
  EXPECT_FALSE(imageRunsOn(sm80.cubin, 90)); // SASS does not cross major versions
  EXPECT_TRUE(imageRunsOn(sm80.cubin, 86));
  std::vector<std::string> kernels = cubinKernels(sm90.cubin);
  std::sort(kernels.begin(), kernels.end());
  EXPECT_EQ(kernels, (std::vector<std::string>{"other", "params"}));
  EXPECT_EQ(cubinParams(sm90.cubin, "params"), kParamsLayout);
  EXPECT_EQ(cubinParams(sm80.cubin, "params"), kParamsLayout);
  EXPECT_EQ(cubinParams(sm90.cubin, "other"), (std::vector<ParamSlot>{{0, 8}}));
  EXPECT_FALSE(cubinParams(sm90.cubin, "nosuch"));
  EXPECT_FALSE(cubinParams("not a cubin", "params"));
  auto resources = cubinResources(sm90.cubin, "params");
  ASSERT_TRUE(resources);
  EXPECT_EQ(resources->maxThreadsBound, 256);
  EXPECT_EQ(cubinResources(sm90.cubin, "other")->maxThreadsBound, 0);

  // Cubins inside a fatbin: the arch of each entry is its cubin's.
  std::string fatbin = writeFatbin({{FatbinEntry::Cubin, 80, sm80.cubin}, {FatbinEntry::Cubin, 90, sm90.cubin}});
  EXPECT_EQ(describeArchs(fatbin), "sm_80, sm_90");
}

TEST(AotCubins, CutCubinsAreNeverRead) {
  PtxasResult sm90 = runPtxas(kParamsPtx, "sm_90");
  if (pftest::ptxasPath().empty())
    GTEST_SKIP() << "ptxas not found: no cubin to read";
  ASSERT_TRUE(sm90.ok) << sm90.log;
  for (std::size_t cut = 0; cut < sm90.cubin.size(); cut += 7) {
    std::string_view part = std::string_view(sm90.cubin).substr(0, cut);
    (void)cubinArch(part);
    (void)cubinKernels(part);
    auto params = cubinParams(part, "params");
    if (params)
      EXPECT_EQ(*params, kParamsLayout) << "cut at " << cut;
  }
}

/// fatbinary (the CUDA toolkit's, where there is one) writes the same bytes
/// for the same entries: the layout in Fatbin.cpp is the one NVIDIA's tools
/// write and read. PTX is given without comments or indentation, which
/// fatbinary would strip.
TEST(AotImages, FatbinMatchesNvidiaFatbinary) {
  namespace fs = std::filesystem;
  std::string fatbinary;
  const char *roots[] = {std::getenv("CUDA_HOME"), "/usr/local/cuda"};
  for (const char *root : roots)
    if (root && fs::exists(fs::path(root) / "bin" / "fatbinary"))
      fatbinary = (fs::path(root) / "bin" / "fatbinary").string();
  if (fatbinary.empty() || pftest::ptxasPath().empty())
    GTEST_SKIP() << "the CUDA toolkit's fatbinary or ptxas is missing";
  const std::string ptx = ".version 7.8\n.target sm_90\n.address_size 64\n.visible .entry k(.param .u64 p)\n{\nret;\n}\n";
  PtxasResult sm80 = runPtxas(kParamsPtx, "sm_80"), sm90 = runPtxas(kParamsPtx, "sm_90");
  ASSERT_TRUE(sm80.ok && sm90.ok);
  fs::path dir = fs::temp_directory_path() / ("pf-fatbin-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "a.cubin", std::ios::binary) << sm80.cubin;
  std::ofstream(dir / "b.cubin", std::ios::binary) << sm90.cubin;
  std::ofstream(dir / "c.ptx", std::ios::binary) << ptx;
  std::string cmd = "'" + fatbinary + "' -64 --compress=false --create=" + (dir / "ref.fatbin").string() +
                    " --image3=kind=elf,sm=80,file=" + (dir / "a.cubin").string() +
                    " --image3=kind=elf,sm=90,file=" + (dir / "b.cubin").string() +
                    " --image3=kind=ptx,sm=90,file=" + (dir / "c.ptx").string();
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  std::ifstream in(dir / "ref.fatbin", std::ios::binary);
  std::string reference((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  fs::remove_all(dir);
  std::string ours = writeFatbin({{FatbinEntry::Cubin, 80, sm80.cubin},
                                  {FatbinEntry::Cubin, 90, sm90.cubin},
                                  {FatbinEntry::Ptx, 90, ptx}});
  EXPECT_EQ(ours.size(), reference.size());
  EXPECT_TRUE(ours == reference) << "our fatbin differs from fatbinary's";
}
