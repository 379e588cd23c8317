; lmkv's additions to tree-sitter-java's queries/tags.scm.
(method_invocation name: (identifier) @name) @reference.call
(object_creation_expression type: (_) @name) @reference.call
(explicit_constructor_invocation constructor: (_) @name) @reference.call
(constructor_declaration name: (identifier) @name) @definition.constructor
(enum_declaration name: (identifier) @name) @definition.enum
(record_declaration name: (identifier) @name) @definition.class
(annotation_type_declaration name: (identifier) @name) @definition.interface
(field_declaration declarator: (variable_declarator name: (identifier) @name)) @definition.field
(enum_constant name: (identifier) @name) @definition.enummember
(import_declaration (scoped_identifier) @name) @reference.import
(superclass (_) @hierarchy.extends)
(super_interfaces (type_list (_) @hierarchy.implements))
(extends_interfaces (type_list (_) @hierarchy.extends))
(object_creation_expression type: (generic_type (type_identifier) @name)) @reference.call
(object_creation_expression type: (scoped_type_identifier (type_identifier) @name .)) @reference.call
(object_creation_expression type: (generic_type (scoped_type_identifier (type_identifier) @name .))) @reference.call
