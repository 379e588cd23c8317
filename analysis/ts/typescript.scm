; lmkv's additions for TypeScript and TSX (after tags.scm of
; tree-sitter-javascript and tree-sitter-typescript, and javascript.scm).
(enum_declaration name: (identifier) @name) @definition.enum
(type_alias_declaration name: (type_identifier) @name) @definition.type
(internal_module name: (identifier) @name) @definition.module
(extends_clause value: (_) @hierarchy.extends)
(implements_clause (_) @hierarchy.implements)
(extends_type_clause type: (_) @hierarchy.extends)
(function_declaration name: (identifier) @name) @definition.function
