//===- runtime/Fatbin.cpp - Writing and reading the fatbin container ------===//
//
// The layout (little-endian), as NVIDIA's `fatbinary` writes it and
// `cuobjdump` reads it, checked byte for byte against CUDA 13.0's fatbinary
// in tests/runtime/FatbinTest.cpp:
//
//   header   u32 magic 0xba55ed50, u16 version 1, u16 header size 16,
//            u64 size of all the entries that follow
//   entry    u16 kind (1 PTX, 2 ELF), u16 0x0101, u32 header size,
//            u64 payload size (padded to 8 bytes),
//            u32 0, u32 options offset (PTX: 64), u16 minor, u16 major
//            (PTX: its ISA version; ELF: 1.8), u32 arch (90),
//            u32 name offset 0, u32 name size 0, u64 flags (0x11: 64-bit
//            code for a Linux host; 0x2000 marks a compressed payload),
//            u64 0, u64 uncompressed size (0: not compressed);
//            PTX entries add u32 options-string offset 72, u32 its size 0,
//            8 bytes of zeros (header size 80). Then the payload.
//
//===----------------------------------------------------------------------===//
#include "runtime/Fatbin.h"
#include "runtime/Cubin.h"

#include <algorithm>
#include <cstdint>
#include <cstring>

namespace ptxforge::runtime {

namespace {

constexpr std::uint32_t kMagic = 0xba55ed50;
constexpr std::uint16_t kHeaderSize = 16;
constexpr std::uint32_t kElfEntryHeader = 64;
constexpr std::uint32_t kPtxEntryHeader = 80;
constexpr std::uint64_t kFlags64BitLinux = 0x11;
constexpr std::uint64_t kFlagCompressed = 0x2000;

template <typename T> void put(std::string &out, T value) {
  char bytes[sizeof(T)];
  std::memcpy(bytes, &value, sizeof(T));
  out.append(bytes, sizeof(T));
}

template <typename T> T get(std::string_view bytes, std::size_t offset) {
  T value;
  std::memcpy(&value, bytes.data() + offset, sizeof(T));
  return value;
}

/// The PTX ISA version of a `.version X.Y` line; (0, 0) when there is none.
std::pair<int, int> ptxVersion(std::string_view ptx) {
  std::size_t at = ptx.find(".version");
  if (at == std::string_view::npos)
    return {0, 0};
  int major = 0, minor = 0;
  std::size_t i = at + 8;
  while (i < ptx.size() && ptx[i] == ' ')
    ++i;
  while (i < ptx.size() && ptx[i] >= '0' && ptx[i] <= '9')
    major = major * 10 + (ptx[i++] - '0');
  if (i < ptx.size() && ptx[i] == '.')
    for (++i; i < ptx.size() && ptx[i] >= '0' && ptx[i] <= '9'; ++i)
      minor = minor * 10 + (ptx[i] - '0');
  return {major, minor};
}

/// The architecture of a `.target sm_XY` line, as 10*X+Y; 0 when there is none.
int ptxTarget(std::string_view ptx) {
  std::size_t at = ptx.find(".target");
  if (at == std::string_view::npos)
    return 0;
  std::size_t sm = ptx.find("sm_", at);
  std::size_t eol = ptx.find('\n', at);
  if (sm == std::string_view::npos || (eol != std::string_view::npos && sm > eol))
    return 0;
  int arch = 0;
  for (std::size_t i = sm + 3; i < ptx.size() && ptx[i] >= '0' && ptx[i] <= '9'; ++i)
    arch = arch * 10 + (ptx[i] - '0');
  return arch;
}

} // namespace

ImageKind imageKind(std::string_view image) {
  if (image.size() >= 4 && std::memcmp(image.data(), "\x7f" "ELF", 4) == 0)
    return ImageKind::Cubin;
  if (image.size() >= 4 && get<std::uint32_t>(image, 0) == kMagic)
    return ImageKind::Fatbin;
  // PTX: text whose first directives include .version and .target.
  std::string_view head = image.substr(0, 4096);
  if (head.find(".version") != std::string_view::npos && head.find(".target") != std::string_view::npos &&
      head.find('\0') >= head.find(".target"))
    return ImageKind::Ptx;
  return ImageKind::Unknown;
}

std::string writeFatbin(const std::vector<FatbinEntry> &entries) {
  std::string body;
  for (const FatbinEntry &e : entries) {
    const bool ptx = e.kind == FatbinEntry::Ptx;
    // PTX is stored with its NUL; every payload is padded to 8 bytes.
    std::uint64_t payload = e.data.size() + (ptx ? 1 : 0);
    payload = (payload + 7) / 8 * 8;
    auto [major, minor] = ptx ? ptxVersion(e.data) : std::pair<int, int>{1, 8};
    put<std::uint16_t>(body, ptx ? 1 : 2);
    put<std::uint16_t>(body, 0x0101);
    put<std::uint32_t>(body, ptx ? kPtxEntryHeader : kElfEntryHeader);
    put<std::uint64_t>(body, payload);
    put<std::uint32_t>(body, 0);
    put<std::uint32_t>(body, ptx ? 64 : 0); // where the options (below) are
    put<std::uint16_t>(body, static_cast<std::uint16_t>(minor));
    put<std::uint16_t>(body, static_cast<std::uint16_t>(major));
    put<std::uint32_t>(body, static_cast<std::uint32_t>(e.arch));
    put<std::uint32_t>(body, 0);
    put<std::uint32_t>(body, 0);
    put<std::uint64_t>(body, kFlags64BitLinux);
    put<std::uint64_t>(body, 0);
    put<std::uint64_t>(body, 0);
    if (ptx) { // an empty options string
      put<std::uint32_t>(body, 72);
      put<std::uint32_t>(body, 0);
      put<std::uint64_t>(body, 0);
    }
    std::size_t start = body.size();
    body += e.data;
    body.resize(start + payload, '\0');
  }
  std::string out;
  put<std::uint32_t>(out, kMagic);
  put<std::uint16_t>(out, 1);
  put<std::uint16_t>(out, kHeaderSize);
  put<std::uint64_t>(out, body.size());
  return out + body;
}

std::optional<std::vector<FatbinEntry>> readFatbin(std::string_view image, std::string &error) {
  if (image.size() < kHeaderSize || get<std::uint32_t>(image, 0) != kMagic) {
    error = "not a fatbin (no 0xba55ed50 magic)";
    return std::nullopt;
  }
  const std::uint16_t headerSize = get<std::uint16_t>(image, 6);
  const std::uint64_t size = get<std::uint64_t>(image, 8);
  if (headerSize < kHeaderSize || headerSize > image.size() || size > image.size() - headerSize) {
    error = "the fatbin is truncated: its header says " + std::to_string(size) + " bytes of entries follow";
    return std::nullopt;
  }
  std::vector<FatbinEntry> entries;
  std::size_t at = headerSize;
  const std::size_t end = headerSize + size;
  while (at < end) {
    if (end - at < kElfEntryHeader) {
      error = "the fatbin's entry at byte " + std::to_string(at) + " is truncated";
      return std::nullopt;
    }
    const std::uint16_t kind = get<std::uint16_t>(image, at);
    const std::uint32_t entryHeader = get<std::uint32_t>(image, at + 4);
    const std::uint64_t payload = get<std::uint64_t>(image, at + 8);
    if (entryHeader < kElfEntryHeader || entryHeader > end - at || payload > end - at - entryHeader) {
      error = "the fatbin's entry at byte " + std::to_string(at) + " runs past the end";
      return std::nullopt;
    }
    FatbinEntry e;
    e.arch = static_cast<int>(get<std::uint32_t>(image, at + 28));
    e.compressed = (get<std::uint64_t>(image, at + 40) & kFlagCompressed) != 0;
    if (kind == 1 || kind == 2) { // other kinds (none known) are skipped
      e.kind = kind == 1 ? FatbinEntry::Ptx : FatbinEntry::Cubin;
      if (!e.compressed) {
        std::string_view data = image.substr(at + entryHeader, payload);
        if (e.kind == FatbinEntry::Ptx)
          data = data.substr(0, std::min(data.size(), data.find('\0')));
        e.data.assign(data);
      }
      entries.push_back(std::move(e));
    }
    at += entryHeader + payload;
  }
  return entries;
}

std::string describeArchs(std::string_view image) {
  std::vector<std::pair<bool, int>> archs; // (is PTX, arch)
  switch (imageKind(image)) {
  case ImageKind::Cubin:
    if (std::optional<int> arch = cubinArch(image))
      archs.push_back({false, *arch});
    break;
  case ImageKind::Ptx:
    if (int arch = ptxTarget(image))
      archs.push_back({true, arch});
    break;
  case ImageKind::Fatbin: {
    std::string error;
    if (auto entries = readFatbin(image, error))
      for (const FatbinEntry &e : *entries)
        archs.push_back({e.kind == FatbinEntry::Ptx, e.arch});
    break;
  }
  case ImageKind::Unknown: break;
  }
  std::sort(archs.begin(), archs.end());
  archs.erase(std::unique(archs.begin(), archs.end()), archs.end());
  std::string text;
  for (auto [ptx, arch] : archs)
    text += (text.empty() ? "" : ", ") + std::string(ptx ? "compute_" : "sm_") + std::to_string(arch);
  return text;
}

bool imageRunsOn(std::string_view image, int cc) {
  auto runs = [cc](bool ptx, int arch) { return ptx ? arch <= cc : arch / 10 == cc / 10 && arch <= cc; };
  switch (imageKind(image)) {
  case ImageKind::Cubin: {
    std::optional<int> arch = cubinArch(image);
    return !arch || runs(false, *arch);
  }
  case ImageKind::Ptx: {
    int arch = ptxTarget(image);
    return arch == 0 || runs(true, arch);
  }
  case ImageKind::Fatbin: {
    std::string error;
    auto entries = readFatbin(image, error);
    if (!entries)
      return true; // the driver will say what is wrong
    return std::any_of(entries->begin(), entries->end(),
                       [&](const FatbinEntry &e) { return runs(e.kind == FatbinEntry::Ptx, e.arch); });
  }
  case ImageKind::Unknown: break;
  }
  return true;
}

} // namespace ptxforge::runtime
