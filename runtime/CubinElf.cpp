//===- runtime/CubinElf.cpp - Kernels, parameters and resources of a cubin ===//
//
// A cubin is an ELF64 file. Each kernel has .text.<k>, .nv.constant0.<k>,
// .nv.info.<k> and, when it uses shared memory, .nv.shared.<k>; the global
// .nv.info section records registers and stack per function symbol. Every
// offset read is checked against the file: cubins come from users' disks.
//
//===----------------------------------------------------------------------===//
#include "runtime/Cubin.h"

#include <elf.h>

#include <climits>
#include <cstdint>
#include <cstring>
#include <vector>

namespace ptxforge::runtime {
namespace {

// .nv.info holds a list of attributes, each a 4-byte header
//   u8 format, u8 attribute, u16 (payload size for kFormatSized, else value)
// followed, for kFormatSized alone, by that many bytes of payload.
constexpr uint8_t kFormatNone = 0x01;  ///< EIFMT_NVAL
constexpr uint8_t kFormatByte = 0x02;  ///< EIFMT_BVAL
constexpr uint8_t kFormatHalf = 0x03;  ///< EIFMT_HVAL
constexpr uint8_t kFormatSized = 0x04; ///< EIFMT_SVAL

// Attributes read here. In the global .nv.info section each has the payload
// {u32 function symbol index, u32 value}. Ids checked against the names that
// `cuobjdump -elf` prints (CUDA 13.0 ptxas and nvJitLink, sm_90), values
// against cuFuncGetAttribute (NUM_REGS, LOCAL_SIZE_BYTES) on an H100.
/// st_other of a kernel's symbol (STO_CUDA_ENTRY; readelf shows "<other>: 10").
constexpr uint8_t kCudaEntry = 0x10;

constexpr uint8_t kAttrMaxThreads = 0x05;   ///< EIATTR_MAX_THREADS: {x, y, z} of .maxntid (kernel's own)
constexpr uint8_t kAttrParamInfo = 0x17;    ///< EIATTR_KPARAM_INFO: one parameter (kernel's own)
constexpr uint8_t kAttrFrameSize = 0x11;    ///< EIATTR_FRAME_SIZE: the function's own frame
constexpr uint8_t kAttrMinStackSize = 0x12; ///< EIATTR_MIN_STACK_SIZE: frame plus callees
constexpr uint8_t kAttrRegCount = 0x2f;     ///< EIATTR_REGCOUNT

/// In some cubins a kernel's .nv.shared.<k> section begins with the 1 KiB
/// that the driver reserves per block (CU_DEVICE_ATTRIBUTE_RESERVED_SHARED_
/// MEMORY_PER_BLOCK): those that refer to the .nv.reservedSmem.offset0
/// symbol or have a .nv.shared.reserved.0 section (CUDA 13 ptxas and
/// nvJitLink for sm_90 and up; their sm_80 cubins have neither, nor the
/// window). cuFuncGetAttribute(CU_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES) on an
/// H100 reports the section size less this, as ptxas -v does.
constexpr uint64_t kReservedSharedBytes = 1024;

template <typename T> T readAt(std::string_view bytes, uint64_t offset) {
  T value;
  std::memcpy(&value, bytes.data() + offset, sizeof(T));
  return value;
}

bool inBounds(std::string_view bytes, uint64_t offset, uint64_t size) {
  return offset <= bytes.size() && size <= bytes.size() - offset;
}

/// The section headers of an ELF64 little-endian CUDA file, every one whose
/// contents lie in the file checked to do so, with their names.
class ElfView {
public:
  static std::optional<ElfView> parse(std::string_view bytes) {
    if (bytes.size() < sizeof(Elf64_Ehdr))
      return std::nullopt;
    auto header = readAt<Elf64_Ehdr>(bytes, 0);
    if (std::memcmp(header.e_ident, ELFMAG, SELFMAG) != 0 || header.e_ident[EI_CLASS] != ELFCLASS64 ||
        header.e_ident[EI_DATA] != ELFDATA2LSB || header.e_machine != EM_CUDA ||
        header.e_shentsize < sizeof(Elf64_Shdr) || header.e_shoff == 0)
      return std::nullopt;
    ElfView elf;
    elf.bytes = bytes;
    elf.header = header;
    if (!inBounds(bytes, header.e_shoff, sizeof(Elf64_Shdr)))
      return std::nullopt;
    auto first = readAt<Elf64_Shdr>(bytes, header.e_shoff);
    uint64_t count = header.e_shnum ? header.e_shnum : first.sh_size;
    uint64_t stringIndex = header.e_shstrndx == SHN_XINDEX ? first.sh_link : header.e_shstrndx;
    if (count == 0 || count > bytes.size() / header.e_shentsize ||
        !inBounds(bytes, header.e_shoff, count * header.e_shentsize) || stringIndex >= count)
      return std::nullopt;
    for (uint64_t i = 0; i < count; ++i) {
      auto section = readAt<Elf64_Shdr>(bytes, header.e_shoff + i * header.e_shentsize);
      if (section.sh_type != SHT_NOBITS && !inBounds(bytes, section.sh_offset, section.sh_size))
        return std::nullopt;
      elf.sections.push_back(section);
    }
    std::string_view strings = elf.data(stringIndex);
    for (const Elf64_Shdr &section : elf.sections) {
      std::optional<std::string_view> name = cString(strings, section.sh_name);
      if (!name)
        return std::nullopt;
      elf.names.push_back(*name);
    }
    return elf;
  }

  /// The NUL-terminated string at `offset` of a string table.
  static std::optional<std::string_view> cString(std::string_view table, uint64_t offset) {
    if (offset >= table.size())
      return std::nullopt;
    size_t end = table.find('\0', offset);
    if (end == std::string_view::npos)
      return std::nullopt;
    return table.substr(offset, end - offset);
  }

  size_t count() const { return sections.size(); }
  const Elf64_Shdr &section(size_t i) const { return sections[i]; }
  std::string_view data(size_t i) const {
    const Elf64_Shdr &s = sections[i];
    return s.sh_type == SHT_NOBITS ? std::string_view() : bytes.substr(s.sh_offset, s.sh_size);
  }
  std::optional<size_t> find(std::string_view prefix, std::string_view suffix = {}) const {
    for (size_t i = 0; i < names.size(); ++i)
      if (names[i].size() == prefix.size() + suffix.size() && names[i].starts_with(prefix) &&
          names[i].ends_with(suffix))
        return i;
    return std::nullopt;
  }

  const Elf64_Ehdr &elfHeader() const { return header; }
  std::string_view name(size_t i) const { return names[i]; }

private:
  std::string_view bytes;
  Elf64_Ehdr header{};
  std::vector<Elf64_Shdr> sections;
  std::vector<std::string_view> names;
};

/// The index of the first symbol named `name` (defined in section `section`
/// when that is given); nullopt when there is none or the table is malformed.
std::optional<uint64_t> findSymbol(const ElfView &elf, std::string_view name,
                                   std::optional<size_t> section = std::nullopt) {
  std::optional<size_t> symtab = elf.find(".symtab");
  if (!symtab)
    return std::nullopt;
  const Elf64_Shdr &header = elf.section(*symtab);
  uint64_t entrySize = header.sh_entsize ? header.sh_entsize : sizeof(Elf64_Sym);
  if (entrySize < sizeof(Elf64_Sym) || header.sh_link >= elf.count())
    return std::nullopt;
  std::string_view symbols = elf.data(*symtab), strings = elf.data(header.sh_link);
  for (uint64_t i = 0; i < symbols.size() / entrySize; ++i) {
    auto symbol = readAt<Elf64_Sym>(symbols, i * entrySize);
    if (section && symbol.st_shndx != *section)
      continue;
    std::optional<std::string_view> symbolName = ElfView::cString(strings, symbol.st_name);
    if (symbolName && *symbolName == name)
      return i;
  }
  return std::nullopt;
}

/// Calls `visit(id, payload)` for each sized attribute of an .nv.info
/// section, in order; stops at the first entry it cannot decode.
template <typename Visit> void forEachSizedAttribute(std::string_view info, Visit visit) {
  uint64_t at = 0;
  while (inBounds(info, at, 4)) {
    uint8_t format = static_cast<uint8_t>(info[at]), id = static_cast<uint8_t>(info[at + 1]);
    uint16_t half = readAt<uint16_t>(info, at + 2);
    at += 4;
    if (format == kFormatNone || format == kFormatByte || format == kFormatHalf)
      continue;
    if (format != kFormatSized || !inBounds(info, at, half))
      return;
    visit(id, info.substr(at, half));
    at += half;
  }
}

/// The value of `attribute` recorded for `symbol` in an .nv.info section.
std::optional<uint64_t> symbolAttribute(std::string_view info, uint8_t attribute, uint64_t symbol) {
  std::optional<uint64_t> value;
  forEachSizedAttribute(info, [&](uint8_t id, std::string_view payload) {
    if (!value && id == attribute && payload.size() == 8 && readAt<uint32_t>(payload, 0) == symbol)
      value = readAt<uint32_t>(payload, 4);
  });
  return value;
}

/// Looks `attribute` up in the global .nv.info, then in the kernel's own.
std::optional<uint64_t> kernelAttribute(const ElfView &elf, std::string_view kernel, uint8_t attribute,
                                        uint64_t symbol) {
  for (std::optional<size_t> info : {elf.find(".nv.info"), elf.find(".nv.info.", kernel)})
    if (info)
      if (std::optional<uint64_t> value = symbolAttribute(elf.data(*info), attribute, symbol))
        return value;
  return std::nullopt;
}

} // namespace

std::optional<int> cubinArch(std::string_view cubin) {
  std::optional<ElfView> elf = ElfView::parse(cubin);
  if (!elf)
    return std::nullopt;
  // The sm is e_flags' low byte up to ELF ABI version 7 (CUDA 12), its
  // second byte from version 8 (CUDA 13: 0x6005a04 for sm_90).
  const Elf64_Ehdr &h = elf->elfHeader();
  unsigned sm = h.e_ident[EI_ABIVERSION] >= 8 ? (h.e_flags >> 8) & 0xff : h.e_flags & 0xff;
  if (sm == 0)
    return std::nullopt;
  return static_cast<int>(sm);
}

std::vector<std::string> cubinKernels(std::string_view cubin) {
  std::vector<std::string> kernels;
  std::optional<ElfView> elf = ElfView::parse(cubin);
  std::optional<size_t> symtab = elf ? elf->find(".symtab") : std::nullopt;
  if (!symtab)
    return kernels;
  // A kernel is a function symbol marked STO_CUDA_ENTRY; device functions
  // that were not inlined (libdevice's slow paths) are functions without it.
  const Elf64_Shdr &header = elf->section(*symtab);
  uint64_t entrySize = header.sh_entsize ? header.sh_entsize : sizeof(Elf64_Sym);
  if (entrySize < sizeof(Elf64_Sym) || header.sh_link >= elf->count())
    return kernels;
  std::string_view symbols = elf->data(*symtab), strings = elf->data(header.sh_link);
  for (uint64_t i = 0; i < symbols.size() / entrySize; ++i) {
    auto symbol = readAt<Elf64_Sym>(symbols, i * entrySize);
    if (ELF64_ST_TYPE(symbol.st_info) != STT_FUNC || !(symbol.st_other & kCudaEntry))
      continue;
    if (std::optional<std::string_view> name = ElfView::cString(strings, symbol.st_name))
      kernels.emplace_back(*name);
  }
  return kernels;
}

std::optional<std::vector<ParamSlot>> cubinParams(std::string_view cubin, std::string_view kernel) {
  std::optional<ElfView> elf = ElfView::parse(cubin);
  if (!elf || kernel.empty() || !elf->find(".text.", kernel))
    return std::nullopt;
  std::optional<size_t> info = elf->find(".nv.info.", kernel);
  if (!info)
    return std::nullopt;
  // Each EIATTR_KPARAM_INFO: u32 index, u16 ordinal, u16 offset, u32 flags
  // whose bits 18-31 are the size (checked against `cuobjdump -elf`).
  std::vector<std::optional<ParamSlot>> byOrdinal;
  bool malformed = false;
  forEachSizedAttribute(elf->data(*info), [&](uint8_t id, std::string_view payload) {
    if (id != kAttrParamInfo)
      return;
    if (payload.size() < 12) {
      malformed = true;
      return;
    }
    uint16_t ordinal = readAt<uint16_t>(payload, 4);
    ParamSlot slot{readAt<uint16_t>(payload, 6), (readAt<uint32_t>(payload, 8) >> 18) & 0x3fff};
    if (ordinal >= 4096) {
      malformed = true;
      return;
    }
    if (byOrdinal.size() <= ordinal)
      byOrdinal.resize(ordinal + 1);
    byOrdinal[ordinal] = slot;
  });
  std::vector<ParamSlot> params;
  for (const std::optional<ParamSlot> &slot : byOrdinal) {
    if (!slot)
      return std::nullopt; // a gap: not a parameter list we understand
    params.push_back(*slot);
  }
  if (malformed)
    return std::nullopt;
  return params;
}

namespace {

/// The kernel's launch bound (.maxntid) as x*y*z, 0 when it has none.
uint64_t maxThreadsBound(const ElfView &elf, std::string_view kernel) {
  std::optional<size_t> info = elf.find(".nv.info.", kernel);
  uint64_t bound = 0;
  if (info)
    forEachSizedAttribute(elf.data(*info), [&](uint8_t id, std::string_view payload) {
      if (id == kAttrMaxThreads && payload.size() >= 12)
        bound = uint64_t(readAt<uint32_t>(payload, 0)) * readAt<uint32_t>(payload, 4) * readAt<uint32_t>(payload, 8);
    });
  return bound;
}

} // namespace

std::optional<KernelResources> cubinResources(std::string_view cubin, std::string_view kernel) {
  std::optional<ElfView> elf = ElfView::parse(cubin);
  if (!elf || kernel.empty())
    return std::nullopt;
  std::optional<size_t> text = elf->find(".text.", kernel);
  if (!text)
    return std::nullopt;
  // ptxas also records the kernel's symbol index in sh_info's low 24 bits.
  uint64_t symbol = findSymbol(*elf, kernel, *text).value_or(elf->section(*text).sh_info & 0xffffff);

  // Cubins without EIATTR_REGCOUNT keep the count in sh_info's top byte.
  uint64_t registers = elf->section(*text).sh_info >> 24;
  if (std::optional<uint64_t> count = kernelAttribute(*elf, kernel, kAttrRegCount, symbol))
    registers = *count;
  uint64_t local = 0;
  if (std::optional<uint64_t> stack = kernelAttribute(*elf, kernel, kAttrMinStackSize, symbol))
    local = *stack;
  else if (std::optional<uint64_t> frame = kernelAttribute(*elf, kernel, kAttrFrameSize, symbol))
    local = *frame;
  uint64_t shared = 0;
  if (std::optional<size_t> section = elf->find(".nv.shared.", kernel)) {
    shared = elf->section(*section).sh_size;
    if (elf->find(".nv.shared.reserved.0") || findSymbol(*elf, ".nv.reservedSmem.offset0"))
      shared = shared > kReservedSharedBytes ? shared - kReservedSharedBytes : 0;
  }
  uint64_t constant = 0;
  if (std::optional<size_t> section = elf->find(".nv.constant0.", kernel))
    constant = elf->section(*section).sh_size;

  uint64_t bound = maxThreadsBound(*elf, kernel);
  for (uint64_t value : {registers, local, shared, constant, bound})
    if (value > INT_MAX)
      return std::nullopt;
  KernelResources resources;
  resources.registers = static_cast<int>(registers);
  resources.sharedBytes = static_cast<int>(shared);
  resources.localBytes = static_cast<int>(local);
  resources.constBytes = static_cast<int>(constant);
  resources.maxThreadsBound = static_cast<int>(bound);
  return resources;
}

} // namespace ptxforge::runtime
