; lmkv's additions to tree-sitter-go's queries/tags.scm.
; Methods qualified by their receiver's type: pkg.Type.Method.
(method_declaration
  receiver: (parameter_list
    (parameter_declaration
      type: [(type_identifier) @qualifier
             (pointer_type (type_identifier) @qualifier)
             (generic_type type: (type_identifier) @qualifier)
             (pointer_type (generic_type type: (type_identifier) @qualifier))]))
  name: (field_identifier) @name) @definition.method
(package_clause (package_identifier) @package)
; Every call (tags.scm: identifiers and selectors only).
(call_expression function: (_) @name) @reference.call
(import_spec path: (_) @name) @reference.import
(source_file (var_declaration (var_spec name: (identifier) @name) @definition.variable))
(source_file (const_declaration (const_spec name: (identifier) @name) @definition.constant))
(field_declaration name: (field_identifier) @name) @definition.field
(method_elem name: (field_identifier) @name) @definition.method
; `g[int](x)`: an instantiated generic function called, or a conversion to an
; instantiated generic type; the syntax cannot tell (go/ast: a CallExpr).
(type_conversion_expression type: (generic_type type: (type_identifier) @name)) @reference.call
(type_alias name: (type_identifier) @name) @definition.type
