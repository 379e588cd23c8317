; lmkv's additions for JavaScript only (TypeScript's class_heritage holds
; extends_clause / implements_clause instead: typescript.scm).
(class_heritage (identifier) @hierarchy.extends)
(class_heritage (member_expression) @hierarchy.extends)
