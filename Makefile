PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e ".[dev,ray,onnx,tpe,dataframe]"
	touch $(STAMP)

demo: $(STAMP)
	rm -rf runs/digits-demo
	$(BIN)/automl search experiments/digits.yaml --out runs/digits-demo

test: $(STAMP)
	OMP_NUM_THREADS=1 $(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[dev,ray,onnx,tpe,dataframe,bench]"
	$(BIN)/python -m experiments.benchmarks.search_quality
	$(BIN)/python -m experiments.benchmarks.ceiling --problem digits
	$(BIN)/python -m experiments.benchmarks.ceiling --problem table
	$(BIN)/python -m experiments.benchmarks.search_diagnosis
	$(BIN)/python -m experiments.benchmarks.guidance_bench
	$(BIN)/python -m experiments.benchmarks.pruning_regret
	$(BIN)/python -m experiments.benchmarks.latency_model_bench
	$(BIN)/python -m experiments.benchmarks.engine_bench
	$(BIN)/python -m experiments.benchmarks.recorder_bench
	$(BIN)/python -m experiments.benchmarks.evaluators_bench
	$(BIN)/python -m experiments.benchmarks.pruning_bench
	$(BIN)/python -m experiments.benchmarks.data_bench
	$(BIN)/python -m experiments.benchmarks.retrain_bench
	$(BIN)/python -m experiments.benchmarks.runtime_bench
	$(BIN)/python -m experiments.benchmarks.space_bench --problem blocks
	$(BIN)/python -m experiments.benchmarks.space_bench --problem signals
	$(BIN)/python -m experiments.benchmarks.collect

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) runs
