"""Kill rate per module of the last `make mutation` run (mutmut's results, read with `mutmut results --all`).

Prints a Markdown table (killed, survived, timeouts, no covering test, total, kill rate) and the surviving
mutants' names; `mutmut show NAME` prints one's diff. Timeouts count as killed (the mutant made the
tests hang), mutants no selected test reaches count as survived. Equivalent mutants are judged by hand
in benchmarks/mutation.md.
"""

from __future__ import annotations

import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

MUTMUT = Path(sys.executable).parent / "mutmut"
KILLED = {"killed", "timeout"}


def results() -> dict[str, str]:
    """mutant name -> status, from `mutmut results --all true`."""
    out = subprocess.run([MUTMUT, "results", "--all", "true"], capture_output=True, text=True, check=True).stdout
    pairs = (line.strip().rsplit(": ", 1) for line in out.splitlines() if ": " in line)
    return {name: status for name, status in pairs}


def module(mutant: str) -> str:
    """kmrepro.reconstruct.guyot.x_walk__mutmut_3 -> kmrepro.reconstruct.guyot"""
    return mutant.split(".x")[0] if ".x" in mutant else mutant.rsplit(".", 1)[0]


def main() -> None:
    by_module: dict[str, Counter] = defaultdict(Counter)
    survivors = []
    for name, status in sorted(results().items()):
        by_module[module(name)][status] += 1
        if status not in KILLED | {"not checked"}:
            survivors.append(f"{status}: {name}")
    print("| module | killed | timeout | survived | no tests | not checked | total | kill rate |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for mod, c in sorted(by_module.items()):
        checked = sum(c.values()) - c["not checked"]
        rate = f"{100 * (c['killed'] + c['timeout']) / checked:.1f} %" if checked else "-"
        print(f"| {mod} | {c['killed']} | {c['timeout']} | {c['survived']} | {c['no tests']} | {c['not checked']} "
              f"| {sum(c.values())} | {rate} |")
    print(f"\n{len(survivors)} not killed:")
    print("\n".join(survivors))


if __name__ == "__main__":
    main()
