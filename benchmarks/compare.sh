#!/usr/bin/env bash
# Hearth against the reference (llama.cpp) on this machine, side by side, in one run.
#
#   benchmarks/compare.sh [--types q4_0,q8_0,q4_k_m,q6_k] [--threads 1,2] [--rounds 3] [--depth 4096|0] [--shape llama-1b]
#
# 1. synthesises the model files (--shape: any `hearth synth --shape`, e.g. qwen3moe-2b, gemma3-1b) with `hearth synth` (once; cached in $HEARTH_BENCH_CACHE,
#    default ~/.cache/hearth-bench), 2. builds the reference with ../shared/reference/llama.cpp/build.sh
#    (once), 3. measures the streaming-read bandwidth with 1 and 2 threads (bandwidth.c), 4. alternates
#    llama-bench and hearth bench on the same file for every round, type and thread count:
#    pp128, tg32, and at --depth (default 4096) pp512 and tg128, 5. prints one markdown table:
#    min/median/max per side, the ratio of medians (Hearth / reference) and tg as a percentage of
#    the bandwidth limit (bandwidth / file bytes). Progress goes to stderr, the table to stdout.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
shared="${HEARTH_SHARED:-$(cd "$root/.." && pwd)/shared}"
cache="${HEARTH_BENCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/hearth-bench}"
types="q4_0,q8_0,q4_k_m,q6_k"; threads="1,2"; rounds=3; depth=4096; shape="llama-1b"

usage() { sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
while (( $# )); do
  case "$1" in
    --types) types="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    --depth) depth="$2"; shift 2 ;;
    --shape) shape="$2"; shift 2 ;;
    -h|--help) usage ;;
    *) echo "compare.sh: unknown argument '$1'" >&2; usage ;;
  esac
done
[[ "$shape" =~ ^[a-z0-9.-]+$ ]] || { echo "compare.sh: --shape must be a synth shape name" >&2; exit 2; }
[[ "$rounds" =~ ^[1-9][0-9]*$ ]] || { echo "compare.sh: --rounds must be a positive number" >&2; exit 2; }
[[ "$depth" =~ ^[0-9]+$ ]] || { echo "compare.sh: --depth must be a number of tokens" >&2; exit 2; }
[[ "$threads" =~ ^[1-9][0-9]*(,[1-9][0-9]*)*$ ]] || { echo "compare.sh: --threads must be a comma-separated list" >&2; exit 2; }
[[ -d "$shared/models" ]] || { echo "compare.sh: test data not found at $shared (set HEARTH_SHARED)" >&2; exit 2; }
command -v python3 >/dev/null || { echo "compare.sh: python3 is needed for the table" >&2; exit 2; }
mkdir -p "$cache"
log() { echo "compare.sh: $*" >&2; }

hearth="$root/hearth"
"$hearth" --version >/dev/null

declare -A file_of
IFS=, read -ra type_list <<< "$types"
for t in "${type_list[@]}"; do
  upper="${t^^}"
  case "$upper" in Q4_0|Q8_0|Q4_K_M|Q6_K|Q5_0|Q5_K_M|Q4_1|Q5_1|Q3_K_M|Q2_K|F16|BF16) ;; *) echo "compare.sh: unknown type '$t'" >&2; exit 2 ;; esac
  f="$cache/$shape-$t.gguf"
  if [[ ! -s "$f" ]]; then
    log "synthesising $f"
    "$hearth" synth --shape "$shape" --type "$upper" --vocab "$shared/tokenizer/ggml-vocab-llama-spm.gguf" -o "$f.tmp" >&2
    mv "$f.tmp" "$f"
  fi
  file_of[$t]="$f"
done

log "building the reference (first time: ~10 minutes on 2 cores)"
ref_bin="$(bash "$shared/reference/llama.cpp/build.sh" | tail -1)"
[[ -x "$ref_bin/llama-bench" ]] || { echo "compare.sh: reference build failed" >&2; exit 1; }

bw="$cache/bandwidth"
if [[ ! -x "$bw" || "$root/benchmarks/compare/bandwidth.c" -nt "$bw" ]]; then
  cc -O3 -march=native -pthread "$root/benchmarks/compare/bandwidth.c" -o "$bw"
fi

results="$(mktemp)"; trap 'rm -f "$results"' EXIT
IFS=, read -ra thread_list <<< "$threads"
for n in 1 2; do
  log "bandwidth, $n thread(s)"
  echo "bandwidth $n $("$bw" "$n" 1024)" >> "$results"
done

# One sample per (side, type, threads, test) per round; the reference and Hearth alternate on each
# combination so a phase of the machine hits both alike.
for ((round = 1; round <= rounds; round++)); do
  for t in "${type_list[@]}"; do
    f="${file_of[$t]}"
    for th in "${thread_list[@]}"; do
      log "round $round/$rounds: $t, $th thread(s)"
      "$ref_bin/llama-bench" -m "$f" -t "$th" -p 128 -n 32 -r 1 -o jsonl 2>/dev/null | sed "s/^/ref $t $th /" >> "$results"
      "$hearth" bench "$f" -t "$th" -p 128 -n 32 -r 1 | grep '^| ' | sed "s/^/hearth $t $th /" >> "$results"
      if (( depth > 0 )); then
        "$ref_bin/llama-bench" -m "$f" -t "$th" -p 512 -n 128 -d "$depth" -r 1 -o jsonl 2>/dev/null | sed "s/^/ref $t $th /" >> "$results"
        "$hearth" bench "$f" -t "$th" -p 512 -n 128 -d "$depth" -r 1 | grep '^| ' | sed "s/^/hearth $t $th /" >> "$results"
      fi
    done
  done
done

declare -A sizes
for t in "${type_list[@]}"; do sizes[$t]=$(stat -c %s "${file_of[$t]}"); done
size_args=(); for t in "${type_list[@]}"; do size_args+=("$t=${sizes[$t]}"); done
cpu="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
flags="$(grep -m1 '^flags' /proc/cpuinfo | tr ' ' '\n' | grep -xE 'avx2|avx512f|avx512_vnni|avx_vnni' | sort -u | paste -sd' ' -)"
cp "$results" "$cache/last-compare-$shape.txt"   # the raw samples, to re-read or re-tabulate later
echo "Model shape: $shape (hearth synth, random weights; the same file for both sides)"
python3 "$root/benchmarks/compare/table.py" "$results" "$cpu" "$flags" "$rounds" "${size_args[@]}"
