//===- frontend/GpuBuiltins.cpp - Table entries of the GPU features -------===//
//
// The names numba-cuda gives its execution-model intrinsics, under
// `ptxforge.` (and so under `numba.cuda.`, which the Python side maps to
// `ptxforge`), with the namespaces that hold them: shared, local, const,
// atomic and cg.
//
//===----------------------------------------------------------------------===//

#include "frontend/Ast.h"
#include "frontend/Builtins.h"
#include "frontend/GpuBuiltins.h"

#include <map>

namespace ptxforge::frontend {

void addGpuBuiltins(std::unordered_map<std::string, BuiltinInfo> &table) {
  using G = GpuIntrinsic;
  auto ns = [&](const std::string &path) { table[path] = {BuiltinInfo::Namespace}; };
  auto fn = [&](const std::string &path, G id) {
    BuiltinInfo info{BuiltinInfo::Function, BuiltinId::Gpu};
    info.gpu = static_cast<int>(id);
    table[path] = info;
  };
  for (const char *n : {"ptxforge.shared", "ptxforge.local", "ptxforge.const", "ptxforge.atomic", "ptxforge.cg",
                        kGridGroupPath})
    ns(n);
  fn("ptxforge.shared.array", G::SharedArray);
  fn("ptxforge.local.array", G::LocalArray);
  fn("ptxforge.const.array_like", G::ConstArrayLike);

  fn("ptxforge.syncthreads_count", G::SyncThreadsCount);
  fn("ptxforge.syncthreads_and", G::SyncThreadsAnd);
  fn("ptxforge.syncthreads_or", G::SyncThreadsOr);
  fn("ptxforge.syncwarp", G::SyncWarp);
  fn("ptxforge.threadfence", G::ThreadFence);
  fn("ptxforge.threadfence_block", G::ThreadFenceBlock);
  fn("ptxforge.threadfence_system", G::ThreadFenceSystem);

  const std::pair<const char *, G> atomics[] = {
      {"add", G::AtomicAdd},   {"sub", G::AtomicSub},       {"max", G::AtomicMax},
      {"min", G::AtomicMin},   {"nanmax", G::AtomicNanMax}, {"nanmin", G::AtomicNanMin},
      {"exch", G::AtomicExch}, {"and_", G::AtomicAnd},      {"or_", G::AtomicOr},
      {"xor", G::AtomicXor},   {"inc", G::AtomicInc},       {"dec", G::AtomicDec},
      {"cas", G::AtomicCas},   {"compare_and_swap", G::AtomicCompareAndSwap}};
  for (auto [name, id] : atomics)
    fn(std::string("ptxforge.atomic.") + name, id);

  const std::pair<const char *, G> warp[] = {
      {"shfl_sync", G::ShflSync},         {"shfl_up_sync", G::ShflUpSync},     {"shfl_down_sync", G::ShflDownSync},
      {"shfl_xor_sync", G::ShflXorSync},  {"all_sync", G::AllSync},            {"any_sync", G::AnySync},
      {"eq_sync", G::EqSync},             {"ballot_sync", G::BallotSync},      {"match_any_sync", G::MatchAnySync},
      {"match_all_sync", G::MatchAllSync}, {"activemask", G::ActiveMask},      {"lanemask_lt", G::LanemaskLt},
      {"popc", G::Popc},                  {"brev", G::Brev},                   {"clz", G::Clz},
      {"ffs", G::Ffs},                    {"fma", G::Fma},                     {"cbrt", G::Cbrt},
      {"selp", G::Selp},                  {"nanosleep", G::Nanosleep},         {"clock64", G::Clock64}};
  for (auto [name, id] : warp)
    fn(std::string("ptxforge.") + name, id);

  fn("ptxforge.cg.this_grid", G::ThisGrid);
  fn(std::string(kGridGroupPath) + ".sync", G::GridSync);
}

const GpuSignature &gpuSignature(GpuIntrinsic g) {
  using G = GpuIntrinsic;
  static const std::map<G, GpuSignature> table = {
      {G::SharedArray, {"shared.array", {"shape", "dtype", "alignment"}, 2}},
      {G::LocalArray, {"local.array", {"shape", "dtype", "alignment"}, 2}},
      {G::ConstArrayLike, {"const.array_like", {"ndarray"}, 1}},
      {G::SyncThreadsCount, {"syncthreads_count", {"predicate"}, 1}},
      {G::SyncThreadsAnd, {"syncthreads_and", {"predicate"}, 1}},
      {G::SyncThreadsOr, {"syncthreads_or", {"predicate"}, 1}},
      {G::SyncWarp, {"syncwarp", {"mask"}, 0}},
      {G::ThreadFence, {"threadfence", {}, 0}},
      {G::ThreadFenceBlock, {"threadfence_block", {}, 0}},
      {G::ThreadFenceSystem, {"threadfence_system", {}, 0}},
      {G::AtomicAdd, {"atomic.add", {"ary", "idx", "val"}, 3}},
      {G::AtomicSub, {"atomic.sub", {"ary", "idx", "val"}, 3}},
      {G::AtomicMax, {"atomic.max", {"ary", "idx", "val"}, 3}},
      {G::AtomicMin, {"atomic.min", {"ary", "idx", "val"}, 3}},
      {G::AtomicNanMax, {"atomic.nanmax", {"ary", "idx", "val"}, 3}},
      {G::AtomicNanMin, {"atomic.nanmin", {"ary", "idx", "val"}, 3}},
      {G::AtomicExch, {"atomic.exch", {"ary", "idx", "val"}, 3}},
      {G::AtomicAnd, {"atomic.and_", {"ary", "idx", "val"}, 3}},
      {G::AtomicOr, {"atomic.or_", {"ary", "idx", "val"}, 3}},
      {G::AtomicXor, {"atomic.xor", {"ary", "idx", "val"}, 3}},
      {G::AtomicInc, {"atomic.inc", {"ary", "idx", "val"}, 3}},
      {G::AtomicDec, {"atomic.dec", {"ary", "idx", "val"}, 3}},
      {G::AtomicCas, {"atomic.cas", {"ary", "idx", "old", "val"}, 4}},
      {G::AtomicCompareAndSwap, {"atomic.compare_and_swap", {"ary", "old", "val"}, 3}},
      {G::ShflSync, {"shfl_sync", {"mask", "value", "src_lane"}, 3}},
      {G::ShflUpSync, {"shfl_up_sync", {"mask", "value", "delta"}, 3}},
      {G::ShflDownSync, {"shfl_down_sync", {"mask", "value", "delta"}, 3}},
      {G::ShflXorSync, {"shfl_xor_sync", {"mask", "value", "lane_mask"}, 3}},
      {G::AllSync, {"all_sync", {"mask", "predicate"}, 2}},
      {G::AnySync, {"any_sync", {"mask", "predicate"}, 2}},
      {G::EqSync, {"eq_sync", {"mask", "predicate"}, 2}},
      {G::BallotSync, {"ballot_sync", {"mask", "predicate"}, 2}},
      {G::MatchAnySync, {"match_any_sync", {"mask", "value"}, 2}},
      {G::MatchAllSync, {"match_all_sync", {"mask", "value"}, 2}},
      {G::ActiveMask, {"activemask", {}, 0}},
      {G::LanemaskLt, {"lanemask_lt", {}, 0}},
      {G::Popc, {"popc", {"x"}, 1}},
      {G::Brev, {"brev", {"x"}, 1}},
      {G::Clz, {"clz", {"x"}, 1}},
      {G::Ffs, {"ffs", {"x"}, 1}},
      {G::Fma, {"fma", {"a", "b", "c"}, 3}},
      {G::Cbrt, {"cbrt", {"x"}, 1}},
      {G::Selp, {"selp", {"test", "a", "b"}, 3}},
      {G::Nanosleep, {"nanosleep", {"ns"}, 1}},
      {G::Clock64, {"clock64", {}, 0}},
      {G::ThisGrid, {"cg.this_grid", {}, 0}},
      {G::GridSync, {"cg.this_grid().sync", {}, 0}},
  };
  return table.at(g);
}

std::vector<const Expr *> bindGpuArgs(const CallExpr *c, GpuIntrinsic g) {
  const GpuSignature &sig = gpuSignature(g);
  std::size_t n = sig.params.size();
  auto takes = [&] {
    std::string list;
    for (const char *p : sig.params)
      list += (list.empty() ? "" : ", ") + std::string(p);
    std::string count = static_cast<std::size_t>(sig.required) == n
                            ? std::to_string(n)
                            : std::to_string(sig.required) + " to " + std::to_string(n);
    return std::string(sig.name) + "() takes " + count + " argument(s) (" + list + ")";
  };
  if (c->args.size() > n)
    fail(c->args[n]->span(), takes() + ", got " + std::to_string(c->args.size()));
  std::vector<const Expr *> bound(n, nullptr);
  for (std::size_t i = 0; i < c->args.size(); ++i)
    bound[i] = c->args[i];
  for (const Keyword &k : c->keywords) {
    std::size_t i = 0;
    while (i < n && k.name != sig.params[i])
      ++i;
    if (i == n)
      fail(k.span, std::string(sig.name) + "() has no parameter '" + k.name + "'; " + takes());
    if (bound[i])
      fail(k.span, std::string(sig.name) + "() got '" + k.name + "' twice");
    bound[i] = k.value;
  }
  for (int i = 0; i < sig.required; ++i)
    if (!bound[i])
      fail(c->span(), takes() + "; '" + sig.params[i] + "' is missing");
  return bound;
}

} // namespace ptxforge::frontend
