//! Finds liblmkv and its C dependencies for the linker. std only.
//!
//! Search order (the first that applies wins):
//!  1. `LMKV_LIB_DIR`: a directory holding `liblmkv.a` (tests/t_rust.sh sets it
//!     to the repository's build directory, so the tests always exercise the
//!     tree's own code, never an older installed copy).
//!  2. `pkg-config --static --libs lmkv` when an installed lmkv.pc exists
//!     (`make install` writes it).
//!  3. The repository's build directory, `../../build/liblmkv.a` seen from
//!     bindings/rust (build it first with `make build/liblmkv.a`; `make` and
//!     `make test` do).
//!
//! In cases 1 and 3 the archive is linked statically and its dependencies
//! (LMDB, libgit2, xxhash, zlib, jansson, nettle, tree-sitter (analysis/'s
//! tree-sitter frontends), pthread, libm; libclang 14
//! from `$LLVM_DIR/lib`, default /usr/lib/llvm-14) are taken
//! from `pkg-config --libs lmdb libgit2 libxxhash zlib jansson nettle tree-sitter libpq`,
//! falling back to `-llmdb -lgit2 -lxxhash -lz -ljansson -lnettle -ltree-sitter -lpq` as the
//! Makefile does.
//!
//! `LMKV_SANITIZE=address` additionally links the ASan+UBSan runtimes through
//! the C compiler driver, for an archive built with `make SAN=1`.

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

const DEP_PKGS: &[&str] = &["lmdb", "libgit2", "libxxhash", "zlib", "jansson", "nettle", "tree-sitter", "libpq"];
const DEP_FALLBACK: &[&str] = &["lmdb", "git2", "xxhash", "z", "jansson", "nettle", "tree-sitter", "pq"];

fn pkg_config(args: &[&str]) -> Option<String> {
    let out = Command::new("pkg-config").args(args).output().ok()?;
    if !out.status.success() {
        return None;
    }
    String::from_utf8(out.stdout).ok()
}

/// Emits cargo link directives for a pkg-config `--libs` line.
fn emit_libs(line: &str) {
    for tok in line.split_whitespace() {
        if let Some(dir) = tok.strip_prefix("-L") {
            println!("cargo:rustc-link-search=native={dir}");
        } else if let Some(lib) = tok.strip_prefix("-l") {
            println!("cargo:rustc-link-lib={lib}");
        } else if tok.starts_with("-pthread") {
            println!("cargo:rustc-link-lib=pthread");
        }
    }
}

fn emit_deps() {
    match pkg_config(&[&["--libs"][..], DEP_PKGS].concat()) {
        Some(line) => emit_libs(&line),
        None => {
            for l in DEP_FALLBACK {
                println!("cargo:rustc-link-lib={l}");
            }
        }
    }
    // analysis/'s C and C++ frontend loads libclang 14 with dlopen on first
    // use (analysis/clang_api.h), so only libdl is linked
    println!("cargo:rustc-link-lib=dl");
    println!("cargo:rustc-link-lib=pthread");
    println!("cargo:rustc-link-lib=m");
}

fn link_static_dir(dir: &Path) {
    let lib = dir.join("liblmkv.a");
    if !lib.is_file() {
        panic!(
            "lmkv-sys: {} does not exist; build it with `make build/liblmkv.a` \
             at the repository root, or set LMKV_LIB_DIR",
            lib.display()
        );
    }
    println!("cargo:rerun-if-changed={}", lib.display());
    println!("cargo:rustc-link-search=native={}", dir.display());
    println!("cargo:rustc-link-lib=static=lmkv");
    println!("cargo:root={}", dir.display());
    emit_deps();
}

fn main() {
    println!("cargo:rerun-if-env-changed=LMKV_LIB_DIR");
    println!("cargo:rerun-if-env-changed=LMKV_SANITIZE");
    println!("cargo:rerun-if-env-changed=LLVM_DIR");
    println!("cargo:rerun-if-env-changed=PKG_CONFIG_PATH");
    println!("cargo:rerun-if-changed=build.rs");

    if let Ok(san) = env::var("LMKV_SANITIZE") {
        if san == "address" {
            // The runtimes the instrumented archive calls into (GCC's, as the
            // Makefile builds with cc). Link-lib directives propagate to
            // every crate that links lmkv-sys; ASan then needs
            // ASAN_OPTIONS=verify_asan_link_order=0 (tests/t_rust.sh sets it)
            // because Rust's std libraries come first.
            println!("cargo:rustc-link-lib=dylib=asan");
            println!("cargo:rustc-link-lib=dylib=ubsan");
        }
    }

    if let Some(dir) = env::var_os("LMKV_LIB_DIR") {
        link_static_dir(&PathBuf::from(dir));
        return;
    }
    if let Some(line) = pkg_config(&["--static", "--libs", "lmkv"]) {
        emit_libs(&line);
        return;
    }
    let manifest = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    // bindings/rust/lmkv-sys -> repository root
    let root = manifest
        .parent()
        .and_then(Path::parent)
        .and_then(Path::parent)
        .expect("lmkv-sys lives at bindings/rust/lmkv-sys");
    link_static_dir(&root.join("build"));
}
