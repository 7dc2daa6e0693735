#!/usr/bin/env bash
# fetch-debs.sh -- run HERE (a Debian 12 machine with apt): downloads the
# .deb files tandem's build and tests need into .deps/ (git-ignored), so
# scripts/gpu-check.sh can unpack them with `dpkg -x` on a GPU machine that
# has the CUDA toolkit but no package registry. The list is the runtime and
# -dev packages of OpenBLAS (pthread), LAPACKE, SLEEF, Criterion and
# pkg-config, with their library dependencies short of the base system.
set -euo pipefail
cd "$(dirname "$0")/.."
pkgs=(
  # BLAS / LAPACK (OpenBLAS, pthread build) and LAPACKE
  libopenblas-pthread-dev libopenblas0-pthread liblapacke-dev liblapacke libtmglib3
  libgfortran5 libquadmath0
  # SLEEF
  libsleef-dev libsleef3
  # Criterion and what its library and .pc file pull in
  libcriterion-dev libcriterion3 libboxfort-dev libffi-dev libffi8 libgit2-dev libgit2-1.5
  libnanomsg-dev libnanomsg5 libhttp-parser2.9 libmbedcrypto7 libmbedtls14 libmbedx509-1
  libssh2-1
  # pkg-config (pkgconf)
  pkg-config pkgconf pkgconf-bin libpkgconf3
)
mkdir -p .deps
cd .deps
rm -f ./*.deb
apt-get download "${pkgs[@]}"
# Record what was fetched, for the report.
ls -1 ./*.deb >MANIFEST
du -ch ./*.deb | tail -1
echo "fetch-debs: ${#pkgs[@]} packages in .deps/ (carry it: device run carry=['.deps'])"
