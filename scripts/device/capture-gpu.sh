#!/usr/bin/env bash
# Captures a real NVIDIA host's outputs as test fixtures: nvidia-smi's one-shot query (current and
# legacy field lists), its loop mode (-lms) idle and under load, its error texts, the human views, and
# `gpufleet probe --json`. Usage: capture-gpu.sh OUTDIR [GPUFLEET_BIN]. Nothing here changes the GPU's
# settings; the load is a short PyTorch matrix product when python3 has torch.
set -u
out=${1:?OUTDIR}; gf=${2:-gpufleet}
mkdir -p "$out"; cd "$out" || exit 1
fields=index,uuid,name,pci.bus_id,driver_version,memory.total,memory.used,utilization.gpu,temperature.gpu,power.draw,clocks.sm,clocks.mem,compute_cap
legacy=${fields%,compute_cap}
rec() { local name=$1; shift; { timeout 30 "$@"; echo "exit=$?" >"$name.rc"; } >"$name.out" 2>"$name.err"; }
{ uname -a; nproc; grep -m1 'model name' /proc/cpuinfo; free -m; } >machine.txt 2>&1
rec smi nvidia-smi
rec smi-L nvidia-smi -L
rec smi-version nvidia-smi --version
rec query nvidia-smi --query-gpu=$fields --format=csv,noheader,nounits
rec legacy nvidia-smi --query-gpu=$legacy --format=csv,noheader,nounits
rec query-header nvidia-smi --query-gpu=$fields --format=csv
rec bad-field nvidia-smi --query-gpu=index,not_a_field --format=csv,noheader,nounits
rec bad-format nvidia-smi --query-gpu=index
rec q nvidia-smi -q
rec qx nvidia-smi -q -x
# Cost of one spawn per reading vs one long-lived loop, in CPU seconds of the child (from time(1) / proc).
{ for i in 1 2 3 4 5; do /usr/bin/time -f "%e s wall %U user %S sys" nvidia-smi --query-gpu=$fields --format=csv,noheader,nounits >/dev/null; done; } >oneshot-cost.txt 2>&1
# Loop mode idle, 4 s at 500 ms.
timeout 4 nvidia-smi --query-gpu=$fields --format=csv,noheader,nounits -lms 500 >loop-idle.csv 2>loop-idle.err
echo "exit=$?" >loop-idle.rc
# Loop mode under load: a 6 s bf16 matmul loop on the GPU while the loop reads every 250 ms.
nvidia-smi --query-gpu=$fields --format=csv,noheader,nounits -lms 250 >loop-load.csv 2>loop-load.err & lp=$!
sleep 1
python3 - <<'PY' >load.txt 2>&1
import time, torch
a = torch.randn(8192, 8192, device='cuda', dtype=torch.bfloat16); b = torch.randn_like(a)
keep = torch.empty(int(20 * 2**30) // 2, dtype=torch.bfloat16, device='cuda')  # 20 GiB held: VRAM used moves
t = time.time(); n = 0
while time.time() - t < 6: (a @ b); n += 1; torch.cuda.synchronize() if n % 50 == 0 else None
torch.cuda.synchronize(); print('matmuls', n, 'in', round(time.time() - t, 2), 's')
PY
sleep 2; kill $lp; wait $lp 2>/dev/null
# CPU the long-lived loop costs over 10 s at 1000 ms (utime+stime ticks of the nvidia-smi process).
nvidia-smi --query-gpu=$fields --format=csv,noheader,nounits -lms 1000 >/dev/null & lp=$!
sleep 1; a=$(awk '{print $14+$15}' /proc/$lp/stat); sleep 10; b=$(awk '{print $14+$15}' /proc/$lp/stat); kill $lp
echo "loop -lms 1000: $((b - a)) ticks in 10 s (CLK_TCK=$(getconf CLK_TCK))" >loop-cost.txt
# gpufleet's own view of this host.
rec probe-json "$gf" probe --json --raw-nvidia-smi probe-raw.csv
rec probe-text "$gf" probe
rec probe-text-fr env LANG=fr_FR.UTF-8 "$gf" probe
ls -la
