#!/bin/bash
# bench/alsa-threads.sh SERVER(pc|pa) [pacat args]: per-thread context switches/s with one pacat on simhw card0
# (SIMHW_LIB: the directory of the built simhw plugin; bench/alsa.sh builds it into /tmp/pcbench/alsa/simhw)
srv=$1; shift; d=/tmp/csa-$srv; rm -rf $d; mkdir -p $d/run $d/home $d/sim; chmod 700 $d/run
ROOT=$(cd "$(dirname "$0")/.." && pwd); bin=$ROOT/build-bench/pulsecompat; [ $srv = pa ] && bin=/usr/bin/pulseaudio
export ALSA_CONFIG_PATH=$ROOT/compat-tests/simhw/simhw.conf SIMHW_LIB=${SIMHW_LIB:-/tmp/pcbench/alsa/simhw} SIMHW_OUT=$d/sim
HOME=$d/home XDG_RUNTIME_DIR=$d/run $bin -n --daemonize=no --exit-idle-time=-1 --realtime=no --high-priority=no -L module-native-protocol-unix -L "module-alsa-sink device=card0 sink_name=hw0 tsched=1" >$d/log 2>&1 &
pid=$!; sleep 1
PULSE_SERVER=unix:$d/run/pulse/native pacat --device=hw0 --rate=48000 --channels=2 --format=s16le "$@" </dev/zero >/dev/null 2>&1 &
cp=$!; sleep 1.5
snap() { for t in /proc/$pid/task/*; do echo "$(cat $t/comm | tr ' ' _) $(awk '/^voluntary/ {v=$2} /^nonvoluntary/ {n=$2} END {print v, n}' $t/status)"; done | sort; }
snap > $d/a; cs0=$(awk '/^voluntary/ {print $2}' /proc/$cp/status); sleep 3; snap > $d/b; cs1=$(awk '/^voluntary/ {print $2}' /proc/$cp/status)
join <(awk '{print $1"_"NR, $2, $3}' $d/a) <(awk '{print $1"_"NR, $2, $3}' $d/b) | awk '{printf "%s vol/s %.0f invol/s %.0f\n", $1, ($4-$2)/3, ($5-$3)/3}'
echo "pacat main thread vol/s $(( (cs1-cs0)/3 ))"
kill $cp; kill $pid; wait 2>/dev/null
