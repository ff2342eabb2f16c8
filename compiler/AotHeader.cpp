//===- compiler/AotHeader.cpp - Entry names and C headers of AOT modules --===//
//
// The header's structs follow the ABI's slots one for one (compiler/Abi.h):
// an array is {T *data; int64_t shape[N]; int64_t strides[N] (layout A)},
// all 8-byte members, so a C compiler lays the struct out exactly as the
// kernel's parameters lie in the parameter buffer; a complex number is
// {re, im}, a tuple its elements as separate parameters, a record a pointer.
//
//===----------------------------------------------------------------------===//
#include "compiler/AotHeader.h"

#include <cctype>
#include <cstdio>
#include <set>

namespace ptxforge::compiler {

using namespace frontend;

namespace {

/// A short code for a scalar dtype: f32, i64, u8, b, c64, bf16.
std::string scalarCode(const ScalarType *t) {
  if (t->isBool())
    return "b";
  if (t->isBFloat16())
    return "bf16";
  std::string code(1, t->isInt() ? (t->isSigned ? 'i' : 'u') : t->isFloat() ? 'f' : 'c');
  return code + std::to_string(t->bits);
}

/// A stable 8-hex-digit code for a record, from its spelling (FNV-1a).
std::string recordCode(const RecordType *r) {
  std::uint32_t h = 2166136261u;
  for (unsigned char c : r->str())
    h = (h ^ c) * 16777619u;
  char hex[9];
  std::snprintf(hex, sizeof hex, "%08x", h);
  return std::string("r") + hex;
}

std::string dtypeCode(const ScalarType *t) {
  if (auto *r = dyn_cast<RecordType>(t))
    return recordCode(r);
  return scalarCode(t);
}

char layoutLetter(Layout l) { return l == Layout::C ? 'C' : l == Layout::F ? 'F' : 'A'; }

std::string typeCode(const Type *t) {
  if (auto *a = dyn_cast<ArrayType>(t))
    return dtypeCode(a->dtype) + "a" + std::to_string(a->ndim) + layoutLetter(a->layout);
  if (auto *r = dyn_cast<RecordType>(t))
    return recordCode(r);
  if (auto *s = dyn_cast<ScalarType>(t))
    return scalarCode(s);
  if (auto *tt = dyn_cast<TupleType>(t)) {
    std::string code = "t";
    code += std::to_string(tt->elts.size());
    for (const Type *e : tt->elts)
      code += '_', code += typeCode(e);
    return code;
  }
  return "x";
}

/// numba's dtype name for struct names: float32, int64, record_<hash>.
std::string dtypeName(const ScalarType *t) {
  if (auto *r = dyn_cast<RecordType>(t))
    return "record_" + recordCode(r).substr(1);
  return t->str();
}

/// The C type of an array element.
std::string cElementType(const ScalarType *t) {
  if (isa<RecordType>(t))
    return "void";
  return cScalarType(t);
}

/// C and C++ keywords a Python parameter name may collide with.
const std::set<std::string> &cKeywords() {
  static const std::set<std::string> words = {
      "auto", "bool", "break", "case", "char", "class", "const", "continue", "default", "delete", "do", "double",
      "else", "enum", "explicit", "extern", "float", "for", "friend", "goto", "if", "inline", "int", "long",
      "namespace", "new", "operator", "private", "protected", "public", "register", "restrict", "return", "short",
      "signed", "sizeof", "static", "struct", "switch", "template", "this", "throw", "typedef", "typename", "union",
      "unsigned", "using", "virtual", "void", "volatile", "while"};
  return words;
}

std::string cName(const std::string &python) {
  return cKeywords().count(python) ? python + "_" : python;
}

class HeaderWriter {
public:
  std::string structs, declarations;

  void kernel(const std::string &kernelName, const HeaderKernel &k) {
    const KernelArtifacts &a = *k.artifacts;
    declarations += "/* ptxforge-kernel: " + kernelName + " " + a.entryName + " " +
                    (a.cooperative ? "cooperative" : "-") + " void" + a.signature + " */\n";
    std::vector<std::string> params;
    for (std::size_t i = 0; i < a.params.size(); ++i) {
      std::string name = i < k.paramNames.size() ? k.paramNames[i] : "arg" + std::to_string(i);
      param(a.params[i], name, params);
    }
    std::string list;
    for (const std::string &p : params)
      list += (list.empty() ? "" : ", ") + p;
    declarations += "void " + a.entryName + "(" + (list.empty() ? "void" : list) + ");\n";
    if (a.cooperative)
      declarations += "/* " + a.entryName + " synchronizes its whole grid: launch it cooperatively "
                      "(Kernel::setCooperative(true), or cuLaunchCooperativeKernel). */\n"
                      "#define PTXFORGE_COOPERATIVE_" + a.entryName + " 1\n";
    declarations += "\n";
  }

private:
  std::set<std::string> defined_;

  void param(const Type *t, const std::string &name, std::vector<std::string> &out) {
    if (auto *tt = dyn_cast<TupleType>(t)) { // its elements, one parameter each
      for (std::size_t i = 0; i < tt->elts.size(); ++i)
        param(tt->elts[i], name + "_" + std::to_string(i), out);
      return;
    }
    out.push_back(cType(t) + " " + cName(name));
  }

  std::string cType(const Type *t) {
    if (auto *a = dyn_cast<ArrayType>(t))
      return arrayStruct(a);
    if (isa<RecordType>(t))
      return "void *"; // the device address of one record, as numba passes it
    auto *s = cast<ScalarType>(t);
    if (s->isComplex())
      complexStruct(s);
    return cScalarType(s);
  }

  void complexStruct(const ScalarType *s) {
    std::string name = cScalarType(s), part = s->bits == 64 ? "float" : "double";
    if (!defined_.insert(name).second)
      return;
    std::string guard = "PTXFORGE_" + name.substr(9) + "_DEFINED";
    for (char &c : guard)
      c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    structs += "#ifndef " + guard + "\n#define " + guard + "\ntypedef struct " + name + " { " + part + " re, im; } " +
               name + ";\n#endif\n\n";
  }

  std::string arrayStruct(const ArrayType *a) {
    std::string name = "ptxforge_array_" + dtypeName(a->dtype) + "_" + std::to_string(a->ndim) + "d_" +
                       layoutLetter(a->layout);
    if (!defined_.insert(name).second)
      return name;
    if (auto *s = dyn_cast<ScalarType>(a->dtype); s && s->isComplex() && !isa<RecordType>(s))
      complexStruct(s);
    std::string n = std::to_string(a->ndim);
    std::string guard = "PTXFORGE_ARRAY_" + name.substr(15) + "_DEFINED";
    for (char &c : guard)
      c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    structs += "/* " + a->str() + (isa<RecordType>(a->dtype) ? " (records of " + std::to_string(
                   cast<RecordType>(a->dtype)->size) + " bytes)" : "") + " */\n";
    structs += "#ifndef " + guard + "\n#define " + guard + "\ntypedef struct " + name + " {\n  " +
               cElementType(a->dtype) + " *data;\n";
    if (a->ndim > 0)
      structs += "  int64_t shape[" + n + "];   /* extents */\n";
    if (a->layout == Layout::A && a->ndim > 0)
      structs += "  int64_t strides[" + n + "]; /* in bytes */\n";
    structs += "} " + name + ";\n#endif\n\n";
    return name;
  }
};

} // namespace

std::string cScalarType(const ScalarType *t) {
  if (t->isBool())
    return "bool";
  if (t->isInt())
    return std::string(t->isSigned ? "int" : "uint") + std::to_string(t->bits) + "_t";
  if (t->isComplex())
    return t->bits == 64 ? "ptxforge_complex64" : "ptxforge_complex128";
  if (t->bits == 16)
    return "uint16_t"; // the bits of a float16 or bfloat16
  return t->bits == 32 ? "float" : "double";
}

std::string mangledEntryName(const std::string &name, const std::vector<const Type *> &params, bool several) {
  if (!several)
    return name;
  std::string entry = name + "_";
  for (const Type *t : params)
    entry += '_', entry += typeCode(t);
  if (params.empty())
    entry += "_void";
  return entry;
}

std::string aotHeader(const std::string &moduleName, const std::vector<HeaderKernel> &kernels,
                      const std::string &about) {
  HeaderWriter w;
  for (const HeaderKernel &k : kernels)
    w.kernel(moduleName, k);
  std::string guard = "PTXFORGE_AOT_" + moduleName + "_H";
  for (char &c : guard)
    c = std::isalnum(static_cast<unsigned char>(c)) ? static_cast<char>(std::toupper(static_cast<unsigned char>(c)))
                                                    : '_';
  std::string out;
  out += "/* " + moduleName + ".h: generated by ptxforge; do not edit.\n";
  for (std::size_t at = 0; at < about.size();) {
    std::size_t eol = about.find('\n', at);
    out += " * " + about.substr(at, eol == std::string::npos ? std::string::npos : eol - at) + "\n";
    at = eol == std::string::npos ? about.size() : eol + 1;
  }
  out += " *\n"
         " * Each declaration names a kernel entry of the module and gives its parameters\n"
         " * as the compiler passes them: an array is the struct below (its data pointer,\n"
         " * the extent of each dimension and, for layout 'A' alone, the byte stride of\n"
         " * each), a complex number {re, im}, a tuple its elements one by one, a record\n"
         " * the device address of its bytes. float16 and bfloat16 travel as their bits.\n"
         " * Nothing defines these functions: launch a kernel through the ptxforge runtime,\n"
         " * PTXFORGE_KERNEL(module, entry) in <ptxforge/runtime/Aot.h>, or with\n"
         " * cuLaunchKernel and one pointer per struct member.\n"
         " */\n";
  out += "#ifndef " + guard + "\n#define " + guard + "\n\n#include <stdbool.h>\n#include <stdint.h>\n\n";
  out += w.structs;
  out += "#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n";
  out += w.declarations;
  out += "#ifdef __cplusplus\n}\n#endif\n\n#endif\n";
  return out;
}

} // namespace ptxforge::compiler
