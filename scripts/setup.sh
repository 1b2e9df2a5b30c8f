#!/usr/bin/env bash
# \file Idempotent setup for a fresh Debian 12 machine: installs every package worldtune builds,
# tests or runs with (Debian packages only), then configures and builds the project.
# libopenblas0-pthread: Debian's libtorch uses the system BLAS, 12x slower as reference BLAS.
# gnuplot-nox: `worldtune plot` draws tuning curves with it.
# libonnx-dev, libprotobuf-dev: ONNX import (src/onnx_import); python3-torch, python3-torchvision:
# scripts/make_onnx_models.py makes the networks (the tests' small ones at build time).
set -euo pipefail
cd "$(dirname "$0")/.."
packages=(build-essential cmake ninja-build libhalide14-0-dev nlohmann-json3-dev
          libcli11-dev libgtest-dev libgmock-dev libxgboost-dev xgboost libdnnl-dev
          liblzma-dev xz-utils libtorch-dev libopenblas0-pthread gnuplot-nox
          libonnx-dev libprotobuf-dev python3-torch python3-torchvision)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  echo "setup: installing ${missing[*]}"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
build_type="${WORLDTUNE_BUILD_TYPE:-Release}"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE="$build_type" >/dev/null
cmake --build build -j "$(nproc)"
