//===- tests/support/Ptxas.h - Every PTX a test makes goes through ptxas --===//
//
// PF_EXPECT_PTXAS_ACCEPTS(ptx) assembles `ptx` with `ptxas -arch=sm_90` and
// fails the test with ptxas's log when it is rejected. Without ptxas (no
// CUDA toolkit: $CUDA_HOME/bin, /usr/local/cuda/bin or PATH) the test is
// skipped with that reason, after its other checks have run.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

namespace pftest {

/// The ptxas to use, or "" when there is none.
inline const std::string &ptxasPath() {
  static const std::string path = [] {
    namespace fs = std::filesystem;
    std::vector<std::string> candidates;
    if (const char *home = std::getenv("CUDA_HOME"))
      candidates.push_back(std::string(home) + "/bin/ptxas");
    candidates.push_back("/usr/local/cuda/bin/ptxas");
    if (const char *pathEnv = std::getenv("PATH")) {
      std::string all = pathEnv;
      for (std::size_t start = 0; start <= all.size();) {
        std::size_t end = all.find(':', start);
        if (end == std::string::npos)
          end = all.size();
        if (end > start)
          candidates.push_back(all.substr(start, end - start) + "/ptxas");
        start = end + 1;
      }
    }
    for (const std::string &c : candidates)
      if (::access(c.c_str(), X_OK) == 0)
        return c;
    return std::string();
  }();
  return path;
}

struct PtxasResult {
  bool ok = false;
  std::string log; ///< ptxas's output, or why it could not run
  std::string cubin; ///< what it wrote, when ok
};

/// Runs `ptxas -arch=<arch>` on `ptx` in a private temporary directory.
inline PtxasResult runPtxas(const std::string &ptx, const std::string &arch = "sm_90") {
  PtxasResult r;
  char dir[] = "/tmp/pftest-ptxas-XXXXXX";
  if (!::mkdtemp(dir)) {
    r.log = "mkdtemp failed";
    return r;
  }
  std::string in = std::string(dir) + "/k.ptx", out = std::string(dir) + "/k.cubin";
  std::ofstream(in) << ptx;
  std::string cmd = "'" + ptxasPath() + "' -arch=" + arch + " -o " + out + " " + in + " 2>&1";
  if (FILE *p = ::popen(cmd.c_str(), "r")) {
    char buf[4096];
    for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;)
      r.log.append(buf, n);
    int status = ::pclose(p);
    r.ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    if (r.ok) {
      std::ifstream cubin(out, std::ios::binary);
      r.cubin.assign(std::istreambuf_iterator<char>(cubin), std::istreambuf_iterator<char>());
    }
  } else {
    r.log = "could not run " + cmd;
  }
  std::filesystem::remove_all(dir);
  return r;
}

} // namespace pftest

/// Assembles `ptx` with ptxas for sm_90; skips the test when ptxas is absent.
#define PF_EXPECT_PTXAS_ACCEPTS(ptx)                                                               \
  do {                                                                                             \
    if (::pftest::ptxasPath().empty())                                                             \
      GTEST_SKIP() << "ptxas not found (set CUDA_HOME or put ptxas on PATH); PTX not assembled";   \
    ::pftest::PtxasResult ptxasResult_ = ::pftest::runPtxas(ptx);                                  \
    EXPECT_TRUE(ptxasResult_.ok) << "ptxas -arch=sm_90 rejected the PTX:\n"                        \
                                 << ptxasResult_.log << "\n--- PTX ---\n"                          \
                                 << (ptx);                                                         \
  } while (0)
