#!/usr/bin/python3
"""End-to-end correctness on SQLite's amalgamation (sqlite3.c, 9 MB; plus
sqlite3.h and sqlite3ext.h): the same independent checks as t_e2e_lmdb.py
(callers and callees of every function cflow knows against cflow's reverse
and forward trees; impact, paths and cycles against Python over the edges
exported by `lmkv dump`). Indexing time is printed, not asserted (bench/ measures it)."""
import importlib.util
import os
import sys

here = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("e2e", os.path.join(here, "t_e2e_lmdb.py"))
e2e = importlib.util.module_from_spec(spec)
spec.loader.exec_module(e2e)

e2e.run_suite("sqlite", os.path.join(e2e.SOURCES, "sqlite"), {".c", ".h"}, sample_graph=40)
if e2e.FAILS:
    print("%d failures" % len(e2e.FAILS))
    sys.exit(1)
print("ok")
