//===- compiler/KernelCache.h - Compiled kernels on disk ------------------===//
//
// The disk cache: one file per kernel and signature, named by a digest of
// everything the compilation read (source of the kernel and of every device
// function it reaches, global and closure values, signature, options,
// target, compiler build, toolchain), written atomically, checksummed and
// kept under a size bound by least-recently-used eviction. LLVM-free
// interface; safe across threads and processes. See docs/design.md.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "compiler/Compiler.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace ptxforge::compiler {

/// Where one compilation may find and leave its entry. The Python package
/// fills it from PTXFORGE_CACHE_DIR / PTXFORGE_CACHE / PTXFORGE_CACHE_SIZE
/// and the kernel's cache= option; the compiler never reads the environment.
struct CacheSettings {
  std::string directory;        ///< the cache's root; empty: no disk cache
  std::uint64_t maxBytes = 0;   ///< the size bound; 0: kDefaultCacheBytes
};

constexpr std::uint64_t kDefaultCacheBytes = 256ull << 20;

/// What the cache did for one compilation.
struct CacheReport {
  bool hit = false;    ///< the artifacts were read from disk, nothing was compiled
  std::string warning; ///< a corrupt entry recompiled, an unwritable directory: the caller warns
};

/// compileKernel through the disk cache. Only complete results (a cubin)
/// are stored, so a compile error is never cached and is raised again on
/// every call. Requests for the typed stage, and for kept IR, never read
/// the cache (the IR is not stored).
std::unique_ptr<KernelArtifacts> compileKernelCached(const frontend::AstContext &ast,
                                                     const std::vector<const frontend::Type *> &argTypes,
                                                     const frontend::GlobalEnv &globals, const Options &options,
                                                     Stage upTo, const CacheSettings &settings,
                                                     frontend::Diagnostic &error, CacheReport &report);

/// The 64-hex-digit digest that names a compilation's entry.
std::string cacheKey(const frontend::AstContext &ast, const std::vector<const frontend::Type *> &argTypes,
                     const frontend::GlobalEnv &globals, const Options &options);

/// What identifies the compiler and the tools it used, as keyed: ptxforge's
/// and LLVM's versions, this libptxforge build (its GNU build ID), and the
/// libdevice, ptxas and nvJitLink files found (path, size, time).
std::string compilerIdentity();

/// Reads the entry for `key`; nullopt on a miss. A corrupt or truncated
/// entry is removed, reported in `warning`, and is a miss.
std::unique_ptr<KernelArtifacts> loadCacheEntry(const std::string &directory, const std::string &key,
                                                std::string &warning);
/// Writes the entry for `key` atomically (a private temporary file renamed
/// into place), then evicts the least recently used entries if the cache
/// outgrew `maxBytes`. Returns false, with `warning` set, when the
/// directory cannot be written.
bool storeCacheEntry(const std::string &directory, std::uint64_t maxBytes, const std::string &key,
                     const KernelArtifacts &artifacts, std::string &warning);
/// The file that holds (or would hold) the entry for `key`.
std::string cacheEntryPath(const std::string &directory, const std::string &key);

/// What is in a cache directory.
struct CacheInfo {
  std::string directory;
  std::uint64_t entries = 0;
  std::uint64_t bytes = 0;
};
CacheInfo cacheInfo(const std::string &directory);
/// Removes every entry (and leftover temporary file) of the cache in
/// `directory`, and nothing else there. Returns the number of entries removed.
std::uint64_t clearCache(const std::string &directory);

/// This process's counts: cache lookups that hit and missed, entries
/// written, corrupt entries met, and compilations that went past typing.
struct CacheStats {
  std::uint64_t hits = 0, misses = 0, stores = 0, corrupt = 0, compiles = 0;
};
CacheStats cacheStats();

} // namespace ptxforge::compiler
