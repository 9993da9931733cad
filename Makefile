# Two entry points for a fresh machine: `make report` and `make test`. Both create .venv on first use.
# `make ci-report` runs the scheduled GitHub workflow's steps (.github/workflows/report.yml) locally.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
CORES ?= all
# Base URL of the published reports (GitHub Pages); the scheduled job sets it. Empty: drift is checked
# against the committed baselines/<trial>/claims.csv.
PAGES_URL ?=
# Extra Snakemake options for `make report`.
SNAKEMAKE_FLAGS ?=
RUN := PATH="$(CURDIR)/$(BIN):$$PATH"
# Every build started here holds .snakemake/make.lock (flock(1): the kernel lets go of it however the build ends).
# Holding it means no other build of this folder is running, so a Snakemake lock found then was left by a build
# that was killed outright (machine shut down, kill -9): it is removed, where Snakemake would refuse to start.
SNAKEMAKE := mkdir -p .snakemake && $(RUN) flock .snakemake/make.lock sh -c 'if [ -n "$$(ls -A .snakemake/locks \
	2>/dev/null)" ]; then echo "removing the lock left by a killed build" >&2; snakemake --unlock >/dev/null; fi; \
	exec snakemake "$$@"' snakemake

.PHONY: report test ci-report baselines benchmark mutation clean corpus

report: $(VENV)/installed
	$(SNAKEMAKE) --cores $(CORES) --rerun-incomplete $(SNAKEMAKE_FLAGS)

test: $(VENV)/installed
	$(RUN) $(BIN)/python -m pytest

# The scheduled job's steps: the README's build (with provenance restamped for this commit and work tree),
# the Snakemake report, then results/site/ (index + every trial's report, claims, provenance, drift listing)
# and the claim-drift check against the last published copy, else the committed baseline. Fails, after
# assembling the site, when a claim that was reproduced no longer is.
ci-report: $(VENV)/installed
	$(MAKE) report SNAKEMAKE_FLAGS="--forcerun provenance"
	$(RUN) $(BIN)/snakemake --report results/report.zip
	$(RUN) $(BIN)/python -m kmrepro.publish.site publish --out results/site $(if $(PAGES_URL),--published-url "$(PAGES_URL)")

# Refresh the committed drift baselines from a build (then review the printed changes and commit baselines/).
baselines: report
	$(RUN) $(BIN)/python -m kmrepro.publish.site refresh-baselines

# The kmdata corpus (data/kmdata/): one generated trial per paper, built by the same workflow, then the registry
# of published vs regenerated hazard ratios. LIMIT=N: the first N papers in key.csv order. PROFILE=slurm: through
# the cluster (profiles/slurm/). A broken paper does not stop the others (--keep-going); the registry lists it
# with its log, and make exits non-zero.
LIMIT ?=
PROFILE ?= local
CORPUS_TRIALS := results/corpus-trials
CORPUS_CONFIG := $(CORPUS_TRIALS)/config.yaml
CORPUS_LIMIT := $(if $(LIMIT),--limit $(LIMIT))
CORPUS_SNAKEMAKE_LIMIT := $(if $(LIMIT),--config limit=$(LIMIT))

# A stamp, not config.yaml itself: the generator rewrites only changed files, and every trial's provenance
# hashes config.yaml, so its mtime must move only when its content does.
$(CORPUS_TRIALS)/.generated: $(VENV)/installed data/kmdata/key.csv data/kmdata/ipd.csv.gz \
		$(wildcard src/kmrepro/corpus/*.py) src/kmrepro/reconstruct/simulate.py
	$(BIN)/python -m kmrepro.corpus generate --out $(CORPUS_TRIALS) --results results/corpus
	touch $@

corpus: $(CORPUS_TRIALS)/.generated
	status=0; $(SNAKEMAKE) --profile profiles/$(PROFILE) --configfile $(CORPUS_CONFIG) \
		$(CORPUS_SNAKEMAKE_LIMIT) $(SNAKEMAKE_FLAGS) || status=$$?; \
	$(BIN)/python -m kmrepro.corpus registry --config $(CORPUS_CONFIG) $(CORPUS_LIMIT) --out results/registry; \
	exit $$status

benchmark: $(VENV)/installed
	$(BIN)/python benchmarks/roundtrip.py

# Mutation testing of the numeric core ([tool.mutmut] in pyproject.toml; report: benchmarks/mutation.md).
# A fresh run takes 55-80 minutes on 2 shared cores; it is too slow for .ci/run. Then the issue-12 mutants,
# planted by hand. KMREPRO_MUTATION=1 runs fewer examples per property test (tests/conftest.py).
# Rerun part of it with e.g. `KMREPRO_MUTATION=1 .venv/bin/mutmut run 'kmrepro.analysis.km*'`.
MUTATION_JOBS ?= 2
mutation: $(VENV)/installed
	rm -rf mutants
	KMREPRO_MUTATION=1 $(BIN)/mutmut run --max-children $(MUTATION_JOBS)
	$(BIN)/python benchmarks/mutation_summary.py
	$(BIN)/python benchmarks/issue12_mutants.py

$(VENV)/installed: requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt -e .
	touch $@

clean:
	rm -rf results .snakemake mutants
