//===- tests/compiler/CubinTest.cpp - PTX to cubin, and cubin resources ---===//
//
// Assembles small PTX kernels with each assembler (skipping one that this
// machine lacks), reads their resources back from the cubin, and, where
// cuobjdump exists, checks those numbers against its resource report.
//
//===----------------------------------------------------------------------===//
#include "compiler/Cubin.h"

#include <gtest/gtest.h>

#include <elf.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <thread>
#include <vector>

using namespace ptxforge::compiler;

namespace {

// Expected: a few registers, no shared or local memory.
constexpr const char *kScale = R"(.version 8.0
.target sm_90
.address_size 64
.visible .entry scale(.param .u64 x, .param .f32 a)
{
  .reg .b32 %r<2>;
  .reg .f32 %f<4>;
  .reg .b64 %rd<5>;
  ld.param.u64 %rd1, [x];
  ld.param.f32 %f1, [a];
  mov.u32 %r1, %tid.x;
  cvta.to.global.u64 %rd2, %rd1;
  mul.wide.u32 %rd3, %r1, 4;
  add.s64 %rd4, %rd2, %rd3;
  ld.global.f32 %f2, [%rd4];
  mul.f32 %f3, %f2, %f1;
  st.global.f32 [%rd4], %f3;
  ret;
}
)";

// Expected: sharedBytes == 1024 (ptxas -v: "1024 bytes smem").
constexpr const char *kShared = R"(.version 8.0
.target sm_90
.address_size 64
.visible .entry staged(.param .u64 p)
{
  .shared .align 4 .b8 buf[1024];
  .reg .b64 %rd<3>;
  .reg .b32 %r<4>;
  .reg .f32 %f<3>;
  ld.param.u64 %rd1, [p];
  cvta.to.global.u64 %rd2, %rd1;
  mov.u32 %r1, %tid.x;
  shl.b32 %r2, %r1, 2;
  mov.u32 %r3, buf;
  add.u32 %r3, %r3, %r2;
  ld.global.f32 %f1, [%rd2];
  st.shared.f32 [%r3], %f1;
  bar.sync 0;
  ld.shared.f32 %f2, [%r3+4];
  st.global.f32 [%rd2], %f2;
  ret;
}
)";

// Expected: localBytes >= 256 (a dynamically indexed .local array).
constexpr const char *kLocal = R"(.version 8.0
.target sm_90
.address_size 64
.visible .entry scratch(.param .u64 p, .param .u32 k)
{
  .local .align 4 .b8 arr[256];
  .reg .b64 %rd<8>;
  .reg .b32 %r<4>;
  .reg .f32 %f<3>;
  ld.param.u64 %rd1, [p];
  ld.param.u32 %r1, [k];
  cvta.to.global.u64 %rd2, %rd1;
  mov.u64 %rd3, arr;
  and.b32 %r2, %r1, 63;
  mul.wide.u32 %rd4, %r2, 4;
  add.u64 %rd5, %rd3, %rd4;
  ld.global.f32 %f1, [%rd2];
  st.local.f32 [%rd5], %f1;
  xor.b32 %r3, %r2, 7;
  mul.wide.u32 %rd6, %r3, 4;
  add.u64 %rd7, %rd3, %rd6;
  ld.local.f32 %f2, [%rd7];
  st.global.f32 [%rd2], %f2;
  ret;
}
)";

// Expected error: 'frobnicate' is no PTX instruction.
constexpr const char *kBad = R"(.version 8.0
.target sm_90
.address_size 64
.visible .entry broken()
{
  .reg .b32 %r<2>;
  frobnicate.b32 %r1, 7;
  ret;
}
)";

bool startsWithElfMagic(const std::string &bytes) {
  return bytes.size() >= 4 && bytes.compare(0, 4,
                                            "\x7f"
                                            "ELF") == 0;
}

std::string writeTemp(const std::string &bytes) {
  const char *dir = std::getenv("TMPDIR");
  std::string path = std::string(dir && *dir ? dir : "/tmp") + "/cubintest-XXXXXX";
  int fd = mkstemp(path.data());
  if (fd < 0)
    return "";
  close(fd);
  std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return path;
}

/// cuobjdump from $CUOBJDUMP, PATH or the toolkit; empty if none.
std::string findCuobjdump() {
  std::vector<std::string> candidates;
  if (const char *named = std::getenv("CUOBJDUMP"))
    candidates.push_back(named);
  std::string path = std::getenv("PATH") ? std::getenv("PATH") : "";
  for (size_t start = 0; start <= path.size();) {
    size_t end = std::min(path.find(':', start), path.size());
    candidates.push_back(path.substr(start, end - start) + "/cuobjdump");
    start = end + 1;
  }
  if (!findCudaHome().empty())
    candidates.push_back(findCudaHome() + "/bin/cuobjdump");
  for (const std::string &candidate : candidates)
    if (access(candidate.c_str(), X_OK) == 0)
      return candidate;
  return "";
}

/// cuobjdump --dump-resource-usage, as {kernel: {"REG": n, "SHARED": n, ...}}:
///   Function scale:
///    REG:10 STACK:0 SHARED:0 LOCAL:0 CONSTANT[0]:544 TEXTURE:0 ...
std::map<std::string, std::map<std::string, int>> cuobjdumpResources(const std::string &tool,
                                                                     const std::string &cubin) {
  std::map<std::string, std::map<std::string, int>> out;
  std::string file = writeTemp(cubin);
  std::string command = "'" + tool + "' --dump-resource-usage '" + file + "' 2>&1";
  std::string text;
  if (FILE *pipe = popen(command.c_str(), "r")) {
    char buffer[1024];
    while (size_t n = fread(buffer, 1, sizeof buffer, pipe))
      text.append(buffer, n);
    pclose(pipe);
  }
  unlink(file.c_str());
  std::istringstream lines(text);
  std::string line, function;
  while (std::getline(lines, line)) {
    std::istringstream words(line);
    std::string word;
    words >> word;
    if (word == "Function") {
      words >> function;
      function = function.substr(0, function.find(':'));
      continue;
    }
    for (; !function.empty() && !word.empty(); word.clear(), words >> word) {
      size_t colon = word.find(':');
      if (colon != std::string::npos && colon + 1 < word.size())
        out[function][word.substr(0, colon)] = std::atoi(word.c_str() + colon + 1);
    }
    function.clear();
  }
  return out;
}

/// The number just before `suffix` on the first line of ptxas' report
/// ("ptxas info    : Used 10 registers, used 1 barriers, 1024 bytes smem")
/// that has it; -1 if none.
int ptxasReport(const std::string &log, const std::string &suffix) {
  std::istringstream lines(log);
  std::string line;
  while (std::getline(lines, line)) {
    size_t at = line.find(suffix);
    if (!line.starts_with("ptxas") || at == std::string::npos)
      continue;
    size_t start = line.find_last_not_of("0123456789", at - 1) + 1;
    if (start < at)
      return std::stoi(line.substr(start, at - start));
  }
  return -1;
}

class CubinAssembler : public ::testing::TestWithParam<Assembler> {
protected:
  /// Assembles with the parameter's assembler; skips when it is missing.
  CubinResult assemble(const char *ptx, CubinOptions options = {}) {
    options.only = GetParam();
    return assembleCubin(ptx, options);
  }
};

#define ASSEMBLE_OR_SKIP(var, ...)                                                                           \
  CubinResult var = assemble(__VA_ARGS__);                                                                   \
  if (!var.ok() && var.by == Assembler::None) {                                                              \
    GTEST_SKIP() << assemblerName(GetParam()) << " is not available here: " << var.error;                    \
  }

TEST_P(CubinAssembler, MakesAnElfWithTheKernel) {
  ASSEMBLE_OR_SKIP(result, kScale);
  ASSERT_TRUE(result.ok()) << result.error;
  EXPECT_EQ(result.by, GetParam());
  EXPECT_TRUE(result.error.empty());
  EXPECT_TRUE(startsWithElfMagic(result.cubin));
  std::optional<KernelResources> resources = cubinResources(result.cubin, "scale");
  ASSERT_TRUE(resources);
  EXPECT_GT(resources->registers, 0);
  EXPECT_LE(resources->registers, 255);
  EXPECT_EQ(resources->sharedBytes, 0);
  EXPECT_EQ(resources->localBytes, 0);
  EXPECT_GE(resources->constBytes, 12); // at least the 12 bytes of parameters
  EXPECT_FALSE(cubinResources(result.cubin, "nosuchkernel"));
  EXPECT_FALSE(cubinResources(result.cubin, "scal"));
  EXPECT_FALSE(cubinResources(result.cubin, ""));
}

TEST_P(CubinAssembler, ReportsStaticSharedMemory) {
  ASSEMBLE_OR_SKIP(result, kShared);
  ASSERT_TRUE(result.ok()) << result.error;
  std::optional<KernelResources> resources = cubinResources(result.cubin, "staged");
  ASSERT_TRUE(resources);
  EXPECT_EQ(resources->sharedBytes, 1024);
  EXPECT_EQ(resources->localBytes, 0);
}

TEST_P(CubinAssembler, ReportsLocalMemory) {
  ASSEMBLE_OR_SKIP(result, kLocal);
  ASSERT_TRUE(result.ok()) << result.error;
  std::optional<KernelResources> resources = cubinResources(result.cubin, "scratch");
  ASSERT_TRUE(resources);
  EXPECT_GE(resources->localBytes, 256);
  EXPECT_EQ(resources->sharedBytes, 0);
}

TEST_P(CubinAssembler, VerboseLogAgreesWithTheCubin) {
  CubinOptions options;
  options.verbose = true;
  ASSEMBLE_OR_SKIP(result, kShared, options);
  ASSERT_TRUE(result.ok()) << result.error;
  std::optional<KernelResources> resources = cubinResources(result.cubin, "staged");
  ASSERT_TRUE(resources);
  EXPECT_EQ(resources->registers, ptxasReport(result.log, " registers")) << result.log;
  EXPECT_EQ(resources->sharedBytes, ptxasReport(result.log, " bytes smem")) << result.log;
}

TEST_P(CubinAssembler, AcceptsEveryOption) {
  CubinOptions options;
  options.optLevel = 1;
  options.lineInfo = true;
  options.maxRegisters = 32;
  ASSEMBLE_OR_SKIP(result, kScale, options);
  ASSERT_TRUE(result.ok()) << result.error;
  std::optional<KernelResources> resources = cubinResources(result.cubin, "scale");
  ASSERT_TRUE(resources);
  EXPECT_LE(resources->registers, 32);
}

TEST_P(CubinAssembler, BadPtxGivesTheAssemblersError) {
  ASSEMBLE_OR_SKIP(result, kBad);
  EXPECT_FALSE(result.ok());
  EXPECT_EQ(result.by, GetParam());
  EXPECT_NE(result.error.find("frobnicate"), std::string::npos) << result.error;
}

TEST_P(CubinAssembler, EmptyAndGarbagePtxFailCleanly) {
  ASSEMBLE_OR_SKIP(empty, "");
  EXPECT_FALSE(empty.ok());
  EXPECT_FALSE(empty.error.empty());
  std::string garbage(4096, '\0');
  std::mt19937 random(7);
  for (char &c : garbage)
    c = static_cast<char>(random());
  CubinResult result = assemble(garbage.c_str());
  EXPECT_FALSE(result.ok());
  EXPECT_FALSE(result.error.empty());
}

TEST_P(CubinAssembler, ConcurrentCallsAllSucceed) {
  ASSEMBLE_OR_SKIP(first, kScale);
  ASSERT_TRUE(first.ok()) << first.error;
  std::vector<CubinResult> results(4);
  std::vector<std::thread> threads;
  for (CubinResult &result : results)
    threads.emplace_back([&result, this] { result = assemble(kLocal); });
  for (std::thread &thread : threads)
    thread.join();
  for (const CubinResult &result : results) {
    ASSERT_TRUE(result.ok()) << result.error;
    EXPECT_TRUE(cubinResources(result.cubin, "scratch"));
  }
}

TEST_P(CubinAssembler, AgreesWithCuobjdump) {
  std::string tool = findCuobjdump();
  if (tool.empty())
    GTEST_SKIP() << "cuobjdump not found ($CUOBJDUMP, PATH, the CUDA toolkit); "
                    "pip install nvidia-cuda-cuobjdump provides one";
  for (auto [ptx, kernel] : {std::pair{kScale, "scale"}, {kShared, "staged"}, {kLocal, "scratch"}}) {
    ASSEMBLE_OR_SKIP(result, ptx);
    ASSERT_TRUE(result.ok()) << result.error;
    std::optional<KernelResources> ours = cubinResources(result.cubin, kernel);
    ASSERT_TRUE(ours);
    auto theirs = cuobjdumpResources(tool, result.cubin);
    ASSERT_TRUE(theirs.count(kernel)) << "cuobjdump reported no " << kernel;
    std::map<std::string, int> &expected = theirs[kernel];
    EXPECT_EQ(ours->registers, expected["REG"]) << kernel;
    EXPECT_EQ(ours->localBytes, expected["STACK"]) << kernel;
    EXPECT_EQ(ours->constBytes, expected["CONSTANT[0]"]) << kernel;
    // cuobjdump counts the 1 KiB that sm_90 reserves per block in each
    // kernel's shared window; the driver's SHARED_SIZE_BYTES does not.
    int reserved = expected["SHARED"] > 0 ? 1024 : 0;
    EXPECT_EQ(ours->sharedBytes, expected["SHARED"] - reserved) << kernel;
  }
}

INSTANTIATE_TEST_SUITE_P(Cubin, CubinAssembler, ::testing::Values(Assembler::NvJitLink, Assembler::Ptxas),
                         [](const auto &info) { return std::string(assemblerName(info.param)); });

/// The shared-memory kernel's cubin from whichever assembler exists, or empty.
const std::string &sampleCubin() {
  static const std::string cubin = assembleCubin(kShared, {}).cubin;
  return cubin;
}

TEST(CubinResources, TruncatedCubinsNeverReadOutOfBounds) {
  const std::string &cubin = sampleCubin();
  if (cubin.empty())
    GTEST_SKIP() << "no PTX assembler here";
  std::optional<KernelResources> whole = cubinResources(cubin, "staged");
  ASSERT_TRUE(whole);
  Elf64_Ehdr header;
  std::memcpy(&header, cubin.data(), sizeof header);
  size_t tableEnd = header.e_shoff + size_t(header.e_shnum) * header.e_shentsize;
  ASSERT_LE(tableEnd, cubin.size());
  for (size_t size = 0; size < cubin.size(); ++size) {
    // A copy of just that size, so that a sanitizer sees reads past the cut.
    std::string cut(cubin.data(), size);
    cut.shrink_to_fit();
    std::optional<KernelResources> resources = cubinResources(cut, "staged");
    if (size < tableEnd) {
      EXPECT_FALSE(resources) << "prefix of " << size << " bytes";
    } else {
      // Only program headers follow the section header table.
      ASSERT_TRUE(resources) << "prefix of " << size << " bytes";
      EXPECT_EQ(resources->sharedBytes, whole->sharedBytes);
    }
  }
}

TEST(CubinResources, CorruptedCubinsNeverCrash) {
  const std::string &cubin = sampleCubin();
  if (cubin.empty())
    GTEST_SKIP() << "no PTX assembler here";
  std::mt19937 random(42);
  for (int trial = 0; trial < 2000; ++trial) {
    std::string damaged = cubin;
    for (int flips = 1 + trial % 8; flips > 0; --flips)
      damaged[random() % damaged.size()] = static_cast<char>(random());
    std::optional<KernelResources> resources = cubinResources(damaged, "staged");
    if (resources) {
      EXPECT_GE(resources->registers, 0);
      EXPECT_GE(resources->sharedBytes, 0);
    }
  }
}

TEST(CubinResources, GarbageIsNotACubin) {
  EXPECT_FALSE(cubinResources("", "k"));
  EXPECT_FALSE(cubinResources("\x7f"
                              "ELF",
                              "k"));
  EXPECT_FALSE(cubinResources(std::string(64, '\0'), "k"));
  std::string header(64, '\0');
  header.replace(0, 4,
                 "\x7f"
                 "ELF");
  header[4] = 2; // ELFCLASS64
  header[5] = 1; // little-endian
  EXPECT_FALSE(cubinResources(header, "k"));
  std::string noise(8192, '\0');
  std::mt19937 random(1);
  for (char &c : noise)
    c = static_cast<char>(random());
  noise.replace(0, 4,
                "\x7f"
                "ELF");
  EXPECT_FALSE(cubinResources(noise, "k"));
}

TEST(CudaToolkit, FindsHomeAndLibdeviceConsistently) {
  std::string home = findCudaHome();
  EXPECT_EQ(home, findCudaHome());
  if (home.empty())
    GTEST_SKIP() << "no CUDA toolkit on this machine";
  struct stat st;
  EXPECT_EQ(stat(home.c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  std::optional<std::string> libdevice = findLibdevice();
  if (!libdevice)
    GTEST_SKIP() << "toolkit at " << home << " has no libdevice";
  EXPECT_TRUE(libdevice->ends_with("/libdevice.10.bc")) << *libdevice;
  EXPECT_EQ(access(libdevice->c_str(), R_OK), 0) << *libdevice;
}

TEST(CudaToolkit, AssemblerNames) {
  EXPECT_STREQ(assemblerName(Assembler::NvJitLink), "nvJitLink");
  EXPECT_STREQ(assemblerName(Assembler::Ptxas), "ptxas");
  EXPECT_STREQ(assemblerName(Assembler::None), "none");
}

} // namespace

// A process that exits while the warm-up thread assembles must exit cleanly:
// exit handlers registered after warmAssembler's (nvJitLink's own, the
// toolkit lookups') once ran first and freed what the thread was using.
// Each try runs in a fresh process (the "threadsafe" death-test style
// re-executes this binary), exits at once, and must leave nothing on stderr.
TEST(WarmAssembler, ExitDuringWarmUpIsClean) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  for (int i = 0; i < 8; ++i)
    EXPECT_EXIT(
        {
          warmAssembler();
          std::exit(0);
        },
        ::testing::ExitedWithCode(0), "^$");
}

TEST(WarmAssembler, JoinIsIdempotentAndAssemblyStillWorks) {
  warmAssembler();
  joinAssemblerWarmUp();
  joinAssemblerWarmUp();
  CubinResult r = assembleCubin(kScale, CubinOptions());
  if (r.by == Assembler::None)
    GTEST_SKIP() << "no PTX assembler here: " << r.error;
  EXPECT_TRUE(r.ok()) << r.error;
}

TEST(CubinArch, AssemblesSm90PtxForBlackwell) {
  for (auto [arch, sm] : {std::pair{"sm_100", 100}, {"sm_103", 103}, {"sm_120", 120}, {"sm_121", 121}}) {
    CubinOptions o;
    o.ccMajor = sm / 10;
    o.ccMinor = sm % 10;
    CubinResult r = assembleCubin(kScale, o);
    if (r.by == Assembler::None)
      GTEST_SKIP() << "no PTX assembler here: " << r.error;
    ASSERT_TRUE(r.ok()) << arch << ": " << r.error;
    std::uint32_t flags = 0;
    std::memcpy(&flags, r.cubin.data() + 48, sizeof flags);
    EXPECT_EQ((flags >> 8) & 0xff, static_cast<std::uint32_t>(sm)) << arch;
  }
}

TEST(CubinArch, AnArchTheAssemblerDroppedIsNamedWithTheSupportedRange) {
  for (Assembler only : {Assembler::NvJitLink, Assembler::Ptxas}) {
    CubinOptions o;
    o.ccMajor = 7;
    o.ccMinor = 0;
    o.only = only;
    CubinResult r = assembleCubin(kScale, o);
    if (r.ok() || r.error.find("CUDA 13") == std::string::npos)
      continue; // another toolkit, or no such assembler here
    EXPECT_NE(r.error.find("sm_70 (compute capability 7.0) cannot be assembled by CUDA 13"), std::string::npos)
        << r.error;
    EXPECT_NE(r.error.find("7.5, 8.0, 8.6"), std::string::npos) << r.error;
  }
}
