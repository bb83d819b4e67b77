#!/usr/bin/env bash
# Benchmark of synthesis, tests and build, on this machine, in one run.
# Usage: bash bench/run.sh [repetitions]   (default 5; the cold build runs 3 times)
# Prints medians in milliseconds as a Markdown table, and the ratio full app / floor.
set -euo pipefail
cd "$(dirname "$0")/.."
reps=${1:-5}
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20 CDK_DISABLE_CLI_TELEMETRY=true
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

[ -x node_modules/.bin/cdk ] || npm ci --no-audit --no-fund >/dev/null
command -v /usr/bin/time >/dev/null || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }
go build -o "$work/app" .
go build -o "$work/floor" ./bench/floor
go build -o "$work/scale" ./bench/scale

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
# ms runs a command once and prints its wall time in milliseconds.
ms() {
  local start end
  start=$(date +%s%N)
  "$@" >/dev/null 2>"$work/stderr" || { echo "failed: $*" >&2; cat "$work/stderr" >&2; exit 1; }
  end=$(date +%s%N)
  echo $(( (end - start) / 1000000 ))
}
# synth runs an app binary with a fresh output directory, as the CDK CLI would.
synth() { CDK_OUTDIR=$(mktemp -d -p "$work") "$@"; }
median_of() { local n=$1; shift; for _ in $(seq "$n"); do ms "$@"; done | median; }
row() { printf '| %s | %s |\n' "$1" "$2"; }

floor=$(median_of "$reps" synth "$work/floor")
floor_novalidation=$(CDK_VALIDATION=false median_of "$reps" synth "$work/floor")
app=$(median_of "$reps" synth "$work/app")
app_validation=$(CDK_VALIDATION=true median_of "$reps" synth "$work/app")
cli=$(median_of "$reps" npx cdk synth --quiet --output "$work/cli.out")
tests=$(median_of 3 go test -count=1 ./...)

cold_ms=() cold_kb=()
for _ in 1 2 3; do
  cache=$(mktemp -d -p "$work")
  GOCACHE=$cache /usr/bin/time -f '%e %M' -o "$work/time" go build -o "$work/cold" . >/dev/null
  read -r seconds kb <"$work/time"
  cold_ms+=("$(awk -v s="$seconds" 'BEGIN { printf "%d", s * 1000 }')")
  cold_kb+=("$kb")
  rm -rf "$cache"
done
cold=$(printf '%s\n' "${cold_ms[@]}" | median)
cold_rss=$(printf '%s\n' "${cold_kb[@]}" | median)

echo "Machine: $(nproc) cores, $(free -g | awk '/Mem:/ { print $2 }') GiB, $(go version | cut -d' ' -f3), node $(node --version), CDK CLI $(npx cdk --version | cut -d' ' -f1); $reps repetitions, medians"
echo
row "measure" "median"
row "---" "---"
row "(a) floor: empty stack, default App (CDK's built-in validation on)" "${floor} ms"
row "(a') floor without the built-in validation (CDK_VALIDATION=false)" "${floor_novalidation} ms"
row "(b) full app on defaults, prebuilt binary" "${app} ms"
row "(b') full app with the built-in validation (CDK_VALIDATION=true)" "${app_validation} ms"
row "(b'') full app through npx cdk synth" "${cli} ms"
row "(c) go test ./... (warm build cache, -count=1)" "${tests} ms"
row "(d) cold go build (fresh GOCACHE)" "${cold} ms, peak RSS $(( cold_rss / 1024 )) MiB"
echo
awk -v a="$app" -v f="$floor" -v av="$app_validation" -v fn="$floor_novalidation" 'BEGIN {
  printf "ratio full app / floor: %.2f (target <= 1.30)\n", a / f
  printf "like for like: with the built-in validation %.2f, without it %.2f\n", av / f, a / fn
}'

echo
echo "Scale (prebuilt bench/scale binary, medians):"
echo
row "work" "median"
row "---" "---"
for args in "-products 1" "-products 5" "-products 20" "-principals 1" "-principals 50" "-accounts 0" "-accounts 50"; do
  # shellcheck disable=SC2086 # args holds two words on purpose
  t=$(median_of "$reps" synth "$work/scale" $args -versions "$(mktemp -d -p "$work")")
  row "$args" "${t} ms"
done
