//===- compiler/CacheKey.cpp - The digest that names a cache entry --------===//
//
// A BLAKE3 digest over every input of one compilation, each part tagged and
// length-prefixed so that no two different inputs spell the same bytes:
// the compiler's identity, the options, the argument types, the kernel's
// source lines, and its globals by value, device functions by their own
// source and globals, transitively. Source positions count only with
// lineinfo (the line tables hold them); otherwise moving a kernel in its
// file keeps its entry.
//
//===----------------------------------------------------------------------===//
#include "compiler/CudaToolkit.h"
#include "compiler/KernelCache.h"

#include <llvm/Config/llvm-config.h>
#include <llvm/Support/BLAKE3.h>

#include <cstring>
#include <dlfcn.h>
#include <link.h>
#include <map>
#include <memory>
#include <mutex>
#include <sys/stat.h>

namespace ptxforge::compiler {

using namespace frontend;

namespace {

/// The GNU build ID of the object that holds this function (libptxforge),
/// as hex; empty when it has none.
std::string buildId() {
  struct Search {
    std::uintptr_t address;
    std::string id;
  } search{reinterpret_cast<std::uintptr_t>(&buildId), {}};
  dl_iterate_phdr(
      [](dl_phdr_info *info, size_t, void *data) -> int {
        auto *s = static_cast<Search *>(data);
        bool ours = false;
        for (int i = 0; i < info->dlpi_phnum && !ours; ++i) {
          const ElfW(Phdr) &p = info->dlpi_phdr[i];
          std::uintptr_t start = info->dlpi_addr + p.p_vaddr;
          ours = p.p_type == PT_LOAD && s->address >= start && s->address < start + p.p_memsz;
        }
        if (!ours)
          return 0;
        for (int i = 0; i < info->dlpi_phnum; ++i) {
          const ElfW(Phdr) &p = info->dlpi_phdr[i];
          if (p.p_type != PT_NOTE)
            continue;
          const char *at = reinterpret_cast<const char *>(info->dlpi_addr + p.p_vaddr);
          const char *end = at + p.p_memsz;
          while (at + sizeof(ElfW(Nhdr)) <= end) {
            const auto *note = reinterpret_cast<const ElfW(Nhdr) *>(at);
            const char *name = at + sizeof(ElfW(Nhdr));
            const char *desc = name + ((note->n_namesz + 3) & ~3u);
            if (note->n_type == NT_GNU_BUILD_ID && note->n_namesz == 4 && std::memcmp(name, "GNU", 4) == 0 &&
                desc + note->n_descsz <= end) {
              static const char *digits = "0123456789abcdef";
              for (unsigned k = 0; k < note->n_descsz; ++k) {
                unsigned char byte = static_cast<unsigned char>(desc[k]);
                s->id += digits[byte >> 4];
                s->id += digits[byte & 15];
              }
              return 1;
            }
            at = desc + ((note->n_descsz + 3) & ~3u);
          }
        }
        return 1;
      },
      &search);
  return search.id;
}

/// "path size mtime" of a file, or "path -" when it is absent.
std::string fileStamp(const std::string &path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0)
    return path + " -";
  return path + " " + std::to_string(st.st_size) + " " + std::to_string(st.st_mtim.tv_sec) + "." +
         std::to_string(st.st_mtim.tv_nsec);
}

/// Feeds tagged, length-prefixed parts into BLAKE3.
class KeyWriter {
public:
  void tag(char t) { hasher.update(llvm::ArrayRef<uint8_t>(reinterpret_cast<const uint8_t *>(&t), 1)); }
  void number(std::uint64_t v) {
    uint8_t bytes[8];
    for (int i = 0; i < 8; ++i)
      bytes[i] = static_cast<uint8_t>(v >> (8 * i));
    hasher.update(llvm::ArrayRef<uint8_t>(bytes, 8));
  }
  void text(std::string_view s) {
    number(s.size());
    hasher.update(llvm::StringRef(s.data(), s.size()));
  }
  void real(double d) {
    std::uint64_t bits;
    std::memcpy(&bits, &d, sizeof bits);
    number(bits);
  }
  std::string hex() {
    auto digest = hasher.final();
    static const char *digits = "0123456789abcdef";
    std::string out;
    for (uint8_t b : digest) {
      out += digits[b >> 4];
      out += digits[b & 15];
    }
    return out;
  }

private:
  llvm::BLAKE3 hasher;
};

/// Files to link: a path with its size and time (as the toolchain's files
/// are keyed), CUDA C by its text.
void linkItems(KeyWriter &w, const std::vector<LinkItem> &items) {
  w.tag('L');
  w.number(items.size());
  for (const LinkItem &item : items) {
    w.number(item.isSource ? 1 : 0);
    w.text(item.isSource ? item.path + "\n" + item.source : fileStamp(item.path));
  }
}

/// The function's own lines, `def` to its last line, as parsed; with
/// lineinfo also the file and the position, which the line tables record.
void functionSource(KeyWriter &w, const AstContext &ast, bool lineinfo) {
  const FunctionDef &fn = ast.function();
  const SourceFile *file = ast.file();
  w.tag('F');
  w.text(fn.name);
  int first = fn.span.line, last = std::max(fn.span.endLine, fn.span.line);
  w.number(static_cast<std::uint64_t>(last - first + 1));
  // Dedented by the `def` line's column: a kernel indented differently (in a
  // class, a function) is the same kernel.
  for (int line = first; line <= last; ++line) {
    std::string_view text = file ? std::string_view(file->line(line)) : std::string_view();
    std::size_t indent = 0;
    while (indent < text.size() && indent < static_cast<std::size_t>(std::max(fn.span.col, 0)) &&
           (text[indent] == ' ' || text[indent] == '\t'))
      ++indent;
    w.text(text.substr(indent));
  }
  if (lineinfo) {
    w.text(file ? file->name : std::string());
    w.number(static_cast<std::uint64_t>(fn.span.line));
    w.number(static_cast<std::uint64_t>(fn.span.col));
  }
}

class GlobalsWriter {
public:
  GlobalsWriter(KeyWriter &w, bool lineinfo) : w(w), lineinfo(lineinfo) {}

  void env(const GlobalEnv &globals) {
    w.tag('E');
    w.number(globals.size());
    for (const auto &[name, value] : globals) { // std::map: sorted by name
      w.text(name);
      this->value(value);
    }
  }

  void value(const GlobalValue &g) {
    switch (g.kind) {
    case GlobalValue::Path:
      w.tag('P');
      w.text(g.path);
      return;
    case GlobalValue::Constant:
      w.tag('C');
      w.text(g.type->str());
      if (g.type->isFloat()) {
        w.real(g.floatValue);
      } else if (g.type->isComplex()) {
        w.real(g.complexValue.real());
        w.real(g.complexValue.imag());
      } else {
        w.number(static_cast<std::uint64_t>(g.intValue));
      }
      return;
    case GlobalValue::Array:
      w.tag('A');
      w.text(g.type->str());
      w.number(g.shape.size());
      for (std::int64_t d : g.shape)
        w.number(static_cast<std::uint64_t>(d));
      w.text(g.data);
      return;
    case GlobalValue::Tuple:
      w.tag('T');
      w.number(g.elements.size());
      for (const GlobalValue &e : g.elements)
        value(e);
      return;
    case GlobalValue::DeviceFunction: {
      // Each device function is written once; a later reference (mutual
      // calls, recursion) names the first by its number.
      auto [it, fresh] = seen.emplace(g.function.get(), seen.size());
      if (!fresh) {
        w.tag('R');
        w.number(it->second);
        return;
      }
      const DeviceFunctionRef &f = *g.function;
      if (f.external) { // declare_device: its declaration and the files that define it
        w.tag('X');
        w.text(f.name);
        w.number(f.cAbi ? 1 : 0);
        w.number(f.cooperative ? 1 : 0);
        signatures(f);
        linkItems(w, f.link);
        return;
      }
      if (f.overloadId >= 0) { // numba's extension API: the implementations chosen so far
        w.tag('L');
        w.text(f.name);
        w.number(f.overloads.size());
        for (const auto &[key, choice] : f.overloads) {
          w.text(key);
          if (!choice.impl) {
            w.text(choice.error);
            continue;
          }
          GlobalValue impl;
          impl.kind = GlobalValue::DeviceFunction;
          impl.function = choice.impl;
          value(impl);
        }
        return;
      }
      w.tag('D');
      functionSource(w, *f.ast, lineinfo);
      signatures(f);
      env(f.globals);
      return;
    }
    case GlobalValue::DeviceArray: // its address is baked in, so it keys the entry
      w.tag('V');
      w.text(g.type->str());
      w.number(g.shape.size());
      for (std::size_t d = 0; d < g.shape.size(); ++d) {
        w.number(static_cast<std::uint64_t>(g.shape[d]));
        w.number(static_cast<std::uint64_t>(g.strides[d]));
      }
      w.number(g.address);
      return;
    case GlobalValue::EnumMember:
      w.tag('M');
      w.text(g.path);
      w.text(g.valueType->str());
      value(g.elements[0]);
      return;
    case GlobalValue::EnumClass:
      w.tag('K');
      w.text(g.path);
      w.number(g.elements.size());
      for (std::size_t i = 0; i < g.elements.size(); ++i) {
        w.text(g.memberNames[i]);
        value(g.elements[i]);
      }
      return;
    case GlobalValue::ExceptionClass: // by name: the host's id for the class is the process's own
      w.tag('Y');
      w.text(g.path);
      return;
    case GlobalValue::NoneValue:
      w.tag('N');
      return;
    case GlobalValue::Opaque:
      w.tag('O');
      w.text(g.description);
      return;
    }
  }

private:
  void signatures(const DeviceFunctionRef &f) {
    w.tag('G');
    w.number(f.signatures.size());
    for (const Signature &sig : f.signatures)
      w.text(sig.returnType->str() + sig.str());
  }

  KeyWriter &w;
  bool lineinfo;
  std::map<const DeviceFunctionRef *, std::uint64_t> seen;
};

} // namespace

std::string compilerIdentity() {
  // Recomputed when the lookup changes (setPackageRoots), else kept.
  static std::mutex mutex;
  static std::shared_ptr<const Toolkit> *seenToolkit = new std::shared_ptr<const Toolkit>;
  static std::string *identity = new std::string;
  std::shared_ptr<const Toolkit> tk = toolkit();
  std::lock_guard<std::mutex> lock(mutex);
  if (*seenToolkit != tk) {
    std::string id = compilerVersion() + "; build " + buildId();
    if (!tk->libdevice.empty())
      id += "; libdevice " + fileStamp(tk->libdevice);
    if (!tk->ptxas.empty())
      id += "; ptxas " + fileStamp(tk->ptxas);
    for (const std::string &candidate : tk->nvJitLink)
      if (candidate.find('/') != std::string::npos)
        id += "; nvJitLink " + fileStamp(candidate);
    *identity = std::move(id);
    *seenToolkit = tk;
  }
  return *identity;
}

// A new field of Options must be keyed below; this trips when Options grows.
#if defined(__GLIBCXX__) && defined(__x86_64__)
static_assert(sizeof(Options) == 144, "compiler::Options changed: key the new field in cacheKey (CacheKey.cpp)");
#endif

std::string cacheKey(const AstContext &ast, const std::vector<const Type *> &argTypes, const GlobalEnv &globals,
                     const Options &o) {
  KeyWriter w;
  w.text("ptxforge kernel cache 1");
  w.text(compilerIdentity());
  w.tag('O');
  for (int v : {o.ccMajor, o.ccMinor, int(o.fastmath), int(o.fmaContraction), int(o.lineinfo), o.optLevel,
                o.maxRegisters, o.maxThreadsPerBlock, o.minBlocksPerSm, o.maxClusterRank, int(o.device), int(o.debug),
                o.driverVersion / 1000, int(o.host)})
    w.number(static_cast<std::uint64_t>(static_cast<std::int64_t>(v)));
  w.text(o.entryName);
  linkItems(w, o.link);
  w.tag('F'); // the launch facts a kernel is specialised for (LaunchFacts)
  w.number(o.facts.params.size());
  for (std::uint8_t bits : o.facts.params)
    w.number(bits);
  w.number(o.facts.disjoint ? 1 : 0);
  w.number(static_cast<std::uint64_t>(o.facts.coarsen));
  w.tag('S');
  w.number(argTypes.size());
  for (const Type *t : argTypes)
    w.text(t->str());
  functionSource(w, ast, o.lineinfo);
  GlobalsWriter(w, o.lineinfo).env(globals);
  return w.hex();
}

} // namespace ptxforge::compiler
