# lmkv build. `make` builds liblmkv.a, liblmkv.so (soname liblmkv.so.$(SOMAJOR))
# and the tools lmkv and lmdb-migrate under $(BUILD).
# `make test` runs the suite; `make test SAN=1` runs it under ASan+UBSan
# (leaks are failures); `make test SAN=thread` under ThreadSanitizer.
.DEFAULT_GOAL := all

VERSION  := 0.1.0
SOMAJOR  := 0
PREFIX   ?= /usr/local
DESTDIR  ?=
LIBDIR   ?= $(PREFIX)/lib
INCDIR   ?= $(PREFIX)/include/lmkv
BINDIR   ?= $(PREFIX)/bin
MANDIR   ?= $(PREFIX)/share/man
PCDIR    ?= $(LIBDIR)/pkgconfig

CC       ?= cc
SAN      ?=
OPT      ?= -O2

ifeq ($(SAN),)
BUILD    ?= build
SANFLAGS :=
else ifeq ($(SAN),thread)
BUILD    ?= build/tsan
SANFLAGS := -fsanitize=thread -fno-omit-frame-pointer
else
BUILD    ?= build/san
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
endif

MODULES  := kv schema versioning analysis graph migrate lsp push daemon
DEP_PKGS := lmdb libgit2 libxxhash zlib jansson nettle tree-sitter libpq
PKG_CFLAGS := $(shell pkg-config --cflags $(DEP_PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(DEP_PKGS) 2>/dev/null || echo -llmdb -lgit2 -lxxhash -lz -ljansson -lnettle -ltree-sitter -lpq)
# libclang 14 (Debian libclang-14-dev): analysis/'s C and C++ frontend. Its
# headers at build time; the library itself is loaded with dlopen when the
# first C or C++ file is analysed (analysis/clang_api.h: linking it made every
# process load libLLVM, ~95 ms of CPU and 58 MB at each start).
# $LMKV_LIBCLANG overrides the path at run time.
LLVM_DIR   ?= /usr/lib/llvm-14
CLANG_CFLAGS := -I$(LLVM_DIR)/include -DLMKV_LIBCLANG_PATH='"$(LLVM_DIR)/lib/libclang-14.so.1"'
CLANG_LIBS   := -ldl

INCLUDES := $(addprefix -I,$(MODULES)) -Itests -I$(BUILD)/gen
WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wno-unused-parameter
CFLAGS   ?= $(OPT) -g
ALL_CFLAGS  = -std=c11 -D_GNU_SOURCE -fPIC -fvisibility=hidden -DLMKV_BUILDING \
              -DLMKV_VERSION_STRING='"$(VERSION)"' $(WARN) $(INCLUDES) $(PKG_CFLAGS) $(CLANG_CFLAGS) $(CFLAGS) $(SANFLAGS)
ALL_LDFLAGS = $(SANFLAGS) $(LDFLAGS)
LIBS_ALL    = $(PKG_LIBS) $(CLANG_LIBS) -lpthread -lm

# Library sources: every module's top-level *.c (tools and tests live elsewhere).
mod_srcs = $(wildcard $(1)/*.c)
mod_objs = $(patsubst %.c,$(BUILD)/obj/%.o,$(call mod_srcs,$(1)))
LIB_OBJS := $(foreach m,$(MODULES),$(call mod_objs,$(m)))
PUB_HDRS := $(foreach m,$(MODULES),$(wildcard $(m)/lmkv_$(m).h))

# Module archives, so a module's tests link only the layers below it.
$(foreach m,$(MODULES),$(eval $(BUILD)/lib$(m).a: $(call mod_objs,$(m)) ; @mkdir -p $$(@D); rm -f $$@; ar rcs $$@ $$^))
DEPS_kv         := kv
DEPS_schema     := schema kv
DEPS_versioning := versioning schema kv
DEPS_analysis   := analysis versioning schema kv
DEPS_graph      := graph schema kv
DEPS_migrate    := migrate versioning schema kv
DEPS_lsp        := lsp versioning schema kv
# daemon/ (the probe daemon's graph storage methods) keeps its own trees over kv, its
# indexer-queue, analysis-run, workspace and link records are schema/'s (IndexerQueueItem, AnalysisRun,
# DaemonWorkspace, DaemonFileLink)
DEPS_daemon     := daemon schema kv
# push/ (PostgreSQL through libpq) reads the store and graph's result type
DEPS_push       := push graph versioning schema kv
DEPS_tools      := push graph analysis migrate lsp daemon versioning schema kv
DEPS_bench      := $(DEPS_tools)
mod_libs = $(foreach d,$(DEPS_$(1)),$(BUILD)/lib$(d).a)

# Tree-sitter grammars (analysis/ts*.c): npm releases pinned in
# scripts/fetch-grammars.sh, fetched into build/grammars/ (whatever BUILD is),
# compiled once into the analysis module. Generated C, so no -Werror and no
# sanitizers (Debian's libtree-sitter runtime is not instrumented either).
GRAMMARS     := build/grammars
GRAMMAR_SRCS := rust/src/parser.c rust/src/scanner.c python/src/parser.c python/src/scanner.c \
                go/src/parser.c javascript/src/parser.c javascript/src/scanner.c \
                typescript/src/parser.c typescript/src/scanner.c tsx/src/parser.c tsx/src/scanner.c \
                java/src/parser.c
GRAMMAR_FILES := $(addprefix $(GRAMMARS)/,$(GRAMMAR_SRCS)) \
                 $(foreach l,rust python go javascript typescript java,$(GRAMMARS)/$(l)/queries/tags.scm)
# Their objects are built without sanitizers or -Werror whatever SAN is, so
# every build (plain, SAN=1, SAN=thread) shares one set: build/obj-grammars
# (the CI's three suites compiled the ~40 MB of generated C three times).
GRAMMAR_OBJDIR := build/obj-grammars
GRAMMAR_OBJS := $(patsubst %.c,$(GRAMMAR_OBJDIR)/%.o,$(GRAMMAR_SRCS))
$(GRAMMARS)/.fetched: scripts/fetch-grammars.sh
	@scripts/fetch-grammars.sh
	@touch $@
$(GRAMMAR_FILES): $(GRAMMARS)/.fetched ;
# TREE_SITTER_HIDE_SYMBOLS: the grammars' entry points stay out of
# liblmkv.so's exports; objcopy renames every tree_sitter_* symbol (entry
# points, external scanners) to lmkv_analysis__tree_sitter_*, so a program
# that links liblmkv.a beside its own tree-sitter grammars has no clash
# (internal names carry the module's prefix, as everywhere in the library).
OBJCOPY ?= objcopy
NM      ?= nm
$(GRAMMAR_OBJDIR)/%.o: $(GRAMMARS)/%.c
	@mkdir -p $(@D)
	$(CC) -std=c11 -fPIC -fvisibility=hidden -DTREE_SITTER_HIDE_SYMBOLS -O2 -g0 -w -I$(dir $<) -c $< -o $@.tmp
	$(NM) -g $@.tmp | awk '$$NF ~ /^tree_sitter_/ { print $$NF, "lmkv_analysis__" $$NF }' >$@.syms
	$(OBJCOPY) --redefine-syms=$@.syms $@.tmp $@
	@rm -f $@.tmp $@.syms
$(BUILD)/gen/ts_queries.h: analysis/ts/gen-queries.sh $(wildcard analysis/ts/*.scm) $(GRAMMAR_FILES)
	@mkdir -p $(@D)
	analysis/ts/gen-queries.sh $(GRAMMARS) $@
$(BUILD)/obj/analysis/ts_lang.o: $(BUILD)/gen/ts_queries.h
LIB_OBJS += $(GRAMMAR_OBJS)
$(BUILD)/libanalysis.a: $(GRAMMAR_OBJS)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)

STATIC := $(BUILD)/liblmkv.a
SHARED := $(BUILD)/liblmkv.so.$(VERSION)
$(STATIC): $(LIB_OBJS)
	@mkdir -p $(@D); rm -f $@; ar rcs $@ $^
$(SHARED): $(LIB_OBJS)
	$(CC) -shared -Wl,-soname,liblmkv.so.$(SOMAJOR) $(ALL_LDFLAGS) -o $@ $^ $(LIBS_ALL)
	ln -sf liblmkv.so.$(VERSION) $(BUILD)/liblmkv.so.$(SOMAJOR)
	ln -sf liblmkv.so.$(SOMAJOR) $(BUILD)/liblmkv.so

# Tools.
LMKV_SRCS    := $(wildcard tools/lmkv/*.c)
MIGRATE_SRCS := $(wildcard migrate/cli/*.c)
LMKV_BIN     := $(BUILD)/lmkv
MIGRATE_BIN  := $(BUILD)/lmdb-migrate
$(LMKV_BIN): $(patsubst %.c,$(BUILD)/obj/%.o,$(LMKV_SRCS)) $(call mod_libs,tools)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS_ALL)
$(MIGRATE_BIN): $(patsubst %.c,$(BUILD)/obj/%.o,$(MIGRATE_SRCS)) $(call mod_libs,tools)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS_ALL)

all: $(STATIC) $(SHARED) $(LMKV_BIN) $(MIGRATE_BIN)
lib: $(STATIC) $(SHARED)
tools: $(LMKV_BIN) $(MIGRATE_BIN)
$(foreach m,$(MODULES),$(eval $(m): $(BUILD)/lib$(m).a))

# Tests: tests/test_<module>_<case>.c is a cmocka program linked against
# <module> and the layers below it; tests/test_tools_*.c link everything.
# tests/util/*.c is shared test support (temp dirs, fixtures, sources, kv helpers).
TEST_UTIL_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard tests/util/*.c))
TEST_SRCS := $(wildcard tests/test_*.c)
TEST_BINS := $(patsubst tests/%.c,$(BUILD)/tests/%,$(TEST_SRCS))
test_mod = $(word 2,$(subst _, ,$(notdir $(1))))
.SECONDEXPANSION:
$(BUILD)/tests/%: $(BUILD)/obj/tests/%.o $(TEST_UTIL_OBJS) $$(call mod_libs,$$(call test_mod,$$*))
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS_ALL) -lcmocka

# tests/analysis/ts_dump: the tree-sitter frontends' driver for the oracle
# tests (tests/t_analysis_ts.sh) and bench/ (it reads the sink's records).
TS_DUMP := $(BUILD)/tests/ts_dump
$(TS_DUMP): $(BUILD)/obj/tests/analysis/ts_dump.o $(call mod_libs,analysis)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS_ALL)

tests: $(TEST_BINS) $(TS_DUMP)

# `make test`: install missing dependencies, build, fetch real sources, run all.
# TESTS=pattern restricts to tests whose name contains the pattern.
test: deps-check all tests fuzz-replay
	@scripts/fetch-sources.sh
	@BUILD=$(BUILD) SAN=$(SAN) tests/run.sh $(TESTS)

deps:
	@scripts/deps.sh install
deps-check:
	@scripts/deps.sh check-or-install

demo: deps-check all
	@scripts/fetch-sources.sh
	@BUILD=$(BUILD) scripts/demo.sh

# Benchmarks: bench/<name>.c is a program linked with everything and SQLite.
BENCH_SRCS := $(wildcard bench/*.c)
BENCH_BINS := $(patsubst bench/%.c,$(BUILD)/bench/%,$(BENCH_SRCS))
$(BUILD)/bench/%: $(BUILD)/obj/bench/%.o $(call mod_libs,bench)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS_ALL) -lsqlite3
benches: $(BENCH_BINS)

bench: deps-check all benches
	@scripts/fetch-sources.sh
	@BUILD=$(BUILD) bench/run.sh

# `make bench-large`: the scale ladder with the whole Linux kernel 6.1 (not
# in CI; installs Debian's linux-source-6.1 when missing, unpacks it into
# build/sources/linux). Hours on 2 cores: see bench/README.md. Results go to
# bench/results/large/. LADDER_TIERS="lmdb sqlite linux-lib" for a subset.
LADDER_TIERS ?= lmdb sqlite linux
bench-large: deps-check all benches
	@scripts/fetch-sources.sh
	@BUILD=$(BUILD) LADDER_TIERS="$(LADDER_TIERS)" BENCH_ONLY=ladder BENCH_RESULTS=bench/results/large \
	    BENCH_TIMEOUT=$${BENCH_TIMEOUT:-172800} BENCH_BUDGET=$${BENCH_BUDGET:-172800} bench/run.sh

# Fuzz targets (tests/fuzz/fuzz_*.c): `make fuzz` builds them with clang's
# libFuzzer; `make fuzz-replay` (part of `make test`) builds a replay driver
# with the normal compiler that runs every committed corpus file.
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_REPLAY_BINS := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz-replay/%,$(FUZZ_SRCS))
$(BUILD)/fuzz-replay/%: tests/fuzz/%.c tests/fuzz/replay_main.c $(STATIC)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< tests/fuzz/replay_main.c $(STATIC) $(LIBS_ALL)
fuzz-replay: $(FUZZ_REPLAY_BINS)
FUZZ_CC ?= clang
fuzz: $(LIB_OBJS)
	@scripts/fuzz.sh build

torture: all tests
	@BUILD=$(BUILD) tests/torture.sh

install: all
	install -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCDIR) $(DESTDIR)$(BINDIR) $(DESTDIR)$(PCDIR) $(DESTDIR)$(MANDIR)/man1
	install -m 0644 $(STATIC) $(DESTDIR)$(LIBDIR)/
	install -m 0755 $(SHARED) $(DESTDIR)$(LIBDIR)/
	ln -sf liblmkv.so.$(VERSION) $(DESTDIR)$(LIBDIR)/liblmkv.so.$(SOMAJOR)
	ln -sf liblmkv.so.$(SOMAJOR) $(DESTDIR)$(LIBDIR)/liblmkv.so
	install -m 0644 $(PUB_HDRS) $(DESTDIR)$(INCDIR)/
	install -m 0755 $(LMKV_BIN) $(MIGRATE_BIN) $(DESTDIR)$(BINDIR)/
	for m in $(wildcard docs/man/*.1); do install -m 0644 $$m $(DESTDIR)$(MANDIR)/man1/; done
	install -Dm0644 tools/completion/lmkv.bash $(DESTDIR)$(PREFIX)/share/bash-completion/completions/lmkv
	sed -e 's|@PREFIX@|$(PREFIX)|; s|@LIBDIR@|$(LIBDIR)|; s|@INCDIR@|$(INCDIR)|; s|@VERSION@|$(VERSION)|' \
	    lmkv.pc.in > $(DESTDIR)$(PCDIR)/lmkv.pc

clean:
	rm -rf build

.PHONY: benches all lib tools tests test deps deps-check demo bench bench-large fuzz fuzz-replay torture install clean $(MODULES)
