#!/usr/bin/env bash
# Runs every app STF test (p4/apps/tests/<app>_<case>.stf against p4/apps/<app>.p4) with the
# engine's STF runner. Usage: run_stf.sh [PATH-TO-exo-fastpath] [FILTER]
set -uo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
apps="$(dirname "$here")"
exo="${1:-$(cd "$apps/../.." && pwd)/target/release/exo-fastpath}"
filter="${2:-}"
pass=0; fail=0
for t in "$here"/*.stf; do
  name="$(basename "$t" .stf)"
  [[ -n "$filter" && "$name" != *"$filter"* ]] && continue
  # The program is the longest <app> with <app>.p4 such that the test is <app>_<case>.
  prog=""
  for p in "$apps"/*.p4; do
    a="$(basename "$p" .p4)"
    if [[ "$name" == "${a}_"* && ${#a} -gt ${#prog} ]]; then prog="$a"; fi
  done
  if [[ -z "$prog" ]]; then echo "?? $name: no program"; fail=$((fail+1)); continue; fi
  if out="$("$exo" stf "$apps/$prog.p4" "$t" 2>&1)"; then
    pass=$((pass+1)); echo "ok   $name"
  else
    fail=$((fail+1)); echo "FAIL $name"; echo "$out" | sed 's/^/     /' | head -20
  fi
done
echo "$pass passed, $fail failed"
[[ $fail -eq 0 ]]
