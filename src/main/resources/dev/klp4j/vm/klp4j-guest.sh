#!/bin/sh
# klp4j guest runtime: runs the harness sequence in the VM. Livepatches are loaded and unloaded
# by klp4j's own Java runtime (dev.klp4j.runtime.Livepatcher, 'klp4j load/unload/info'), run
# with the host's JRE chrooted into the host's root, which /init mounts read-only at /host
# (the config names the java binary and the class path, host paths).
#
# Fallback only: when the guest cannot run Java (no /host share, no JRE there), the shell twin
# below does the same steps, and every phase detail says so. It follows the same algorithm as
# dev.klp4j.runtime.Livepatcher:
#   load:   refuse a name clash and a missing /sys/kernel/livepatch; insmod; poll
#           /sys/kernel/livepatch/NAME/transition every 10 ms; after STALL_MS name the
#           blocking tasks (/proc/PID/task/TID/patch_state != target, with their stacks)
#           and write 1 to NAME/signal (again every STALL_MS); at the timeout write 0 to
#           NAME/enabled to reverse the transition, wait for it, rmmod: system as before.
#   unload: write 0 to NAME/enabled, wait for the transition, rmmod.
# Keep the two in step: a change to one is a change to the other.
# A --module that is no livepatch (a test helper) is insmod'ed/rmmod'ed by the shell either way.
#
# Usage: klp4j-guest.sh load X.ko [TIMEOUT_S] | unload NAME | list | signal | java KLP4J-ARGS...
#        | test CONFIG | bench CONFIG
# Machine-readable lines go to $KLP4J_PROTO (default stdout) as "KLP4J <key> <value...>".

LP=/sys/kernel/livepatch
POLL_US=10000
PROTO=${KLP4J_PROTO:-/dev/stdout}

say() { echo "klp4j: $*"; }
fail() { LOAD_ERR="$*"; say "$*"; }
proto() { echo "KLP4J $*" >> "$PROTO"; [ "$PROTO" = /dev/stdout ] || echo "KLP4J $*"; }

# now_ms: milliseconds of uptime (10 ms resolution; busybox date has no %N).
now_ms() { read up _ < /proc/uptime; f=${up#*.}; f=${f#0}; echo $(( ${up%.*} * 1000 + f * 10 )); }

modname() { # the module name insmod will register: modinfo's name, else the file's (NN-NAME.ko, NAME as modinfo has it)
  # busybox modinfo needs /lib/modules/$(uname -r), which a guest without the host's share lacks.
  n=$(modinfo -F name "$1" 2>/dev/null)
  [ -n "$n" ] || { n=$(basename "$1" .ko); n=${n#[0-9][0-9]-}; n=$(echo "$n" | tr - _); }
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

# held_by TARGET NAME: the blocking tasks in one line, as the Java runtime names them: "task TID
# (COMM) in FRAME, ...", FRAME the first of the stack in a function patch NAME replaces (what the
# transition waits for), else the stack's top; those in a patched function first, five at most.
held_by() {
  fns=$(for d in "$LP/$2"/*/*/; do [ -d "$d" ] || continue; b=${d%/}; b=${b##*/}; echo "${b%,*}"; done)
  blocking_tasks "$1" | awk -v fns="$fns" '
    function flush() {
      if (tid == "") return
      d = tid " (" comm ")" (hit != "" ? " in " hit : (top != "" ? " in " top : ""))
      if (hit != "") a[na++] = d; else b[nb++] = d
      tid = ""
    }
    BEGIN { n = split(fns, f, "\n"); for (i = 1; i <= n; i++) p[f[i]] = 1 }
    /^blocking task / { flush(); tid = $3; comm = $0; sub(/^blocking task [0-9]+ /, "", comm); top = ""; hit = ""; next }
    { fr = $0; sub(/^ +/, "", fr); fn = fr; sub(/^\[<[^>]*>\] /, "", fn); sub(/[+ ].*/, "", fn)
      if (top == "") top = fr
      if (hit == "" && (fn in p)) hit = fr }
    END {
      flush()
      for (i = 0; i < nb; i++) a[na++] = b[i]
      if (na == 0) { print "no task we could see"; exit }
      s = "task " a[0]
      for (i = 1; i < na && i < 5; i++) s = s ", " a[i]
      if (na > 5) s = s " and " (na - 5) " more"
      print s
    }'
}

# wait_transition NAME TARGET TIMEOUT_MS STALL_MS -> 0 done, 1 timed out
wait_transition() {
  name=$1 target=$2 limit=$3 stall=$4
  start=$(now_ms); next_stall=$((start + stall)); stalled=0
  while :; do
    [ -d "$LP/$name" ] || return 0
    t=$(cat "$LP/$name/transition" 2>/dev/null) || return 0
    [ "$t" = 0 ] && return 0
    now=$(now_ms); timed_out=0
    [ $((now - start)) -ge "$limit" ] && timed_out=1
    # As the Java runtime: a stall is reported at least once, also when the first poll comes late.
    if [ $timed_out = 1 ] && [ $stalled = 1 ]; then return 1; fi
    if [ $timed_out = 1 ] || [ "$now" -ge "$next_stall" ]; then
      stalled=1 HELD=$(held_by "$target" "$name")
      say "'$name': transition stalled after $((now - start)) ms; blocking tasks: $HELD"
      blocking_tasks "$target"
      proto stall "$name" "$(blocking_tasks "$target" | grep -c '^blocking task')" "$HELD"
      if [ -e "$LP/$name/signal" ]; then echo 1 > "$LP/$name/signal" && say "'$name': signalled blocking tasks"
      else say "'$name': this kernel signals blocking tasks itself (no $name/signal since Linux 5.1)"; fi
      [ $timed_out = 1 ] && return 1
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
    [ $stalled = 1 ] && LOAD_NOTE="'$name' patched in $((t1 - t0)) ms, held up by $HELD"
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
    [ $stalled = 1 ] && UNLOAD_NOTE="'$name' unpatched in $((t1 - t0)) ms, held up by $HELD"
  fi
  # the sysfs directory goes away asynchronously once the patch is freed
  i=0; while [ -d "$LP/$name" ] && [ $i -lt $((limit / 10)) ]; do usleep $POLL_US; i=$((i + 1)); done
  # a permanent module (no exit: it carries tables running code may point into) stays until reboot
  if grep -q "^$name .*\[permanent\]" /proc/modules; then
    UNLOAD_NOTE="'$name' unpatched; its permanent module stays loaded"; say "$UNLOAD_NOTE"; return 0
  fi
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


# ---- klp4j's Java runtime, chrooted into the host's root ----
HOST=/host
# The interpreter only: under TCG a JIT's compiles cost more than they save in a command this short
# (klp4j list --json: 11 s interpreted, 16 s with C1).
JAVA_OPTS="-Xint -XX:+UseSerialGC -XX:-UsePerfData -Djava.io.tmpdir=/run/klp4j/tmp"

# java_unusable: prints why the Java runtime cannot run here (nothing when it can)
java_unusable() {
  if [ -z "$JAVA" ]; then echo "asked for"
  elif [ ! -d "$HOST/proc/self" ]; then echo "the host root is not shared at $HOST"
  elif [ ! -x "$HOST$JAVA" ]; then echo "$JAVA is missing from the host root"
  elif [ ! -d "$HOST/run/klp4j/patches" ]; then echo "no writable $HOST/run"
  fi
}
# jklp ARGS...: klp4j's CLI (dev.klp4j.cli.Main) in the chroot; stdout/stderr as the CLI's own
jklp() {
  # shellcheck disable=SC2086
  chroot "$HOST" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    LANG=C.UTF-8 HOME=/run/klp4j/tmp "$JAVA" $JAVA_OPTS -cp "$JAVA_CP" dev.klp4j.cli.Main "$@"
}
# json_num KEY FILE: the first number KEY has in the CLI's (indented) JSON
json_num() { sed -n "s/.*\"$1\" *: *\([0-9][0-9]*\).*/\1/p" "$2" | head -n 1; }

# java_stalls NAME ERRFILE: a "stall NAME COUNT TASKS" line for each stall report of the Java
# runtime's log ("...transition stalled after N ms; blocking tasks: TASKS; ...", then one line
# "klp4j:   PID COMM:" per task, with its stack)
java_stalls() {
  awk '/transition stalled after/ { if (n) print c "|" h; n = 1; c = 0; h = $0
         sub(/.*; blocking tasks: /, "", h); sub(/; (signalling them|this kernel signals them itself).*$/, "", h); next }
       n && /^klp4j:   [0-9]+ .*:$/ { c++ } END { if (n) print c "|" h }' "$2" |
    while IFS='|' read c h; do proto stall "$1" "$c" "$h"; done
}
# java_held ERRFILE: the tasks the last stall report of the Java runtime's log names, if any
java_held() {
  sed -n 's/.*transition stalled after [0-9]* ms; blocking tasks: //p' "$1" | tail -n 1 |
    sed -e 's/; signalling them$//' -e 's/; this kernel signals them itself.*$//'
}

# java_load X.ko TIMEOUT_S: 'klp4j load X.ko --json'; sets LOAD_ERR on failure, LOAD_NOTE on success
java_load() {
  ko=$1 timeout_s=${2:-60}
  name=$(modname "$ko")
  cp "$ko" "$HOST/run/klp4j/patches/" || { fail "cannot copy $ko into $HOST/run/klp4j/patches"; return 1; }
  t0=$(now_ms)
  jklp load "/run/klp4j/patches/${ko##*/}" --timeout "$timeout_s" --json > /tmp/jload.out 2> /tmp/jload.err
  rc=$?
  t1=$(now_ms)
  cat /tmp/jload.err
  java_stalls "$name" /tmp/jload.err
  if [ $rc = 0 ]; then
    ms=$(json_num transitionMs /tmp/jload.out); us=$(transition_us "$name" patching)
    proto transition "$name" "${us:-$(( ${ms:-0} * 1000 ))}" "${ms:-0}"
    LOAD_NOTE="'$name' transition complete in ${ms:-?} ms (kernel ${us:-?} us; JVM start and load $((t1 - t0)) ms)"
    held=$(java_held /tmp/jload.err); [ -n "$held" ] && LOAD_NOTE="$LOAD_NOTE, held up by $held"
    say "klp4j load (Java runtime): $LOAD_NOTE"
    return 0
  fi
  LOAD_ERR=$(sed -n 's/^klp4j: //p' /tmp/jload.err | tail -n 1)
  [ -n "$LOAD_ERR" ] || LOAD_ERR="klp4j load exited $rc: $(head -c 200 /tmp/jload.err /tmp/jload.out)"
  case "$LOAD_ERR" in
    *"reversed and unloaded it"*)
      # the tasks named by the last stall report before the reversal are the ones that blocked it
      # at the timeout (the reversal, which takes up to a second of the kernel's transition work,
      # may report stalls of its own, naming the tasks not yet switched back)
      proto blocked "$name" "$(awk '/transition did not finish in .*reversing it/ { exit }
        /transition stalled after/ { b = "" }
        /^klp4j:   [0-9]+ .*:$/ { sub(/^klp4j:   /, ""); sub(/:$/, ""); b = b (b == "" ? "" : " ") $0 }
        END { print b }' /tmp/jload.err)"
      proto reversed "$name" ;;
  esac
  return 1
}

# java_unload NAME TIMEOUT_S: 'klp4j unload NAME --json'
java_unload() {
  name=$1 timeout_s=${2:-60}
  t0=$(now_ms)
  jklp unload "$name" --timeout "$timeout_s" --json > /tmp/junload.out 2> /tmp/junload.err
  rc=$?
  t1=$(now_ms)
  cat /tmp/junload.err
  java_stalls "$name" /tmp/junload.err
  if [ $rc = 0 ]; then
    ms=$(json_num transitionMs /tmp/junload.out); us=$(transition_us "$name" unpatching)
    proto untransition "$name" "${us:-$(( ${ms:-0} * 1000 ))}" "${ms:-0}"
    UNLOAD_NOTE="'$name' unpatched in ${ms:-?} ms (kernel ${us:-?} us; JVM start and unload $((t1 - t0)) ms)"
    held=$(java_held /tmp/junload.err); [ -n "$held" ] && UNLOAD_NOTE="$UNLOAD_NOTE, held up by $held"
    grep -q '"moduleKept" : true' /tmp/junload.out && UNLOAD_NOTE="$UNLOAD_NOTE; its permanent module stays loaded"
    say "klp4j unload (Java runtime): $UNLOAD_NOTE"
    return 0
  fi
  UNLOAD_ERR=$(sed -n 's/^klp4j: //p' /tmp/junload.err | tail -n 1)
  return 1
}

is_livepatch() { [ "$(modinfo -F livepatch "$1" 2>/dev/null)" = Y ]; }

# rt_load X.ko TIMEOUT / rt_unload NAME TIMEOUT: the Java runtime for livepatches when the guest
# can run it, else (and for helper modules that are no livepatch) the shell twin
rt_load() {
  LOAD_NOTE=""
  if is_livepatch "$1" && [ -z "$NOJAVA" ]; then java_load "$@"; return; fi
  cmd_load "$@"
}
rt_unload() {
  UNLOAD_NOTE="" UNLOAD_ERR=""
  if [ -d "$LP/$1" ] && [ -z "$NOJAVA" ]; then java_unload "$@"; return; fi
  cmd_unload "$@"
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
  NOJAVA=$(java_unusable)
  if [ -z "$NOJAVA" ]; then RT="Java runtime"; elif [ -z "$JAVA" ]; then RT="shell runtime"; else RT="shell runtime: no Java in the guest, $NOJAVA"; fi
  loaded="" notes=""
  if [ $failed = 0 ]; then
    for ko in $PATCHES; do
      if rt_load "$ko" "$TIMEOUT"; then
        loaded="$(modname "$ko") $loaded"
        [ -n "$LOAD_NOTE" ] && notes="${notes:+$notes; }$LOAD_NOTE"
      else phase load fail "${ko##*/}: $LOAD_ERR (klp4j load, $RT)"; failed=1; break; fi
    done
    [ $failed = 0 ] && phase load pass "klp4j load ($RT): ${notes:-$(echo $loaded)}"
  fi
  # what 'klp4j info NAME --json' sees of each loaded livepatch (one line each)
  if [ $failed = 0 ] && [ -z "$NOJAVA" ]; then
    for n in $loaded; do
      [ -d "$LP/$n" ] || continue
      jklp info "$n" --json > /tmp/jinfo.out 2> /tmp/jinfo.err || cat /tmp/jinfo.err
      proto info "$n" "$(tr '\n' ' ' < /tmp/jinfo.out | tr -s ' ')"
    done
  fi
  if [ $failed = 0 ]; then
    run_check; rc=$?
    if [ $rc = 0 ]; then phase check-loaded pass "check passes with the patches active: $(head -n 1 /tmp/check.out | head -c 200)"
    elif [ $rc = 2 ]; then phase check-loaded fail "check did not finish in $TIMEOUT s"; failed=1
    else phase check-loaded fail "check failed with the patches loaded: $(head -c 200 /tmp/check.out)"; failed=1; fi
  fi
  ufail=0 unotes=""
  for n in $loaded; do
    if rt_unload "$n" "$TIMEOUT"; then [ -n "$UNLOAD_NOTE" ] && unotes="${unotes:+$unotes; }$UNLOAD_NOTE"
    else phase unload fail "$n${UNLOAD_ERR:+: $UNLOAD_ERR} (klp4j unload, $RT)"; ufail=1; failed=1; fi
  done
  if [ -n "$loaded" ] && [ $ufail = 0 ]; then phase unload pass "klp4j unload ($RT): ${unotes:-$(echo $loaded)}"; fi
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
  NOJAVA=$(java_unusable)
  if [ -z "$NOJAVA" ]; then RT="Java runtime"; elif [ -z "$JAVA" ]; then RT="shell runtime"; else RT="shell runtime: no Java in the guest, $NOJAVA"; fi
  for i in $(seq 1 "${RUNS:-5}"); do
    loaded=""
    for ko in $PATCHES; do
      if rt_load "$ko" "$TIMEOUT"; then loaded="$(modname "$ko") $loaded"; else failed=1; break; fi
    done
    for n in $loaded; do rt_unload "$n" "$TIMEOUT" || failed=1; done
    [ $failed = 0 ] || break
    # the kernel's messages are how transition_us times a run: start each run with a clean log
    dmesg -c > /dev/null
  done
  if [ $failed = 0 ]; then phase bench pass "${RUNS:-5} runs (klp4j load/unload, $RT)"; proto result pass
  else phase bench fail "run $i"; proto dmesg-begin; dmesg | tail -n 100 >> "$PROTO"; proto dmesg-end; proto result fail; fi
  return $failed
}

# interactive use ('klp' in 'klp4j vm shell'): the same choice of runtime as the sequence
if [ "$1" = load ] || [ "$1" = unload ] || [ "$1" = java ]; then
  [ -f /klp4j/config ] && . /klp4j/config
  NOJAVA=$(java_unusable)
  [ -z "$NOJAVA" ] || say "shell runtime: no Java in the guest, $NOJAVA"
fi
case "$1" in
  load) shift; rt_load "$@" ;;
  unload) shift; rt_unload "$@" ;;
  java) shift; [ -z "$NOJAVA" ] && jklp "$@" ;;
  list) cmd_list ;;
  signal) cmd_signal ;;
  test) shift; cmd_test "$@" ;;
  bench) shift; cmd_bench "$@" ;;
  *) echo "usage: klp load X.ko [TIMEOUT_S] | unload NAME | list | signal | java KLP4J-ARGS..." >&2; exit 2 ;;
esac
