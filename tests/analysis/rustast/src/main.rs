//! rustast: reads Rust file paths on stdin, parses each with syn (a full
//! Rust parser: syn::parse_file) and prints, tab-separated:
//!   D path end_line name        fn items, impl and trait methods, struct,
//!                               enum, union, trait, type alias (associated
//!                               types too), mod and
//!                               macro_rules! definitions
//!   C path line column name     call expressions, method calls and macro
//!                               invocations; name = the last path segment
//!                               or method called, else "*"
//!   X path reason               syn does not parse the file
//! Columns are 1-based bytes.
use std::io::{self, BufRead, Write};
use syn::spanned::Spanned;
use syn::visit::{self, Visit};

struct V<'a> {
    path: &'a str,
    lines: Vec<&'a str>,
    out: Vec<String>,
}

impl<'a> V<'a> {
    fn byte_col(&self, line: usize, chars: usize) -> usize {
        match self.lines.get(line.wrapping_sub(1)) {
            Some(l) => l.char_indices().nth(chars).map(|(b, _)| b).unwrap_or(l.len()) + 1,
            None => chars + 1,
        }
    }
    fn def(&mut self, span: proc_macro2::Span, name: String) {
        self.out.push(format!("D\t{}\t{}\t{}", self.path, span.end().line, name));
    }
    fn call(&mut self, span: proc_macro2::Span, name: String) {
        let s = span.start();
        let col = self.byte_col(s.line, s.column);
        self.out.push(format!("C\t{}\t{}\t{}\t{}", self.path, s.line, col, name));
    }
}

fn last_seg(p: &syn::Path) -> String {
    p.segments.last().map(|s| s.ident.to_string()).unwrap_or_else(|| "*".into())
}

impl<'a, 'ast> Visit<'ast> for V<'a> {
    fn visit_item_fn(&mut self, i: &'ast syn::ItemFn) {
        self.def(i.block.span(), i.sig.ident.to_string());
        visit::visit_item_fn(self, i);
    }
    fn visit_impl_item_method(&mut self, i: &'ast syn::ImplItemMethod) {
        self.def(i.block.span(), i.sig.ident.to_string());
        visit::visit_impl_item_method(self, i);
    }
    fn visit_trait_item_method(&mut self, i: &'ast syn::TraitItemMethod) {
        let end = match &i.default { Some(b) => b.span(), None => i.semi_token.span() };
        self.def(end, i.sig.ident.to_string());
        visit::visit_trait_item_method(self, i);
    }
    fn visit_item_struct(&mut self, i: &'ast syn::ItemStruct) {
        self.def(i.span(), i.ident.to_string());
        visit::visit_item_struct(self, i);
    }
    fn visit_item_enum(&mut self, i: &'ast syn::ItemEnum) {
        self.def(i.brace_token.span, i.ident.to_string());
        visit::visit_item_enum(self, i);
    }
    fn visit_item_union(&mut self, i: &'ast syn::ItemUnion) {
        self.def(i.fields.brace_token.span, i.ident.to_string());
        visit::visit_item_union(self, i);
    }
    fn visit_item_trait(&mut self, i: &'ast syn::ItemTrait) {
        self.def(i.brace_token.span, i.ident.to_string());
        visit::visit_item_trait(self, i);
    }
    fn visit_item_type(&mut self, i: &'ast syn::ItemType) {
        self.def(i.semi_token.span(), i.ident.to_string());
        visit::visit_item_type(self, i);
    }
    fn visit_impl_item_type(&mut self, i: &'ast syn::ImplItemType) {
        self.def(i.semi_token.span(), i.ident.to_string());
        visit::visit_impl_item_type(self, i);
    }
    fn visit_trait_item_type(&mut self, i: &'ast syn::TraitItemType) {
        self.def(i.semi_token.span(), i.ident.to_string());
        visit::visit_trait_item_type(self, i);
    }
    fn visit_item_mod(&mut self, i: &'ast syn::ItemMod) {
        let end = match &i.content { Some((b, _)) => b.span, None => i.semi.as_ref().map(|s| s.span()).unwrap_or(i.ident.span()) };
        self.def(end, i.ident.to_string());
        visit::visit_item_mod(self, i);
    }
    fn visit_item_macro(&mut self, i: &'ast syn::ItemMacro) {
        if let Some(id) = &i.ident {
            if last_seg(&i.mac.path) == "macro_rules" {
                let end = i.semi_token.as_ref().map(|s| s.span()).unwrap_or_else(|| i.mac.span());
                self.def(end, id.to_string());
                return;
            }
        }
        visit::visit_item_macro(self, i);
    }
    fn visit_expr_call(&mut self, e: &'ast syn::ExprCall) {
        let name = match &*e.func {
            syn::Expr::Path(p) => last_seg(&p.path),
            _ => "*".into(),
        };
        self.call(e.func.span(), name);
        visit::visit_expr_call(self, e);
    }
    fn visit_expr_method_call(&mut self, e: &'ast syn::ExprMethodCall) {
        self.call(e.receiver.span(), e.method.to_string());
        visit::visit_expr_method_call(self, e);
    }
    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        self.call(m.path.span(), last_seg(&m.path));
        visit::visit_macro(self, m);
    }
}

fn main() {
    let stdin = io::stdin();
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    for line in stdin.lock().lines() {
        let path = line.expect("stdin");
        if path.is_empty() { continue; }
        let src = match std::fs::read_to_string(&path) {
            Ok(s) => s,
            Err(e) => { writeln!(out, "X\t{}\t{}", path, e).unwrap(); continue; }
        };
        let file = match syn::parse_file(&src) {
            Ok(f) => f,
            Err(e) => { writeln!(out, "X\t{}\t{}", path, e.to_string().replace('\n', " ")).unwrap(); continue; }
        };
        let mut v = V { path: &path, lines: src.lines().collect(), out: Vec::new() };
        v.visit_file(&file);
        for l in v.out { writeln!(out, "{}", l).unwrap(); }
    }
}
