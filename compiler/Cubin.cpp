//===- compiler/Cubin.cpp - PTX to cubin with nvJitLink or ptxas ----------===//
//
// nvJitLink is opened with dlopen once per process and kept loaded; each
// assembly uses its own handle, so concurrent calls are safe. Without it a
// ptxas process assembles the PTX through private temporary files. Until
// nvJitLink has been loaded and used once, on a background thread, a ptxas
// process assembles instead: nvJitLink's first call costs far more.
//
//===----------------------------------------------------------------------===//
#include "compiler/Cubin.h"
#include "compiler/CudaToolkit.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <map>
#include <memory>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstdio>
#include <cstring>
#include <tuple>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>
#include <vector>

extern char **environ;

namespace ptxforge::compiler {

const char *assemblerName(Assembler a) {
  switch (a) {
  case Assembler::None:
    return "none";
  case Assembler::NvJitLink:
    return "nvJitLink";
  case Assembler::Ptxas:
    return "ptxas";
  }
  return "unknown";
}

namespace {

//===----------------------------------------------------------------------===//
// nvJitLink, resolved with dlsym
//===----------------------------------------------------------------------===//

/// The nvJitLink C API as declared by nvJitLink.h (CUDA 12 and 13 agree).
/// Results are the nvJitLinkResult enum, 0 for success.
struct NvJitLink {
  using Handle = void *;
  int (*create)(Handle *, uint32_t, const char **) = nullptr;
  int (*destroy)(Handle *) = nullptr;
  int (*addData)(Handle, int, const void *, size_t, const char *) = nullptr;
  int (*complete)(Handle) = nullptr;
  int (*cubinSize)(Handle, size_t *) = nullptr;
  int (*cubin)(Handle, void *) = nullptr;
  int (*errorLogSize)(Handle, size_t *) = nullptr;
  int (*errorLog)(Handle, char *) = nullptr;
  int (*infoLogSize)(Handle, size_t *) = nullptr;
  int (*infoLog)(Handle, char *) = nullptr;
  std::string path;  ///< what dlopen opened
  std::string error; ///< why nothing was opened, when `path` is empty
  int major = 0, minor = 0; ///< nvJitLinkVersion (12.3 on), else the soname's major
};

/// The driver major version (CubinOptions::driverVersion / 1000) whose
/// nvJitLink has assembled something in this process (or is known to be
/// missing), so that its start-up no longer lies ahead; -1 for none yet.
std::atomic<int> gWarmFor{-1};

constexpr int kInputPtx = 2; ///< NVJITLINK_INPUT_PTX

/// Resolves `name`. nvJitLink.h maps each API name to a versioned symbol
/// (nvJitLinkCreate -> __nvJitLinkCreate_13_0); prefer that, the ABI this
/// file is written against, then the 12.x one, then the plain name that
/// every release also exports.
template <typename Fn> bool resolve(void *lib, const char *name, Fn &fn) {
  for (const char *version : {"_13_0", "_12_0", ""}) {
    std::string symbol = *version ? std::string("__") + name + version : std::string(name);
    if (void *address = dlsym(lib, symbol.c_str())) {
      fn = reinterpret_cast<Fn>(address);
      return true;
    }
  }
  return false;
}

std::string versionText(int major, int minor) {
  return major ? std::to_string(major) + "." + std::to_string(minor) : std::string("of unknown version");
}

/// Opens the first candidate whose CUDA major version fits `driverVersion`
/// (a soname's major decides without opening it).
void loadNvJitLink(NvJitLink &api, int driverVersion) {
  std::string tried;
  for (const std::string &candidate : toolkit()->nvJitLink) {
    int major = sonameMajor(candidate);
    if (major && !fitsDriver(major, driverVersion)) {
      if (candidate.find('/') != std::string::npos)
        tried += "; " + candidate + " is CUDA " + std::to_string(major) + ", newer than the driver";
      continue;
    }
    void *lib = dlopen(candidate.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
      if (candidate.find('/') != std::string::npos) {
        const char *why = dlerror();
        tried += "; " + std::string(why ? why : candidate.c_str());
      }
      continue;
    }
    bool complete =
        resolve(lib, "nvJitLinkCreate", api.create) && resolve(lib, "nvJitLinkDestroy", api.destroy) &&
        resolve(lib, "nvJitLinkAddData", api.addData) && resolve(lib, "nvJitLinkComplete", api.complete) &&
        resolve(lib, "nvJitLinkGetLinkedCubinSize", api.cubinSize) &&
        resolve(lib, "nvJitLinkGetLinkedCubin", api.cubin) &&
        resolve(lib, "nvJitLinkGetErrorLogSize", api.errorLogSize) &&
        resolve(lib, "nvJitLinkGetErrorLog", api.errorLog) &&
        resolve(lib, "nvJitLinkGetInfoLogSize", api.infoLogSize) &&
        resolve(lib, "nvJitLinkGetInfoLog", api.infoLog);
    if (!complete) {
      tried += "; " + candidate + " lacks the nvJitLink API";
      dlclose(lib);
      continue;
    }
    int (*version)(unsigned *, unsigned *) = nullptr;
    unsigned vmajor = 0, vminor = 0;
    if (resolve(lib, "nvJitLinkVersion", version) && version(&vmajor, &vminor) == 0 && vmajor) {
      api.major = static_cast<int>(vmajor);
      api.minor = static_cast<int>(vminor);
    } else {
      api.major = major;
    }
    if (!fitsDriver(api.major, driverVersion)) {
      tried += "; " + candidate + " is CUDA " + versionText(api.major, api.minor) + ", newer than the driver";
      dlclose(lib);
      continue;
    }
    api.path = candidate;
    return;
  }
  api.error = "libnvJitLink was not found in NVIDIA's pip packages (pip install nvidia-nvjitlink), under "
              "$CUDA_HOME, $CUDA_PATH or /usr/local/cuda, or by the loader" +
              tried;
}

/// The nvJitLink that fits the driver's major version (0: any), opened on
/// first use and never closed: at most one per major version.
const NvJitLink &nvJitLink(int driverVersion) {
  static std::mutex mutex;
  static std::map<int, std::unique_ptr<NvJitLink>> *loaded = new std::map<int, std::unique_ptr<NvJitLink>>;
  int limit = driverVersion / 1000;
  std::lock_guard<std::mutex> lock(mutex);
  std::unique_ptr<NvJitLink> &slot = (*loaded)[limit];
  if (!slot) {
    slot = std::make_unique<NvJitLink>();
    loadNvJitLink(*slot, limit * 1000);
  }
  return *slot;
}

const char *nvJitLinkResultName(int result) {
  static const char *const names[] = {"success",
                                      "unrecognized option",
                                      "missing -arch",
                                      "invalid input",
                                      "PTX compile error",
                                      "NVVM compile error",
                                      "internal error",
                                      "thread pool error",
                                      "unrecognized input",
                                      "finalize error",
                                      "null input",
                                      "incompatible options",
                                      "incorrect input type",
                                      "arch mismatch",
                                      "outdated library",
                                      "missing fatbin",
                                      "unrecognized arch",
                                      "unsupported arch",
                                      "LTO not enabled"};
  if (result >= 0 && result < static_cast<int>(sizeof(names) / sizeof(names[0])))
    return names[result];
  return "unknown error";
}

std::string nvJitLinkLog(const NvJitLink &api, NvJitLink::Handle handle, bool error) {
  size_t size = 0;
  if ((error ? api.errorLogSize : api.infoLogSize)(handle, &size) != 0 || size <= 1)
    return "";
  std::string log(size, '\0');
  if ((error ? api.errorLog : api.infoLog)(handle, log.data()) != 0)
    return "";
  log.resize(std::strlen(log.c_str()));
  return log;
}

CubinResult assembleWithNvJitLink(const NvJitLink &api, std::string_view ptx, const CubinOptions &o,
                                  const std::vector<LinkData> &inputs = {}, bool lto = false) {
  CubinResult result;
  result.by = Assembler::NvJitLink;
  // nvJitLink's own -O takes 0 or 3 alone; other levels go to its ptxas.
  std::vector<std::string> flags = {"-arch=sm_" + std::to_string(o.ccMajor) + std::to_string(o.ccMinor),
                                    o.optLevel == 0 ? "-O0" : "-O3"};
  if (lto) // link-time optimisation of the LTO-IR inputs
    flags.push_back("-lto");
  if (o.optLevel != 0 && o.optLevel != 3)
    flags.push_back("-Xptxas=-O" + std::to_string(o.optLevel));
  if (o.lineInfo)
    flags.push_back("-lineinfo");
  if (o.debugInfo)
    flags.push_back("-g");
  if (o.maxRegisters > 0)
    flags.push_back("-maxrregcount=" + std::to_string(o.maxRegisters));
  if (o.verbose)
    flags.push_back("-verbose");
  std::vector<const char *> argv;
  for (const std::string &flag : flags)
    argv.push_back(flag.c_str());

  NvJitLink::Handle handle = nullptr;
  int status = api.create(&handle, static_cast<uint32_t>(argv.size()), argv.data());
  if (status != 0 || !handle) {
    result.error = std::string("nvJitLink: cannot create a linker (") + nvJitLinkResultName(status) + ")";
    if (handle) {
      result.error += ": " + nvJitLinkLog(api, handle, true);
      api.destroy(&handle);
    }
    return result;
  }
  std::string text(ptx); // nvJitLink reads PTX as a C string
  status = api.addData(handle, kInputPtx, text.c_str(), text.size() + 1, "ptxforge.ptx");
  for (const LinkData &in : inputs) {
    if (status != 0)
      break;
    status = api.addData(handle, static_cast<int>(in.kind), in.bytes.data(), in.bytes.size(), in.name.c_str());
    if (status != 0)
      result.error = "nvJitLink cannot add " + in.name + " (" + nvJitLinkResultName(status) + ")";
  }
  if (status == 0)
    status = api.complete(handle);
  result.log = nvJitLinkLog(api, handle, false);
  size_t size = 0;
  if (status == 0)
    status = api.cubinSize(handle, &size);
  if (status == 0 && size > 0) {
    std::string cubin(size, '\0');
    status = api.cubin(handle, cubin.data());
    if (status == 0)
      result.cubin = std::move(cubin);
  }
  if (result.cubin.empty()) {
    if (result.error.empty())
      result.error = std::string("nvJitLink: ") + nvJitLinkResultName(status);
    std::string log = nvJitLinkLog(api, handle, true);
    if (!log.empty())
      result.error += ":\n" + log;
  }
  api.destroy(&handle);
  return result;
}

//===----------------------------------------------------------------------===//
// ptxas, run as a process
//===----------------------------------------------------------------------===//

/// A private temporary file, removed when this goes out of scope.
struct TempFile {
  std::string path;
  explicit TempFile(const char *suffix) {
    const char *dir = std::getenv("TMPDIR");
    std::string pattern = std::string(dir && *dir ? dir : "/tmp") + "/ptxforge-XXXXXX" + suffix;
    int fd = mkostemps(pattern.data(), static_cast<int>(std::strlen(suffix)), O_CLOEXEC);
    if (fd >= 0) {
      close(fd);
      path = pattern;
    }
  }
  ~TempFile() {
    if (!path.empty())
      unlink(path.c_str());
  }
  TempFile(const TempFile &) = delete;
  TempFile &operator=(const TempFile &) = delete;
};

bool writeFile(const std::string &path, std::string_view data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
  return static_cast<bool>(out);
}

std::string readFile(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream data;
  data << in.rdbuf();
  return data.str();
}

/// Runs argv[0] with stdin from /dev/null and stdout and stderr into
/// `output`; returns its exit status, -1 when it could not run.
int runProcess(const std::vector<std::string> &args, std::string &output) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    output = std::string("pipe: ") + std::strerror(errno);
    return -1;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 2);
  std::vector<char *> argv;
  for (const std::string &arg : args)
    argv.push_back(const_cast<char *>(arg.c_str()));
  argv.push_back(nullptr);
  pid_t pid = 0;
  int spawned = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(fds[1]);
  if (spawned != 0) {
    close(fds[0]);
    output = "cannot run " + args[0] + ": " + std::strerror(spawned);
    return -1;
  }
  char buffer[4096];
  for (;;) {
    ssize_t n = read(fds[0], buffer, sizeof buffer);
    if (n > 0)
      output.append(buffer, static_cast<size_t>(n));
    else if (n == 0 || errno != EINTR)
      break;
  }
  close(fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR)
      return errno == ECHILD ? 0 : -1; // SIGCHLD ignored: judged by the output file
  }
  if (WIFEXITED(status))
    return WEXITSTATUS(status);
  return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : -1;
}

CubinResult assembleWithPtxas(const std::string &ptxas, std::string_view ptx, const CubinOptions &o) {
  CubinResult result;
  result.by = Assembler::Ptxas;
  TempFile input(".ptx"), output(".cubin");
  if (input.path.empty() || output.path.empty() || !writeFile(input.path, ptx)) {
    result.error = std::string("ptxas: cannot write a temporary file: ") + std::strerror(errno);
    return result;
  }
  std::vector<std::string> args = {ptxas, "-arch=sm_" + std::to_string(o.ccMajor) + std::to_string(o.ccMinor),
                                   "-O" + std::to_string(o.optLevel)};
  if (o.lineInfo)
    args.push_back("-lineinfo");
  if (o.debugInfo)
    args.push_back("-g");
  if (o.maxRegisters > 0) {
    args.push_back("-maxrregcount");
    args.push_back(std::to_string(o.maxRegisters));
  }
  if (o.verbose)
    args.push_back("-v");
  args.insert(args.end(), {"-o", output.path, input.path});

  std::string log;
  int status = runProcess(args, log);
  if (status == 0)
    result.cubin = readFile(output.path);
  if (result.cubin.empty()) {
    result.error =
        status < 0 ? "ptxas: " + log : "ptxas failed (exit status " + std::to_string(status) + "):\n" + log;
    return result;
  }
  result.log = std::move(log);
  return result;
}

/// ptxas's CUDA version: the toolkit's version.json where there is one (no
/// process), else `ptxas --version` ("... release 13.0, V13.0.88"). Read
/// once per path.
std::pair<int, int> ptxasVersion(const std::string &ptxas) {
  static std::mutex mutex;
  static std::map<std::string, std::pair<int, int>> *known = new std::map<std::string, std::pair<int, int>>;
  std::lock_guard<std::mutex> lock(mutex);
  auto found = known->find(ptxas);
  if (found != known->end())
    return found->second;
  std::pair<int, int> version{0, 0};
  auto parse = [&](const std::string &text, const std::string &after) {
    size_t at = text.find(after);
    if (at == std::string::npos)
      return false;
    int major = 0, minor = 0;
    if (std::sscanf(text.c_str() + at + after.size(), "%d.%d", &major, &minor) < 1 || major <= 0)
      return false;
    version = {major, minor};
    return true;
  };
  std::string root = ptxas.substr(0, ptxas.rfind("/bin/"));
  std::string json = readFile(root + "/version.json");
  size_t nvcc = json.find("\"cuda_nvcc\"");
  if (nvcc == std::string::npos || !parse(json.substr(nvcc), "\"version\" : \"")) {
    if (nvcc == std::string::npos || !parse(json.substr(nvcc), "\"version\": \"")) {
      std::string output;
      if (runProcess({ptxas, "--version"}, output) != 0)
        version = {-1, -1}; // it does not run (a wrapper script whose toolkit is gone, say)
      else
        parse(output, "release ");
    }
  }
  (*known)[ptxas] = version;
  return version;
}

/// The ptxas that runs and fits the driver, or empty (with `why` saying why not).
std::string fittingPtxas(int driverVersion, std::string *why = nullptr) {
  const std::string &ptxas = toolkit()->ptxas;
  if (ptxas.empty())
    return ptxas;
  auto [major, minor] = ptxasVersion(ptxas);
  if (major < 0) {
    if (why)
      *why = ptxas + " does not run (`ptxas --version` failed)";
    return "";
  }
  if (fitsDriver(major, driverVersion))
    return ptxas;
  if (why)
    *why = ptxas + " is CUDA " + versionText(major, minor) + ", newer than the driver";
  return "";
}

std::string driverText(int driverVersion) {
  return "CUDA " + std::to_string(driverVersion / 1000) + "." + std::to_string(driverVersion % 1000 / 10);
}

} // namespace

bool fitsDriver(int toolMajor, int driverVersion) {
  return driverVersion <= 0 || toolMajor <= 0 || toolMajor <= driverVersion / 1000;
}

std::string AssemblerInfo::version() const {
  return major ? std::to_string(major) + "." + std::to_string(minor) : std::string();
}

CubinResult assembleCubin(std::string_view ptx, const CubinOptions &options) {
  // nvJitLink's first use in a process loads a 100 MB library and sets it up:
  // 20 ms on the 2-core development machine, 130-275 ms on the GPU machine,
  // against 13-17 ms for a whole ptxas process. So assemblies go to ptxas
  // until warmAssembler's thread has warmed nvJitLink, which then assembles
  // in well under a millisecond (GPU machine).
  std::string ptxasUnfit;
  std::string ptxas = fittingPtxas(options.driverVersion, &ptxasUnfit);
  if (options.only == Assembler::None && !ptxas.empty() &&
      gWarmFor.load(std::memory_order_acquire) != options.driverVersion / 1000)
    return assembleWithPtxas(ptxas, ptx, options);
  if (options.only != Assembler::Ptxas) {
    const NvJitLink &api = nvJitLink(options.driverVersion);
    if (!api.path.empty())
      return assembleWithNvJitLink(api, ptx, options);
    if (options.only == Assembler::NvJitLink) {
      CubinResult result;
      result.error = "nvJitLink unavailable: " + api.error;
      return result;
    }
  }
  if (!ptxas.empty())
    return assembleWithPtxas(ptxas, ptx, options);
  CubinResult result;
  if (options.only == Assembler::Ptxas)
    result.error = ptxasUnfit.empty() ? "ptxas not found in NVIDIA's pip packages, under $CUDA_HOME, $CUDA_PATH, "
                                        "PATH or /usr/local/cuda"
                                      : ptxasUnfit;
  else
    result.error = "no PTX assembler " + std::string(options.driverVersion ? "fits the driver (" +
                                                                                 driverText(options.driverVersion) + ")"
                                                                           : "was found") +
                   ": " + nvJitLink(options.driverVersion).error +
                   (ptxasUnfit.empty() ? "; no ptxas either" : "; " + ptxasUnfit) +
                   "; the driver will JIT-compile the PTX";
  return result;
}

CubinResult linkCubin(std::string_view ptx, const std::vector<LinkData> &inputs, const CubinOptions &options) {
  const NvJitLink &api = nvJitLink(options.driverVersion);
  if (api.path.empty()) {
    CubinResult result;
    result.error = "linking other files needs nvJitLink, and none " +
                   std::string(options.driverVersion ? "that fits the driver (" + driverText(options.driverVersion) +
                                                           ") "
                                                     : "") +
                   "was found: " + api.error;
    return result;
  }
  // LTO for LTO-IR files; a fatbin, object or library may hold LTO-IR too,
  // which only a failed attempt reveals (with -lto but no LTO-IR at all,
  // nvJitLink fails instead).
  bool lto = false;
  for (const LinkData &in : inputs)
    lto |= in.kind == LinkData::LtoIr;
  CubinResult result = assembleWithNvJitLink(api, ptx, options, inputs, lto);
  if (!result.ok() && !lto && result.error.find("LTO") != std::string::npos)
    result = assembleWithNvJitLink(api, ptx, options, inputs, true);
  return result;
}

void warmAssembler(int driverVersion) {
  static std::once_flag once;
  std::call_once(once, [driverVersion] {
    static std::thread warmer([driverVersion] {
      static const char kPtx[] = ".version 7.8\n.target sm_90\n.address_size 64\n"
                                 ".visible .entry ptxforge_warm_up()\n{\n\tret;\n}\n";
      CubinOptions options;
      options.only = Assembler::NvJitLink;
      options.driverVersion = driverVersion;
      assembleCubin(kPtx, options);
      // Warm, or known to be missing: either way nothing lies ahead.
      gWarmFor.store(driverVersion / 1000, std::memory_order_release);
    });
    // Join before exit so that the library is not unloaded under the thread.
    std::atexit([] {
      if (warmer.joinable())
        warmer.join();
    });
  });
}

AssemblerChoice chooseAssembler(int driverVersion) {
  AssemblerChoice choice;
  const NvJitLink &api = nvJitLink(driverVersion);
  choice.nvJitLink.kind = Assembler::NvJitLink;
  choice.nvJitLink.path = api.path;
  choice.nvJitLink.major = api.major;
  choice.nvJitLink.minor = api.minor;
  choice.nvJitLink.error = api.error;
  choice.ptxas.kind = Assembler::Ptxas;
  std::string ptxasUnfit;
  choice.ptxas.path = fittingPtxas(driverVersion, &ptxasUnfit);
  const std::string &anyPtxas = toolkit()->ptxas;
  if (!anyPtxas.empty())
    std::tie(choice.ptxas.major, choice.ptxas.minor) = ptxasVersion(anyPtxas);
  if (choice.ptxas.major < 0)
    choice.ptxas.major = choice.ptxas.minor = 0;
  if (!ptxasUnfit.empty())
    choice.ptxas.error = ptxasUnfit;
  else if (anyPtxas.empty())
    choice.ptxas.error = "ptxas not found (only a CUDA toolkit or nvidia-cuda-nvcc has it; none is needed)";
  std::string driver = driverVersion ? "the driver (" + driverText(driverVersion) + ")" : "any driver (none present)";
  if (!api.path.empty()) {
    choice.by = Assembler::NvJitLink;
    choice.reason = "nvJitLink " + versionText(api.major, api.minor) + " fits " + driver;
    if (!choice.ptxas.path.empty())
      choice.reason += "; a process's first kernel goes to ptxas while nvJitLink starts";
  } else if (!choice.ptxas.path.empty()) {
    choice.by = Assembler::Ptxas;
    choice.reason = "ptxas " + versionText(choice.ptxas.major, choice.ptxas.minor) + " fits " + driver +
                    "; no nvJitLink that does";
  } else {
    bool anyFound = !anyPtxas.empty() || !nvJitLink(0).path.empty();
    choice.by = Assembler::None;
    choice.reason = "no nvJitLink or ptxas " + (anyFound ? "fits " + driver : std::string("was found")) +
                    ": the driver's JIT compiles the PTX (cuModuleLoadData)";
  }
  return choice;
}

} // namespace ptxforge::compiler
