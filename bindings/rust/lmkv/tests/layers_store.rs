//! Store write sessions and read txns, the LSP cache, migrate import and
//! export on the real sled fixtures, and the threading rules of every layer
//! handle (compile-time Send/Sync checks plus handles moved and shared
//! between threads at run time).

mod common;

use common::{Json, TempDir};
use lmkv::cache::{params_hash, Cache, CacheKey};
use lmkv::graph::Graph;
use lmkv::migrate::{self, ImportOptions, Notice};
use lmkv::records::*;
use lmkv::store::{self, ReadTxn, Session, Store};
use lmkv::versioning::{IndexSession, Worktree};
use std::path::{Path, PathBuf};
use std::process::Command;

fn temp_store(tag: &str) -> (TempDir, lmkv::Db, Store) {
    let t = TempDir::new(tag);
    let db = lmkv::Config::new().path(t.path().join("db")).open().unwrap();
    let st = Store::open(&db).unwrap();
    (t, db, st)
}

/// One file version of workspace `ws` with two functions and calls between
/// them, ids derived as schema derives them.
fn sample(ws: u64, path: &str, blob: &str) -> (NewFileVersion, Vec<NewSymbol>, Vec<NewCall>, Vec<NewReference>) {
    let fv = store::file_version_id(ws, path, blob).unwrap();
    let a = store::symbol_id(ws, path, "alpha", 12, 0).unwrap();
    let b = store::symbol_id(ws, path, "beta", 12, 0).unwrap();
    let file = NewFileVersion {
        id: fv,
        workspace_id: ws,
        path: path.into(),
        git_blob_id: Some(blob.into()),
        language: Some("c".into()),
        size_bytes: 123,
        line_count: 9,
        ..Default::default()
    };
    let syms = vec![
        NewSymbol {
            id: a,
            name: "alpha".into(),
            kind: 12,
            start_line: 1,
            end_line: 4,
            signature: Some("int alpha(void)".into()),
            ..Default::default()
        },
        NewSymbol { id: b, name: "beta".into(), kind: 12, start_line: 5, end_line: 9, ..Default::default() },
    ];
    let calls = vec![
        NewCall {
            id: store::call_id(fv, b, a, 6, 2).unwrap(),
            caller_id: b,
            caller_name: "beta".into(),
            callee_id: a,
            callee_name: "alpha".into(),
            line: 6,
            column: 2,
            ..Default::default()
        },
        NewCall {
            id: store::call_id(fv, b, 0, 7, 2).unwrap(),
            caller_id: b,
            caller_name: "beta".into(),
            callee_name: "printf".into(),
            line: 7,
            column: 2,
            argument_count: Some(2),
            ..Default::default()
        },
    ];
    let refs = vec![NewReference {
        id: store::reference_id(fv, b, a, 3, 6, 2).unwrap(),
        source_id: b,
        source_name: Some("beta".into()),
        target_id: a,
        target_name: "alpha".into(),
        start_line: 6,
        start_column: 2,
        kind: 3,
        ..Default::default()
    }];
    (file, syms, calls, refs)
}

#[test]
fn a_session_writes_records_a_read_txn_and_the_graph_see_at_commit() {
    let (_t, _db, st) = temp_store("layers-store");
    let ws = store::workspace_id("/src/demo").unwrap();
    let blob = store::blob_id(b"int alpha(void) { return 1; }\n");
    let (file, syms, calls, refs) = sample(ws, "demo.c", &blob);

    let before = st.read().unwrap();
    let mut s = st.session().unwrap();
    s.workspace_put(&NewWorkspace {
        id: ws,
        root_path: "/src/demo".into(),
        name: Some("demo".into()),
        ..Default::default()
    })
    .unwrap();
    s.put_file(&file, &syms, &calls, &refs, &[]).unwrap();
    s.set_current_latest(ws, "demo.c", file.id).unwrap();
    assert!(s.pending() > 5);
    // The session reads its own writes (records borrow the &mut session).
    {
        let got = s.symbols_by_name(ws, "alpha", 0).unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].signature(), Some("int alpha(void)"));
    }
    assert_eq!(s.calls_to(ws, "alpha", 0).unwrap().len(), 1);
    // Bad input: a duplicate symbol id is refused before any write, and the
    // session stays usable (lmkv's code and message kept).
    let mut dup = syms.clone();
    dup.push(syms[0].clone());
    let e = s.put_file(&file, &dup, &[], &[], &[]).unwrap_err();
    assert_eq!(e.kind(), lmkv::ErrorKind::InvalidArgument);
    assert!(!e.message().is_empty());
    let e = s.put_file(&NewFileVersion { path: "nul\0path".into(), ..file.clone() }, &[], &[], &[], &[]).unwrap_err();
    assert!(e.message().contains("NUL byte"), "{e}");
    // One write transaction per thread: a second session, or a tree write,
    // on the thread that holds this one is refused at once (no deadlock).
    let e = st.session().err().expect("a second session on this thread");
    assert_eq!(e.kind(), lmkv::ErrorKind::Busy, "{e}");
    let e = st.db().open_tree("t").and_then(|t| t.insert("k", "v")).unwrap_err();
    assert_eq!(e.kind(), lmkv::ErrorKind::Busy, "{e}");
    // As an io::Error: the nearest kind, and lmkv's code and message kept.
    let (code, msg) = (e.code(), e.message().to_string());
    let io: std::io::Error = e.into();
    assert_eq!(io.kind(), std::io::ErrorKind::WouldBlock);
    let back = io.get_ref().unwrap().downcast_ref::<lmkv::Error>().unwrap();
    assert_eq!((back.code(), back.message()), (code, msg.as_str()));
    // The older snapshot sees nothing until commit.
    assert!(before.workspace(ws).unwrap().is_none());
    s.commit().unwrap();
    assert!(before.workspace(ws).unwrap().is_none(), "a snapshot stays a snapshot");
    drop(before);

    let mut t = st.read().unwrap();
    let w = t.workspace(ws).unwrap().unwrap();
    assert_eq!((w.root_path(), w.name()), ("/src/demo", Some("demo")));
    assert_eq!(t.workspace_by_root("/src/demo").unwrap(), Some(ws));
    let fv = t.file_version(ws, file.id).unwrap().unwrap();
    assert_eq!(
        (fv.path(), fv.git_blob_id(), fv.language(), fv.size_bytes()),
        ("demo.c", Some(blob.as_str()), Some("c"), 123)
    );
    let cur = t.current_prefix(ws, "").unwrap();
    assert_eq!(cur.len(), 1);
    assert_eq!((cur[0].path, cur[0].fv), ("demo.c", file.id));
    assert_eq!(t.current(ws, "demo.c").unwrap(), Some((file.id, lmkv::sys::LMKV_SOURCE_LATEST as i32)));
    assert!(t.generation(ws).unwrap() >= 1);
    let by_caller: Vec<(String, u32, i32)> = t
        .calls_by_caller(ws, "beta", 0)
        .unwrap()
        .iter()
        .map(|c| (c.callee_name().to_string(), c.line(), c.argument_count()))
        .collect();
    assert_eq!(by_caller, [("alpha".to_string(), 6, -1), ("printf".to_string(), 7, 2)]);
    let r = t.refs_to(ws, "alpha", 0).unwrap();
    assert_eq!((r.len(), r[0].source_name(), r[0].kind_name()), (1, Some("beta"), "call"));
    let c = t.count(ws).unwrap();
    assert_eq!((c.symbols, c.calls, c.references, c.file_versions), (2, 2, 1, 1));

    let mut g = Graph::open(&st, ws).unwrap();
    assert_eq!(g.callers("alpha", 0).unwrap().items[0].caller_name, "beta");
    let im = g.impact("alpha", 2, 0).unwrap();
    assert_eq!(im.items.iter().map(|i| (i.name.as_str(), i.depth)).collect::<Vec<_>>(), [("beta", 1)]);

    // Dropping a session aborts it.
    let mut s = st.session().unwrap();
    s.remove_file(ws, file.id).unwrap();
    drop(s);
    t.renew().unwrap();
    assert!(t.file_version(ws, file.id).unwrap().is_some());
    // Removing commits: everything of the version is gone, also for graph.
    let mut s = st.session().unwrap();
    assert!(s.remove_file(ws, file.id).unwrap() > 5);
    s.commit().unwrap();
    t.renew().unwrap();
    assert!(t.file_version(ws, file.id).unwrap().is_none());
    assert!(t.current_prefix(ws, "").unwrap().is_empty());
    g.renew().unwrap();
    assert_eq!(g.callers("alpha", 0).unwrap_err().kind(), lmkv::ErrorKind::NotFound);
}

#[test]
fn the_lsp_cache_through_rust() {
    let (_t, _db, st) = temp_store("layers-cache");
    let cache = std::sync::Arc::new(Cache::open(&st, None).unwrap());
    let ph = params_hash(r#"{"b":1,"a":{"x":[1,2]}}"#).unwrap();
    assert_eq!(ph, params_hash(r#" { "a" : {"x":[1, 2]}, "b":1 } "#).unwrap(), "normalised JSON");
    let e = params_hash("{not json").unwrap_err();
    assert_eq!(e.kind(), lmkv::ErrorKind::Parse);
    let key = |i: u32| CacheKey {
        ws: 7,
        method: "textDocument/definition".into(),
        path: format!("src/f{}.c", i % 4),
        content_version: 1,
        line: i,
        character: 3,
        params_hash: ph,
    };
    // Eight threads put and get at once through one shared handle.
    std::thread::scope(|sc| {
        for t in 0..8u32 {
            let cache = cache.clone();
            sc.spawn(move || {
                for i in (t * 50)..(t * 50 + 50) {
                    let body = format!("{{\"uri\":\"file:///f{i}.c\",\"line\":{i}}}");
                    cache.put(&key(i), body.as_bytes(), Some("Location"), None, i).unwrap();
                    assert_eq!(cache.get(&key(i)).unwrap().as_deref(), Some(body.as_bytes()));
                }
            });
        }
    });
    assert_eq!(cache.get(&CacheKey { line: 9999, ..key(0) }).unwrap(), None, "a miss");
    cache.flush().unwrap();
    // Zero-copy entry: the response bytes borrow the read txn.
    let txn = st.read().unwrap();
    let e = cache.get_entry(&txn, &key(42)).unwrap().unwrap();
    assert_eq!(e.response(), b"{\"uri\":\"file:///f42.c\",\"line\":42}");
    assert_eq!(
        (e.method(), e.file_path(), e.response_type(), e.response_time_ms()),
        (Some("textDocument/definition"), Some("src/f2.c"), Some("Location"), 42)
    );
    assert!(e.access_count() >= 2, "put + get");
    assert_eq!((e.position_line(), e.position_character()), (Some(42), Some(3)));
    let z = cache.get_entry(&txn, &key(0)).unwrap().unwrap();
    assert_eq!(z.position_line(), Some(0), "line 0 is a position, not none");
    let stats = txn.cache_stats_all(7).unwrap();
    let hits: u64 = stats.iter().map(|s| s.hits()).sum();
    let misses: u64 = stats.iter().map(|s| s.misses()).sum();
    assert_eq!((hits, misses), (400, 1));
    assert_eq!(stats[0].method(), "textDocument/definition");
    drop(txn);
    // Prefix invalidation per file, as the daemon's.
    let before = cache.bytes().unwrap();
    assert_eq!(cache.invalidate(7, "src/f1.c", 0).unwrap(), 100);
    assert!(cache.bytes().unwrap() < before);
    assert_eq!(cache.get(&key(1)).unwrap(), None);
    assert_eq!(cache.clear(7).unwrap(), 300);
    // The daemon's 10 MiB limit: refused with both sizes in the message.
    let big = vec![0u8; 10 * 1024 * 1024 + 1];
    let e = cache.put(&key(1), &big, None, None, 0).unwrap_err();
    assert_eq!(e.kind(), lmkv::ErrorKind::TooBig);
    assert!(e.message().contains("10485761"), "{}", e.message());
    cache.stats_add(7, "", 0, 5, 6).unwrap();
    assert_eq!(st.read().unwrap().cache_stats(7, "", 0).unwrap().map(|s| (s.hits(), s.misses())), Some((5, 6)));
    std::sync::Arc::try_unwrap(cache).ok().unwrap().close().unwrap();
}

fn fixtures() -> PathBuf {
    common::sled_fixtures()
}

fn migrate_cli() -> PathBuf {
    let p = std::env::var_os("LMDB_MIGRATE_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../build/lmdb-migrate"));
    assert!(p.is_file(), "lmdb-migrate is needed at {} (make build/lmdb-migrate)", p.display());
    p
}

#[test]
fn the_sled_fixtures_through_migrate_import_and_export() {
    for name in ["edge-cases-small", "probe-legacy-call-graph", "probe-universal-cache"] {
        let t = TempDir::new("layers-migrate");
        let dump = fixtures().join(format!("{name}.sleddump"));
        let expect =
            Json::parse(&std::fs::read_to_string(fixtures().join(format!("{name}.expect.json"))).unwrap()).unwrap();
        let mut notices: Vec<Notice> = Vec::new();
        let mut on_notice = |n: Notice| notices.push(n);
        let rep = migrate::import(
            &dump,
            t.path().join("db"),
            ImportOptions { verify: true, notice: Some(&mut on_notice), ..Default::default() },
        )
        .unwrap();
        let e = expect.get("db");
        assert_eq!(rep.pairs, e.get("total_pairs").as_u64().unwrap() - 0, "{name}: pairs");
        assert_eq!(rep.checksum_compared, 1, "{name}");
        assert_eq!(rep.db_checksum as u64, e.get("checksum").as_u64().unwrap(), "{name}: sled's Db::checksum");
        assert_eq!(rep.input_bytes, expect.get("dump").get("file_bytes").as_u64().unwrap());
        assert!(notices.is_empty(), "{name}: {notices:?}");

        // The same report as lmdb-migrate --json on the same dump.
        let out = Command::new(migrate_cli())
            .arg("--json")
            .arg("--verify")
            .arg(&dump)
            .arg(t.path().join("cli-db"))
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let cli = Json::parse(String::from_utf8(out.stdout).unwrap().trim()).unwrap();
        let tc = cli.get("typed_counts");
        assert_eq!(
            [cli.get("trees"), cli.get("pairs"), cli.get("pair_bytes"), cli.get("typed_records"), cli.get("raw_only")]
                .map(|j| j.as_u64()),
            [rep.trees, rep.pairs, rep.pair_bytes, rep.typed_records, rep.raw_only].map(Some),
            "{name}"
        );
        assert_eq!(
            ["cache_entries", "cache_stats", "file_versions", "symbols", "calls", "commit_mappings"]
                .map(|k| tc.get(k).as_u64()),
            [
                rep.typed_cache_entries,
                rep.typed_cache_stats,
                rep.typed_file_versions,
                rep.typed_symbols,
                rep.typed_calls,
                rep.typed_commit_mappings
            ]
            .map(Some),
            "{name}"
        );

        // The typed records are in the store.
        let db = lmkv::Config::new().path(t.path().join("db")).open().unwrap();
        assert_eq!(db.checksum().unwrap() as u64, e.get("checksum").as_u64().unwrap());
        let st = Store::open(&db).unwrap();
        let c = st.read().unwrap().count(0).unwrap();
        assert_eq!(
            (c.cache_entries, c.symbols, c.calls, c.file_versions),
            (rep.typed_cache_entries, rep.typed_symbols, rep.typed_calls, rep.typed_file_versions),
            "{name}"
        );
        if name == "probe-universal-cache" {
            assert!(c.cache_entries >= 100, "{c:?}");
        }
        if name == "probe-legacy-call-graph" {
            assert!(c.symbols > 10 && c.calls > 10, "{c:?}");
            let txn = st.read().unwrap();
            let ws = txn.workspaces().unwrap()[0].id();
            // Every converted call is answered by graph's callers.
            let mut g = Graph::open(&st, ws).unwrap();
            let all = txn.calls_to(ws, "", store::PREFIX).unwrap();
            assert_eq!(all.len() as u64, c.calls);
            for call in all.iter().take(20) {
                let callers = g.callers(call.callee_name(), 0).unwrap();
                assert!(callers.items.iter().any(|x| x.id == call.id()), "{}", call.callee_name());
            }
        }

        // Export: the way back is byte-identical to the fixture.
        let back = t.path().join("back.sleddump");
        let x = migrate::export(&db, &back, false).unwrap();
        assert_eq!(std::fs::read(&back).unwrap(), std::fs::read(&dump).unwrap(), "{name}: export is byte-identical");
        assert_eq!(x.crc as u64, expect.get("dump").get("crc32").as_u64().unwrap());
        assert_eq!(x.pairs, rep.pairs);
        drop(st);
        drop(db);

        // Importing the same dump again is idempotent; a dry run writes nothing.
        let again = migrate::import(&dump, t.path().join("db"), ImportOptions::default()).unwrap();
        assert_eq!(again.already_imported, 1);
        let dry = migrate::import(&dump, t.path().join("dry"), ImportOptions { dry_run: true, ..Default::default() })
            .unwrap();
        assert_eq!((dry.dry_run, dry.pairs), (1, rep.pairs));
        assert!(!t.path().join("dry").exists());
    }
}

#[test]
fn damaged_dumps_and_cancellation_leave_the_target_untouched() {
    let t = TempDir::new("layers-migrate-bad");
    let good = std::fs::read(fixtures().join("probe-universal-cache.sleddump")).unwrap();
    let bad = t.path().join("cut.sleddump");
    std::fs::write(&bad, &good[..good.len() / 2]).unwrap();
    let e = migrate::import(&bad, t.path().join("db"), ImportOptions::default()).unwrap_err();
    assert_eq!(e.kind(), lmkv::ErrorKind::Corruption);
    assert!(e.message().contains("offset") || e.message().contains("byte"), "{}", e.message());
    assert!(!t.path().join("db").exists());
    let cancel = std::sync::atomic::AtomicI32::new(1);
    let e = migrate::import(
        fixtures().join("probe-universal-cache.sleddump"),
        t.path().join("db"),
        ImportOptions { cancel: Some(&cancel), ..Default::default() },
    )
    .unwrap_err();
    assert_eq!(e.kind(), lmkv::ErrorKind::Conflict);
    assert!(!t.path().join("db").exists());
    assert_eq!(std::fs::read_dir(t.path()).unwrap().count(), 1, "no temporary directory left");
}

// ------------------------------------------------------------- threads

fn send<T: Send>() {}
fn sync<T: Sync>() {}

#[test]
fn handles_are_send_and_sync_as_documented() {
    // Shared by every thread.
    send::<Store>();
    sync::<Store>();
    send::<Cache>();
    sync::<Cache>();
    // Moved between threads (a task resuming elsewhere), one user at a time.
    send::<ReadTxn>();
    send::<Graph>();
    send::<Worktree>();
    // Zero-copy views may be shared while their borrow lives.
    send::<Symbol<'static>>();
    sync::<Call<'static>>();
    // !Send / !Sync are checked by the compile_fail doc tests of
    // store::Session, versioning::IndexSession, graph::Graph and ReadTxn.
    let _: fn(Session) = drop;
    let _: fn(IndexSession<'static>) = drop;
}

#[test]
fn read_txns_and_graphs_move_between_threads() {
    let (_t, _db, st) = temp_store("layers-threads");
    let ws = store::workspace_id("/src/threads").unwrap();
    for i in 0..8 {
        let (file, syms, calls, refs) = sample(ws, &format!("f{i}.c"), &store::blob_id(format!("v{i}").as_bytes()));
        let mut s = st.session().unwrap();
        s.put_file(&file, &syms, &calls, &refs, &[]).unwrap();
        s.set_current_latest(ws, &file.path, file.id).unwrap();
        s.commit().unwrap();
    }
    // A read txn opened here, read from on another thread, then here again.
    let txn = st.read().unwrap();
    let n_here = txn.calls_to(ws, "alpha", 0).unwrap().len();
    let txn = std::thread::spawn(move || {
        assert_eq!(txn.calls_to(ws, "alpha", 0).unwrap().len(), 8);
        txn
    })
    .join()
    .unwrap();
    assert_eq!(txn.calls_to(ws, "alpha", 0).unwrap().len(), n_here);
    // One Graph per thread, all on one Store, while a writer commits.
    std::thread::scope(|sc| {
        for _ in 0..4 {
            let st = st.clone();
            sc.spawn(move || {
                let mut g = Graph::open(&st, ws).unwrap();
                for _ in 0..50 {
                    let n = g.callers("alpha", 0).unwrap().items.len();
                    assert!((8..=16).contains(&n), "{n}");
                    g.renew().unwrap();
                }
            });
        }
        let st = st.clone();
        sc.spawn(move || {
            for i in 8..16 {
                let (file, syms, calls, refs) =
                    sample(ws, &format!("f{i}.c"), &store::blob_id(format!("v{i}").as_bytes()));
                let mut s = st.session().unwrap();
                s.put_file(&file, &syms, &calls, &refs, &[]).unwrap();
                s.set_current_latest(ws, &file.path, file.id).unwrap();
                s.commit().unwrap();
            }
        });
    });
    // The moved txn still sees its own snapshot.
    assert_eq!(txn.calls_to(ws, "alpha", 0).unwrap().len(), 8);
    assert_eq!(st.read().unwrap().calls_to(ws, "alpha", 0).unwrap().len(), 16);
}
