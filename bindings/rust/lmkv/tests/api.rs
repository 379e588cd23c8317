//! The safe crate against real LMDB files: every binding of kv/lmkv_kv.h
//! used at least once, with sled 0.34's answers as the expectation.

mod common;

use common::TempDir;
use lmkv::{Batch, Config, Db, ErrorKind, Event, IVec, TransactionError};
use std::collections::BTreeMap;
use std::time::Duration;

fn open(tag: &str) -> (TempDir, Db) {
    let d = TempDir::new(tag);
    let db = Db::open(d.path().join("db")).expect("open");
    (d, db)
}

fn assert_send_sync<T: Send + Sync>() {}
fn assert_send<T: Send>() {}

#[test]
fn thread_safety_markers() {
    assert_send_sync::<Db>();
    assert_send_sync::<lmkv::Tree>();
    assert_send_sync::<IVec>();
    assert_send::<lmkv::Iter>();
    assert_send::<Batch>();
    assert_send::<lmkv::Subscriber>();
    assert_send_sync::<lmkv::backend::LmkvBackend>();
    assert_send_sync::<lmkv::backend::LmkvTree>();
}

#[test]
fn version_and_point_operations() {
    assert_eq!(lmkv::version(), "0.1.0");
    let (_d, db) = open("point");
    assert!(!db.was_recovered());
    assert_eq!(db.get(b"k").unwrap(), None);
    assert_eq!(db.insert(b"k", b"v1").unwrap(), None);
    assert_eq!(db.insert(b"k", b"v2").unwrap().unwrap(), b"v1");
    assert_eq!(db.get(b"k").unwrap().unwrap(), b"v2");
    assert!(db.contains_key(b"k").unwrap());
    // Empty key and empty value are ordinary and distinct from absent.
    assert_eq!(db.insert(b"", b"").unwrap(), None);
    assert_eq!(db.get(b"").unwrap().unwrap(), b"");
    assert_eq!(db.len(), 2);
    assert_eq!(db.remove(b"").unwrap().unwrap(), b"");
    assert_eq!(db.remove(b"").unwrap(), None);
    assert!(!db.delete(b"nope").unwrap());
    assert!(db.delete(b"k").unwrap());
    assert!(db.is_empty());
}

#[test]
fn long_keys_and_big_values_round_trip() {
    let (_d, db) = open("long");
    let t = db.open_tree("long-keys").unwrap();
    let base = vec![b'x'; 511];
    let mut k1 = base.clone();
    k1.extend_from_slice(&[b'a'; 89]); // 600 bytes
    let mut k2 = base.clone();
    k2.extend(std::iter::repeat(b'b').take(10_000 - 511));
    let big: Vec<u8> = (0..(1 << 20)).map(|i| (i * 7 % 251) as u8).collect();
    t.insert(&k2, b"ten thousand").unwrap();
    t.insert(&k1, &big).unwrap();
    t.insert(&base, b"short").unwrap();
    assert_eq!(t.get(&k1).unwrap().unwrap(), big);
    let keys: Vec<IVec> = t.iter().keys().collect::<Result<_, _>>().unwrap();
    assert_eq!(keys, vec![IVec::from(base), IVec::from(k1.clone()), IVec::from(k2.clone())]);
    let back: Vec<IVec> = t.iter().keys().rev().collect::<Result<_, _>>().unwrap();
    assert_eq!(back.first().unwrap(), &IVec::from(k2));
}

#[test]
fn compare_and_swap_as_sled() {
    let (_d, db) = open("cas");
    // old None: must be absent.
    assert_eq!(db.compare_and_swap(b"k", None::<&[u8]>, Some(b"a")).unwrap(), Ok(()));
    let e = db.compare_and_swap(b"k", None::<&[u8]>, Some(b"b")).unwrap().unwrap_err();
    assert_eq!(e.current.unwrap(), b"a");
    assert_eq!(e.proposed.unwrap(), b"b");
    // An empty value is not absent.
    assert_eq!(db.compare_and_swap(b"k", Some(b"a"), Some(b"")).unwrap(), Ok(()));
    let e = db.compare_and_swap(b"k", None::<&[u8]>, Some(b"x")).unwrap().unwrap_err();
    assert_eq!(e.current.unwrap(), b"");
    // new None deletes.
    assert_eq!(db.compare_and_swap(b"k", Some(b""), None::<&[u8]>).unwrap(), Ok(()));
    assert_eq!(db.get(b"k").unwrap(), None);
    let e = db.compare_and_swap(b"k", Some(b"zz"), None::<&[u8]>).unwrap().unwrap_err();
    assert_eq!((e.current, e.proposed), (None, None));
}

#[test]
fn update_fetch_and_merge_closures() {
    let (_d, db) = open("merge");
    let counter = |old: Option<&[u8]>| {
        let n = old.map_or(0, |b| u64::from_le_bytes(b.try_into().unwrap()));
        Some((n + 1).to_le_bytes().to_vec())
    };
    assert_eq!(db.update_and_fetch(b"c", counter).unwrap().unwrap(), 1u64.to_le_bytes());
    assert_eq!(db.fetch_and_update(b"c", counter).unwrap().unwrap(), 1u64.to_le_bytes());
    assert_eq!(db.get(b"c").unwrap().unwrap(), 2u64.to_le_bytes());
    // None deletes.
    assert_eq!(db.update_and_fetch(b"c", |_| None).unwrap(), None);
    assert!(!db.contains_key(b"c").unwrap());

    let t = db.open_tree("m").unwrap();
    let err = t.merge(b"k", b"x").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unsupported);
    t.set_merge_operator(|key, old, merged| {
        let mut v = old.map(<[u8]>::to_vec).unwrap_or_else(|| key.to_vec());
        if merged == b"delete" {
            return None;
        }
        v.extend_from_slice(merged);
        Some(v)
    });
    assert_eq!(t.merge(b"k", b"1").unwrap().unwrap(), b"k1");
    assert_eq!(t.merge(b"k", b"2").unwrap().unwrap(), b"k12");
    // insert bypasses the operator; a clone shares it; another handle has none.
    t.insert(b"k", b"raw").unwrap();
    assert_eq!(t.clone().merge(b"k", b"3").unwrap().unwrap(), b"raw3");
    let other = db.open_tree("m").unwrap();
    assert_eq!(other.merge(b"k", b"4").unwrap_err().kind(), ErrorKind::Unsupported);
    assert_eq!(t.merge(b"k", b"delete").unwrap(), None);
    assert_eq!(t.get(b"k").unwrap(), None);
    // A panicking operator aborts the merge and the panic reaches the caller.
    t.insert(b"p", b"kept").unwrap();
    t.set_merge_operator(|_, _, _| panic!("operator panicked"));
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| t.merge(b"p", b"x")));
    assert!(r.is_err());
    assert_eq!(t.get(b"p").unwrap().unwrap(), b"kept");
}

#[test]
fn iterators_ranges_prefixes_and_neighbours() {
    let (_d, db) = open("iter");
    let t = db.open_tree("bytes-boundary").unwrap();
    let keys: [&[u8]; 6] = [b"", b"\x00", b"a", b"ab", b"\xff", b"\xff\xff"];
    for (i, k) in keys.iter().enumerate() {
        t.insert(k, [i as u8]).unwrap();
    }
    let all: Vec<(IVec, IVec)> = t.iter().collect::<Result<_, _>>().unwrap();
    assert_eq!(
        all.iter().map(|(k, _)| k.to_vec()).collect::<Vec<_>>(),
        keys.iter().map(|k| k.to_vec()).collect::<Vec<_>>()
    );
    // Double-ended: front and back meet in the middle, each entry once.
    let mut it = t.iter();
    let mut seen = vec![];
    loop {
        match (it.next(), it.next_back()) {
            (Some(a), Some(b)) => {
                seen.push(a.unwrap().0);
                seen.push(b.unwrap().0);
            }
            (Some(a), None) | (None, Some(a)) => seen.push(a.unwrap().0),
            (None, None) => break,
        }
    }
    seen.sort();
    assert_eq!(seen.len(), keys.len());
    let r: Vec<IVec> = t.range::<&[u8], _>(&b"\x00"[..]..&b"ab"[..]).keys().collect::<Result<_, _>>().unwrap();
    assert_eq!(r, vec![IVec::from(&b"\x00"[..]), IVec::from(&b"a"[..])]);
    let r: Vec<IVec> = t.range::<&[u8], _>(&b"a"[..]..=&b"\xff"[..]).rev().keys_rev();
    assert_eq!(r, vec![IVec::from(&b"\xff"[..]), IVec::from(&b"ab"[..]), IVec::from(&b"a"[..])]);
    assert_eq!(t.range::<&[u8], _>(&b"b"[..]..&b"a"[..]).count(), 0, "start > end is empty");
    let p: Vec<IVec> = t.scan_prefix(b"\xff").keys().collect::<Result<_, _>>().unwrap();
    assert_eq!(p, vec![IVec::from(&b"\xff"[..]), IVec::from(&b"\xff\xff"[..])]);
    assert_eq!(t.scan_prefix(b"").count(), keys.len());
    assert_eq!(t.first().unwrap().unwrap().0, b"");
    assert_eq!(t.last().unwrap().unwrap().0, b"\xff\xff");
    assert_eq!(t.get_lt(b"").unwrap(), None);
    assert_eq!(t.get_gt(b"").unwrap().unwrap().0, b"\x00");
    assert_eq!(t.get_lt(b"b").unwrap().unwrap().0, b"ab");
    assert_eq!(t.pop_min().unwrap().unwrap().0, b"");
    assert_eq!(t.pop_max().unwrap().unwrap().0, b"\xff\xff");
    assert_eq!(t.len(), keys.len() - 2);
}

trait KeysRev {
    fn keys_rev(self) -> Vec<IVec>;
}
impl<I: Iterator<Item = lmkv::Result<(IVec, IVec)>>> KeysRev for I {
    fn keys_rev(self) -> Vec<IVec> {
        self.map(|r| r.unwrap().0).collect()
    }
}

#[test]
fn batches_are_atomic_and_last_write_wins() {
    let (_d, db) = open("batch");
    db.insert(b"gone", b"x").unwrap();
    let mut b = Batch::new();
    b.insert(b"a", b"1").unwrap();
    b.insert(b"a", b"2").unwrap();
    b.remove(b"gone").unwrap();
    b.insert(b"b", b"").unwrap();
    assert!(!b.is_empty());
    db.apply_batch(&b).unwrap();
    assert_eq!(db.get(b"a").unwrap().unwrap(), b"2");
    assert_eq!(db.get(b"gone").unwrap(), None);
    assert_eq!(db.get(b"b").unwrap().unwrap(), b"");
}

#[test]
fn transactions_read_own_writes_and_abort_cleanly() {
    let (_d, db) = open("txn");
    let cats = db.open_tree("cats").unwrap();
    let dogs = db.open_tree("dogs").unwrap();
    cats.insert(b"tom", b"1").unwrap();

    // Explicit write txn with borrowed reads.
    let mut tx = db.begin_write().unwrap();
    assert!(!tx.is_read_only());
    assert_eq!(tx.get(&cats, b"tom").unwrap(), Some(&b"1"[..]));
    tx.insert(&dogs, b"rex", b"2").unwrap();
    tx.remove(&cats, b"tom").unwrap();
    {
        let v = tx.get(&dogs, b"rex").unwrap();
        assert_eq!(v, Some(&b"2"[..]));
        let mut it = tx.iter(&dogs).unwrap();
        let (k, v) = it.next_ref().unwrap().unwrap();
        assert_eq!((k, v), (&b"rex"[..], &b"2"[..]));
        assert!(it.next_ref().is_none());
    }
    assert_eq!(tx.get(&cats, b"tom").unwrap(), None);
    tx.commit().unwrap();
    assert_eq!(dogs.get(b"rex").unwrap().unwrap(), b"2");
    assert_eq!(cats.get(b"tom").unwrap(), None);

    // Read txn: a snapshot.
    let rt = db.begin_read().unwrap();
    dogs.insert(b"fido", b"3").unwrap();
    assert_eq!(rt.get(&dogs, b"fido").unwrap(), None, "snapshot does not see later commits");
    assert_eq!(rt.scan_prefix(&dogs, b"").unwrap().count(), 1);
    drop(rt);

    // Closure form: Ok commits; Abort writes nothing.
    let n = db
        .transaction::<_, (), _>(&[&cats, &dogs], |tx| {
            let v = tx.get(&dogs, b"fido")?.map(<[u8]>::to_vec);
            tx.insert(&cats, b"felix", v.unwrap_or_default())?;
            Ok(7)
        })
        .unwrap();
    assert_eq!(n, 7);
    assert_eq!(cats.get(b"felix").unwrap().unwrap(), b"3");
    let r = db.transaction::<(), &str, _>(&[&cats], |tx| {
        tx.insert(&cats, b"ghost", b"boo")?;
        Err(TransactionError::Abort("no"))
    });
    assert_eq!(r, Err(TransactionError::Abort("no")));
    assert_eq!(cats.get(b"ghost").unwrap(), None);

    // Trees of another database are refused.
    let (_d2, other) = open("txn-other");
    let foreign = other.open_tree("x").unwrap();
    let r = db.transaction::<(), (), _>(&[&foreign], |_| Ok(()));
    assert!(matches!(r, Err(TransactionError::Storage(e)) if e.kind() == ErrorKind::InvalidArgument));
    let mut tx = db.begin_write().unwrap();
    assert_eq!(tx.insert(&foreign, b"a", b"b").unwrap_err().kind(), ErrorKind::InvalidArgument);
    tx.abort();
}

#[test]
fn dropped_transaction_writes_nothing() {
    let (_d, db) = open("txn-drop");
    let t = db.open_tree("t").unwrap();
    {
        let mut tx = db.begin_write().unwrap();
        tx.insert(&t, b"k", b"v").unwrap();
    }
    assert_eq!(t.get(b"k").unwrap(), None);
    // The writer lock was released: a plain write succeeds.
    t.insert(b"k", b"v").unwrap();
}

#[test]
fn subscribers_see_each_write_once() {
    let (_d, db) = open("sub");
    let t = db.open_tree("events").unwrap();
    let mut s = t.watch_prefix(b"a").unwrap();
    t.insert(b"a1", b"x").unwrap();
    t.insert(b"a1", b"x").unwrap(); // no-op: no event
    t.insert(b"b1", b"y").unwrap(); // other prefix
    t.remove(b"a1").unwrap();
    let mut b = Batch::new();
    b.insert(b"a2", b"z").unwrap();
    t.apply_batch(&b).unwrap();
    let mut got = vec![];
    while let Some(e) = s.next_timeout(Duration::from_millis(200)).unwrap() {
        got.push(e);
    }
    assert_eq!(
        got,
        vec![
            Event::Insert { key: IVec::from("a1"), value: IVec::from("x") },
            Event::Remove { key: IVec::from("a1") },
            Event::Insert { key: IVec::from("a2"), value: IVec::from("z") },
        ]
    );
    assert_eq!(s.try_next().unwrap(), None);
    // A subscriber can move to another thread.
    let h = std::thread::spawn(move || s.next_timeout(Duration::from_secs(5)).unwrap());
    t.insert(b"a3", b"w").unwrap();
    assert_eq!(h.join().unwrap().unwrap().key(), &IVec::from("a3"));
}

/// Waits until `n` reaches `want` (20 s at most), then checks it stays there
/// for a pause: the writer is blocked, not merely slow.
fn assert_blocked_at(n: &std::sync::atomic::AtomicUsize, want: usize) {
    use std::sync::atomic::Ordering::SeqCst;
    let end = std::time::Instant::now() + Duration::from_secs(20);
    while n.load(SeqCst) < want {
        assert!(std::time::Instant::now() < end, "writer stuck at {} of {}", n.load(SeqCst), want);
        std::thread::sleep(Duration::from_millis(2));
    }
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(n.load(SeqCst), want, "the writer did not block");
}

fn key(i: usize) -> Vec<u8> {
    format!("k{i:06}").into_bytes()
}

/// A writer that inserts keys 0..n into `t`, counting returned inserts.
fn spawn_writer(
    t: &lmkv::Tree,
    n: usize,
) -> (std::sync::Arc<std::sync::atomic::AtomicUsize>, std::thread::JoinHandle<lmkv::Result<()>>) {
    let done = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let (t, d) = (t.clone(), done.clone());
    let h = std::thread::spawn(move || {
        for i in 0..n {
            t.insert(key(i), key(i))?;
            d.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
        Ok(())
    });
    (done, h)
}

#[test]
fn subscriber_blocks_writer_until_drained() {
    // sled 0.34: a full subscriber (1024 events) blocks the writer until it
    // drains; every event arrives, in order.
    let (_d, db) = open("subblock");
    let t = db.open_tree("events").unwrap();
    let mut s = t.watch_prefix(b"k").unwrap();
    let total = 1024 + 100;
    let (done, h) = spawn_writer(&t, total);
    assert_blocked_at(&done, 1024);
    // its 1025th write is committed and readable while it waits, and other
    // writers are not stalled
    assert_eq!(t.get(key(1024)).unwrap().unwrap(), key(1024));
    t.insert(b"other", b"x").unwrap();
    for i in 0..total {
        let e = s.next_timeout(Duration::from_secs(20)).unwrap().expect("event");
        assert_eq!(e, Event::Insert { key: IVec::from(key(i)), value: IVec::from(key(i)) });
    }
    h.join().unwrap().unwrap();
    assert_eq!(s.try_next().unwrap(), None);
}

#[test]
fn dropping_a_subscriber_or_its_tree_releases_the_writer() {
    let (_d, db) = open("subrelease");
    let t = db.open_tree("a").unwrap();
    let s = t.watch_prefix(b"").unwrap();
    let (done, h) = spawn_writer(&t, 1024 + 10);
    assert_blocked_at(&done, 1024);
    drop(s);
    h.join().unwrap().unwrap();
    assert_eq!(t.len(), 1024 + 10);

    let t = db.open_tree("b").unwrap();
    let mut s = t.watch_prefix(b"").unwrap();
    let (done, h) = spawn_writer(&t, 1024 + 10);
    assert_blocked_at(&done, 1024);
    assert!(db.drop_tree("b").unwrap());
    // the waiting insert returns (it committed); the next finds the tree gone
    assert_eq!(h.join().unwrap().unwrap_err().kind(), ErrorKind::TreeDropped);
    assert_eq!(done.load(std::sync::atomic::Ordering::SeqCst), 1025);
    assert_eq!(s.by_ref().count(), 1025); // what was queued, then the end
}

#[test]
fn nonblocking_subscriber_drops_and_reports_limit() {
    let (_d, db) = open("subnb");
    let t = db.open_tree("events").unwrap();
    let mut s = t.watch_prefix_nonblocking(b"").unwrap();
    for i in 0..1100 {
        t.insert(key(i), b"v").unwrap(); // never blocks, even undrained
    }
    for i in 0..1024 {
        assert_eq!(s.try_next().unwrap().unwrap().key(), &IVec::from(key(i)));
    }
    assert_eq!(s.try_next().unwrap_err().kind(), ErrorKind::Limit);
    assert_eq!(s.try_next().unwrap(), None);
    t.insert(b"after", b"v").unwrap();
    assert_eq!(s.try_next().unwrap().unwrap().key(), &IVec::from("after"));
}

#[test]
fn trees_drop_names_ids_checksum_export_import() {
    let d = TempDir::new("db-level");
    let path = d.path().join("db");
    {
        let db = Config::new().path(&path).flush_every_ms(None).open().unwrap();
        let names = db.tree_names();
        assert_eq!(names, vec![IVec::from(lmkv::DEFAULT_TREE)]);
        let t = db.open_tree(b"\x63\x61\x66\xe9").unwrap(); // not UTF-8
        t.insert(b"k", b"v").unwrap();
        let e = db.open_tree(b"").unwrap(); // the empty name
        e.insert(b"", b"").unwrap();
        assert_eq!(t.name(), &b"\x63\x61\x66\xe9"[..]);
        assert_eq!(db.tree_names().len(), 3);
        assert!(db.open_existing_tree("nope").unwrap().is_none());
        assert!(db.open_existing_tree(b"").unwrap().is_some());
        assert_eq!(db.generate_id().unwrap(), 0);
        let id = db.generate_id().unwrap();
        assert!(id > 0);
        assert_eq!(db.drop_tree(lmkv::DEFAULT_TREE).unwrap_err().kind(), ErrorKind::InvalidArgument);
        assert!(db.drop_tree(b"").unwrap());
        assert!(!db.drop_tree(b"").unwrap());
        assert_eq!(e.get(b"").unwrap_err().kind(), ErrorKind::TreeDropped);
        db.flush().unwrap();
        assert!(db.size_on_disk().unwrap() > 0);
        assert!(!db.is_temporary());
        assert_eq!(db.path(), path);
    }
    let db = Db::open(&path).unwrap();
    assert!(db.was_recovered());
    assert!(db.generate_id().unwrap() > 1, "ids never repeat across reopen");
    db.insert(b"alpha", b"1").unwrap();
    let export = db.export().unwrap();
    let names: Vec<&[u8]> = export.iter().map(|(_, n, _)| n.as_slice()).collect();
    assert_eq!(names, vec![lmkv::DEFAULT_TREE, &b"\x63\x61\x66\xe9"[..]]);
    assert!(export.iter().all(|(ty, _, _)| ty == b"tree"));
    let sum = db.checksum().unwrap();

    // Import into a fresh database gives the same checksum (sled's).
    let db2 = Db::open(d.path().join("db2")).unwrap();
    db2.import(export.clone()).unwrap();
    assert_eq!(db2.checksum().unwrap(), sum);
    // Import refuses to overwrite, and writes nothing then.
    let before = db2.len();
    let err = db2
        .import(vec![(b"tree".to_vec(), b"fresh".to_vec(), vec![(b"n".to_vec(), b"1".to_vec())]), export[0].clone()])
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::AlreadyExists);
    assert_eq!(db2.len(), before);
    assert!(db2.open_existing_tree("fresh").unwrap().map_or(true, |t| t.is_empty()));

    // clear_all empties every tree, drops none.
    db2.clear_all().unwrap();
    assert_eq!(db2.tree_names().len(), 2);
    assert!(db2.open_tree(b"\x63\x61\x66\xe9").unwrap().is_empty());
}

#[test]
fn errors_carry_code_kind_and_message() {
    let (_d, db) = open("errors");
    let t = db.open_tree("t").unwrap();
    db.drop_tree("t").unwrap();
    let e = t.insert(b"k", b"v").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::TreeDropped);
    assert_eq!(e.code(), lmkv::sys::LMKV_ETREE);
    assert!(!e.message().is_empty());
    assert!(e.to_string().contains(&e.code().to_string()));
    let e = Config::new().path(_d.path().join("db")).create_new(true).open().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::AlreadyExists);
}

#[test]
fn many_threads_share_a_db_and_its_trees() {
    let (_d, db) = open("threads");
    let t = db.open_tree("shared").unwrap();
    let threads: Vec<_> = (0..4u8)
        .map(|i| {
            let t = t.clone();
            let db = db.clone();
            std::thread::spawn(move || {
                for j in 0..200u32 {
                    let k = [&[i][..], &j.to_be_bytes()[..]].concat();
                    t.insert(&k, j.to_le_bytes()).unwrap();
                    db.update_and_fetch(b"count", |old| {
                        let n = old.map_or(0, |b| u32::from_le_bytes(b.try_into().unwrap()));
                        Some((n + 1).to_le_bytes().to_vec())
                    })
                    .unwrap();
                }
            })
        })
        .collect();
    threads.into_iter().for_each(|h| h.join().unwrap());
    assert_eq!(t.len(), 800);
    assert_eq!(db.get(b"count").unwrap().unwrap(), 800u32.to_le_bytes());
    let model: BTreeMap<Vec<u8>, Vec<u8>> =
        t.iter().map(|r| r.map(|(k, v)| (k.to_vec(), v.to_vec()))).collect::<Result<_, _>>().unwrap();
    assert_eq!(model.len(), 800);
    // The Db outlives every handle whatever the drop order.
    let it = t.iter();
    drop(t);
    drop(db);
    assert_eq!(it.count(), 800);
}

#[test]
fn read_only_opener_beside_a_writer() {
    // No exclusive lock (unlike sled): a read-only handle reads while the
    // writer's handle stays open and keeps writing.
    let d = TempDir::new("ro");
    let path = d.path().join("db");
    let w = Db::open(&path).unwrap();
    let wt = w.open_tree("universal_cache").unwrap();
    wt.insert(b"k", b"1").unwrap();
    let r = Config::new().path(&path).read_only(true).open().unwrap();
    let rt = r.open_tree("universal_cache").unwrap();
    assert_eq!(rt.get(b"k").unwrap().unwrap(), b"1");
    assert_eq!(rt.insert(b"k", b"2").unwrap_err().kind(), ErrorKind::ReadOnly);
    assert_eq!(r.open_tree("missing").unwrap_err().kind(), ErrorKind::NotFound);
    wt.insert(b"k", b"3").unwrap();
    assert_eq!(rt.get(b"k").unwrap().unwrap(), b"3", "each call sees the latest commit");
    assert_eq!(r.checksum().unwrap(), w.checksum().unwrap());
}
