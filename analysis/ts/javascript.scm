; lmkv's additions to tree-sitter-javascript's queries/tags.scm (also used
; for TypeScript and TSX, after their own tags.scm).
; Every call, `new` included (tags.scm: `f()` but not require(), `a.f()`).
(call_expression function: (_) @name) @reference.call
(call_expression function: (member_expression property: (_) @name)) @reference.call
(new_expression constructor: (_) @name) @reference.call
(method_definition name: (property_identifier) @name (#eq? @name "constructor")) @definition.constructor
(method_definition name: (private_property_identifier) @name) @definition.method
(import_statement source: (string) @name) @reference.import
(new_expression constructor: (member_expression property: (property_identifier) @name)) @reference.call
