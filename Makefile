# Two commands do all the set-up on a fresh machine with Python 3.11 and make:
#   make run    create .venv, install, build warehouse/csa.duckdb from corpus/, print a summary
#   make test   create .venv if missing, run ruff and the whole test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

export PREFECT_SERVER_ANALYTICS_ENABLED := false
export PREFECT_HOME := $(CURDIR)/.prefect
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run test bench lint clean fonts chromium accuracy

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip 2>&1 | grep -v "^WARNING: Location" || true
	$(BIN)/python -m pip install -q -c constraints.txt -e ".[dev]" 2>&1 | grep -v "^WARNING: Location" || true
	@$(BIN)/python -c "import prefect, pdfplumber, pypdfium2, spacy, duckdb, rapidfuzz, pandas, fpdf, pyarrow, altair, vl_convert, polars, playwright, pytest_httpserver, httpx, prefect_dask" \
		|| (echo "dependency install failed" >&2; exit 1)
	@touch $@

# The PDF renditions in the tests print with DejaVu Sans (Debian's fonts-dejavu-core).
fonts:
	@test -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf || \
		(apt-get update -qq && apt-get install -y -qq fonts-dejavu-core) || \
		(echo "install Debian's fonts-dejavu-core for the PDF tests" >&2; exit 1)

# The report is tested in a real headless browser: Debian's chromium (Playwright's own downloads
# cannot be fetched here).
chromium:
	@test -x /usr/bin/chromium || \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium > /dev/null) || \
		(echo "install Debian's chromium for the report test" >&2; exit 1)

run: $(STAMP)
	$(BIN)/csa build

test: $(STAMP) fonts chromium
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q

bench: $(STAMP) fonts
	$(BIN)/python benchmarks/bench.py $(BENCH_ARGS)

# The development corpus (tests/realworld): every paper, then the markdown papers as printed PDFs
# beside the same papers from their source.
accuracy: $(STAMP) fonts
	$(BIN)/csa eval tests/realworld/gold
	@$(BIN)/python tests/realworld/print_pdfs.py > /dev/null
	$(BIN)/csa eval tests/realworld/gold --only-in tests/.generated/printed --quiet
	$(BIN)/csa eval tests/realworld/gold --papers tests/.generated/printed --quiet

lint: $(STAMP)
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) .prefect tests/.generated benchmarks/.generated warehouse/csa.duckdb
