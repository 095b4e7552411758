#!/usr/bin/env bash
# Runs a one-node gpufleet agent on a real NVIDIA host for a short while, under a GPU load, and keeps
# what it reported: the live readings must come from the long-lived `nvidia-smi -lms` loop and move
# with the load. Usage: agent-on-gpu.sh OUTDIR [gpufleet]. Needs python3 with torch for the load.
set -u
out=${1:?OUTDIR}; gf=${2:-gpufleet}
mkdir -p "$out"
export GPUFLEET_HOME=$(mktemp -d)
"$gf" agent --log-level info >"$out/agent.log" 2>&1 & agent=$!
for _ in $(seq 1 60); do curl -sf http://127.0.0.1:7700/healthz >/dev/null && break; sleep 0.5; done
curl -s http://127.0.0.1:7700/api/inventory >"$out/inventory-idle.json"
python3 - <<'PY' >"$out/load.txt" 2>&1 &
import time, torch
a = torch.randn(8192, 8192, device='cuda', dtype=torch.bfloat16); b = torch.randn_like(a)
keep = torch.empty(int(20 * 2**30) // 2, dtype=torch.bfloat16, device='cuda')
t = time.time()
while time.time() - t < 12: (a @ b); torch.cuda.synchronize()
print('done')
PY
load=$!
for i in 1 2 3 4 5 6; do sleep 2; curl -s http://127.0.0.1:7700/api/inventory >"$out/inventory-load-$i.json"; done
wait $load
curl -s http://127.0.0.1:7700/metrics >"$out/metrics.txt"
ps -o pid,args --ppid $agent >"$out/children.txt" 2>&1; pgrep -a nvidia-smi >>"$out/children.txt"
kill $agent; wait $agent
ls -la "$out"
