//===- tests/compiler/CudaToolkitTest.cpp - Finding CUDA's parts ----------===//
//
// Builds fake layouts in a temporary directory (NVIDIA's CUDA 13 and CUDA 12
// pip packages, toolkits for $CUDA_HOME, $CUDA_PATH, PATH and the system
// root) and checks which file each lookup picks; then the rule that matches
// assemblers to the driver, against this machine's real tools.
//
//===----------------------------------------------------------------------===//
#include "compiler/CudaToolkit.h"
#include "compiler/Cubin.h"

#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

using namespace ptxforge::compiler;
namespace fs = std::filesystem;

namespace {

/// A fresh temporary directory, removed with everything in it at the end.
class FakeLayouts : public ::testing::Test {
protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "pf-toolkit-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    root = pattern;
  }
  void TearDown() override { fs::remove_all(root); }

  /// Creates the file root/relative (and its directories); executable for bin/.
  std::string touch(const std::string &relative) {
    fs::path path = fs::path(root) / relative;
    fs::create_directories(path.parent_path());
    std::ofstream(path) << "fake\n";
    if (relative.find("/bin/") != std::string::npos)
      fs::permissions(path, fs::perms::owner_all);
    return path.string();
  }
  std::string dir(const std::string &relative) {
    fs::create_directories(fs::path(root) / relative);
    return (fs::path(root) / relative).string();
  }
  /// A search that sees only the fake layouts: nothing from the environment.
  ToolkitSearch search(std::vector<std::string> roots = {}) {
    ToolkitSearch s;
    s.packageRoots = std::move(roots);
    s.systemRoot = root + "/usr-local-cuda";
    return s;
  }

  std::string root;
};

TEST_F(FakeLayouts, PipPackagesComeBeforeCudaHomeAndTheSystemToolkit) {
  std::string pipLibdevice = touch("site/nvidia/cu13/nvvm/libdevice/libdevice.10.bc");
  std::string pipJitLink = touch("site/nvidia/cu13/lib/libnvJitLink.so.13");
  std::string homeLibdevice = touch("home/nvvm/libdevice/libdevice.10.bc");
  std::string homeJitLink = touch("home/lib64/libnvJitLink.so.13");
  std::string homePtxas = touch("home/bin/ptxas");
  touch("usr-local-cuda/nvvm/libdevice/libdevice.10.bc");
  touch("usr-local-cuda/bin/ptxas");

  ToolkitSearch s = search({root + "/site"});
  s.cudaHome = root + "/home";
  Toolkit t = Toolkit::find(s);
  EXPECT_EQ(t.libdevice, pipLibdevice);
  ASSERT_GE(t.nvJitLink.size(), 2u);
  EXPECT_EQ(t.nvJitLink[0], pipJitLink);
  EXPECT_EQ(t.nvJitLink[1], homeJitLink);
  // The loader's own search comes last.
  EXPECT_EQ(t.nvJitLink.back(), "libnvJitLink.so");
  EXPECT_EQ(t.ptxas, homePtxas); // the pip package has none
  EXPECT_EQ(t.home, root + "/home");
  ASSERT_EQ(t.roots.size(), 3u);
  EXPECT_EQ(t.roots[0], root + "/site/nvidia/cu13");
  EXPECT_EQ(t.roots[1], root + "/home");
  EXPECT_EQ(t.roots[2], root + "/usr-local-cuda");

  // Without the package roots, $CUDA_HOME's libdevice; without that too, the system's.
  EXPECT_EQ(Toolkit::find(search()).libdevice, root + "/usr-local-cuda/nvvm/libdevice/libdevice.10.bc");
  s.packageRoots.clear();
  EXPECT_EQ(Toolkit::find(s).libdevice, homeLibdevice);
}

TEST_F(FakeLayouts, CudaHomeThenCudaPathThenPtxasOnPathThenSystem) {
  touch("path-toolkit/bin/ptxas");
  touch("path-toolkit/nvvm/libdevice/libdevice.10.bc");
  touch("cuda-path/nvvm/libdevice/libdevice.10.bc");
  touch("usr-local-cuda/nvvm/libdevice/libdevice.10.bc");
  ToolkitSearch s = search();
  s.path = "/nonexistent:" + root + "/path-toolkit/bin";
  EXPECT_EQ(Toolkit::find(s).libdevice, root + "/path-toolkit/nvvm/libdevice/libdevice.10.bc");
  s.cudaPath = root + "/cuda-path";
  EXPECT_EQ(Toolkit::find(s).libdevice, root + "/cuda-path/nvvm/libdevice/libdevice.10.bc");
  touch("home/nvvm/libdevice/libdevice.10.bc");
  s.cudaHome = root + "/home";
  Toolkit t = Toolkit::find(s);
  EXPECT_EQ(t.libdevice, root + "/home/nvvm/libdevice/libdevice.10.bc");
  EXPECT_EQ(t.ptxas, root + "/path-toolkit/bin/ptxas");
  // A $CUDA_HOME that does not exist is skipped.
  s.cudaHome = root + "/missing";
  EXPECT_EQ(Toolkit::find(s).libdevice, root + "/cuda-path/nvvm/libdevice/libdevice.10.bc");
}

TEST_F(FakeLayouts, Cuda12PipPackagesEachInTheirOwnDirectory) {
  std::string jitLink = touch("site/nvidia/nvjitlink/lib/libnvJitLink.so.12");
  std::string libdevice = touch("site/nvidia/cuda_nvcc/nvvm/libdevice/libdevice.10.bc");
  std::string ptxas = touch("site/nvidia/cuda_nvcc/bin/ptxas");
  std::string nvrtc = touch("site/nvidia/cuda_nvrtc/lib/libnvrtc.so.12");
  std::string nvdisasm = touch("site/nvidia/cuda_nvdisasm/bin/nvdisasm");
  dir("site/nvidia/cuda_runtime/include");
  Toolkit t = Toolkit::find(search({root + "/site"}));
  EXPECT_EQ(t.nvJitLink.front(), jitLink);
  EXPECT_EQ(t.libdevice, libdevice);
  EXPECT_EQ(t.ptxas, ptxas);
  EXPECT_EQ(t.nvrtc.front(), nvrtc);
  EXPECT_EQ(t.nvdisasm, nvdisasm);
  EXPECT_NE(std::find(t.includeDirs.begin(), t.includeDirs.end(), root + "/site/nvidia/cuda_runtime/include"),
            t.includeDirs.end());
  EXPECT_TRUE(t.home.empty()) << "pip packages are no toolkit: " << t.home;
}

TEST_F(FakeLayouts, FirstSitePackagesWinsAndCuda13BeforeCuda12) {
  touch("a/nvidia/nvjitlink/lib/libnvJitLink.so.12");
  touch("a/nvidia/cu13/lib/libnvJitLink.so.13");
  touch("b/nvidia/cu13/lib/libnvJitLink.so.13");
  touch("b/nvidia/cu13/nvvm/libdevice/libdevice.10.bc");
  dir("no-nvidia-here");
  Toolkit t = Toolkit::find(search({root + "/no-nvidia-here", root + "/a", root + "/b"}));
  ASSERT_GE(t.nvJitLink.size(), 3u);
  EXPECT_EQ(t.nvJitLink[0], root + "/a/nvidia/cu13/lib/libnvJitLink.so.13");
  EXPECT_EQ(t.nvJitLink[1], root + "/a/nvidia/nvjitlink/lib/libnvJitLink.so.12");
  EXPECT_EQ(t.nvJitLink[2], root + "/b/nvidia/cu13/lib/libnvJitLink.so.13");
  EXPECT_EQ(t.libdevice, root + "/b/nvidia/cu13/nvvm/libdevice/libdevice.10.bc");
}

TEST_F(FakeLayouts, NothingFoundLeavesEveryPathEmpty) {
  Toolkit t = Toolkit::find(search({root + "/absent"}));
  EXPECT_TRUE(t.roots.empty());
  EXPECT_TRUE(t.libdevice.empty());
  EXPECT_TRUE(t.ptxas.empty());
  EXPECT_TRUE(t.nvdisasm.empty());
  EXPECT_TRUE(t.home.empty());
  // Only the loader's own search is left to try.
  EXPECT_EQ(t.nvJitLink, (std::vector<std::string>{"libnvJitLink.so.13", "libnvJitLink.so.12", "libnvJitLink.so"}));
}

TEST_F(FakeLayouts, SetPackageRootsChangesTheProcessWideLookup) {
  std::string libdevice = touch("site/nvidia/cu13/nvvm/libdevice/libdevice.10.bc");
  std::shared_ptr<const Toolkit> before = toolkit();
  setPackageRoots({root + "/site"});
  EXPECT_EQ(toolkit()->libdevice, libdevice);
  EXPECT_EQ(findLibdevice(), libdevice);
  setPackageRoots({});
  EXPECT_EQ(toolkit()->libdevice, before->libdevice);
}

TEST(CudaToolkit, SonameMajor) {
  EXPECT_EQ(sonameMajor("/x/libnvJitLink.so.13"), 13);
  EXPECT_EQ(sonameMajor("libnvJitLink.so.12"), 12);
  EXPECT_EQ(sonameMajor("/x/libnvrtc.so.12.4.99"), 12);
  EXPECT_EQ(sonameMajor("/x/libnvJitLink.so"), 0);
}

TEST(AssemblerPolicy, ToolsNoNewerThanTheDriversMajorVersion) {
  EXPECT_TRUE(fitsDriver(13, 13000));
  EXPECT_TRUE(fitsDriver(12, 13020));  // an older toolkit's cubins load on a newer driver
  EXPECT_TRUE(fitsDriver(12, 12020));  // minor-version compatibility: 12.9's cubins on a 12.2 driver
  EXPECT_FALSE(fitsDriver(13, 12090)); // CUDA 13's cubins need a CUDA 13 driver
  EXPECT_TRUE(fitsDriver(13, 0));      // no driver: anything goes (AOT, compile-only)
  EXPECT_TRUE(fitsDriver(0, 12000));   // a tool of unknown version is tried
}

// This machine's real tools: what the toolkit found says which cases can run.
TEST(AssemblerPolicy, ADriverOlderThanEveryAssemblerLeavesThePtxToTheDriversJit) {
  AssemblerChoice any = chooseAssembler(0);
  if (any.by == Assembler::None)
    GTEST_SKIP() << "no nvJitLink or ptxas on this machine";
  int newest = std::max(any.nvJitLink.major, any.ptxas.major);
  if (newest == 0)
    GTEST_SKIP() << "assembler versions unknown";
  bool olderExists = false;
  for (const std::string &candidate : toolkit()->nvJitLink)
    olderExists |= candidate.find('/') != std::string::npos && sonameMajor(candidate) && sonameMajor(candidate) < newest;
  if (olderExists || (any.ptxas.major && any.ptxas.major < newest))
    GTEST_SKIP() << "an older assembler is installed too";
  int olderDriver = (newest - 1) * 1000 + 80;
  AssemblerChoice old = chooseAssembler(olderDriver);
  EXPECT_EQ(old.by, Assembler::None) << old.reason;
  EXPECT_NE(old.reason.find("driver's JIT"), std::string::npos) << old.reason;

  static const char kPtx[] = ".version 7.8\n.target sm_90\n.address_size 64\n"
                             ".visible .entry k()\n{\n\tret;\n}\n";
  CubinOptions o;
  o.driverVersion = olderDriver;
  CubinResult r = assembleCubin(kPtx, o);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.by, Assembler::None);
  EXPECT_NE(r.error.find("newer than the driver"), std::string::npos) << r.error;
  EXPECT_NE(r.error.find("the driver will JIT-compile the PTX"), std::string::npos) << r.error;

  // A driver as new as the tools takes their cubin.
  o.driverVersion = newest * 1000;
  CubinResult fresh = assembleCubin(kPtx, o);
  EXPECT_TRUE(fresh.ok()) << fresh.error;
  EXPECT_EQ(chooseAssembler(newest * 1000).by, any.by);
}

} // namespace
