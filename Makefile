# Two commands do everything on a fresh machine: `make run` and `make test`.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
CORES  ?= all
UV     ?= uv
# Pin BLAS threads: results must not depend on how many threads a reduction used.
export OPENBLAS_NUM_THREADS := 1
export OMP_NUM_THREADS := 1
export MKL_NUM_THREADS := 1
export PYTHONHASHSEED := 0

.PHONY: run test lint example-data lock clean setup setup-dev bench docs

# `make run` needs the runtime packages only (requirements.lock); `make test` adds the test
# tools and the SLURM plugin (requirements-dev.lock: the same versions plus those).
setup: $(VENV)/.installed
setup-dev: $(VENV)/.installed-dev

define install_lock
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "error: $(PYTHON) not found; install Python 3.11 or run 'make PYTHON=python3 ...'" >&2; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@# uv (pip install uv) installs the same lock in a fraction of pip's time; pip when it is absent.
	@# Compiled at install, as pip does: else every job compiles pandas and scipy again (where
	@# PYTHONDONTWRITEBYTECODE is set, forever), and the first build takes 2.5 times as long.
	if command -v $(UV) >/dev/null 2>&1; then \
		$(UV) pip install --quiet --compile-bytecode --python $(BIN)/python -r $(1); \
	else \
		$(BIN)/python -m pip install --quiet --upgrade "pip>=23" && \
		$(BIN)/python -m pip install --quiet -r $(1); \
	fi
	@# The library is used in place (workflow/ on the path), so edits need no reinstall.
	$(BIN)/python -c "import sysconfig, pathlib; pathlib.Path(sysconfig.get_paths()['purelib'], 'wellbeing.pth').write_text(str(pathlib.Path('workflow').resolve()) + '\\n')"
	@# The commands of [project.scripts] (`wellbeing`) as the launchers pip writes, offline and
	@# without a build backend (pip/uv would need wheel to build the project); `pip install .` gives the same.
	$(BIN)/python scripts/install_commands.py
	touch $@
endef

$(VENV)/.installed: requirements.lock pyproject.toml
	$(call install_lock,requirements.lock)

$(VENV)/.installed-dev: requirements-dev.lock requirements.lock pyproject.toml $(VENV)/.installed
	$(call install_lock,requirements-dev.lock)

# One line per job with a progress count (profiles/quiet; Snakemake's full log is in
# .snakemake/log/), the report's own output in logs/report.log, then where everything is.
run: setup
	$(BIN)/snakemake --cores $(CORES) --profile profiles/quiet
	@echo "Writing the report, results/report.html (its log: logs/report.log)"
	@mkdir -p logs && $(BIN)/python scripts/report.py results/report.html > logs/report.log 2>&1 || \
		{ tail -n 20 logs/report.log >&2; echo "error: the report failed; its log: logs/report.log" >&2; exit 1; }
	@$(BIN)/python scripts/directions.py

test: setup-dev
	$(BIN)/python -m pytest

lint: setup-dev
	$(BIN)/python -m ruff check .
	$(BIN)/python -m snakefmt --check Snakefile workflow/rules
	$(BIN)/snakemake --lint

# Fuzz every reader with a large budget (the test suite runs the same tests at 40 examples each).
# FUZZ_EXAMPLES sets the examples per test.
.PHONY: fuzz
FUZZ_EXAMPLES ?= 2000
fuzz: setup-dev
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/python -m pytest -q -p no:cacheprovider tests/test_fuzz.py

# Refresh README's example figure and table from the last `make run`.
docs: setup
	$(BIN)/python scripts/update_docs.py
	$(BIN)/python scripts/instrument_table.py --write

# Regenerate the simulated example studies under data/raw/ (byte for byte the committed files).
example-data: setup
	$(BIN)/python scripts/make_example_data.py

# Re-resolve pyproject.toml (with every extra) into requirements-dev.lock, then write the runtime
# requirements.lock and envs/pipeline.yaml from it (scripts/sync_envs.py). Needs the registry.
lock:
	rm -rf /tmp/wellbeing-lock && $(PYTHON) -m venv /tmp/wellbeing-lock
	/tmp/wellbeing-lock/bin/pip install --quiet ".[test,cluster]"
	{ echo "# Pinned by \`make lock\` from pyproject.toml with its extras test and cluster (Python 3.11, pip)."; \
	  echo "# requirements.lock holds the runtime part of it (scripts/sync_envs.py)."; \
	  /tmp/wellbeing-lock/bin/pip freeze --exclude-editable | grep -v "^wellbeing @\|^wellbeing=="; } > requirements-dev.lock
	/tmp/wellbeing-lock/bin/python scripts/sync_envs.py

# Timings against the performance targets (README, "Speed, scale and cluster runs"): bench/results.json and bench/results.png (git-ignored).
# BENCH_ARGS e.g. "--sizes 1000 10000" for a quicker run; see scripts/bench.py --help.
BENCH_ARGS ?=
bench: setup
	$(BIN)/python scripts/bench.py $(BENCH_ARGS)

clean:
	rm -rf results logs benchmarks .snakemake private
