#!/usr/bin/env bash
# `gpufleet service install` under a real systemd (`pnpm test:service`, root): boots a debootstrapped
# Debian 12 under systemd-nspawn — systemd as the container's own PID 1, even on a host whose PID 1
# is not systemd — and drives it with nsenter. Installs the packed `gpufleet` tarball into the
# container's /usr/local as `sudo npm install -g` would, then checks: the refusal of an unreadable
# install place (a 0700 /root, /tmp under PrivateTmp), install → healthy, its own account, restart
# after kill -9, its lines in journald, back after a reboot of the container, uninstall leaves no unit;
# and an agent that cannot start is reported as such (exit 1, the journal's last lines), not `running`.
#
#   CACHE  where the pristine root filesystem is kept between runs (default: .cache/systemd-nspawn in
#          the repository, git-ignored; ≈90 s to build the first time, reused after)
#   CI     when set, a missing prerequisite fails instead of skipping
# Needs: root, systemd-nspawn (Debian: systemd-container), debootstrap, nsenter, node ≥ 20.19, npm,
# pnpm, and a built workspace (`pnpm -s build`).
set -euo pipefail

REPO=$(cd "$(dirname "$0")/../.." && pwd)
CACHE=${CACHE:-$REPO/.cache/systemd-nspawn}
SUITE=bookworm
MACHINE=gpufleet-sd$$
API=http://127.0.0.1:7700
PASS=0 FAIL=0 BOOTS=0 NSPAWN_PID= LEADER= WORK=
T_START=$SECONDS

log()   { printf '[+%3ds] %s\n' "$((SECONDS - T_START))" "$*"; }
ok()    { PASS=$((PASS + 1)); log "ok   - $*"; }
bad()   { FAIL=$((FAIL + 1)); log "FAIL - $*"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }
die()   { log "fatal: $*"; exit 1; }
missing() {
  if [ -n "${CI:-}" ]; then die "$* (CI=true: a missing prerequisite fails; .ci/run installs them)"; fi
  log "skipped: $* (run as root with systemd-container and debootstrap installed; CI fails instead)"; exit 0
}

[ "$(id -u)" = 0 ] || missing "test:service needs root (systemd-nspawn)"
for tool in systemd-nspawn debootstrap nsenter node npm pnpm; do command -v "$tool" >/dev/null || missing "no $tool on PATH"; done
[ -f "$REPO/packages/cli/dist/bin.js" ] || die "build first: pnpm -s build"
NODE_BIN=$(readlink -f "$(command -v node)")
# Debian's mirror as the host's apt has it (else debootstrap's default).
MIRROR=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
[ -n "$MIRROR" ] || MIRROR=$(awk '$1=="deb"{print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)

# ------------------------------------------------------------ pristine root filesystem (cached)
BASE=$CACHE/rootfs-$SUITE
if [ ! -f "$BASE/.complete" ]; then
  log "debootstrap $SUITE into $BASE"
  rm -rf "$BASE"; mkdir -p "$CACHE"
  debootstrap --variant=minbase --include=systemd,systemd-sysv,dbus,curl,ca-certificates,procps,iproute2 \
    "$SUITE" "$BASE" ${MIRROR:+"$MIRROR"} > "$CACHE/debootstrap.log" 2>&1 || { tail -20 "$CACHE/debootstrap.log"; die "debootstrap failed"; }
  chroot "$BASE" passwd -d root >/dev/null
  touch "$BASE/.complete"
fi

# ------------------------------------------------------------ container control
CG_NAME="nspawn-$MACHINE"
# nspawn's payload and supervisor cgroups go in a group of their own, not in the host's root cgroup.
cg_enter() {
  if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
    mkdir -p "/sys/fs/cgroup/$CG_NAME" && echo "$1" > "/sys/fs/cgroup/$CG_NAME/cgroup.procs"
  else
    local h; for h in systemd unified; do
      [ -d "/sys/fs/cgroup/$h" ] && mkdir -p "/sys/fs/cgroup/$h/$CG_NAME" && echo "$1" > "/sys/fs/cgroup/$h/$CG_NAME/cgroup.procs"
    done
  fi
  return 0
}
cg_cleanup() {
  local d; for d in "/sys/fs/cgroup/$CG_NAME" "/sys/fs/cgroup/systemd/$CG_NAME" "/sys/fs/cgroup/unified/$CG_NAME"; do
    [ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
  done
  return 0
}
# A command inside the container: all its namespaces, a clean environment.
cx() {
  nsenter -t "$LEADER" -a -- /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    HOME=/root LANG=C.UTF-8 TERM=dumb SYSTEMD_PAGER= SYSTEMD_COLORS=0 "$@"
}
container_boot() {
  BOOTS=$((BOOTS + 1)); local t0=$SECONDS st= _
  # --register=no --keep-unit: no host systemd/machined needed. --private-network: its own loopback,
  # so its 127.0.0.1:7700 cannot clash with anything on the host.
  (
    cg_enter "$BASHPID"
    exec systemd-nspawn -D "$ROOT" -M "$MACHINE" -b --register=no --keep-unit --private-network \
      --console=passive --resolv-conf=off --timezone=off --link-journal=no
  ) > "$WORK/boot$BOOTS.log" 2>&1 < /dev/null &
  NSPAWN_PID=$!
  LEADER=
  for _ in $(seq 300); do
    LEADER=$(pgrep -P "$NSPAWN_PID" -x systemd | head -1 || true)
    [ -n "$LEADER" ] && break
    kill -0 "$NSPAWN_PID" 2>/dev/null || { cat "$WORK/boot$BOOTS.log"; die "nspawn exited during boot"; }
    sleep 0.1
  done
  [ -n "$LEADER" ] || die "container init not found"
  for _ in $(seq 600); do
    st=$(cx systemctl is-system-running 2>/dev/null || true)
    case "$st" in running|degraded) break;; esac
    sleep 0.1
  done
  log "boot #$BOOTS: '$st' in $((SECONDS - t0)) s"
  [ "$st" = degraded ] && cx systemctl --failed --no-legend || true
}
container_poweroff() {
  [ -n "$NSPAWN_PID" ] || return 0
  local _
  if [ -n "$LEADER" ]; then cx systemctl poweroff --no-block >/dev/null 2>&1 || kill -TERM "$NSPAWN_PID" 2>/dev/null || true
  else kill -TERM "$NSPAWN_PID" 2>/dev/null || true; fi
  for _ in $(seq 600); do kill -0 "$NSPAWN_PID" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$NSPAWN_PID" 2>/dev/null; then kill -TERM "$NSPAWN_PID"; sleep 3; kill -KILL "$NSPAWN_PID" 2>/dev/null || true; fi
  wait "$NSPAWN_PID" 2>/dev/null || true
  NSPAWN_PID= LEADER=
  cg_cleanup
}
cleanup() {
  local rc=$?
  container_poweroff || true
  if [ -n "$WORK" ]; then
    umount "$WORK/root" 2>/dev/null || umount -l "$WORK/root" 2>/dev/null || true
    mountpoint -q "$WORK/root" || rm -rf "$WORK"
  fi
  rm -rf "/run/systemd/nspawn/propagate/$MACHINE"
  exit "$rc"
}
trap cleanup EXIT

# ------------------------------------------------------------ this run's root: an overlay on the pristine one
WORK=$(mktemp -d /tmp/gpufleet-nspawn.XXXXXX)
mkdir -p "$WORK/upper" "$WORK/wk" "$WORK/root" "$WORK/pack"
mount -t overlay overlay -o "lowerdir=$BASE,upperdir=$WORK/upper,workdir=$WORK/wk" "$WORK/root"
ROOT=$WORK/root
echo "$MACHINE" > "$ROOT/etc/hostname"
# Debian 12 ships Node 18; gpufleet needs ≥ 20.19: the host's node binary goes in as /usr/bin/node.
install -m 0755 "$NODE_BIN" "$ROOT/usr/bin/node"

# The packed tarball, installed as `sudo npm install -g gpufleet-X.tgz` lays it out in the container:
# /usr/local/lib/node_modules/gpufleet, /usr/local/bin/gpufleet. npm runs on the host (the container
# has no network), with the registry as its only other source.
log "pnpm pack + npm install -g into the container's /usr/local"
(cd "$REPO/packages/gpufleet" && pnpm pack --pack-destination "$WORK/pack" >/dev/null)
TARBALL=$(ls "$WORK"/pack/gpufleet-*.tgz)
npm install -g --prefix "$ROOT/usr/local" --no-audit --no-fund --loglevel=error "$TARBALL" >/dev/null
INSTALLED=/usr/local/lib/node_modules/gpufleet

wait_for() { local cmd=$1 max=$2 _; for _ in $(seq $((max * 5))); do eval "$cmd" >/dev/null 2>&1 && return 0; sleep 0.2; done; return 1; }
healthy() { cx curl -sf --max-time 2 "$API/healthz" | grep -q '"ok":true'; }
main_pid() { cx systemctl show -p MainPID --value gpufleet.service; }
no_unit() { cx test ! -e /etc/systemd/system/gpufleet.service; }
unit_inactive() { ! cx systemctl is-active -q gpufleet.service; }
api_down() { ! healthy; }
svc_running() { cx gpufleet service status --json | tr -d ' \n' | grep -q '"running":true'; }
broken_reported() { [ "$rc" = 1 ] && ! grep -q running "$WORK/broken.txt" && grep -q "but the agent is not running: no answer from $API/healthz within 20 s" "$WORK/broken.err"; }
refused_tmp() { [ "$rc" = 2 ] && grep -q 'is under /tmp, which systemd hides from the service (PrivateTmp=yes)' "$WORK/refuse-tmp.txt"; }

# ------------------------------------------------------------ the test
container_boot
check "gpufleet --version in the container" [ "$(cx gpufleet --version)" = "$(node -p "require('$REPO/packages/gpufleet/package.json').version")" ]
cx gpufleet init --dir /etc/gpufleet --name test --role coordinator --listen /ip4/127.0.0.1/tcp/7701 >/dev/null

# Refusals first: the installed package copied where the service account cannot reach it (its
# node_modules linked, not copied: thousands of files the check never looks at).
copy_package() { cx mkdir -p "$1"; cx cp -a "$INSTALLED/dist" "$INSTALLED/configs" "$INSTALLED/package.json" "$1/"; cx ln -s "$INSTALLED/node_modules" "$1/node_modules"; }
copy_package /root/gpufleet
cx chmod 0700 /root
rc=0; cx node /root/gpufleet/dist/bin.js service install > "$WORK/refuse-home.txt" 2>&1 || rc=$?
check "install from a 0700 /root is refused with exit 2" [ "$rc" = 2 ]
check "…in one line that says why (/root is mode 0700) and what to do" \
  grep -qx 'gpufleet: service install: the gpufleet account cannot reach the gpufleet program (/root/gpufleet/dist/bin.js): /root is mode 0700; install gpufleet where every account can read it.*' "$WORK/refuse-home.txt"
check "…one line only" [ "$(wc -l < "$WORK/refuse-home.txt")" = 1 ]
copy_package /tmp/gpufleet
rc=0; cx node /tmp/gpufleet/dist/bin.js service install > "$WORK/refuse-tmp.txt" 2>&1 || rc=$?
check "install from /tmp is refused with exit 2 (PrivateTmp)" refused_tmp
check "…and nothing was installed" no_unit
sed 's/^/    /' "$WORK/refuse-home.txt" "$WORK/refuse-tmp.txt"

# An agent that cannot start (its identity key unreadable): install must not say `running`.
cx chmod 0000 /etc/gpufleet/identity.key
rc=0; cx gpufleet service install > "$WORK/broken.txt" 2> "$WORK/broken.err" || rc=$?
check "an agent that does not come up: install exits 1 and does not say running" broken_reported
check "…and prints the journal's last lines (the agent's own error)" grep -q 'identity key' "$WORK/broken.err"
tail -4 "$WORK/broken.err" | sed 's/^/    /'
cx gpufleet service uninstall >/dev/null 2>&1
cx chmod 0600 /etc/gpufleet/identity.key

T_INSTALL=$SECONDS
rc=0; cx gpufleet service install > "$WORK/install.txt" 2> "$WORK/install.err" || rc=$?
sed 's/^/    /' "$WORK/install.txt"
[ "$rc" = 0 ] || { sed 's/^/    /' "$WORK/install.err"; cx journalctl -u gpufleet --no-pager -n 30 -o cat || true; }
check "service install (no --config: /etc/gpufleet) reports running only once /healthz answers" \
  grep -qx "gpufleet service installed (linux, system): running, answering $API/healthz; logs: journalctl -u gpufleet -f" "$WORK/install.txt"
log "install -> running in $((SECONDS - T_INSTALL)) s"
check "ExecStart runs the installed files" \
  cx grep -qx "ExecStart=/usr/bin/node --max-semi-space-size=1 --max-old-space-size=128 --single-threaded-gc $INSTALLED/dist/bin.js agent --config /etc/gpufleet/gpufleet.yaml" /etc/systemd/system/gpufleet.service
check "unit passes systemd-analyze verify" cx systemd-analyze verify /etc/systemd/system/gpufleet.service
check "enabled" [ "$(cx systemctl is-enabled gpufleet)" = enabled ]
check "healthy" healthy
PID1=$(main_pid)
check "runs as its own account (gpufleet)" [ "$(cx ps -o user= -p "$PID1" | tr -d ' ')" = gpufleet ]
check "one process, with the agent's V8 flags" cx grep -q -- '--max-old-space-size=128' "/proc/$PID1/cmdline"
check "service status --json says running" svc_running

[ "${PID1:-0}" -gt 1 ] || die "no MainPID for gpufleet.service"
cx kill -9 "$PID1"
T_KILL=$SECONDS
check "restarted by systemd after kill -9" wait_for '[ "$(main_pid)" != 0 ] && [ "$(main_pid)" != "$PID1" ] && healthy' 30
log "kill -9 -> healthy again in $((SECONDS - T_KILL)) s"
cx journalctl -u gpufleet --no-pager -o short-monotonic > "$WORK/journal.txt"
check "journald has the agent's own lines" grep -q 'gpufleet\[[0-9]*\]: .*agent started' "$WORK/journal.txt"
check "journald recorded the SIGKILL" grep -q 'status=9/KILL' "$WORK/journal.txt"
check "journald recorded the restart" grep -q 'Scheduled restart job' "$WORK/journal.txt"

container_poweroff
container_boot
check "started again after a reboot of the container" wait_for healthy 30
check "active after the reboot" [ "$(cx systemctl is-active gpufleet)" = active ]

cx gpufleet service uninstall > "$WORK/uninstall.txt" 2>/dev/null
sed 's/^/    /' "$WORK/uninstall.txt"
check "uninstall names the real folder" grep -qx "gpufleet service removed (linux, system); the node's config and data stay in /etc/gpufleet" "$WORK/uninstall.txt"
check "no unit left" no_unit
check "not active" unit_inactive
check "API no longer answers" api_down

log "total $((SECONDS - T_START)) s (boots: $BOOTS)"
echo "test:service: $PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
