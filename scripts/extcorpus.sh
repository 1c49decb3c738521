#!/usr/bin/env bash
# Runs the frontend and the engine over an external corpus laid out like p4c's testdata and
# prints the conformance rates (docs/conformance.md). Fetches nothing: DIR must already hold
# the corpus, e.g. a p4c checkout or a copy of its testdata directory.
#
#   scripts/extcorpus.sh DIR [LOGDIR]
#
# DIR is searched for p4_16_samples/ and p4_16_errors/ (at DIR, DIR/testdata or below).
#   - valid v1model programs: p4_16_samples/*.p4 that include v1model.p4;
#     `exo-p4c check` must accept them;
#   - other valid programs: the remaining p4_16_samples/*.p4 (other architectures, programs
#     without a package, fragments other samples include), reported separately;
#   - invalid programs: p4_16_errors/*.p4; `exo-p4c check` must reject them (exit 1, not a
#     crash);
#   - STF tests: every p4_16_samples/X.stf beside a valid v1model X.p4;
#     `exo-fastpath stf --p4c-ports X.p4 X.stf` must pass (60 s limit each; --p4c-ports: like
#     p4c's runner, only the ports that packet/expect lines name are captured).
# LOGDIR (default: a new directory under /tmp) receives one line per program and test with
# its result, and the diagnostics of each failure.
#
# The binaries are $EXO_P4C and $EXO_FASTPATH, by default target/release/exo-p4c and
# target/release/exo-fastpath of this checkout (build them first:
# cargo build --release -p exo-p4 -p exo-fastpath).
set -uo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
P4C="${EXO_P4C:-$root/target/release/exo-p4c}"
FP="${EXO_FASTPATH:-$root/target/release/exo-fastpath}"
TIMEOUT="${EXTCORPUS_TIMEOUT:-60}"

if [ $# -lt 1 ] || [ ! -d "$1" ]; then
  echo "usage: $0 DIR [LOGDIR]   (DIR holds p4_16_samples/ and p4_16_errors/)" >&2
  exit 2
fi
for b in "$P4C" "$FP"; do
  if [ ! -x "$b" ]; then
    echo "$0: missing $b (cargo build --release -p exo-p4 -p exo-fastpath)" >&2
    exit 2
  fi
done

find_dir() { # NAME -> the first directory called NAME under $1 (shallowest first)
  find "$1" -maxdepth 4 -type d -name "$2" 2>/dev/null | awk '{ print length, $0 }' | sort -n |
    head -1 | cut -d' ' -f2-
}
samples="$(find_dir "$1" p4_16_samples)"
errors="$(find_dir "$1" p4_16_errors)"
logdir="${2:-$(mktemp -d /tmp/extcorpus.XXXXXX)}"
mkdir -p "$logdir"
: >"$logdir/results.txt"
: >"$logdir/failures.txt"

is_v1model() { grep -qE '^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"]v1model\.p4[>"]' "$1"; }

record() { # KIND NAME RESULT [LOGFILE]
  echo "$1 $3 $2" >>"$logdir/results.txt"
  if [ "$3" != pass ] && [ -n "${4:-}" ]; then
    { echo "== $1 $3 $2"; head -c 4000 "$4"; echo; } >>"$logdir/failures.txt"
  fi
}

pct() { # A B -> "A/B (P%)"
  if [ "$2" -eq 0 ]; then echo "0/0"; else awk -v a="$1" -v b="$2" 'BEGIN { printf "%d/%d (%.1f%%)", a, b, 100 * a / b }'; fi
}

out="$logdir/out.txt"
v_ok=0 v_n=0 o_ok=0 o_n=0 e_rej=0 e_n=0 e_crash=0 s_ok=0 s_n=0 s_front=0
if [ -n "$samples" ]; then
  for f in "$samples"/*.p4; do
    [ -e "$f" ] || continue
    name="$(basename "$f" .p4)"
    if is_v1model "$f"; then
      v_n=$((v_n + 1))
      if timeout "$TIMEOUT" "$P4C" check "$f" >"$out" 2>&1; then
        v_ok=$((v_ok + 1))
        record v1model "$name" pass
      else
        record v1model "$name" fail "$out"
      fi
      stf="$samples/$name.stf"
      if [ -f "$stf" ]; then
        s_n=$((s_n + 1))
        timeout "$TIMEOUT" "$FP" stf --p4c-ports -I "$samples" "$f" "$stf" >"$out" 2>&1
        rc=$?
        if [ $rc -eq 0 ]; then
          s_ok=$((s_ok + 1))
          record stf "$name" pass
        elif [ $rc -eq 2 ] && grep -q "error(s)$" "$out"; then
          s_front=$((s_front + 1))
          record stf "$name" frontend-error "$out"
        elif [ $rc -eq 124 ]; then
          record stf "$name" timeout "$out"
        else
          record stf "$name" fail "$out"
        fi
      fi
    else
      o_n=$((o_n + 1))
      if timeout "$TIMEOUT" "$P4C" check "$f" >"$out" 2>&1; then
        o_ok=$((o_ok + 1))
        record other "$name" pass
      else
        record other "$name" fail "$out"
      fi
    fi
  done
fi
if [ -n "$errors" ]; then
  for f in "$errors"/*.p4; do
    [ -e "$f" ] || continue
    name="$(basename "$f" .p4)"
    e_n=$((e_n + 1))
    timeout "$TIMEOUT" "$P4C" check "$f" >"$out" 2>&1
    rc=$?
    if [ $rc -eq 1 ]; then
      e_rej=$((e_rej + 1))
      record error "$name" pass
    elif [ $rc -eq 0 ]; then
      record error "$name" accepted "$out"
    else
      e_crash=$((e_crash + 1))
      record error "$name" crash-rc$rc "$out"
    fi
  done
fi
rm -f "$out"

echo "corpus:        ${samples:-<no p4_16_samples>} ${errors:-<no p4_16_errors>}"
echo "frontend, valid v1model programs accepted: $(pct $v_ok $v_n)"
echo "frontend, other valid programs accepted:   $(pct $o_ok $o_n)"
echo "frontend, invalid programs rejected:       $(pct $e_rej $e_n)$([ $e_crash -gt 0 ] && echo " ($e_crash crashed)")"
echo "engine, STF tests passed:                  $(pct $s_ok $s_n) ($s_front failed in the frontend)"
echo "details: $logdir/results.txt, $logdir/failures.txt"
