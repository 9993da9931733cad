#!/usr/bin/env bash
# Bring up a one-node SLURM cluster on this machine (Debian's slurm-wlm and munge): munged, slurmctld and
# slurmd, a slurm.conf with this host's name, CPUs and memory, and no accounting database, so the plugin
# reads job states from squeue (MinJobAge keeps finished jobs visible there for 5 minutes).
# Needs root. Idempotent: a cluster that already answers is left alone. `.ci/slurm-up.sh down` stops the
# daemons it started (by the pids in their pid files).
set -euo pipefail

CONF=/etc/slurm/slurm.conf
PIDS=(/run/munge/munged.pid /run/slurmctld.pid /run/slurmd.pid)

if [ "${1:-}" = "down" ]; then
    for pidfile in "${PIDS[@]}"; do
        [ -s "$pidfile" ] && kill "$(cat "$pidfile")" 2>/dev/null || true
    done
    exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
    echo "slurm-up: needs root to start munged, slurmctld and slurmd" >&2
    exit 1
fi
for tool in munged slurmctld slurmd sinfo; do
    command -v "$tool" >/dev/null || { echo "slurm-up: $tool not installed (apt-get install slurm-wlm munge)" >&2; exit 1; }
done

if sinfo --noheader --states=idle,mixed,allocated -o %N 2>/dev/null | grep -q .; then
    echo "slurm-up: a cluster is already up"; exit 0
fi

host=$(hostname -s)
read -r cpus memory < <(slurmd -C | awk '/^NodeName/ {for (i = 1; i <= NF; i++) {split($i, kv, "="); v[kv[1]] = kv[2]} print v["CPUs"], v["RealMemory"]}')
mkdir -p /etc/slurm /var/spool/slurmctld /var/spool/slurmd /var/log/slurm /run/munge
cat > "$CONF" <<EOF
# Written by .ci/slurm-up.sh: one node, no accounting database.
ClusterName=kmrepro
SlurmctldHost=$host
SlurmUser=root
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
ReturnToService=2
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
MinJobAge=300
NodeName=$host CPUs=$cpus RealMemory=$memory State=UNKNOWN
PartitionName=main Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF

[ -s /etc/munge/munge.key ] || { dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key 2>/dev/null; }
chown munge:munge /etc/munge/munge.key /run/munge 2>/dev/null || true
chmod 400 /etc/munge/munge.key
pgrep -x munged >/dev/null || su -s /bin/sh munge -c "munged" 2>/dev/null || munged --force
pgrep -x slurmctld >/dev/null || slurmctld
pgrep -x slurmd >/dev/null || slurmd

for _ in $(seq 30); do
    if sinfo --noheader --states=idle -o %N 2>/dev/null | grep -q .; then
        echo "slurm-up: node $host up ($cpus CPUs, $memory MB)"; exit 0
    fi
    sleep 1
done
echo "slurm-up: the node did not come up; see /var/log/slurm/" >&2
exit 1
