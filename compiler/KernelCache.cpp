//===- compiler/KernelCache.cpp - Entries on disk, atomic and checked -----===//
//
// Layout under the cache's root:
//   v1/<first 2 digits of the key>/<other 62>   one entry per kernel and signature
//   v1/usage                                      running byte count, guarded by flock
// An entry is a 24-byte header (magic and format, payload length, xxh3 of
// the payload) and the payload: the key again, then the artifacts' fields.
// Writers fill a private temporary file in the entry's folder and rename it
// into place, so readers see a whole old entry or a whole new one; a reader
// that finds a wrong length or checksum reports it, removes the entry and
// recompiles. A hit refreshes the entry's mtime, which orders eviction.
//
//===----------------------------------------------------------------------===//
#include "compiler/KernelCache.h"
#include "frontend/Types.h"

#include <llvm/Support/xxhash.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <ctime>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

namespace ptxforge::compiler {

using namespace frontend;

namespace {

constexpr char kMagic[4] = {'P', 'F', 'K', 'C'};
constexpr std::uint32_t kFormat = 4;
constexpr const char *kVersionDir = "v1";
constexpr std::size_t kHeaderBytes = 24;
constexpr std::size_t kKeyDigits = 64;

struct Counters {
  std::atomic<std::uint64_t> hits{0}, misses{0}, stores{0}, corrupt{0}, compiles{0};
};
Counters &counters() {
  static Counters *c = new Counters; // never destroyed: compiles may run at exit
  return *c;
}

std::string versionDir(const std::string &root) { return root + "/" + kVersionDir; }

bool isKey(const std::string &s) {
  return s.size() == kKeyDigits &&
         std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

/// mkdir -p; true when the directory exists afterwards.
bool makeDirectories(const std::string &path) {
  struct stat st;
  if (stat(path.c_str(), &st) == 0)
    return S_ISDIR(st.st_mode);
  std::size_t slash = path.find_last_of('/');
  if (slash != std::string::npos && slash > 0 && !makeDirectories(path.substr(0, slash)))
    return false;
  return mkdir(path.c_str(), 0777) == 0 || errno == EEXIST;
}

//===----------------------------------------------------------------------===//
// The entry format
//===----------------------------------------------------------------------===//

class Writer {
public:
  void u8(std::uint8_t v) { out.push_back(static_cast<char>(v)); }
  void u32(std::uint32_t v) {
    for (int i = 0; i < 4; ++i)
      u8(static_cast<std::uint8_t>(v >> (8 * i)));
  }
  void u64(std::uint64_t v) {
    for (int i = 0; i < 8; ++i)
      u8(static_cast<std::uint8_t>(v >> (8 * i)));
  }
  void text(std::string_view s) {
    u64(s.size());
    out.append(s.data(), s.size());
  }
  std::string out;
};

class Reader {
public:
  explicit Reader(std::string_view in) : in(in) {}
  bool u8(std::uint8_t &v) {
    if (at + 1 > in.size())
      return false;
    v = static_cast<std::uint8_t>(in[at++]);
    return true;
  }
  bool u32(std::uint32_t &v) {
    std::uint64_t wide = 0;
    if (!bytes(4, wide))
      return false;
    v = static_cast<std::uint32_t>(wide);
    return true;
  }
  bool u64(std::uint64_t &v) { return bytes(8, v); }
  bool text(std::string &s) {
    std::uint64_t n = 0;
    if (!u64(n) || n > in.size() - at)
      return false;
    s.assign(in.data() + at, n);
    at += n;
    return true;
  }
  bool done() const { return at == in.size(); }

private:
  bool bytes(int n, std::uint64_t &v) {
    if (at + n > in.size())
      return false;
    v = 0;
    for (int i = 0; i < n; ++i)
      v |= std::uint64_t(static_cast<std::uint8_t>(in[at + i])) << (8 * i);
    at += n;
    return true;
  }
  std::string_view in;
  std::size_t at = 0;
};

// Every field of KernelArtifacts that a hit must give back is written here;
// this trips when the struct grows, so that a new field is not forgotten
// (add it to encode and decode, and bump kFormat). Not stored: `debug` and
// `debugSites`, since debug-mode kernels are never cached, nor `hostAssembly`
// and `cpu`, since the CPU target's kernels are not either.
#if defined(__GLIBCXX__) && defined(__x86_64__)
static_assert(sizeof(KernelArtifacts) == 688,
              "KernelArtifacts changed: store the new field in the cache entry (KernelCache.cpp)");
#endif

std::string encode(const std::string &key, const KernelArtifacts &a) {
  Writer p;
  p.text(key);
  p.text(a.entryName);
  p.text(a.signature);
  p.text(a.returnType ? a.returnType->str() : "void");
  p.u32(static_cast<std::uint32_t>(a.params.size()));
  for (const Type *t : a.params)
    p.text(t->str());
  p.u8(a.cooperative ? 1 : 0);
  p.u32(static_cast<std::uint32_t>(a.readOnlyArgs.size()));
  for (int slot : a.readOnlyArgs)
    p.u32(static_cast<std::uint32_t>(slot));
  // Launch-time specialisation: what was applied, and what the typed tree said.
  p.u32(static_cast<std::uint32_t>(a.coarsen));
  p.u8(a.coarsenable ? 1 : 0);
  p.u32(static_cast<std::uint32_t>(a.written.size()));
  for (bool w : a.written)
    p.u8(w ? 1 : 0);
  p.u32(static_cast<std::uint32_t>(a.facts.params.size()));
  for (std::uint8_t bits : a.facts.params)
    p.u8(bits);
  p.u8(a.facts.disjoint ? 1 : 0);
  p.u32(static_cast<std::uint32_t>(a.facts.coarsen));
  p.text(a.specialization);
  p.text(a.typed);
  p.u32(static_cast<std::uint32_t>(a.variables.size()));
  for (const VariableUse &v : a.variables) {
    p.u32(static_cast<std::uint32_t>(v.line));
    p.u32(static_cast<std::uint32_t>(v.col));
    p.text(v.name);
    p.text(v.type);
  }
  p.text(a.ptx);
  p.text(a.cubin.cubin);
  p.u8(static_cast<std::uint8_t>(a.cubin.by));
  p.text(a.cubin.log);
  p.u32(static_cast<std::uint32_t>(a.warnings.size()));
  for (const std::string &w : a.warnings)
    p.text(w);
  p.u32(static_cast<std::uint32_t>(a.linked.size()));
  for (const LinkItem &item : a.linked) {
    p.u8(item.isSource ? 1 : 0);
    p.text(item.path);
    p.text(item.source);
  }

  Writer file;
  file.out.append(kMagic, sizeof kMagic);
  file.u32(kFormat);
  file.u64(p.out.size());
  file.u64(llvm::xxh3_64bits(llvm::StringRef(p.out)));
  file.out += p.out;
  return std::move(file.out);
}

/// The artifacts in `bytes`, or nullptr with `why` set.
std::unique_ptr<KernelArtifacts> decode(std::string_view bytes, const std::string &key, std::string &why) {
  if (bytes.size() < kHeaderBytes) {
    why = "truncated (" + std::to_string(bytes.size()) + " bytes)";
    return nullptr;
  }
  Reader header(bytes.substr(4, kHeaderBytes - 4));
  std::uint32_t format = 0;
  std::uint64_t length = 0, checksum = 0;
  header.u32(format);
  header.u64(length);
  header.u64(checksum);
  if (std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0 || format != kFormat) {
    why = "not a ptxforge cache entry of format " + std::to_string(kFormat);
    return nullptr;
  }
  std::string_view payload = bytes.substr(kHeaderBytes);
  if (payload.size() != length) {
    why = "truncated (" + std::to_string(payload.size()) + " of " + std::to_string(length) + " payload bytes)";
    return nullptr;
  }
  if (llvm::xxh3_64bits(llvm::StringRef(payload.data(), payload.size())) != checksum) {
    why = "its checksum does not match its contents";
    return nullptr;
  }
  auto a = std::make_unique<KernelArtifacts>();
  Reader r(payload);
  std::string storedKey, returnType, param;
  std::uint32_t count = 0;
  std::uint8_t cooperative = 0, by = 0;
  bool ok = r.text(storedKey) && r.text(a->entryName) && r.text(a->signature) && r.text(returnType) && r.u32(count);
  std::string error;
  if (ok && (a->returnType = parseType(returnType, error)) == nullptr)
    ok = false;
  for (std::uint32_t i = 0; ok && i < count; ++i) {
    const Type *t = r.text(param) ? parseType(param, error) : nullptr;
    ok = t != nullptr;
    if (ok)
      a->params.push_back(t);
  }
  std::uint32_t readOnly = 0, slot = 0;
  ok = ok && r.u8(cooperative) && r.u32(readOnly);
  for (std::uint32_t i = 0; ok && i < readOnly; ++i) {
    ok = r.u32(slot);
    a->readOnlyArgs.push_back(static_cast<int>(slot));
  }
  std::uint32_t coarsen = 0, written = 0, params = 0, factsCoarsen = 0;
  std::uint8_t flag = 0, bits = 0;
  ok = ok && r.u32(coarsen) && r.u8(flag) && r.u32(written);
  a->coarsen = static_cast<int>(coarsen);
  a->coarsenable = flag != 0;
  for (std::uint32_t i = 0; ok && i < written; ++i) {
    ok = r.u8(flag);
    a->written.push_back(flag != 0);
  }
  ok = ok && r.u32(params);
  for (std::uint32_t i = 0; ok && i < params; ++i) {
    ok = r.u8(bits);
    a->facts.params.push_back(bits);
  }
  ok = ok && r.u8(flag) && r.u32(factsCoarsen) && r.text(a->specialization);
  a->facts.disjoint = flag != 0;
  a->facts.coarsen = static_cast<int>(factsCoarsen);
  ok = ok && coarsen >= 1 && coarsen <= 64;
  std::uint32_t variables = 0;
  ok = ok && r.text(a->typed) && r.u32(variables);
  for (std::uint32_t i = 0; ok && i < variables; ++i) {
    VariableUse v;
    std::uint32_t line = 0, col = 0;
    ok = r.u32(line) && r.u32(col) && r.text(v.name) && r.text(v.type);
    v.line = static_cast<int>(line), v.col = static_cast<int>(col);
    a->variables.push_back(std::move(v));
  }
  ok = ok && r.text(a->ptx) && r.text(a->cubin.cubin) && r.u8(by) && r.text(a->cubin.log) &&
       by <= static_cast<std::uint8_t>(Assembler::Ptxas);
  std::uint32_t warnings = 0, linked = 0;
  ok = ok && r.u32(warnings);
  for (std::uint32_t i = 0; ok && i < warnings; ++i)
    ok = r.text(a->warnings.emplace_back());
  ok = ok && r.u32(linked);
  for (std::uint32_t i = 0; ok && i < linked; ++i) {
    LinkItem &item = a->linked.emplace_back();
    std::uint8_t isSource = 0;
    ok = r.u8(isSource) && r.text(item.path) && r.text(item.source);
    item.isSource = isSource != 0;
  }
  ok = ok && r.done();
  if (!ok || storedKey != key) {
    why = ok ? "it belongs to another key" : "its contents do not parse";
    return nullptr;
  }
  a->cooperative = cooperative != 0;
  a->cubin.by = static_cast<Assembler>(by);
  for (const Type *t : a->params)
    appendAbi(t, a->abi);
  a->fromCache = true;
  return a;
}

bool readAll(int fd, std::string &out) {
  struct stat st;
  if (fstat(fd, &st) != 0)
    return false;
  out.resize(static_cast<std::size_t>(st.st_size));
  std::size_t done = 0;
  while (done < out.size()) {
    ssize_t n = read(fd, out.data() + done, out.size() - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    done += static_cast<std::size_t>(n);
  }
  out.resize(done);
  return true;
}

bool writeAll(int fd, std::string_view data) {
  std::size_t done = 0;
  while (done < data.size()) {
    ssize_t n = write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

//===----------------------------------------------------------------------===//
// Size accounting and eviction
//===----------------------------------------------------------------------===//

/// The usage file, open and exclusively locked for the lifetime of this object.
class UsageLock {
public:
  explicit UsageLock(const std::string &root) {
    fd = open((versionDir(root) + "/usage").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    if (fd >= 0 && flock(fd, LOCK_EX) != 0) {
      close(fd);
      fd = -1;
    }
  }
  ~UsageLock() {
    if (fd >= 0)
      close(fd); // releases the lock
  }
  bool ok() const { return fd >= 0; }
  /// The recorded byte count; nullopt when unreadable (then a scan recounts).
  std::optional<std::uint64_t> read() const {
    char buffer[32] = {};
    ssize_t n = pread(fd, buffer, sizeof buffer - 1, 0);
    if (n <= 0)
      return std::nullopt;
    char *end = nullptr;
    unsigned long long v = std::strtoull(buffer, &end, 10);
    if (end == buffer)
      return std::nullopt;
    return v;
  }
  void write(std::uint64_t bytes) const {
    std::string text = std::to_string(bytes) + "\n";
    if (pwrite(fd, text.data(), text.size(), 0) == static_cast<ssize_t>(text.size()))
      (void)ftruncate(fd, static_cast<off_t>(text.size()));
  }

private:
  int fd = -1;
};

struct EntryFile {
  std::string path;
  std::uint64_t bytes;
  timespec used;
};

/// Every entry under the root, and leftover temporary files older than an
/// hour removed on the way (a writer that died between write and rename).
std::vector<EntryFile> scanEntries(const std::string &root) {
  std::vector<EntryFile> out;
  std::string top = versionDir(root);
  DIR *shards = opendir(top.c_str());
  if (!shards)
    return out;
  timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  while (dirent *shard = readdir(shards)) {
    std::string prefix = shard->d_name;
    if (prefix.size() != 2 || !isKey(prefix + std::string(kKeyDigits - 2, '0')))
      continue;
    std::string folder = top + "/" + prefix;
    DIR *d = opendir(folder.c_str());
    if (!d)
      continue;
    while (dirent *e = readdir(d)) {
      std::string name = e->d_name;
      std::string path = folder + "/" + name;
      struct stat st;
      if (stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode))
        continue;
      if (name.rfind(".tmp-", 0) == 0) {
        if (now.tv_sec - st.st_mtim.tv_sec > 3600)
          unlink(path.c_str());
        continue;
      }
      if (isKey(prefix + name))
        out.push_back({path, static_cast<std::uint64_t>(st.st_size), st.st_mtim});
    }
    closedir(d);
  }
  closedir(shards);
  return out;
}

/// Under the usage lock: recounts, and removes the least recently used
/// entries while the total is over `maxBytes`, down to 80% of it.
void evictLocked(const std::string &root, std::uint64_t maxBytes, const UsageLock &lock) {
  std::vector<EntryFile> entries = scanEntries(root);
  std::uint64_t total = 0;
  for (const EntryFile &e : entries)
    total += e.bytes;
  if (total > maxBytes) {
    std::sort(entries.begin(), entries.end(), [](const EntryFile &a, const EntryFile &b) {
      return a.used.tv_sec != b.used.tv_sec ? a.used.tv_sec < b.used.tv_sec : a.used.tv_nsec < b.used.tv_nsec;
    });
    std::uint64_t target = maxBytes / 10 * 8;
    for (const EntryFile &e : entries) {
      if (total <= target)
        break;
      if (unlink(e.path.c_str()) == 0 || errno == ENOENT)
        total -= e.bytes;
    }
  }
  lock.write(total);
}

std::string errnoText(int e) { return std::strerror(e); }

} // namespace

std::string cacheEntryPath(const std::string &directory, const std::string &key) {
  return versionDir(directory) + "/" + key.substr(0, 2) + "/" + key.substr(2);
}

std::unique_ptr<KernelArtifacts> loadCacheEntry(const std::string &directory, const std::string &key,
                                                std::string &warning) {
  std::string path = cacheEntryPath(directory, key);
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return nullptr;
  std::string bytes;
  bool read = readAll(fd, bytes);
  std::string why = "it could not be read";
  std::unique_ptr<KernelArtifacts> a = read ? decode(bytes, key, why) : nullptr;
  if (a)
    futimens(fd, nullptr); // most recently used now
  close(fd);
  if (!a) {
    counters().corrupt++;
    unlink(path.c_str());
    warning = "the cached kernel in " + path + " was not loaded: " + why + "; it was removed and the kernel recompiled";
  }
  return a;
}

bool storeCacheEntry(const std::string &directory, std::uint64_t maxBytes, const std::string &key,
                     const KernelArtifacts &artifacts, std::string &warning) {
  std::string path = cacheEntryPath(directory, key);
  std::string folder = path.substr(0, path.find_last_of('/'));
  if (!makeDirectories(folder)) {
    warning = "the kernel cache directory " + directory + " cannot be created (" + errnoText(errno) +
              "); compiled kernels are not cached";
    return false;
  }
  static std::atomic<std::uint64_t> serial{0};
  std::string temp = folder + "/.tmp-" + key.substr(2, 8) + "-" + std::to_string(getpid()) + "-" +
                     std::to_string(std::hash<std::thread::id>{}(std::this_thread::get_id()) % 1000000) + "-" +
                     std::to_string(serial++);
  std::string bytes = encode(key, artifacts);
  int fd = open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  if (fd < 0) {
    warning = "the kernel cache directory " + directory + " cannot be written (" + errnoText(errno) +
              "); compiled kernels are not cached";
    return false;
  }
  bool written = writeAll(fd, bytes);
  int closeError = close(fd) == 0 ? 0 : errno;
  if (!written || closeError || rename(temp.c_str(), path.c_str()) != 0) {
    int e = closeError ? closeError : errno;
    unlink(temp.c_str());
    warning = "a kernel could not be written to the cache in " + directory + " (" + errnoText(e) +
              "); it is not cached";
    return false;
  }
  counters().stores++;
  UsageLock lock(directory);
  if (lock.ok()) {
    std::uint64_t limit = maxBytes ? maxBytes : kDefaultCacheBytes;
    std::optional<std::uint64_t> used = lock.read();
    // Entries rewritten by racing processes are counted twice; the recount
    // that eviction makes puts the figure right again.
    if (!used || *used + bytes.size() > limit)
      evictLocked(directory, limit, lock);
    else
      lock.write(*used + bytes.size());
  }
  return true;
}

CacheInfo cacheInfo(const std::string &directory) {
  CacheInfo info;
  info.directory = directory;
  for (const EntryFile &e : scanEntries(directory)) {
    info.entries++;
    info.bytes += e.bytes;
  }
  return info;
}

std::uint64_t clearCache(const std::string &directory) {
  std::uint64_t removed = 0;
  for (const EntryFile &e : scanEntries(directory))
    if (unlink(e.path.c_str()) == 0)
      removed++;
  std::string top = versionDir(directory);
  if (DIR *shards = opendir(top.c_str())) {
    while (dirent *shard = readdir(shards)) {
      std::string prefix = shard->d_name;
      if (prefix.size() != 2 || !isKey(prefix + std::string(kKeyDigits - 2, '0')))
        continue;
      std::string folder = top + "/" + prefix;
      if (DIR *d = opendir(folder.c_str())) {
        while (dirent *e = readdir(d))
          if (std::string(e->d_name).rfind(".tmp-", 0) == 0)
            unlink((folder + "/" + e->d_name).c_str());
        closedir(d);
      }
      rmdir(folder.c_str()); // only when empty
    }
    closedir(shards);
  }
  unlink((top + "/usage").c_str());
  rmdir(top.c_str());
  return removed;
}

CacheStats cacheStats() {
  Counters &c = counters();
  return {c.hits.load(), c.misses.load(), c.stores.load(), c.corrupt.load(), c.compiles.load()};
}

std::unique_ptr<KernelArtifacts> compileKernelCached(const AstContext &ast, const std::vector<const Type *> &argTypes,
                                                     const GlobalEnv &globals, const Options &options, Stage upTo,
                                                     const CacheSettings &settings, Diagnostic &error,
                                                     CacheReport &report) {
  // Debug-mode kernels are not cached: their site tables name exception
  // classes by this process's ids. Nor is the CPU target's code, which lives
  // in this process's JIT (compiling it again costs about what a GPU kernel's
  // cache lookup does not save: no assembler runs).
  bool cached = !settings.directory.empty() && upTo != Stage::Typed && upTo != Stage::Llvm && !options.debug &&
                !options.host;
  std::string key;
  if (cached) {
    key = cacheKey(ast, argTypes, globals, options);
    if (!options.keepIr) {
      if (std::unique_ptr<KernelArtifacts> hit = loadCacheEntry(settings.directory, key, report.warning)) {
        counters().hits++;
        report.hit = true;
        return hit;
      }
      counters().misses++;
    }
  }
  if (upTo != Stage::Typed)
    counters().compiles++;
  std::unique_ptr<KernelArtifacts> out = compileKernel(ast, argTypes, globals, options, upTo, error);
  if (out && cached && upTo == Stage::Cubin && out->cubin.ok()) {
    std::string warning;
    if (!storeCacheEntry(settings.directory, settings.maxBytes, key, *out, warning) && report.warning.empty())
      report.warning = warning;
  }
  return out;
}

} // namespace ptxforge::compiler
