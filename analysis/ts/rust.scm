; lmkv's additions to tree-sitter-rust's queries/tags.scm.
; impl blocks qualify their items (Type::method) and give hierarchy edges.
(impl_item trait: (_) @hierarchy.implements type: (_) @name) @scope
(impl_item !trait type: (_) @name) @scope
; Calls tags.scm leaves out: paths (Type::new()), turbofish, any callee.
(call_expression function: (scoped_identifier name: (identifier) @name)) @reference.call
(call_expression function: (generic_function function: (identifier) @name)) @reference.call
(call_expression function: (generic_function function: (scoped_identifier name: (identifier) @name))) @reference.call
(call_expression function: (generic_function function: (field_expression field: (field_identifier) @name))) @reference.call
(call_expression function: (_) @name) @reference.call
(macro_invocation macro: (scoped_identifier name: (identifier) @name)) @reference.call
(use_declaration argument: (_) @name) @reference.import
(const_item name: (identifier) @name) @definition.constant
(static_item name: (identifier) @name) @definition.variable
(enum_variant name: (identifier) @name) @definition.enummember
(field_declaration name: (field_identifier) @name) @definition.field
(function_signature_item name: (identifier) @name) @definition.method
(type_identifier) @name @reference.type
(associated_type name: (type_identifier) @name) @definition.type
