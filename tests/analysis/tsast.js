// tsast.js: the TypeScript/JavaScript oracle of tests/t_analysis_ts_typescript.py.
// Reads file paths on stdin, parses each with the TypeScript compiler API
// (ts.createSourceFile: the compiler's own parser, npm typescript pinned in
// scripts/fetch-grammars.sh) and prints, tab-separated:
//   D path end_line name     definitions: function/class/interface/enum/type
//                            alias/namespace declarations, methods and method
//                            signatures, constructors, named function and
//                            class expressions, and variables, properties and
//                            assignments whose value is a function
//   C path line column name  every call, `new`, tagged template; name is the
//                            identifier or property called, else "*"
// Columns are 1-based bytes (UTF-8), lines 1-based.
'use strict';
const ts = require(process.argv[2]);
const fs = require('fs');
const lines = fs.readFileSync(0, 'utf8').split('\n').filter(Boolean);
const out = [];
const K = ts.SyntaxKind;
const isFn = (e) => e && (e.kind === K.ArrowFunction || e.kind === K.FunctionExpression);
function calleeName(e) {
    if (!e) return '*';
    if (e.kind === K.Identifier) return e.text;
    if (e.kind === K.PropertyAccessExpression) return e.name.text;
    if (e.kind === K.SuperKeyword) return 'super';
    if (e.kind === K.ImportKeyword) return 'import';
    return '*';
}
for (const path of lines) {
    const text = fs.readFileSync(path, 'utf8');
    const kind = path.endsWith('.tsx') ? ts.ScriptKind.TSX : path.endsWith('.ts') ? ts.ScriptKind.TS :
                 path.endsWith('.jsx') ? ts.ScriptKind.JSX : ts.ScriptKind.JS;
    const sf = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true, kind);
    const src = sf.text;
    const lineStarts = sf.getLineStarts();
    const pos = (p) => {
        const lc = sf.getLineAndCharacterOfPosition(p);
        const col = Buffer.byteLength(src.slice(lineStarts[lc.line], lineStarts[lc.line] + lc.character), 'utf8');
        return [lc.line + 1, col + 1];
    };
    const endLine = (n) => sf.getLineAndCharacterOfPosition(n.getEnd()).line + 1;
    const def = (n, name) => out.push(`D\t${path}\t${endLine(n)}\t${name}`);
    const idName = (nm) => nm && (nm.kind === K.Identifier || nm.kind === K.PrivateIdentifier) ? nm.text : null;
    const stack = [sf];
    while (stack.length) {
        const n = stack.pop();
        switch (n.kind) {
        case K.FunctionDeclaration: case K.ClassDeclaration: case K.InterfaceDeclaration:
        case K.EnumDeclaration: case K.TypeAliasDeclaration: case K.MethodDeclaration:
        case K.MethodSignature: case K.FunctionExpression: case K.ClassExpression:
            if (idName(n.name)) def(n, idName(n.name));
            break;
        case K.ModuleDeclaration:
            if (n.name.kind === K.Identifier) def(n, n.name.text);
            break;
        case K.Constructor:
            if (n.body) def(n, 'constructor');
            break;
        case K.VariableDeclaration:
            if (n.name.kind === K.Identifier && isFn(n.initializer)) def(n, n.name.text);
            break;
        case K.PropertyAssignment:
            if (n.name.kind === K.Identifier && isFn(n.initializer)) def(n, n.name.text);
            break;
        case K.BinaryExpression:
            if (n.operatorToken.kind === K.EqualsToken && isFn(n.right)) {
                const l = n.left;
                if (l.kind === K.Identifier) def(n, l.text);
                else if (l.kind === K.PropertyAccessExpression) def(n, l.name.text);
            }
            break;
        case K.CallExpression: case K.NewExpression: {
            const [line, col] = pos(n.getStart(sf));
            out.push(`C\t${path}\t${line}\t${col}\t${calleeName(n.expression)}`);
            break;
        }
        case K.TaggedTemplateExpression: {
            const [line, col] = pos(n.getStart(sf));
            out.push(`C\t${path}\t${line}\t${col}\t${calleeName(n.tag)}`);
            break;
        }
        }
        const kids = [];
        ts.forEachChild(n, (c) => { kids.push(c); });
        for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]);
    }
}
process.stdout.write(out.join('\n') + '\n');
