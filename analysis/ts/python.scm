; lmkv's additions to tree-sitter-python's queries/tags.scm.
; Every call (tags.scm: only `f()` and `a.f()`; the narrowest name wins).
(call function: (_) @name) @reference.call
(import_statement name: (dotted_name) @name) @reference.import
(import_statement name: (aliased_import name: (dotted_name) @name)) @reference.import
(import_from_statement module_name: (_) @name) @reference.import
(type (identifier) @name) @reference.type
(class_definition superclasses: (argument_list (identifier) @hierarchy.extends))
(class_definition superclasses: (argument_list (attribute) @hierarchy.extends))
