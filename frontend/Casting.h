//===- frontend/Casting.h - isa / cast / dyn_cast over `classof` ----------===//
//
// LLVM's idiom without RTTI: each class hierarchy has a Kind enum, and each
// subclass a static classof(base) that tests it.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cassert>

namespace ptxforge::frontend {

template <typename To, typename From> bool isa(const From *node) {
  return node && To::classof(node);
}
template <typename To, typename From> To *cast(From *node) {
  assert(isa<To>(node) && "bad cast");
  return static_cast<To *>(node);
}
template <typename To, typename From> const To *cast(const From *node) {
  assert(isa<To>(node) && "bad cast");
  return static_cast<const To *>(node);
}
template <typename To, typename From> To *dyn_cast(From *node) {
  return isa<To>(node) ? static_cast<To *>(node) : nullptr;
}
template <typename To, typename From> const To *dyn_cast(const From *node) {
  return isa<To>(node) ? static_cast<const To *>(node) : nullptr;
}

} // namespace ptxforge::frontend
