#!/usr/bin/env bash
# The Python package's tests: builds .venv from PyPI (python/requirements-test.txt; kept while
# the requirements are unchanged), installs the package into it with `pip install .` — reusing
# the CMake build directory ${BUILD_DIR:-build}, so only the Python module is compiled on top of
# scripts/build.sh's build — and runs pytest (python/tests), which also drives the CLI in
# ${BUILD_DIR:-build}/mint for the bit-identity tests.
set -euo pipefail
cd "$(dirname "$0")/.."
build="${BUILD_DIR:-build}"
venv="${MINT_VENV:-.venv}"
case "$venv" in /*) ;; *) venv="$PWD/$venv" ;; esac
python="${PYTHON:-python3}"
stamp="$venv/.requirements"
if ! cmp -s python/requirements-test.txt "$stamp" 2>/dev/null; then
  echo "python: building $venv from PyPI (python/requirements-test.txt)"
  rm -rf "$venv"
  "$python" -m venv "$venv"
  "$venv/bin/pip" install -q -r python/requirements-test.txt
  cp python/requirements-test.txt "$stamp"
fi
export PATH="$PATH:/usr/local/cuda/bin"
echo "python: pip install . (build directory $build)"
"$venv/bin/pip" install -q --no-build-isolation --no-deps -Cbuild-dir="$build" \
  -Ccmake.define.MINT_TESTS="$( [ -f "$build/CMakeCache.txt" ] && grep -q '^MINT_TESTS:BOOL=ON' "$build/CMakeCache.txt" && echo ON || echo OFF)" \
  -Ccmake.define.MINT_BENCH="$( [ -f "$build/CMakeCache.txt" ] && grep -q '^MINT_BENCH:BOOL=ON' "$build/CMakeCache.txt" && echo ON || echo OFF)" \
  .
export MINT_CLI="${MINT_CLI:-$PWD/$build/mint}"
cd python/tests  # import the installed package, not python/mint
OMP_WAIT_POLICY=PASSIVE "$venv/bin/python" -m pytest -q -p no:cacheprovider "$@"
