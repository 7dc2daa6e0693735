#!/usr/bin/env bash
# check-layers.sh -- fails (exit 1, printing file:line) when an #include in
# src/ points upward in the library's layers (docs/design.md, "Layers").
# The order, lowest first (a layer is built on those it lists):
#   sched      the work-stealing scheduler            libc and pthreads only
#   core       contexts, buffers, placement, errors;  sched
#              src/backend.h and src/module.h are its interface
#   expr, rng  expressions; random streams            core
#   cpu        the CPU backend's kernels              expr, rng, core, sched
#   sim, cuda  device backends                        sim: cpu...; cuda: expr,
#                                                     rng, core, kernels/
#   task       pools, futures, maps, lanes            core, sched
#   dist       multi-process runs                     core
#   cli        the command                            anything
# A file includes headers of its own layer, of the layers its layer lists,
# and the public headers (tandem/...; not in sched). Outside src/sched only
# sched/sched.h may be included: its other headers are its own.
# Usage: scripts/check-layers.sh [ROOT]   checks ROOT/src (default: this tree)
#        scripts/check-layers.sh --self-test   plants upward includes in a
#        scratch tree and checks that each is caught.
set -u

declare -A ALLOW=(
  [sched]=""
  [core]="top sched"
  [expr]="core top sched"
  [rng]="core top sched"
  [cpu]="expr rng core top sched"
  [sim]="cpu expr rng core top sched"
  [cuda]="expr rng core top kernels"
  [task]="core top sched"
  [dist]="core top sched"
)

# check ROOT: prints the upward includes of ROOT/src; returns 1 if any.
check() {
  local root=$1 bad=0 file line inc layer target dir
  while IFS=: read -r file line inc; do
    layer=${file#"$root"/src/}
    if [[ $layer == */* ]]; then layer=${layer%%/*}; else layer=core; fi # top: core's interface
    [[ $layer == cli ]] && continue
    if [[ -z ${ALLOW[$layer]+set} ]]; then
      echo "${file#"$root"/}: src/$layer is no layer this script knows (add it to ALLOW)"
      bad=1
      continue
    fi
    local angled=0
    if [[ $inc =~ \#[[:space:]]*include[[:space:]]*\"([^\"]+)\" ]]; then
      inc=${BASH_REMATCH[1]}
    elif [[ $inc =~ \#[[:space:]]*include[[:space:]]*\<([^\>]+)\> ]]; then
      inc=${BASH_REMATCH[1]}
      angled=1
    else
      continue
    fi
    dir=$(dirname "$file")
    if [[ $angled == 1 ]]; then
      [[ $inc == tandem/* ]] && target=public || continue
    elif [[ $inc == tandem/* ]]; then
      target=public
    elif [[ -e $dir/$inc && $inc != */* ]]; then
      target=$layer # a header next to the file
      [[ $dir == "$root/src" ]] && target=top
    elif [[ $inc == */* && -d $root/src/${inc%%/*} ]]; then
      target=${inc%%/*}
    elif [[ -e $root/src/$inc ]]; then
      target=top
    elif [[ -e $root/kernels/$inc ]]; then
      target=kernels
    else
      target=unknown
    fi
    local why=""
    if [[ $layer == sched ]]; then
      [[ $target == sched ]] || why="src/sched may include only its own headers, libc and pthreads"
    elif [[ $target == sched && $inc != sched/sched.h ]]; then
      why="outside src/sched only sched/sched.h may be included"
    elif [[ $target != "$layer" && $target != public && " ${ALLOW[$layer]-} " != *" $target "* ]]; then
      why="$layer may include only: $layer ${ALLOW[$layer]} tandem/"
    fi
    if [[ -n $why ]]; then
      echo "${file#"$root"/}:$line: #include of $inc points upward ($why)"
      bad=1
    fi
  done < <(grep -rnE '^[[:space:]]*#[[:space:]]*include' "$root/src" --include='*.c' --include='*.h' --include='*.cu' | sort -t: -k1,1 -k2,2n)
  return $bad
}

self_test() {
  local tmp rc=0
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' RETURN
  mkdir -p "$tmp/src/sched" "$tmp/src/core" "$tmp/src/task" "$tmp/src/cpu" "$tmp/src/newlayer"
  printf '#include <pthread.h>\n#include "sched/sched.h"\n' >"$tmp/src/sched/sched.h"
  printf '#include "core/ctx_int.h"\n' >"$tmp/src/core/ctx_int.h"
  printf '#include "sched/sched.h"\n#include "core/ctx_int.h"\n' >"$tmp/src/task/task_int.h"
  printf '#include "sched/sched.h"\n' >"$tmp/src/cpu/cpu_int.h"
  if ! check "$tmp" >/dev/null; then echo "self-test: the clean tree fails"; rc=1; fi
  local plant
  for plant in 'sched/x.c:#include "core/ctx_int.h"' 'sched/y.c:#include <tandem/tandem.h>' \
               'core/x.c:#include "task/task_int.h"' 'core/y.c:#include "cpu/cpu_int.h"' \
               'task/x.c:#include "sched/deque.h"' 'cpu/x.c:#include "task/task_int.h"' \
               'backend.h:#include "task/task_int.h"' 'newlayer/x.c:#include "core/ctx_int.h"'; do
    local f=${plant%%:*} text=${plant#*:}
    echo "$text" >"$tmp/src/$f"
    if check "$tmp" >/dev/null; then echo "self-test: not caught: src/$f: $text"; rc=1; fi
    rm "$tmp/src/$f"
  done
  [[ $rc == 0 ]] && echo "self-test: every planted upward include caught"
  return $rc
}

if [[ ${1-} == --self-test ]]; then
  self_test
  exit $?
fi
root=${1:-$(cd "$(dirname "$0")/.." && pwd)}
if check "$root"; then
  echo "layers: no upward include in $root/src"
else
  exit 1
fi
