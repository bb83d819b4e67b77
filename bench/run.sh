#!/usr/bin/env bash
# Benchmark of synthesis, tests and the first run, on this machine, in one run
# (issue #14's targets; bench/README.md has the figures).
# Usage: bash bench/run.sh [--cold] [repetitions]
#   repetitions: of each synthesis (default 5); the test suites run 3 times.
#   --cold: also the README's two commands from a fresh clone, with empty Go,
#           npm, jsii and user caches (modules downloaded from the proxy and
#           the registry as a user's first run would), once.
# Prints medians in milliseconds as a Markdown table, then each target and
# whether it is met.
set -euo pipefail
cd "$(dirname "$0")/.."
cold_mode=false
if [ "${1:-}" = "--cold" ]; then
  cold_mode=true
  shift
fi
reps=${1:-5}
export CDK_DISABLE_CLI_TELEMETRY=true
work=$(mktemp -d)
# The module cache is read-only: make it writable before removing it.
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT

# Node.js 22 first on PATH, as the README requires (and .ci/run installs).
node_major=$(node --version | sed -E 's/^v([0-9]+).*/\1/')
if [ "$node_major" -lt 22 ]; then
  node_dir="${TMPDIR:-/tmp}/sagemaker-catalog-node22"
  if [ ! -x "$node_dir/node_modules/.bin/node" ]; then
    case "$(uname -m)" in
      x86_64) node_arch=x64 ;;
      aarch64 | arm64) node_arch=arm64 ;;
      *) echo "no Node.js 22 package for $(uname -m): install Node.js 22 or newer" >&2; exit 1 ;;
    esac
    npm install --prefix "$node_dir" --no-save --no-audit --no-fund --loglevel=error "node-linux-$node_arch@22" >&2
  fi
  export PATH="$node_dir/node_modules/.bin:$PATH"
  hash -r
fi

[ -x node_modules/.bin/cdk ] || npm ci --no-audit --no-fund >/dev/null
command -v /usr/bin/time >/dev/null || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
go build -o "$work/app" .
go build -o "$work/floor" ./bench/floor
go build -o "$work/scale" ./bench/scale

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
# ms runs a command once and prints its wall time in milliseconds.
ms() {
  local start end
  start=$(date +%s%N)
  "$@" >"$work/stdout" 2>"$work/stderr" || { echo "failed: $*" >&2; tail -50 "$work/stdout" "$work/stderr" >&2; exit 1; }
  end=$(date +%s%N)
  echo $(( (end - start) / 1000000 ))
}
# synth runs an app binary with a fresh output directory, as the CDK CLI would.
synth() { CDK_OUTDIR=$(mktemp -d -p "$work") "$@"; }
median_of() { local n=$1; shift; for _ in $(seq "$n"); do ms "$@"; done | median; }
row() { printf '| %s | %s |\n' "$1" "$2"; }
seconds() { awk -v m="$1" 'BEGIN { printf "%.1f s", m / 1000 }'; }
verdict() { awk -v v="$1" -v max="$2" 'BEGIN { print (v <= max ? "met" : "NOT met") }'; }

# Synthesis: the same validation setting in app and floor.
floor=$(median_of "$reps" synth "$work/floor")
floor_novalidation=$(CDK_VALIDATION=false median_of "$reps" synth "$work/floor")
floor_services=$(CDK_VALIDATION=false median_of "$reps" synth "$work/floor" -services)
app=$(median_of "$reps" synth "$work/app")
app_validation=$(CDK_VALIDATION=true median_of "$reps" synth "$work/app")
cli=$(median_of "$reps" npx cdk synth --quiet --output "$work/cli.out")

# Tests, warm build cache (a first run warms it), every test run (-count=1).
go test -count=1 -run '^$' ./... >/dev/null
tests_link=$(median_of 3 go test -count=1 -run '^$' ./...)
tests=$(median_of 3 go test -count=1 ./...)
tests_short=$(median_of 3 go test -count=1 -short ./...)

if $cold_mode; then
  # A fresh clone of this commit, beside a link to ../shared as CI has it,
  # with every cache a first run fills empty: Go modules (downloaded from
  # the proxy), the Go build cache, npm's cache, the jsii package cache and
  # the user cache (the functions' binary, Node.js's compile cache).
  cold=$work/cold
  mkdir -p "$cold/home"
  git clone -q . "$cold/repo"
  [ -d ../shared ] && ln -s "$(cd ../shared && pwd)" "$cold/shared"
  cold_env=(env GOMODCACHE="$cold/gomodcache" GOCACHE="$cold/gocache" npm_config_cache="$cold/npm"
    XDG_CACHE_HOME="$cold/home/.cache" JSII_RUNTIME_PACKAGE_CACHE_ROOT="$cold/jsii")
  first_run() { # label, command: prints wall ms and peak RSS (of the largest process) in KiB
    local start end
    start=$(date +%s%N)
    (cd "$cold/repo" && "${cold_env[@]}" /usr/bin/time -f '%M' -o "$work/cold.$1.rss" bash -c "$2") \
      >"$work/cold.$1.out" 2>&1 || { echo "failed: $2" >&2; tail -50 "$work/cold.$1.out" >&2; exit 1; }
    end=$(date +%s%N)
    echo $(( (end - start) / 1000000 )) "$(tail -1 "$work/cold.$1.rss")"
  }
  first_run synth 'npm ci --no-audit --no-fund && npx cdk synth --quiet' >"$work/cold.synth"
  first_run test 'go run ./cmd/gotest ./...' >"$work/cold.test"
  read -r cold_synth cold_synth_kb <"$work/cold.synth"
  read -r cold_test cold_test_kb <"$work/cold.test"
  cold_total=$((cold_synth + cold_test))
  cold_kb=$((cold_synth_kb > cold_test_kb ? cold_synth_kb : cold_test_kb))
  cold_skipped=$(grep -E '^skipped:' "$work/cold.test.out" || true)

  # The first run's compile floor: the three builds it makes, from an empty
  # Go build cache with the modules already downloaded, and no npm, no
  # synthesis, no test run: the app with the CDK's Go bindings, the
  # functions cross-compiled for arm64 (internal/functions' settings), and
  # every test binary (the AWS SDK again, for the host, then the links).
  compile() {
    (cd "$cold/repo" && env GOMODCACHE="$cold/gomodcache" GOCACHE="$cold/gocache-floor" "$@") >"$work/compile.out" 2>&1 ||
      { echo "failed: $*" >&2; tail -50 "$work/compile.out" >&2; exit 1; }
  }
  compile_app=$(ms compile go build -o "$work/compile.app" .)
  compile_functions=$(ms compile env CGO_ENABLED=0 GOOS=linux GOARCH=arm64 go build -trimpath -buildvcs=false \
    -tags lambda.norpc -ldflags '-s -w -buildid=' -o "$work/compile.bootstrap" ./lambda/cmd/functions)
  compile_tests=$(ms compile go test -count=1 -run '^$' ./...)
  compile_total=$((compile_app + compile_functions + compile_tests))
fi
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

echo "Machine: $(nproc) cores, $(free -g | awk '/Mem:/ { print $2 }') GiB, $(go version | cut -d' ' -f3), node $(node --version), CDK CLI $(npx cdk --version | cut -d' ' -f1); load average $load_before before, $load_after after; $reps repetitions of each synthesis, 3 of each test run, medians"
echo
row "measure" "median"
row "---" "---"
row "(a) floor: empty stack, default App (CDK's built-in validation on)" "${floor} ms"
row "(a') floor without the built-in validation (CDK_VALIDATION=false)" "${floor_novalidation} ms"
row "(a'') floor, validation off, with one L1 resource of each of the 12 services the catalog deploys" "${floor_services} ms"
row "(b) full app on defaults, prebuilt binary (validation off, the app's default)" "${app} ms"
row "(b') full app with the built-in validation (CDK_VALIDATION=true)" "${app_validation} ms"
row "(b'') full app through npx cdk synth" "${cli} ms"
row "(c) go test ./... (warm build cache, -count=1)" "$(seconds "$tests")"
row "(c') go test -short ./... (warm build cache, -count=1)" "$(seconds "$tests_short")"
row "(c0) go test -run '^\$' ./...: build and start every test binary, run no test" "$(seconds "$tests_link")"
if $cold_mode; then
  row "(d) first run, fresh clone and caches: npm ci && npx cdk synth --quiet" "$(seconds "$cold_synth"), peak RSS $((cold_synth_kb / 1024)) MiB"
  row "(d') first run, then: go run ./cmd/gotest ./..." "$(seconds "$cold_test"), peak RSS $((cold_test_kb / 1024)) MiB; $cold_skipped"
  row "(e) compile floor of the first run (modules downloaded): the app" "$(seconds "$compile_app")"
  row "(e') then the functions for arm64" "$(seconds "$compile_functions")"
  row "(e'') then every test binary, no test run" "$(seconds "$compile_tests")"
fi
echo
awk -v a="$app" -v fn="$floor_novalidation" -v av="$app_validation" -v f="$floor" 'BEGIN {
  printf "1. synthesis like for like: without the built-in validation (b)/(a'\'') %.2f, with it (b'\'')/(a) %.2f (target <= 1.50): %s\n",
    a / fn, av / f, (a / fn <= 1.5 && av / f <= 1.5 ? "met" : "NOT met")
}'
awk -v s="$floor_services" -v fn="$floor_novalidation" 'BEGIN {
  printf "   floor: (a\x27\x27)/(a\x27) %.2f; loading the 12 services leaves %.0f ms of the target (%.0f ms above (a\x27)) to build and synthesize the catalog\n",
    s / fn, 1.5 * fn - s, 0.5 * fn
}'
echo "2. go test ./... $(seconds "$tests") (target <= 20 s): $(verdict "$tests" 20000); go test -short ./... $(seconds "$tests_short") (target <= 8 s): $(verdict "$tests_short" 8000)"
echo "   floor: (c0), building, linking and starting the test binaries without running a test, $(seconds "$tests_link")"
if $cold_mode; then
  echo "3. first run $(seconds "$cold_total") (target <= 150 s): $(verdict "$cold_total" 150000); peak RSS $((cold_kb / 1024)) MiB (target <= 1229 MiB): $(verdict "$cold_kb" $((1229 * 1024)))"
  echo "   floor: (e) + (e') + (e''), compiling alone (no download, npm, synthesis or test), $(seconds "$compile_total")"
else
  echo "3. first run: bash bench/run.sh --cold"
fi

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
