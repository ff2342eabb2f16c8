//===- frontend/TypeInferEnums.cpp - enum.Enum and IntEnum in kernels -----===//
//
// An enum class from the globals is reached through its members (Color.red,
// Color['red']), each a constant. IntEnum members are int64s that keep their
// class (IntEnumType); Enum members (EnumType) compare with ==, !=, is and
// is not, as in Python: members of one class by value, members of different
// classes never equal (IntEnums, being ints, by value) and never identical.
//
//===----------------------------------------------------------------------===//

#include "frontend/TypeInferImpl.h"

namespace ptxforge::frontend {

const GlobalValue *Inferer::enumClassOf(const Expr *e) const {
  auto *n = dyn_cast<NameExpr>(e);
  if (!n || localByName.count(n->id))
    return nullptr;
  auto it = env.find(n->id);
  return it != env.end() && it->second.kind == GlobalValue::EnumClass ? &it->second : nullptr;
}

const Type *Inferer::enumMember(const Expr *at, const GlobalValue &cls, const std::string &name,
                                const Span &nameSpan) {
  for (std::size_t i = 0; i < cls.memberNames.size(); ++i)
    if (cls.memberNames[i] == name) {
      out.refs[at] = NameRef{nullptr, &cls.elements[i], nullptr};
      return globalType(at, cls.elements[i]);
    }
  std::string shown = cls.path.substr(cls.path.rfind('.') + 1);
  fail(nameSpan, "enum " + shown + " has no member '" + name + "'");
}

const Type *Inferer::enumAttribute(const AttributeExpr *a, const Type *base) {
  auto *e = dyn_cast<EnumType>(base);
  auto *ie = dyn_cast<IntEnumType>(base);
  if (!e && !ie)
    return nullptr;
  if (a->attr == "value")
    return e ? e->value : tc.intType(64);
  if (a->attr == "name")
    fail(a->span(), "an enum member's .name is a string, which kernels do not have; compare members instead");
  if (ie)
    return nullptr; // an int's attributes (.real, .imag)
  fail(a->span(), "an enum member has .value in kernels; '" + a->attr + "' is not supported");
}

static bool isEnum(const Type *t) { return isa<EnumType>(t) || isa<IntEnumType>(t); }

bool Inferer::enumCompare(CmpOpKind op, const Type *l, const Type *r, const Span &at) {
  bool identity = op == CmpOpKind::Is || op == CmpOpKind::IsNot;
  if (!(identity && (isEnum(l) || isEnum(r))) && !isa<EnumType>(l) && !isa<EnumType>(r))
    return false; // IntEnums order and compare as the ints they are
  if (!identity && op != CmpOpKind::Eq && op != CmpOpKind::NotEq)
    fail(at, "enum members have no order; compare them with ==, !=, is or is not, or compare their .value");
  return true;
}

} // namespace ptxforge::frontend
