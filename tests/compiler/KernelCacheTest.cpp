//===- tests/compiler/KernelCacheTest.cpp - Disk cache entries and keys ---===//
//
// The entry format round-trips every artifact a launch needs; damaged files
// are reported and removed, never loaded; keys change with every input and
// only then. tests/python/test_disk_cache.py covers the cache through the
// package (source, globals, closures, processes, eviction).
//
//===----------------------------------------------------------------------===//
#include "../support/Compile.h"
#include "compiler/KernelCache.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>

using namespace pftest;
namespace fs = std::filesystem;
using ptxforge::compiler::cacheEntryPath;
using ptxforge::compiler::cacheKey;
using ptxforge::compiler::loadCacheEntry;
using ptxforge::compiler::storeCacheEntry;

namespace {

const char *kSource = R"(
def copy(src, dst):
    i = pf.grid(1)
    dst[i] = src[i]
)";

void buildCopy(Kernel &k) {
  k.def("copy", {"src", "dst"},
        {k.at(2).assign(k.name("i"), k.call("pf.grid", {k.num(1)})),
         k.at(3).assign(k.elem("dst", "i"), k.elem("src", "i"))});
}

const std::initializer_list<const char *> kSig = {"float32[::1]", "float32[::1]"};

/// A fresh directory under the system's temporary folder, removed afterwards.
struct TempDir {
  fs::path path;
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "pf-cache-test-XXXXXX").string();
    path = mkdtemp(pattern.data());
  }
  ~TempDir() { fs::remove_all(path); }
};

std::string slurp(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void spit(const std::string &path, const std::string &bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

} // namespace

TEST(KernelCache, AnEntryGivesBackWhatALaunchNeeds) {
  Kernel k(kSource);
  buildCopy(k);
  auto compiled = compileOk(k, kSig, {}, Stage::Cubin);
  ASSERT_TRUE(compiled);
  if (!compiled->cubin.ok())
    GTEST_SKIP() << "no PTX assembler here: " << compiled->cubin.error;
  TempDir dir;
  std::string key = cacheKey(k.ast(), tys(kSig), Kernel::env(), {});
  std::string warning;
  ASSERT_TRUE(storeCacheEntry(dir.path, 0, key, *compiled, warning)) << warning;
  auto loaded = loadCacheEntry(dir.path, key, warning);
  ASSERT_TRUE(loaded) << warning;
  EXPECT_TRUE(warning.empty());
  EXPECT_TRUE(loaded->fromCache);
  EXPECT_EQ(loaded->entryName, compiled->entryName);
  EXPECT_EQ(loaded->signature, compiled->signature);
  EXPECT_EQ(loaded->returnType, compiled->returnType);
  EXPECT_EQ(loaded->params, compiled->params); // interned types: the same objects
  EXPECT_EQ(loaded->abi.size(), compiled->abi.size());
  EXPECT_EQ(loaded->readOnlyArgs, compiled->readOnlyArgs);
  EXPECT_EQ(loaded->readOnlyArgs, std::vector<int>{0}); // src is only read
  EXPECT_EQ(loaded->typed, compiled->typed);
  EXPECT_EQ(loaded->ptx, compiled->ptx);
  EXPECT_EQ(loaded->cubin.cubin, compiled->cubin.cubin);
  EXPECT_EQ(loaded->cubin.by, compiled->cubin.by);
  EXPECT_EQ(loaded->cooperative, compiled->cooperative);
  EXPECT_EQ(loaded->coarsen, compiled->coarsen);
  EXPECT_EQ(loaded->coarsenable, compiled->coarsenable);
  EXPECT_EQ(loaded->written, compiled->written);
  EXPECT_EQ(loaded->facts.params, compiled->facts.params);
  EXPECT_EQ(loaded->facts.disjoint, compiled->facts.disjoint);
  EXPECT_EQ(loaded->specialization, compiled->specialization);
  EXPECT_FALSE(loadCacheEntry(dir.path, std::string(64, '0'), warning)); // a miss is not a warning
  EXPECT_TRUE(warning.empty());
}

TEST(KernelCache, ASpecialisedEntryKeepsItsLaunchFacts) {
  Kernel k(kSource);
  buildCopy(k);
  Options o;
  o.facts.params = {7, 7};
  o.facts.disjoint = true;
  o.facts.coarsen = 4;
  auto compiled = compileOk(k, kSig, o, Stage::Ptx);
  ASSERT_TRUE(compiled);
  ASSERT_EQ(compiled->coarsen, 4);
  compiled->cubin.cubin = "not looked at";
  TempDir dir;
  std::string key = cacheKey(k.ast(), tys(kSig), Kernel::env(), o), warning;
  ASSERT_TRUE(storeCacheEntry(dir.path, 0, key, *compiled, warning)) << warning;
  auto loaded = loadCacheEntry(dir.path, key, warning);
  ASSERT_TRUE(loaded) << warning;
  EXPECT_EQ(loaded->coarsen, 4);
  EXPECT_TRUE(loaded->coarsenable);
  EXPECT_EQ(loaded->written, (std::vector<bool>{false, true}));
  EXPECT_EQ(loaded->facts.params, (std::vector<std::uint8_t>{7, 7}));
  EXPECT_TRUE(loaded->facts.disjoint);
  EXPECT_EQ(loaded->facts.coarsen, 4);
  EXPECT_EQ(loaded->specialization, "src:aligned+small, dst:aligned+small; disjoint; coarsen 4");
}

TEST(KernelCache, DamagedEntriesAreReportedRemovedAndNeverLoaded) {
  Kernel k(kSource);
  buildCopy(k);
  auto compiled = compileOk(k, kSig, {}, Stage::Ptx);
  ASSERT_TRUE(compiled);
  compiled->cubin.cubin = std::string(300, '\x7f'); // the format does not look inside
  TempDir dir;
  std::string key = cacheKey(k.ast(), tys(kSig), Kernel::env(), {});
  std::string path = cacheEntryPath(dir.path, key), warning;
  ASSERT_TRUE(storeCacheEntry(dir.path, 0, key, *compiled, warning));
  const std::string good = slurp(path);
  struct Damage {
    const char *what;
    std::string bytes;
    const char *reason;
  } cases[] = {
      {"truncated payload", good.substr(0, good.size() - 40), "truncated"},
      {"truncated header", good.substr(0, 10), "truncated"},
      {"flipped byte", [&] { std::string b = good; b[b.size() / 2] ^= 1; return b; }(), "checksum"},
      {"another format", [&] { std::string b = good; b[4] = 9; return b; }(), "format"},
      {"empty", "", "truncated"},
  };
  for (const Damage &d : cases) {
    spit(path, d.bytes);
    warning.clear();
    EXPECT_FALSE(loadCacheEntry(dir.path, key, warning)) << d.what;
    EXPECT_NE(warning.find(d.reason), std::string::npos) << d.what << ": " << warning;
    EXPECT_NE(warning.find(path), std::string::npos) << d.what;
    EXPECT_FALSE(fs::exists(path)) << d.what << ": a damaged entry is removed";
  }
  spit(path, good); // the same bytes under another key's name
  std::string other = std::string(2, 'a') + key.substr(2);
  fs::create_directories(fs::path(cacheEntryPath(dir.path, other)).parent_path());
  fs::rename(path, cacheEntryPath(dir.path, other));
  EXPECT_FALSE(loadCacheEntry(dir.path, other, warning));
  EXPECT_NE(warning.find("another key"), std::string::npos) << warning;
}

TEST(KernelCache, KeysFollowEveryInputAndOnlyThem) {
  Kernel k(kSource);
  buildCopy(k);
  Options base;
  const std::string key = cacheKey(k.ast(), tys(kSig), Kernel::env(), base);
  EXPECT_EQ(key.size(), 64u);
  EXPECT_EQ(cacheKey(k.ast(), tys(kSig), Kernel::env(), base), key);

  Kernel renamed(R"(
def copy(src, dst):  # a comment makes other text
    i = pf.grid(1)
    dst[i] = src[i]
)");
  buildCopy(renamed);
  EXPECT_NE(cacheKey(renamed.ast(), tys(kSig), Kernel::env(), base), key);
  EXPECT_NE(cacheKey(k.ast(), tys({"float64[::1]", "float64[::1]"}), Kernel::env(), base), key);

  auto withOption = [&](auto change) {
    Options o = base;
    change(o);
    return cacheKey(k.ast(), tys(kSig), Kernel::env(), o);
  };
  std::set<std::string> keys = {key};
  keys.insert(withOption([](Options &o) { o.ccMajor = 8; }));
  keys.insert(withOption([](Options &o) { o.ccMinor = 9; }));
  keys.insert(withOption([](Options &o) { o.fastmath = true; }));
  keys.insert(withOption([](Options &o) { o.fmaContraction = false; }));
  keys.insert(withOption([](Options &o) { o.lineinfo = true; }));
  keys.insert(withOption([](Options &o) { o.optLevel = 0; }));
  keys.insert(withOption([](Options &o) { o.maxRegisters = 32; }));
  keys.insert(withOption([](Options &o) { o.maxThreadsPerBlock = 128; }));
  keys.insert(withOption([](Options &o) { o.minBlocksPerSm = 2; }));
  keys.insert(withOption([](Options &o) { o.device = true; }));
  keys.insert(withOption([](Options &o) { o.facts.params = {1, 0}; }));
  keys.insert(withOption([](Options &o) { o.facts.params = {0, 1}; }));
  keys.insert(withOption([](Options &o) { o.facts.disjoint = true; }));
  keys.insert(withOption([](Options &o) { o.facts.coarsen = 4; }));
  EXPECT_EQ(keys.size(), 15u);
  EXPECT_EQ(withOption([](Options &o) { o.keepIr = true; }), key); // what is kept, not what is made

  GlobalEnv env = Kernel::env();
  GlobalValue c;
  c.kind = GlobalValue::Constant;
  c.type = ptxforge::frontend::types().floatType(64, true);
  c.floatValue = 1.5;
  env["SCALE"] = c;
  const std::string withScale = cacheKey(k.ast(), tys(kSig), env, base);
  EXPECT_NE(withScale, key);
  env["SCALE"].floatValue = 2.5;
  EXPECT_NE(cacheKey(k.ast(), tys(kSig), env, base), withScale);
  env["SCALE"].floatValue = 1.5;
  EXPECT_EQ(cacheKey(k.ast(), tys(kSig), env, base), withScale);
}

TEST(KernelCache, KeysFollowCapturedDeviceArraysAndEnums) {
  Kernel k(kSource);
  buildCopy(k);
  Options base;
  auto &tc = ptxforge::frontend::types();
  GlobalEnv env = Kernel::env();
  GlobalValue lut;
  lut.kind = GlobalValue::DeviceArray;
  lut.type = tc.floatType(32);
  lut.shape = {4};
  lut.strides = {4};
  lut.address = 0x7f0000001000;
  env["LUT"] = lut;
  std::set<std::string> keys = {cacheKey(k.ast(), tys(kSig), env, base)};
  env["LUT"].address += 256; // another array: another kernel
  keys.insert(cacheKey(k.ast(), tys(kSig), env, base));
  env["LUT"].strides = {8};
  keys.insert(cacheKey(k.ast(), tys(kSig), env, base));

  GlobalValue one;
  one.kind = GlobalValue::Constant;
  one.type = tc.intType(64, true, true);
  one.intValue = 1;
  GlobalValue red;
  red.kind = GlobalValue::EnumMember;
  red.path = "colors.Color";
  red.valueType = tc.intType(64);
  red.elements = {one};
  env["RED"] = red;
  keys.insert(cacheKey(k.ast(), tys(kSig), env, base));
  env["RED"].elements[0].intValue = 2;
  keys.insert(cacheKey(k.ast(), tys(kSig), env, base));
  GlobalValue cls;
  cls.kind = GlobalValue::EnumClass;
  cls.path = "colors.Color";
  cls.memberNames = {"red"};
  cls.elements = {red};
  env["Color"] = cls;
  keys.insert(cacheKey(k.ast(), tys(kSig), env, base));
  env["Color"].memberNames = {"blue"};
  keys.insert(cacheKey(k.ast(), tys(kSig), env, base));
  EXPECT_EQ(keys.size(), 7u);
}

TEST(KernelCache, ClearRemovesEntriesAndNothingElse) {
  Kernel k(kSource);
  buildCopy(k);
  auto compiled = compileOk(k, kSig, {}, Stage::Ptx);
  ASSERT_TRUE(compiled);
  TempDir dir;
  std::string warning;
  for (char c : {'1', '2', '3'})
    ASSERT_TRUE(storeCacheEntry(dir.path, 0, std::string(64, c), *compiled, warning));
  spit((dir.path / "keep-me.txt").string(), "a user's file");
  auto info = ptxforge::compiler::cacheInfo(dir.path);
  EXPECT_EQ(info.entries, 3u);
  EXPECT_GT(info.bytes, 0u);
  EXPECT_EQ(ptxforge::compiler::clearCache(dir.path), 3u);
  EXPECT_EQ(ptxforge::compiler::cacheInfo(dir.path).entries, 0u);
  EXPECT_TRUE(fs::exists(dir.path / "keep-me.txt"));
  EXPECT_FALSE(fs::exists(dir.path / "v1"));
}
