#!/bin/sh
# klp4j guest runtime: the in-VM twin of the Java package dev.klp4j.runtime (the guest has
# no JRE). It follows the same algorithm as dev.klp4j.runtime.Livepatcher:
#   load:   refuse a name clash and a missing /sys/kernel/livepatch; insmod; poll
#           /sys/kernel/livepatch/NAME/transition every 10 ms; after STALL_MS name the
#           blocking tasks (/proc/PID/task/TID/patch_state != target, with their stacks)
#           and write 1 to NAME/signal (again every STALL_MS); at the timeout write 0 to
#           NAME/enabled to reverse the transition, wait for it, rmmod: system as before.
#   unload: write 0 to NAME/enabled, wait for the transition, rmmod.
# Keep the two in step: a change to one is a change to the other.
#
# Usage: klp4j-guest.sh load X.ko [TIMEOUT_S] | unload NAME | list | signal | test CONFIG | bench CONFIG
# Machine-readable lines go to $KLP4J_PROTO (default stdout) as "KLP4J <key> <value...>".

LP=/sys/kernel/livepatch
POLL_US=10000
PROTO=${KLP4J_PROTO:-/dev/stdout}

say() { echo "klp4j: $*"; }
fail() { LOAD_ERR="$*"; say "$*"; }
proto() { echo "KLP4J $*" >> "$PROTO"; [ "$PROTO" = /dev/stdout ] || echo "KLP4J $*"; }

# now_ms: milliseconds of uptime (10 ms resolution; busybox date has no %N).
now_ms() { read up _ < /proc/uptime; f=${up#*.}; f=${f#0}; echo $(( ${up%.*} * 1000 + f * 10 )); }

modname() { # the module name insmod will register: modinfo's name, else the file name with - as _
  n=$(modinfo -F name "$1" 2>/dev/null)
  [ -n "$n" ] || { n=$(basename "$1" .ko); n=$(echo "$n" | tr - _); }
  echo "$n"
}

blocking_tasks() { # $1 = target state (1 patching, 0 unpatching): print "pid comm" + stack
  for st in /proc/[0-9]*/task/[0-9]*/patch_state; do
    s=$(cat "$st" 2>/dev/null) || continue
    [ "$s" = -1 ] && continue
    [ "$s" = "$1" ] && continue
    d=${st%/patch_state}
    tid=${d##*/}
    echo "blocking task $tid $(cat "$d/comm" 2>/dev/null)"
    sed 's/^/    /' "$d/stack" 2>/dev/null
  done
}

# wait_transition NAME TARGET TIMEOUT_MS STALL_MS -> 0 done, 1 timed out
wait_transition() {
  name=$1 target=$2 limit=$3 stall=$4
  start=$(now_ms); next_stall=$((start + stall))
  while :; do
    [ -d "$LP/$name" ] || return 0
    t=$(cat "$LP/$name/transition" 2>/dev/null) || return 0
    [ "$t" = 0 ] && return 0
    now=$(now_ms)
    if [ $((now - start)) -ge "$limit" ]; then return 1; fi
    if [ "$now" -ge "$next_stall" ]; then
      say "'$name': transition stalled after $((now - start)) ms; blocking tasks:"
      blocking_tasks "$target"
      proto stall "$name" "$(blocking_tasks "$target" | grep -c '^blocking task')"
      if [ -e "$LP/$name/signal" ]; then echo 1 > "$LP/$name/signal" && say "'$name': signalled blocking tasks"
      else say "'$name': this kernel signals blocking tasks itself (no $name/signal since Linux 5.1)"; fi
      next_stall=$((now + stall))
    fi
    usleep $POLL_US
  done
}

# transition_us NAME VERB: kernel's own duration from dmesg ("starting VERB transition" -> "VERB complete")
transition_us() {
  dmesg | awk -v n="'$1':" -v v="$2" '
    function ts(l) { sub(/^\[ */, "", l); sub(/\].*/, "", l); return l }
    index($0, n " starting " v " transition") { s = ts($0) }
    index($0, n " " v " complete") && s != "" { e = ts($0) }
    END { if (s != "" && e != "") printf "%d\n", (e - s) * 1000000 }'
}

cmd_load() {
  ko=$1 timeout_s=${2:-60}
  [ -f "$ko" ] || { fail "$ko: no such file"; return 2; }
  [ -d "$LP" ] || { fail "this kernel has no $LP (needs CONFIG_LIVEPATCH=y)"; return 2; }
  name=$(modname "$ko")
  if [ -d "$LP/$name" ] || [ -d "/sys/module/$name" ]; then
    fail "'$name' is already loaded (name clash): unload it first"; return 2
  fi
  want=$(uname -r); vm=$(modinfo -F vermagic "$ko" 2>/dev/null); vm=${vm%% *}
  if [ -n "$vm" ] && [ "$vm" != "$want" ]; then
    fail "$ko was built for kernel $vm, this is $want (vermagic): rebuild it for $want"; return 2
  fi
  limit=$((timeout_s * 1000)); stall=$((limit / 4)); [ $stall -gt 2000 ] && stall=2000
  t0=$(now_ms)
  if ! out=$(insmod "$ko" 2>&1); then
    fail "insmod failed: $out"; dmesg | tail -n 5; return 1
  fi
  if [ ! -d "$LP/$name" ]; then
    if [ "$(modinfo -F livepatch "$ko" 2>/dev/null)" = Y ]; then
      fail "'$name': loaded but registered no livepatch; unloaded it"; rmmod "$name"; return 1
    fi
    say "'$name': loaded (not a livepatch)"; return 0
  fi
  if wait_transition "$name" 1 "$limit" "$stall"; then
    t1=$(now_ms); us=$(transition_us "$name" patching)
    proto transition "$name" "${us:-$(( (t1 - t0) * 1000 ))}" "$((t1 - t0))"
    say "'$name': patched (transition ${us:-?} us, load $((t1 - t0)) ms)"
    return 0
  fi
  say "'$name': transition did not finish in ${timeout_s} s; reversing it. Blocking tasks:"
  blocking_tasks 1
  proto blocked "$name" "$(blocking_tasks 1 | sed -n 's/^blocking task //p' | tr '\n' ' ')"
  echo 0 > "$LP/$name/enabled"
  if wait_transition "$name" 0 "$limit" "$stall"; then
    # whether a reversed patch stays enabled depends on the kernel: disable it outright if so
    if [ -d "$LP/$name" ] && [ "$(cat "$LP/$name/enabled" 2>/dev/null)" = 1 ]; then
      echo 0 > "$LP/$name/enabled"; wait_transition "$name" 0 "$limit" "$stall"
    fi
    i=0; while [ -d "$LP/$name" ] && [ $i -lt $((limit / 10)) ]; do usleep $POLL_US; i=$((i + 1)); done
    if rmmod "$name"; then
      fail "'$name': transition timed out after ${timeout_s} s; reversed and unloaded, the system is as before"
      proto reversed "$name"
    else
      fail "'$name': transition timed out; reversed, but rmmod failed"
    fi
  else
    fail "'$name': transition timed out and the reverse transition is stuck too; the patch stays loaded"
  fi
  return 1
}

cmd_unload() {
  name=$1 timeout_s=${2:-60}
  if [ ! -d "/sys/module/$name" ]; then say "'$name' is not loaded"; return 2; fi
  limit=$((timeout_s * 1000)); stall=$((limit / 4)); [ $stall -gt 2000 ] && stall=2000
  if [ -d "$LP/$name" ]; then
    t0=$(now_ms)
    # writing 0 disables an applied patch, or reverses a patching transition still under way
    if [ "$(cat "$LP/$name/enabled")" = 1 ]; then
      echo 0 > "$LP/$name/enabled" || { say "'$name': cannot disable"; return 1; }
    fi
    wait_transition "$name" 0 "$limit" "$stall" || { say "'$name': unpatching did not finish"; return 1; }
    t1=$(now_ms); us=$(transition_us "$name" unpatching)
    proto untransition "$name" "${us:-$(( (t1 - t0) * 1000 ))}" "$((t1 - t0))"
  fi
  # the sysfs directory goes away asynchronously once the patch is freed
  i=0; while [ -d "$LP/$name" ] && [ $i -lt $((limit / 10)) ]; do usleep $POLL_US; i=$((i + 1)); done
  rmmod "$name" || { say "rmmod $name failed"; return 1; }
  say "'$name': unloaded"
}

cmd_list() {
  for d in "$LP"/*; do
    [ -d "$d" ] || continue
    echo "$(basename "$d") enabled=$(cat "$d/enabled") transition=$(cat "$d/transition")"
  done
}

cmd_signal() {
  for d in "$LP"/*; do
    [ "$(cat "$d/transition" 2>/dev/null)" = 1 ] || continue
    if [ -e "$d/signal" ]; then echo 1 > "$d/signal" && say "signalled $(basename "$d")"
    else say "this kernel signals the tasks blocking $(basename "$d") itself (every 15 s)"; fi
  done
  return 0
}

# The harness sequence. CONFIG defines TIMEOUT, CHECK and PATCHES (space-separated .ko paths).
phase() { d=$(echo "$3" | tr '\n' ' '); proto phase "$1" "$2" "$d"; say "phase $1: $2${d:+ ($d)}"; }
# run_check: 0 passed, 1 failed, 2 did not finish within TIMEOUT seconds (output in /tmp/check.out)
run_check() {
  timeout -k 2 "$TIMEOUT" "$CHECK" > /tmp/check.out 2>&1
  rc=$?
  case $rc in 0) return 0 ;; 124|137|143) return 2 ;; *) return 1 ;; esac
}
cmd_test() {
  . "$1"
  failed=0
  base=$(dmesg | wc -l)
  run_check; rc=$?
  if [ $rc = 0 ]; then phase check-before fail "check passed before any patch was loaded"; failed=1
  elif [ $rc = 2 ]; then phase check-before fail "check did not finish in $TIMEOUT s"; failed=1
  else phase check-before pass "check fails on the unpatched kernel"; fi
  loaded=""
  if [ $failed = 0 ]; then
    for ko in $PATCHES; do
      if cmd_load "$ko" "$TIMEOUT"; then loaded="$(modname "$ko") $loaded"
      else phase load fail "${ko##*/}: $LOAD_ERR"; failed=1; break; fi
    done
    [ $failed = 0 ] && phase load pass "$(echo $loaded)"
  fi
  if [ $failed = 0 ]; then
    run_check; rc=$?
    if [ $rc = 0 ]; then phase check-loaded pass "check passes with the patches active: $(head -n 1 /tmp/check.out | head -c 200)"
    elif [ $rc = 2 ]; then phase check-loaded fail "check did not finish in $TIMEOUT s"; failed=1
    else phase check-loaded fail "check failed with the patches loaded: $(head -c 200 /tmp/check.out)"; failed=1; fi
  fi
  ufail=0
  for n in $loaded; do
    cmd_unload "$n" "$TIMEOUT" || { phase unload fail "$n"; ufail=1; failed=1; }
  done
  if [ -n "$loaded" ] && [ $ufail = 0 ]; then phase unload pass "$(echo $loaded)"; fi
  # even after a failed load (reversed and unloaded), the check must fail again: system as before
  run_check; rc=$?
  if [ $rc = 0 ]; then phase check-after fail "check still passes after unloading"; failed=1
  elif [ $rc = 2 ]; then phase check-after fail "check did not finish in $TIMEOUT s"; failed=1
  else phase check-after pass "check fails again after unloading"; fi
  bad=$(dmesg | tail -n +$((base + 1)) | grep -E 'WARNING:|BUG:|Oops|livepatch: failed|cut here' | head -n 5)
  if [ -n "$bad" ]; then phase dmesg fail "$(echo "$bad" | head -n 1)"; failed=1
  else phase dmesg pass "no WARN, BUG, Oops or livepatch failure"; fi
  if [ $failed != 0 ]; then
    proto dmesg-begin
    dmesg | tail -n +$((base + 1)) | tail -n 200 >> "$PROTO"
    proto dmesg-end
  fi
  if [ $failed = 0 ]; then proto result pass; else proto result fail; fi
  return $failed
}

# Benchmark: load and unload the patches RUNS times on an otherwise idle guest.
cmd_bench() {
  . "$1"
  failed=0
  for i in $(seq 1 "${RUNS:-5}"); do
    loaded=""
    for ko in $PATCHES; do
      if cmd_load "$ko" "$TIMEOUT"; then loaded="$(modname "$ko") $loaded"; else failed=1; break; fi
    done
    for n in $loaded; do cmd_unload "$n" "$TIMEOUT" || failed=1; done
    [ $failed = 0 ] || break
    # the kernel's messages are how transition_us times a run: start each run with a clean log
    dmesg -c > /dev/null
  done
  if [ $failed = 0 ]; then phase bench pass "${RUNS:-5} runs"; proto result pass
  else phase bench fail "run $i"; proto dmesg-begin; dmesg | tail -n 100 >> "$PROTO"; proto dmesg-end; proto result fail; fi
  return $failed
}

case "$1" in
  load) shift; cmd_load "$@" ;;
  unload) shift; cmd_unload "$@" ;;
  list) cmd_list ;;
  signal) cmd_signal ;;
  test) shift; cmd_test "$@" ;;
  bench) shift; cmd_bench "$@" ;;
  *) echo "usage: klp load X.ko [TIMEOUT_S] | unload NAME | list | signal" >&2; exit 2 ;;
esac
