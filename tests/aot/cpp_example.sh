#!/usr/bin/env bash
# Builds examples/aot_cpp as another project would, against a ptxforge
# package, and checks that the program links libptxforge_runtime alone: no
# LLVM, no libptxforge (the compiler), no Python. Runs it where a GPU is.
#
#   tests/aot/cpp_example.sh install BUILD_DIR WORK_DIR   # after cmake --install BUILD_DIR --prefix WORK_DIR/prefix
#   tests/aot/cpp_example.sh package CMAKE_DIR WORK_DIR   # ptxforge.cmake_dir() of an importable package
#
# Exit status 77 (a skip) when cmake or a C++ compiler is missing.
set -euo pipefail
mode=$1 where=$2 work=$3
src="$(cd "$(dirname "$0")/../.." && pwd)"
command -v cmake >/dev/null && command -v c++ >/dev/null || { echo "no cmake or c++: not built"; exit 77; }
rm -rf "$work" && mkdir -p "$work"
gen="Unix Makefiles"
command -v ninja >/dev/null && gen=Ninja
if [ "$mode" = install ]; then
  cmake --install "$where" --prefix "$work/prefix" >"$work/install.log"
  # The kernels are compiled by the staged package of the same build.
  export PYTHONPATH="$where/python${PYTHONPATH:+:$PYTHONPATH}"
  find=(-DCMAKE_PREFIX_PATH="$work/prefix")
else
  find=(-Dptxforge_DIR="$where")
fi
cmake -S "$src/examples/aot_cpp" -B "$work/build" -G "$gen" -DCMAKE_BUILD_TYPE=Release "${find[@]}" \
  -DPTXFORGE_PYTHON="$(command -v python3)" >"$work/configure.log" 2>&1 || { cat "$work/configure.log"; exit 1; }
cmake --build "$work/build" >"$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }
exe="$work/build/aot_cpp"
echo "== ldd $exe"
ldd "$exe"
needed=$(readelf -d "$exe" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
echo "== NEEDED: $(echo $needed)"
echo "$needed" | grep -qx libptxforge_runtime.so || { echo "FAIL: aot_cpp does not link libptxforge_runtime.so"; exit 1; }
# The libraries' names (ldd's first column), not their paths: a pip package lives under .../python3.X/.
if ldd "$exe" | awk '{print $1}' | grep -Ei "llvm|python|^libptxforge\.so|^libz\.so|libzstd"; then
  echo "FAIL: aot_cpp pulls in LLVM, Python or the compiler library (above)"
  exit 1
fi
ls "$work/build/ptxforge_kernels"
set +e
"$exe"
rc=$?
set -e
if [ $rc = 77 ]; then
  echo "== built and linked as it should; not run (no GPU)"
  exit 0
fi
exit $rc
