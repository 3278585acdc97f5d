# Entry points for people and CI. Everything real lives in CMake and scripts/.
#   make demo   install missing Debian packages, build, run the pipeline on samples/, show results
#   make test   same set-up, then every test through ctest
#   make fuzz   clang build in build-fuzz (ASan+UBSan, libFuzzer), then FUZZ_SECONDS per fuzz target
BUILD_DIR ?= build
JOBS ?= $(shell nproc)
DEMO_DATA ?= $(BUILD_DIR)/demo-data
CTEST_ARGS ?=
FUZZ_DIR ?= build-fuzz
FUZZ_SECONDS ?= 60

SERVICES = reportflow reportflow-ingest reportflow-segment reportflow-extract reportflow-aggregate

.PHONY: all deps configure build binaries demo test bench clean

all: build

deps:
	@scripts/install-deps.sh

configure: deps
	@cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null

build: configure
	@cmake --build $(BUILD_DIR) -j $(JOBS)

binaries: configure
	@cmake --build $(BUILD_DIR) -j $(JOBS) --target $(SERVICES)

demo: binaries
	@rm -rf $(DEMO_DATA)
	$(BUILD_DIR)/bin/reportflow run samples/reports --data $(DEMO_DATA)
	@echo
	@echo "== documents =="
	@$(BUILD_DIR)/bin/reportflow docs --data $(DEMO_DATA)
	@echo
	@echo "== metrics per township =="
	@$(BUILD_DIR)/bin/reportflow aggregates --data $(DEMO_DATA) --level township
	@echo
	@echo "== metrics per province (counts summed, rates averaged) =="
	@$(BUILD_DIR)/bin/reportflow aggregates --data $(DEMO_DATA) --level province
	@echo
	@echo "Every quantity with its source: $(BUILD_DIR)/bin/reportflow metrics --data $(DEMO_DATA)"

test: build
	@TEST_DEPS=1 scripts/install-deps.sh
	@cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) $(CTEST_ARGS)

fuzz:
	@FUZZ=1 scripts/install-deps.sh
	@cmake -S . -B $(FUZZ_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
	  -DREPORTFLOW_FUZZ=ON -DREPORTFLOW_WERROR=OFF -DREPORTFLOW_BUILD_BENCH=OFF >/dev/null
	@cmake --build $(FUZZ_DIR) -j $(JOBS) --target fuzz_targets
	@scripts/fuzz.sh $(FUZZ_DIR) $(FUZZ_SECONDS)

bench: build
	@scripts/bench.sh

clean:
	rm -rf $(BUILD_DIR)
