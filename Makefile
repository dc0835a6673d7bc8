# motcua — one Makefile: make, make test, make asan, make bench, make fuzz, make clean.
# Dependencies come from Debian through pkg-config (tools/install-deps.sh installs them).

CC       ?= cc
PKGS     := libpcre2-8 jansson lua5.4 sqlite3 libsodium libmicrohttpd libpq libcurl
# libxlsxwriter: the workbook of `cost --xlsx` (src/cli/study_xlsx.c).
PKGS     += xlsxwriter
# z3: lint's proofs that the guards of one event never hold together (src/analysis/prove.c).
PKGS     += z3
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS))
# libunistring (Unicode normalisation of notes) has no pkg-config file on Debian.
PKG_LIBS   := $(shell pkg-config --libs $(PKGS)) -lunistring -lm
TEST_PKGS  := cmocka

WARN     := -Wall -Wextra -Wpedantic -Werror -Wshadow -Wstrict-prototypes \
            -Wmissing-prototypes -Wwrite-strings -Wvla -Wformat=2
BASEFLAGS := -std=c11 -D_POSIX_C_SOURCE=200809L $(WARN) -Iinclude -Isrc $(PKG_CFLAGS)
OPT      ?= -O2 -g
BUILD    ?= build
CFLAGS_ALL = $(BASEFLAGS) $(OPT) $(EXTRA_CFLAGS)
LDFLAGS_ALL = $(EXTRA_LDFLAGS)

# The library's layers, lowest first (docs/architecture.md; tools/check-layers.sh checks that a
# file includes nothing of a higher layer); above them what the two front ends share (front),
# the front ends cli and serve side by side, and the program that starts either (src/main.c).
LAYERS   := base lang catalogue rules store engine analysis import connect
LIB_SRC  := $(foreach l,$(LAYERS),$(wildcard src/$(l)/*.c))
FRONT_SRC := $(wildcard src/front/*.c)
CLI_SRC  := $(FRONT_SRC) $(wildcard src/cli/*.c src/serve/*.c) src/main.c
TEST_SRC := $(wildcard tests/test_*.c)
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o)
CLI_OBJ  := $(CLI_SRC:%.c=$(BUILD)/%.o)
TEST_BIN := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
# The officer console of `motcua serve` and the citizen's tracking page (/tra-cuu), compiled into
# the binary by tools/embed.c.
CONSOLE  := console/index.html console/console.css console/console.js \
            console/tra-cuu.html console/tra-cuu.css console/tra-cuu.js
ASSET_OBJ := $(BUILD)/gen/console.o
LIB      := $(BUILD)/libmotcua.a
BIN      := $(BUILD)/motcua

.PHONY: all test asan bench fuzz clean run format national
all: $(BIN)

# Each object depends on the headers it includes (-MMD writes the list next to it).
$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "CC $<"
	@$(CC) $(CFLAGS_ALL) -MMD -MP -c $< -o $@

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d)

$(LIB): $(LIB_OBJ)
	@rm -f $@
	@ar rcs $@ $^

$(BIN): $(CLI_OBJ) $(ASSET_OBJ) $(LIB)
	@echo "LD $@"
	@$(CC) $(CFLAGS_ALL) -o $@ $(CLI_OBJ) $(ASSET_OBJ) $(LIB) $(PKG_LIBS) $(LDFLAGS_ALL)

$(BUILD)/gen/console.c: $(CONSOLE) $(BUILD)/tools/embed
	@mkdir -p $(dir $@)
	@$(BUILD)/tools/embed $@ console_html=console/index.html console_css=console/console.css \
		console_js=console/console.js track_html=console/tra-cuu.html \
		track_css=console/tra-cuu.css track_js=console/tra-cuu.js

$(ASSET_OBJ): $(BUILD)/gen/console.c
	@echo "CC $<"
	@$(CC) $(CFLAGS_ALL) -c $< -o $@

$(BUILD)/tests/%: tests/%.c tests/testutil.h tests/lookups.h $(LIB) $(wildcard include/motcua/*.h src/*/*.h)
	@mkdir -p $(dir $@)
	@echo "LD $@"
	@$(CC) $(CFLAGS_ALL) $(shell pkg-config --cflags $(TEST_PKGS)) -o $@ $< $(LIB) \
		$(PKG_LIBS) $(shell pkg-config --libs $(TEST_PKGS)) -rdynamic $(LDFLAGS_ALL)

# The page writer is command-line code: its suite links the objects of src/cli and src/front it
# needs (the briefing and the workbook of a study included).
HTML_TEST_OBJ := $(BUILD)/src/cli/html.o $(BUILD)/src/cli/cli.o $(BUILD)/src/front/front.o \
                 $(BUILD)/src/cli/brief.o $(BUILD)/src/cli/sim_page.o \
                 $(BUILD)/src/cli/study_page.o $(BUILD)/src/cli/study_xlsx.o \
                 $(BUILD)/src/cli/coverage_out.o $(BUILD)/src/front/view.o \
                 $(BUILD)/src/front/catalogue_view.o
$(BUILD)/tests/test_html: tests/test_html.c tests/testutil.h $(HTML_TEST_OBJ) $(LIB)
	@mkdir -p $(dir $@)
	@echo "LD $@"
	@$(CC) $(CFLAGS_ALL) $(shell pkg-config --cflags $(TEST_PKGS)) -o $@ $< $(HTML_TEST_OBJ) \
		$(LIB) $(PKG_LIBS) $(shell pkg-config --libs $(TEST_PKGS)) -rdynamic $(LDFLAGS_ALL)

# The commands' JSON output under memory pressure: its suite runs the commands of src/cli in its
# process, linking their objects and those of src/front (not main.c, not serve).
CLI_TEST_OBJ := $(patsubst %.c,$(BUILD)/%.o,$(FRONT_SRC) $(wildcard src/cli/*.c))
$(BUILD)/tests/test_cli: tests/test_cli.c tests/testutil.h tests/lookups.h $(CLI_TEST_OBJ) $(LIB)
	@mkdir -p $(dir $@)
	@echo "LD $@"
	@$(CC) $(CFLAGS_ALL) $(shell pkg-config --cflags $(TEST_PKGS)) -o $@ $< $(CLI_TEST_OBJ) \
		$(LIB) $(PKG_LIBS) $(shell pkg-config --libs $(TEST_PKGS)) -rdynamic $(LDFLAGS_ALL)

# The views of the front ends (src/front) have their own suite, out-of-memory sweep included.
FRONT_OBJ := $(FRONT_SRC:%.c=$(BUILD)/%.o)
$(BUILD)/tests/test_front: tests/test_front.c tests/testutil.h $(FRONT_OBJ) $(LIB)
	@mkdir -p $(dir $@)
	@echo "LD $@"
	@$(CC) $(CFLAGS_ALL) $(shell pkg-config --cflags $(TEST_PKGS)) -o $@ $< $(FRONT_OBJ) \
		$(LIB) $(PKG_LIBS) $(shell pkg-config --libs $(TEST_PKGS)) -rdynamic $(LDFLAGS_ALL)

# The tokens file of serve (src/front/tokfile.c), which serve reads and `motcua token` edits.
$(BUILD)/tests/test_tokfile: tests/test_tokfile.c tests/testutil.h $(FRONT_OBJ) $(LIB)
	@mkdir -p $(dir $@)
	@echo "LD $@"
	@$(CC) $(CFLAGS_ALL) $(shell pkg-config --cflags $(TEST_PKGS)) -o $@ $< $(FRONT_OBJ) \
		$(LIB) $(PKG_LIBS) $(shell pkg-config --libs $(TEST_PKGS)) -rdynamic $(LDFLAGS_ALL)

# The exposition of serve's /metrics (src/serve/metrics.c) and readiness on its timer figures
# (src/serve/ready.c): their objects, not the server.
METRICS_TEST_OBJ := $(BUILD)/src/serve/metrics.o $(BUILD)/src/serve/ready.o
$(BUILD)/tests/test_metrics: tests/test_metrics.c tests/testutil.h $(METRICS_TEST_OBJ) $(LIB)
	@mkdir -p $(dir $@)
	@echo "LD $@"
	@$(CC) $(CFLAGS_ALL) $(shell pkg-config --cflags $(TEST_PKGS)) -o $@ $< $(METRICS_TEST_OBJ) \
		$(LIB) $(PKG_LIBS) $(shell pkg-config --libs $(TEST_PKGS)) -rdynamic $(LDFLAGS_ALL)

# The public tracking's limit per client address (src/serve/ratelimit.c): its object alone.
RATELIMIT_TEST_OBJ := $(BUILD)/src/serve/ratelimit.o
$(BUILD)/tests/test_ratelimit: tests/test_ratelimit.c tests/testutil.h $(RATELIMIT_TEST_OBJ) $(LIB)
	@mkdir -p $(dir $@)
	@echo "LD $@"
	@$(CC) $(CFLAGS_ALL) $(shell pkg-config --cflags $(TEST_PKGS)) -o $@ $< $(RATELIMIT_TEST_OBJ) \
		$(LIB) $(PKG_LIBS) $(shell pkg-config --libs $(TEST_PKGS)) -rdynamic $(LDFLAGS_ALL)

# The main job on the bundled catalogue: lint it, prove it with its scenarios, compare the
# compliance cost of the bundled reform with today's, and simulate a sample of dossiers under
# both; a summary on the screen, each whole report in $(BUILD)/run/ (tools/run.sh).
run: $(BIN)
	@bash tools/run.sh ./$(BIN) $(BUILD)/run

# The national catalogue of Resolution 66.7/2025/NQ-CP, annex I (docs/national.md): regenerated
# from ../shared/data with the tables and assumptions of data/annex-66-7, and committed. The
# import goes to a hidden folder next to it, which replaces it only when the import succeeded
# (tools/national.sh): a missing or malformed CSV leaves the catalogue as it was.
ANNEX_CSV ?= ../shared/data/res-66-7-annex-i.csv
national: $(BIN)
	@bash tools/national.sh ./$(BIN) $(ANNEX_CSV) procedures/national $(BUILD)/national.log

test: $(BIN) $(TEST_BIN) $(BUILD)/tools/genstore $(BUILD)/tools/oldstore \
	$(BUILD)/tools/registry_service $(BUILD)/tools/genqueue
	@bash tools/run-tests.sh $(BUILD)

asan:
	@$(MAKE) --no-print-directory BUILD=build-asan OPT="-O1 -g -fno-omit-frame-pointer" \
		EXTRA_CFLAGS="-fsanitize=address,undefined -fno-sanitize-recover=all" \
		EXTRA_LDFLAGS="-fsanitize=address,undefined" test

$(BUILD)/tools/%: tools/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -o $@ $<

$(BUILD)/tools/bench_rules: tools/bench_rules.c $(LIB)
	@mkdir -p $(dir $@)
	@echo "LD $@"
	@$(CC) $(CFLAGS_ALL) -o $@ $< $(LIB) $(PKG_LIBS) $(LDFLAGS_ALL)

$(BUILD)/tools/bench_store: tools/bench_store.c $(LIB)
	@mkdir -p $(dir $@)
	@echo "LD $@"
	@$(CC) $(CFLAGS_ALL) -o $@ $< $(LIB) $(PKG_LIBS) $(LDFLAGS_ALL)

$(BUILD)/tools/bench_pg: tools/bench_pg.c $(LIB)
	@mkdir -p $(dir $@)
	@echo "LD $@"
	@$(CC) $(CFLAGS_ALL) -o $@ $< $(LIB) $(PKG_LIBS) -lpthread $(LDFLAGS_ALL)

# The live registry of tests/registry.sh: libmicrohttpd over TLS, client certificates checked
# with GnuTLS.
$(BUILD)/tools/registry_service: tools/registry_service.c
	@mkdir -p $(dir $@)
	@echo "LD $@"
	@$(CC) $(CFLAGS_ALL) $(shell pkg-config --cflags gnutls) -o $@ $< $(PKG_LIBS) \
		$(shell pkg-config --libs gnutls) $(LDFLAGS_ALL)

# The store of tests/copy.sh (100,000 dossiers through the engine's C API).
$(BUILD)/tools/genstore: tools/genstore.c $(LIB)
	@mkdir -p $(dir $@)
	@echo "LD $@"
	@$(CC) $(CFLAGS_ALL) -o $@ $< $(LIB) $(PKG_LIBS) $(LDFLAGS_ALL)

# Stores of older schemas for tests/migrate.sh (SQLite and PostgreSQL, written as they were).
$(BUILD)/tools/oldstore: tools/oldstore.c
	@mkdir -p $(dir $@)
	@echo "LD $@"
	@$(CC) $(CFLAGS_ALL) -o $@ $< $(PKG_LIBS) $(LDFLAGS_ALL)

# The store of the queue bench (1,000,000 dossiers written through the store).
$(BUILD)/tools/genqueue: tools/genqueue.c $(LIB)
	@mkdir -p $(dir $@)
	@echo "LD $@"
	@$(CC) $(CFLAGS_ALL) -o $@ $< $(LIB) $(PKG_LIBS) $(LDFLAGS_ALL)

$(BUILD)/tools/bench_report: tools/bench_report.c $(LIB)
	@mkdir -p $(dir $@)
	@echo "LD $@"
	@$(CC) $(CFLAGS_ALL) -o $@ $< $(LIB) $(PKG_LIBS) $(LDFLAGS_ALL)

$(BUILD)/tools/bench_simulate: tools/bench_simulate.c $(LIB)
	@mkdir -p $(dir $@)
	@echo "LD $@"
	@$(CC) $(CFLAGS_ALL) -o $@ $< $(LIB) $(PKG_LIBS) $(LDFLAGS_ALL)

bench: $(BIN) $(BUILD)/tools/gencat $(BUILD)/tools/runstat $(BUILD)/tools/bench_rules \
	$(BUILD)/tools/bench_store $(BUILD)/tools/bench_pg $(BUILD)/tools/bench_report \
	$(BUILD)/tools/bench_simulate \
	$(BUILD)/tools/genqueue \
	$(BUILD)/tools/bench_http $(BUILD)/tools/registry_service
	@bash tools/bench.sh $(BUILD)

# libFuzzer target for the lexer, parser and catalogue builder (clang only).
fuzz:
	$(MAKE) CC=clang BUILD=build-fuzz OPT="-O1 -g" \
		EXTRA_CFLAGS="-fsanitize=fuzzer-no-link,address,undefined" build-fuzz/libmotcua.a
	clang $(BASEFLAGS) -O1 -g -fsanitize=fuzzer,address,undefined -o build-fuzz/fuzz_parser \
		tools/fuzz_parser.c build-fuzz/libmotcua.a $(PKG_LIBS)

format:
	clang-format -i include/motcua/*.h src/main.c src/*/*.c src/*/*.h tests/*.c tests/*.h tools/*.c

clean:
	rm -rf build build-asan build-fuzz
