//===- python/bindings/Module.cpp - ptxforge._core ------------------------===//
//
// The thin layer between Python and libptxforge: converts the function's
// ast once, compiles with the GIL released, loads and launches, and maps
// C++ errors to Python exceptions. No compiler or runtime logic lives here.
//
//===----------------------------------------------------------------------===//

#include "compiler/AotHeader.h"
#include "compiler/Compiler.h"
#include "compiler/Capability.h"
#include "compiler/KernelCache.h"
#include "cpu/Abi.h"
#include "cpu/Runtime.h"
#include "frontend/Libdevice.h"
#include "python/bindings/AstConvert.h"
#include "python/bindings/Launch.h"
#include "runtime/Driver.h"
#include "runtime/Memory.h"

#include <pybind11/complex.h>
#include <pybind11/stl.h>

namespace py = pybind11;
using namespace ptxforge;

namespace {

/// Raises ptxforge.CompileError for `d`.
[[noreturn]] void raiseCompileError(const frontend::Diagnostic &d) {
  py::object cls = py::module_::import("ptxforge.errors")
                      .attr("compile_error_class")(d.errorClass.empty() ? "CompileError" : d.errorClass);
  py::object err = cls(d.render(), d.span.file ? d.span.file->name : "", d.span.line, d.column(), d.message);
  PyErr_SetObject(cls.ptr(), err.ptr());
  throw py::error_already_set();
}

/// A converted function: its tree and the file it came from.
struct FunctionAst {
  std::shared_ptr<frontend::AstContext> ast;
};

FunctionAst parseFunction(py::handle tree, const std::string &filename, const std::string &source, int lineOffset,
                          int colOffset) {
  auto file = std::make_shared<frontend::SourceFile>(filename, source);
  try {
    return FunctionAst{bindings::convertFunction(tree, file, lineOffset, colOffset)};
  } catch (const frontend::DiagnosticError &e) {
    raiseCompileError(e.diagnostic());
  }
}

const frontend::Type *parseTypeOrThrow(const std::string &text) {
  std::string error;
  const frontend::Type *t = frontend::parseType(text, error);
  if (!t)
    throw py::value_error("bad type '" + text + "': " + error);
  return t;
}

// Globals arrive as {name: ("path", p) | ("const", type, value) |
// ("devfunc", DeviceFunction) | ("opaque", what)}. A device function brings
// its own tree and globals; `seen` makes each Python object one
// DeviceFunctionRef, so mutual references (and recursion, rejected when
// typing) do not loop here.
using DeviceFunctionMemo = std::map<PyObject *, std::shared_ptr<frontend::DeviceFunctionRef>>;

frontend::GlobalValue convertGlobal(const py::tuple &t, DeviceFunctionMemo &seen);

frontend::GlobalEnv convertGlobals(const py::dict &globals, DeviceFunctionMemo &seen) {
  frontend::GlobalEnv env;
  for (auto [key, value] : globals)
    env.emplace(key.cast<std::string>(), convertGlobal(value.cast<py::tuple>(), seen));
  return env;
}

const frontend::ScalarType *scalarTypeNamed(const std::string &name) {
  const frontend::ScalarType *t = frontend::types().scalarByName(name);
  if (!t)
    throw py::value_error("bad constant type " + name);
  return t;
}

/// An array's element type: a scalar's name, or a record's numba spelling.
const frontend::ScalarType *elementTypeNamed(const std::string &name) {
  if (name.rfind("Record(", 0) != 0)
    return scalarTypeNamed(name);
  auto *r = frontend::dyn_cast<frontend::RecordType>(parseTypeOrThrow(name));
  if (!r)
    throw py::value_error("bad record type " + name);
  return r;
}

/// A link item from Python: ("file", path) or ("cu", name, source).
frontend::LinkItem convertLinkItem(py::handle h) {
  auto t = py::reinterpret_borrow<py::tuple>(h);
  frontend::LinkItem item;
  item.path = t[1].cast<std::string>();
  if (t[0].cast<std::string>() == "cu") {
    item.isSource = true;
    item.source = t[2].cast<std::string>();
  }
  return item;
}

frontend::Signature signatureOrThrow(const std::string &text) {
  frontend::Signature sig;
  std::string error;
  if (!frontend::parseSignature(text, sig, error))
    throw py::value_error("bad signature '" + text + "': " + error);
  return sig;
}

frontend::GlobalValue convertGlobal(const py::tuple &t, DeviceFunctionMemo &seen) {
  auto kind = t[0].cast<std::string>();
  frontend::GlobalValue g;
  if (kind == "path") {
    g.kind = frontend::GlobalValue::Path;
    g.path = t[1].cast<std::string>();
  } else if (kind == "none") {
    g.kind = frontend::GlobalValue::NoneValue;
  } else if (kind == "const") {
    g.kind = frontend::GlobalValue::Constant;
    g.type = scalarTypeNamed(t[1].cast<std::string>());
    if (g.type->isFloat())
      g.floatValue = t[2].cast<double>();
    else if (g.type->isComplex())
      g.complexValue = t[2].cast<std::complex<double>>();
    else if (g.type->isInt() && !g.type->isSigned)
      g.intValue = static_cast<std::int64_t>(t[2].cast<std::uint64_t>());
    else
      g.intValue = t[2].cast<std::int64_t>();
  } else if (kind == "array") { // ("array", dtype, shape, bytes in C order)
    g.kind = frontend::GlobalValue::Array;
    g.type = elementTypeNamed(t[1].cast<std::string>());
    g.shape = t[2].cast<std::vector<std::int64_t>>();
    g.data = t[3].cast<std::string>();
  } else if (kind == "tuple") { // ("tuple", [descriptions])
    g.kind = frontend::GlobalValue::Tuple;
    for (py::handle e : t[1])
      g.elements.push_back(convertGlobal(py::reinterpret_borrow<py::tuple>(e), seen));
  } else if (kind == "devarray") { // ("devarray", dtype, shape, byte strides, address)
    g.kind = frontend::GlobalValue::DeviceArray;
    g.type = elementTypeNamed(t[1].cast<std::string>());
    g.shape = t[2].cast<std::vector<std::int64_t>>();
    g.strides = t[3].cast<std::vector<std::int64_t>>();
    g.address = t[4].cast<std::uint64_t>();
  } else if (kind == "intenum") { // ("intenum", class, value)
    g.kind = frontend::GlobalValue::Constant;
    g.type = frontend::types().intEnumType(t[1].cast<std::string>());
    g.intValue = t[2].cast<std::int64_t>();
  } else if (kind == "enum") { // ("enum", class, value type, value description)
    g.kind = frontend::GlobalValue::EnumMember;
    g.path = t[1].cast<std::string>();
    g.valueType = parseTypeOrThrow(t[2].cast<std::string>());
    g.elements.push_back(convertGlobal(t[3].cast<py::tuple>(), seen));
  } else if (kind == "enumclass") { // ("enumclass", class, [(name, member description), ...])
    g.kind = frontend::GlobalValue::EnumClass;
    g.path = t[1].cast<std::string>();
    for (py::handle item : t[2]) {
      auto pair = py::reinterpret_borrow<py::tuple>(item);
      g.memberNames.push_back(pair[0].cast<std::string>());
      g.elements.push_back(convertGlobal(pair[1].cast<py::tuple>(), seen));
    }
  } else if (kind == "devfunc") {
    g.kind = frontend::GlobalValue::DeviceFunction;
    py::handle fn = t[1];
    auto &ref = seen[fn.ptr()];
    if (!ref) {
      ref = std::make_shared<frontend::DeviceFunctionRef>();
      ref->ast = fn.attr("_function_ast")().cast<const FunctionAst &>().ast;
      ref->name = ref->ast->function().name;
      ref->globals = convertGlobals(fn.attr("_resolved_globals")().cast<py::dict>(), seen);
      for (py::handle sig : fn.attr("_pf_signatures"))
        ref->signatures.push_back(signatureOrThrow(sig.cast<std::string>()));
      std::string inlining = py::getattr(fn, "_pf_inlining", py::str("")).cast<std::string>();
      ref->inlining = inlining == "always"  ? frontend::DeviceFunctionRef::Inlining::Always
                      : inlining == "never" ? frontend::DeviceFunctionRef::Inlining::Never
                                            : frontend::DeviceFunctionRef::Inlining::Auto;
    }
    g.function = ref;
  } else if (kind == "overload") { // ("overload", NumbaOverload): numba's @overload, @register_jitable
    g.kind = frontend::GlobalValue::DeviceFunction;
    py::handle fn = t[1];
    auto &ref = seen[fn.ptr()];
    if (!ref) {
      ref = std::make_shared<frontend::DeviceFunctionRef>();
      ref->name = fn.attr("__name__").cast<std::string>();
      ref->overloadId = fn.attr("_pf_id").cast<std::int64_t>();
      ref->methods = py::hasattr(fn, "_pf_methods");
      for (auto [key, choice] : fn.attr("_pf_choices")().cast<py::dict>()) {
        frontend::OverloadChoice &c = ref->overloads[key.cast<std::string>()];
        if (py::isinstance<py::str>(choice))
          c.error = choice.cast<std::string>();
        else
          c.impl = convertGlobal(py::make_tuple("devfunc", choice), seen).function;
      }
    }
    g.function = ref;
  } else if (kind == "exception") { // ("exception", the class, its name): named by this process's id
    g.kind = frontend::GlobalValue::ExceptionClass;
    g.intValue = py::module_::import("ptxforge._debug").attr("exception_id")(t[1]).cast<std::int64_t>();
    g.path = t[2].cast<std::string>();
  } else if (kind == "extfunc") { // ("extfunc", object, name, signature, abi, [link items], cooperative)
    g.kind = frontend::GlobalValue::DeviceFunction;
    auto &ref = seen[t[1].ptr()];
    if (!ref) {
      ref = std::make_shared<frontend::DeviceFunctionRef>();
      ref->name = t[2].cast<std::string>();
      ref->external = true;
      ref->signatures.push_back(signatureOrThrow(t[3].cast<std::string>()));
      ref->cAbi = t[4].cast<std::string>() == "c";
      for (py::handle item : t[5])
        ref->link.push_back(convertLinkItem(item));
      ref->cooperative = t[6].cast<bool>();
    }
    g.function = ref;
  } else {
    g.kind = frontend::GlobalValue::Opaque;
    g.description = t[1].cast<std::string>();
  }
  return g;
}

/// compile_ptx(launch_facts="aligned,small,disjoint,coarsen=4"): the words
/// hold for every array argument; bounded and small also bound Python ints.
compiler::LaunchFacts factsFromWords(const std::string &text, const std::vector<const frontend::Type *> &types) {
  std::uint8_t arrayBits = 0, intBits = 0;
  compiler::LaunchFacts facts;
  std::size_t at = 0;
  while (at <= text.size()) {
    std::size_t comma = text.find(',', at);
    std::string word = text.substr(at, comma == std::string::npos ? std::string::npos : comma - at);
    word.erase(0, word.find_first_not_of(' '));
    word.erase(word.find_last_not_of(' ') + 1);
    if (word == "aligned")
      arrayBits |= compiler::LaunchFacts::Aligned;
    else if (word == "bounded")
      arrayBits |= compiler::LaunchFacts::Bounded, intBits = compiler::LaunchFacts::Bounded;
    else if (word == "small")
      arrayBits |= compiler::LaunchFacts::Small | compiler::LaunchFacts::Bounded,
          intBits = compiler::LaunchFacts::Bounded;
    else if (word == "disjoint")
      facts.disjoint = true;
    else if (word.rfind("coarsen=", 0) == 0 && word.size() > 8 && word.find_first_not_of("0123456789", 8) == std::string::npos &&
             word.size() < 11)
      facts.coarsen = std::max(1, std::stoi(word.substr(8)));
    else if (!word.empty())
      throw py::value_error("unknown launch fact '" + word + "' (aligned, bounded, small, disjoint, coarsen=N)");
    if (comma == std::string::npos)
      break;
    at = comma + 1;
  }
  for (const frontend::Type *t : types) {
    auto *s = frontend::dyn_cast<frontend::ScalarType>(t);
    facts.params.push_back(frontend::isa<frontend::ArrayType>(t) ? arrayBits
                           : s && s->isInt() && s->weak          ? intBits
                                                                 : 0);
  }
  return facts;
}

compiler::Stage stageByName(const std::string &s) {
  if (s == "typed")
    return compiler::Stage::Typed;
  if (s == "llvm")
    return compiler::Stage::Llvm;
  if (s == "ptx")
    return compiler::Stage::Ptx;
  if (s == "cubin")
    return compiler::Stage::Cubin;
  throw py::value_error("unknown stage '" + s + "' (typed, llvm, ptx, cubin)");
}

compiler::Options makeOptions(int ccMajor, int ccMinor, bool fastmath, bool fma, bool lineinfo, int optLevel,
                              int maxRegisters, bool keepIr, bool device, int maxThreads, int minBlocks,
                              int maxClusterRank) {
  compiler::Options o;
  o.ccMajor = ccMajor;
  o.ccMinor = ccMinor;
  o.fastmath = fastmath;
  o.fmaContraction = fma;
  o.lineinfo = lineinfo;
  o.optLevel = optLevel;
  o.maxRegisters = maxRegisters;
  o.keepIr = keepIr;
  o.device = device;
  o.maxThreadsPerBlock = maxThreads;
  o.minBlocksPerSm = minBlocks;
  o.maxClusterRank = maxClusterRank;
  return o;
}

std::vector<const frontend::Type *> parseTypes(const std::vector<std::string> &argTypes) {
  std::vector<const frontend::Type *> types;
  for (const std::string &t : argTypes)
    types.push_back(parseTypeOrThrow(t));
  return types;
}

/// True when typing stopped at a call of a function numba's extension API
/// implements whose key is not answered yet: the Python side answers it
/// (ptxforge._extending.answer) and the caller compiles again.
bool answeredOverloadRequest(const frontend::Diagnostic &error, int &rounds) {
  if (error.errorClass != "OverloadRequest")
    return false;
  if (++rounds > 1000)
    throw py::value_error("numba's @overload: more than 1000 implementations asked for in one compilation");
  std::size_t sep = error.message.find('\x1d');
  py::module_::import("ptxforge._extending")
      .attr("answer")(std::stoll(error.message.substr(0, sep)), error.message.substr(sep + 1));
  return true;
}

std::shared_ptr<compiler::KernelArtifacts> compile(const FunctionAst &fa, const std::vector<std::string> &argTypes,
                                                   const py::dict &globals, int ccMajor, int ccMinor, bool fastmath,
                                                   bool fma, bool lineinfo, int optLevel, int maxRegisters,
                                                   const std::string &stage, bool keepIr, bool device, int maxThreads,
                                                   int minBlocks, const std::string &cacheDir,
                                                   std::uint64_t cacheBytes, const py::list &link, bool debug,
                                                   const py::object &facts, const std::string &target,
                                                   int maxClusterRank) {
  if (target != "gpu" && target != "cpu")
    throw py::value_error("unknown target '" + target + "' (gpu, cpu)");
  std::vector<const frontend::Type *> types = parseTypes(argTypes);
  int rounds = 0;
compileAgain:
  DeviceFunctionMemo seen;
  frontend::GlobalEnv env = convertGlobals(globals, seen);
  compiler::Options o = makeOptions(ccMajor, ccMinor, fastmath, fma, lineinfo, optLevel, maxRegisters, keepIr, device,
                                    maxThreads, minBlocks, maxClusterRank);
  for (py::handle item : link)
    o.link.push_back(convertLinkItem(item));
  o.debug = debug;
  if (py::isinstance<py::str>(facts)) {
    o.facts = factsFromWords(facts.cast<std::string>(), types);
  } else if (!facts.is_none()) { // (per-parameter fact bits, disjoint, coarsen): LaunchFacts
    auto t = facts.cast<py::tuple>();
    for (py::handle f : t[0].cast<py::tuple>())
      o.facts.params.push_back(static_cast<std::uint8_t>(f.cast<int>()));
    o.facts.disjoint = t[1].cast<bool>();
    o.facts.coarsen = std::max(1, t[2].cast<int>());
  }
  // The cubin must load on the driver present, if any: the runtime reads its
  // version, the compiler picks an assembler no newer (compiler::fitsDriver).
  o.driverVersion = runtime::driverVersion();
  o.host = target == "cpu";
  compiler::Stage upTo = stageByName(stage);
  compiler::CacheSettings cache{cacheDir, cacheBytes};
  compiler::CacheReport report;
  frontend::Diagnostic error;
  std::unique_ptr<compiler::KernelArtifacts> out;
  {
    bindings::GilRelease release;
    out = compiler::compileKernelCached(*fa.ast, types, env, o, upTo, cache, error, report);
  }
  if (!report.warning.empty()) {
    py::object category = py::module_::import("ptxforge.cache").attr("CacheWarning");
    if (PyErr_WarnEx(category.ptr(), report.warning.c_str(), 1) != 0)
      throw py::error_already_set();
  }
  if (!out && answeredOverloadRequest(error, rounds))
    goto compileAgain;
  if (!out)
    raiseCompileError(error);
  return std::shared_ptr<compiler::KernelArtifacts>(std::move(out));
}

/// What compile_module returns: the module's PTX, cubin and IR, and each
/// kernel's artifacts (sharing nothing with the module, so each can outlive it).
struct ModuleResult {
  std::vector<std::shared_ptr<compiler::KernelArtifacts>> kernels;
  std::string llvm, llvmOpt, ptx;
  compiler::CubinResult cubin;
};

/// kernels: [(FunctionAst, [arg types], globals, entry name)], one per signature.
ModuleResult compileModule(const py::list &kernels, int ccMajor, int ccMinor, bool fastmath, bool fma, bool lineinfo,
                           int optLevel, int maxRegisters, const std::string &stage, bool keepIr, int maxThreads,
                           int minBlocks, const py::list &link, int maxClusterRank) {
  struct Held {
    FunctionAst fa;
    frontend::GlobalEnv env;
  };
  int rounds = 0;
compileAgain:
  std::vector<std::unique_ptr<Held>> held;
  std::vector<compiler::ModuleKernel> requests;
  DeviceFunctionMemo seen;
  for (py::handle item : kernels) {
    auto t = py::reinterpret_borrow<py::tuple>(item);
    auto h = std::make_unique<Held>(Held{t[0].cast<FunctionAst>(), convertGlobals(t[2].cast<py::dict>(), seen)});
    compiler::ModuleKernel k;
    k.ast = h->fa.ast.get();
    k.argTypes = parseTypes(t[1].cast<std::vector<std::string>>());
    k.globals = &h->env;
    k.entryName = t[3].cast<std::string>();
    requests.push_back(std::move(k));
    held.push_back(std::move(h));
  }
  compiler::Options o = makeOptions(ccMajor, ccMinor, fastmath, fma, lineinfo, optLevel, maxRegisters, keepIr, false,
                                    maxThreads, minBlocks, maxClusterRank);
  for (py::handle item : link)
    o.link.push_back(convertLinkItem(item));
  compiler::Stage upTo = stageByName(stage);
  frontend::Diagnostic error;
  std::unique_ptr<compiler::ModuleArtifacts> out;
  {
    bindings::GilRelease release;
    out = compiler::compileModule(requests, o, upTo, error);
  }
  if (!out && answeredOverloadRequest(error, rounds))
    goto compileAgain;
  if (!out)
    raiseCompileError(error);
  ModuleResult result;
  for (auto &k : out->kernels)
    result.kernels.push_back(std::shared_ptr<compiler::KernelArtifacts>(std::move(k)));
  result.llvm = std::move(out->llvm);
  result.llvmOpt = std::move(out->llvmOpt);
  result.ptx = std::move(out->ptx);
  result.cubin = std::move(out->cubin);
  return result;
}

/// The places a debug-mode kernel can report from, for inspection and tests.
py::list debugSites(const compiler::KernelArtifacts &a) {
  py::list out;
  for (const compiler::DebugSite &s : a.debugSites) {
    py::dict d;
    d["kind"] = compiler::debugSiteKindName(s.kind);
    d["function"] = s.function;
    d["file"] = s.file;
    d["line"] = s.line;
    d["col"] = s.col;
    d["source"] = s.source;
    d["message"] = s.message;
    d["exception"] = s.exceptionName;
    out.append(d);
  }
  return out;
}

py::dict resources(const compiler::KernelArtifacts &a) {
  py::dict d;
  if (!a.cubin.ok())
    return d;
  if (auto r = compiler::cubinResources(a.cubin.cubin, a.entryName)) {
    d["registers"] = r->registers;
    d["shared_bytes"] = r->sharedBytes;
    d["local_bytes"] = r->localBytes;
    d["const_bytes"] = r->constBytes;
  }
  return d;
}

} // namespace

PYBIND11_MODULE(_core, m) {
  m.doc() = "ptxforge's compiler and runtime (libptxforge), for the ptxforge package";
  compiler::setHostRuntime(cpu::runtimeSymbols()); // what CPU kernels call

  py::register_exception<runtime::CudaUnavailable>(m, "CudaSupportError", PyExc_RuntimeError);
  py::register_exception<bindings::KernelFailed>(m, "KernelError", PyExc_RuntimeError);
  static py::exception<runtime::CudaError> driverError(m, "CudaDriverError", PyExc_RuntimeError);
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p)
        std::rethrow_exception(p);
    } catch (const runtime::OutOfMemory &e) {
      py::object cls = py::module_::import("ptxforge._core").attr("CudaOutOfMemoryError");
      PyErr_SetString(cls.ptr(), e.what());
    } catch (const runtime::CudaError &e) {
      PyErr_SetString(driverError.ptr(), e.what());
    } catch (const runtime::LaunchConfigError &e) {
      // ptxforge.errors picks the class: a ValueError, and cuda.core's CUDAError
      // too when that is loaded (numba-cuda raises CUDAError for these).
      py::object cls = py::module_::import("ptxforge.errors").attr("launch_error_class")();
      std::string text = std::string(e.what()) + " [" + e.driverError() + "]";
      PyErr_SetString(cls.ptr(), text.c_str());
    }
  });
  m.attr("CudaOutOfMemoryError") = py::reinterpret_steal<py::object>(
      PyErr_NewException("ptxforge._core.CudaOutOfMemoryError", driverError.ptr(), nullptr));

  py::class_<FunctionAst>(m, "FunctionAst")
      .def_property_readonly("name", [](const FunctionAst &f) { return f.ast->function().name; })
      .def("dump", [](const FunctionAst &f) { return frontend::dump(f.ast->function()); });
  m.def("parse_function", &parseFunction, py::arg("tree"), py::arg("filename"), py::arg("source"),
        py::arg("line_offset"), py::arg("col_offset"));

  py::class_<compiler::KernelArtifacts, std::shared_ptr<compiler::KernelArtifacts>>(m, "Artifacts")
      .def_readonly("entry_name", &compiler::KernelArtifacts::entryName)
      .def_readonly("signature", &compiler::KernelArtifacts::signature)
      .def_readonly("cooperative", &compiler::KernelArtifacts::cooperative)
      .def_readonly("coarsen", &compiler::KernelArtifacts::coarsen)
      .def_readonly("coarsenable", &compiler::KernelArtifacts::coarsenable)
      .def_readonly("written", &compiler::KernelArtifacts::written)
      .def_readonly("specialization", &compiler::KernelArtifacts::specialization)
      .def_readonly("from_cache", &compiler::KernelArtifacts::fromCache)
      .def_readonly("read_only_args", &compiler::KernelArtifacts::readOnlyArgs)
      .def_property_readonly("return_type",
                             [](const compiler::KernelArtifacts &a) { return a.returnType->str(); })
      .def_readonly("typed", &compiler::KernelArtifacts::typed)
      .def_property_readonly("variables",
                             [](const compiler::KernelArtifacts &a) {
                               py::list out;
                               for (const compiler::VariableUse &v : a.variables)
                                 out.append(py::make_tuple(v.line, v.col, v.name, v.type));
                               return out;
                             })
      .def_readonly("llvm", &compiler::KernelArtifacts::llvm)
      .def_readonly("llvm_opt", &compiler::KernelArtifacts::llvmOpt)
      .def_readonly("ptx", &compiler::KernelArtifacts::ptx)
      .def_readonly("warnings", &compiler::KernelArtifacts::warnings)
      .def_readonly("debug", &compiler::KernelArtifacts::debug)
      .def_property_readonly("debug_sites", &debugSites)
      .def_readonly("host_assembly", &compiler::KernelArtifacts::hostAssembly)
      .def_property_readonly("cpu_info",
                             [](const compiler::KernelArtifacts &a) -> py::object {
                               if (!a.cpu)
                                 return py::none();
                               py::dict d;
                               d["fibers"] = a.cpu->fibers;
                               d["cooperative"] = a.cpu->cooperative;
                               d["static_shared_bytes"] = a.cpu->staticSharedBytes;
                               d["stack_bytes"] = a.cpu->stackBytes;
                               return d;
                             })
      .def_property_readonly("cubin",
                             [](const compiler::KernelArtifacts &a) { return py::bytes(a.cubin.cubin); })
      .def_property_readonly("assembler",
                             [](const compiler::KernelArtifacts &a) { return compiler::assemblerName(a.cubin.by); })
      .def_property_readonly("assembler_log", [](const compiler::KernelArtifacts &a) { return a.cubin.log; })
      .def_property_readonly("assembler_error", [](const compiler::KernelArtifacts &a) { return a.cubin.error; })
      .def_property_readonly("params",
                             [](const compiler::KernelArtifacts &a) {
                               std::vector<std::string> out;
                               for (auto *t : a.params)
                                 out.push_back(t->str());
                               return out;
                             })
      .def_property_readonly("timings",
                             [](const compiler::KernelArtifacts &a) {
                               py::dict d;
                               d["typing"] = a.msTyping;
                               d["lowering"] = a.msLowering;
                               d["optimizing"] = a.msOptimizing;
                               d["ptx"] = a.msPtx;
                               d["cubin"] = a.msCubin;
                               return d;
                             })
      .def("resources", &resources);
  m.def("compile", &compile, py::arg("function"), py::arg("arg_types"), py::arg("globals"), py::arg("cc_major"),
        py::arg("cc_minor"), py::arg("fastmath"), py::arg("fma"), py::arg("lineinfo"), py::arg("opt_level"),
        py::arg("max_registers"), py::arg("stage"), py::arg("keep_ir") = false, py::arg("device") = false,
        py::arg("max_threads") = 0, py::arg("min_blocks") = 0, py::arg("cache_dir") = "",
        py::arg("cache_bytes") = 0, py::arg("link") = py::list(), py::arg("debug") = false,
        py::arg("facts") = py::none(), py::arg("target") = "gpu", py::arg("max_cluster_rank") = 0);
  py::class_<ModuleResult>(m, "ModuleArtifacts")
      .def_readonly("kernels", &ModuleResult::kernels)
      .def_readonly("llvm", &ModuleResult::llvm)
      .def_readonly("llvm_opt", &ModuleResult::llvmOpt)
      .def_readonly("ptx", &ModuleResult::ptx)
      .def_property_readonly("cubin", [](const ModuleResult &r) { return py::bytes(r.cubin.cubin); })
      .def_property_readonly("assembler", [](const ModuleResult &r) { return compiler::assemblerName(r.cubin.by); })
      .def_property_readonly("assembler_error", [](const ModuleResult &r) { return r.cubin.error; });
  m.def("compile_module", &compileModule, py::arg("kernels"), py::arg("cc_major"), py::arg("cc_minor"),
        py::arg("fastmath"), py::arg("fma"), py::arg("lineinfo"), py::arg("opt_level"), py::arg("max_registers"),
        py::arg("stage"), py::arg("keep_ir") = false, py::arg("max_threads") = 0, py::arg("min_blocks") = 0,
        py::arg("link") = py::list(), py::arg("max_cluster_rank") = 0,
        "Compiles [(function, arg types, globals, entry name)] into one PTX module and cubin.");
  m.def("check_type", [](const std::string &t) { return parseTypeOrThrow(t)->str(); },
        "Parses a numba type string and returns its canonical spelling.");
  m.def("parse_signature", [](const std::string &text) {
    frontend::Signature sig;
    std::string error;
    if (!frontend::parseSignature(text, sig, error))
      throw py::value_error(error);
    std::vector<std::string> params;
    for (auto *t : sig.params)
      params.push_back(t->str());
    return py::make_tuple(sig.returnType->str(), params);
  });
  m.def("libdevice_functions", [] {
    py::list out;
    for (const frontend::LibdeviceFunction &f : frontend::libdeviceFunctions()) {
      std::vector<std::string> params;
      for (const frontend::ScalarType *t : f.params)
        params.push_back(t->str());
      out.append(py::make_tuple(f.name, params, f.result->str()));
    }
    return out;
  }, "(name, parameter types, result type) of every ptxforge.libdevice function.");
  m.def("builtin_paths", &frontend::builtinPaths, py::arg("prefix"),
        "The builtin paths kernels can name under `prefix` (\"ptxforge.fp16.\"), sorted.");
  m.def("compiler_version", &compiler::compilerVersion);
  m.def("assemble", [](const std::string &ptx, int ccMajor, int ccMinor) {
    compiler::CubinOptions o;
    o.ccMajor = ccMajor;
    o.ccMinor = ccMinor;
    compiler::CubinResult r;
    {
      bindings::GilRelease release;
      r = compiler::assembleCubin(ptx, o);
    }
    return py::make_tuple(py::bytes(r.cubin), compiler::assemblerName(r.by), r.error);
  }, py::arg("ptx"), py::arg("cc_major"), py::arg("cc_minor"),
     "Assembles PTX for sm_<major><minor> as compiles do: (cubin, assembler, error); tests and the fuzzer use it.");
  m.def("capability_error", &compiler::capabilityError, py::arg("major"), py::arg("minor"),
        "Empty when ptxforge compiles for this compute capability, else why not.");
  m.def("compiler_identity", &compiler::compilerIdentity,
        "What the disk cache keys as the compiler: versions, build ID and toolchain files.");

  // The disk cache (compiler/KernelCache.h); ptxforge.cache is its Python face.
  m.def("cache_info", [](const std::string &dir) {
    compiler::CacheInfo info;
    {
      bindings::GilRelease release;
      info = compiler::cacheInfo(dir);
    }
    py::dict d;
    d["directory"] = info.directory;
    d["entries"] = info.entries;
    d["bytes"] = info.bytes;
    return d;
  });
  m.def("cache_clear", [](const std::string &dir) {
    bindings::GilRelease release;
    return compiler::clearCache(dir);
  });
  m.def("cache_stats", [] {
    compiler::CacheStats s = compiler::cacheStats();
    py::dict d;
    d["hits"] = s.hits;
    d["misses"] = s.misses;
    d["stores"] = s.stores;
    d["corrupt"] = s.corrupt;
    d["compiles"] = s.compiles;
    return d;
  });
  m.def("cpu_workers", &cpu::workerCount, "The worker threads the CPU target runs blocks on.");
  m.def("join_background_work", [] {
    bindings::closeExitGate();
    py::gil_scoped_release release;
    compiler::joinAssemblerWarmUp();
    runtime::joinInitThread();
  }, "Waits for the background threads and for every call in flight, and refuses new ones: "
     "ptxforge's atexit hook, so that nothing runs in libptxforge while C's exit handlers do.");

  // Runtime.
  m.def("is_available", &runtime::isAvailable);
  m.def("unavailable_reason", &runtime::unavailableReason);
  m.def("device_count", &runtime::deviceCount);
  m.def("start_init", &runtime::startInitAsync, py::arg("device") = 0);
  m.def("compute_capability", [](int device) {
    bindings::GilRelease release;
    return runtime::computeCapability(device);
  }, py::arg("device") = 0);
  m.def("current_device", &runtime::currentDevice);
  m.def("select_device", &runtime::selectDevice);
  m.def("synchronize", [] {
    bindings::GilRelease release;
    runtime::synchronize();
  });
  m.def("memory_info", [] { return runtime::memoryInfo(); });
  m.def("device_info", [](int ordinal) {
    runtime::DeviceInfo i = runtime::deviceInfo(ordinal);
    py::dict d;
    d["name"] = i.name;
    d["compute_capability"] = py::make_tuple(i.ccMajor, i.ccMinor);
    d["multiprocessors"] = i.multiprocessors;
    d["max_threads_per_block"] = i.maxThreadsPerBlock;
    d["max_block_dim"] = py::make_tuple(i.maxBlockDim[0], i.maxBlockDim[1], i.maxBlockDim[2]);
    d["max_grid_dim"] = py::make_tuple(i.maxGridDim[0], i.maxGridDim[1], i.maxGridDim[2]);
    d["max_shared_per_block"] = i.maxSharedPerBlock;
    d["max_shared_per_block_optin"] = i.maxSharedPerBlockOptin;
    d["warp_size"] = i.warpSize;
    d["total_memory"] = i.totalMemory;
    return d;
  });

  m.def("mangled_entry_name", [](const std::string &name, const std::vector<std::string> &types, bool several) {
    return compiler::mangledEntryName(name, parseTypes(types), several);
  }, py::arg("name"), py::arg("arg_types"), py::arg("several"));
  m.def("aot_header", [](const std::string &module, const py::list &kernels, const std::string &about) {
    std::vector<std::shared_ptr<compiler::KernelArtifacts>> keep;
    std::vector<compiler::HeaderKernel> list;
    for (py::handle item : kernels) {
      auto t = py::reinterpret_borrow<py::tuple>(item);
      keep.push_back(t[0].cast<std::shared_ptr<compiler::KernelArtifacts>>());
      list.push_back({keep.back().get(), t[1].cast<std::vector<std::string>>()});
    }
    return compiler::aotHeader(module, list, about);
  }, py::arg("module_name"), py::arg("kernels"), py::arg("about"),
     "The C header of an AOT module: kernels is [(artifacts, [parameter names])].");
  m.def("aot_artifacts", [](const std::string &entry, const std::string &signature, py::bytes image, bool cooperative) {
    // An AOT kernel's artifacts, made from its header line and image alone:
    // the frontend parses the signature; nothing of LLVM runs.
    frontend::Signature sig;
    std::string error;
    if (!frontend::parseSignature(signature, sig, error))
      throw py::value_error("bad signature '" + signature + "': " + error);
    auto a = std::make_shared<compiler::KernelArtifacts>();
    a->entryName = entry;
    a->signature = sig.str();
    a->params = sig.params;
    a->returnType = sig.returnType;
    for (const frontend::Type *t : a->params)
      compiler::appendAbi(t, a->abi);
    a->cubin.cubin = image;
    a->cooperative = cooperative;
    return a;
  }, py::arg("entry"), py::arg("signature"), py::arg("image"), py::arg("cooperative") = false);
  m.def("compiler_initialized", &compiler::compilerInitialized,
        "Whether LLVM's NVPTX target has been set up in this process (the first compile does it).");

  bindings::defineLaunch(m);
  bindings::defineImages(m);
  bindings::defineToolkit(m);
}
