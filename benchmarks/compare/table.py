"""Turns compare.sh's raw samples into its markdown table (stdout).

Input lines: "bandwidth N threads=N best_gbs=X median_gbs=Y ...",
"ref TYPE THREADS {llama-bench jsonl}", "hearth TYPE THREADS | hearth bench row |".
"""
import json
import statistics
import sys
from collections import defaultdict
from datetime import datetime, timezone

path, cpu, flags, rounds, *size_args = sys.argv[1:]
sizes = {k: int(v) for k, v in (a.split("=", 1) for a in size_args)}
samples = defaultdict(list)  # (side, type, threads, test) -> [tokens/s]
bandwidth = {}

for line in open(path, encoding="utf-8"):
    side, rest = line.split(" ", 1)
    if side == "bandwidth":
        n, fields = rest.split(" ", 1)
        values = dict(f.split("=") for f in fields.split())
        bandwidth[int(n)] = float(values["median_gbs"])
        continue
    wtype, threads, payload = rest.split(" ", 2)
    if side == "ref":
        r = json.loads(payload)
        p, n, d = r["n_prompt"], r["n_gen"], r.get("n_depth", 0)
        test = f"pp{p}" if p else f"tg{n}"
        if d:
            test += f" @ d{d}"
        samples[("ref", wtype, int(threads), test)].append(float(r["avg_ts"]))
    else:
        cells = [c.strip() for c in payload.strip().strip("|").split("|")]
        # | model | type | size | params | threads | test | min | median | max |; skip its header and rule rows
        if len(cells) < 9 or cells[0] == "model" or cells[0].startswith("---"):
            continue
        samples[("hearth", wtype, int(threads), cells[5])].append(float(cells[7]))

def stats(values):
    return (min(values), statistics.median(values), max(values)) if values else None

def fmt(s):
    return f"{s[0]:.1f} / {s[1]:.1f} / {s[2]:.1f}" if s else "-"

keys = sorted({(t, th, test) for (_, t, th, test) in samples},
              key=lambda k: (k[0], k[1], "@" in k[2], not k[2].startswith("pp"), k[2]))
print(f"CPU: {cpu}; ISA: {flags or 'none of avx2/avx512f/avx512_vnni/avx_vnni'}; "
      f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC; {rounds} rounds")
print("streaming read bandwidth (median of 7 passes): " +
      ", ".join(f"{n} thread{'s' if n > 1 else ''} {gbs:.1f} GB/s" for n, gbs in sorted(bandwidth.items())))
print()
print("| type | threads | test | reference t/s min / median / max | Hearth t/s min / median / max | ratio of medians | tg % of bandwidth limit (ref / Hearth) |")
print("| --- | ---: | --- | ---: | ---: | ---: | ---: |")
for (wtype, threads, test) in keys:
    ref, ours = stats(samples[("ref", wtype, threads, test)]), stats(samples[("hearth", wtype, threads, test)])
    ratio = f"{ours[1] / ref[1]:.2f}x" if ref and ours and ref[1] > 0 else "-"
    limit = "-"
    gbs = bandwidth.get(threads) or bandwidth.get(max(bandwidth)) if bandwidth else None
    if test.startswith("tg") and gbs and wtype in sizes:
        ceiling = gbs * 1e9 / sizes[wtype]  # tokens/s if every weight byte is read once per token
        limit = " / ".join(f"{s[1] / ceiling * 100:.0f}%" if s else "-" for s in (ref, ours))
    print(f"| {wtype.upper()} | {threads} | {test} | {fmt(ref)} | {fmt(ours)} | {ratio} | {limit} |")
