// goast: the Go oracle of tests/t_analysis_ts_go.py. Reads Go file paths on
// stdin, parses each with go/parser (the Go toolchain's own parser) and
// prints, tab-separated:
//   D path line column name   for every FuncDecl (functions and methods) and TypeSpec
//   C path line column name   for every CallExpr whose Fun is not a type
//                             literal ([]T(x), map[K]V(x), func()(x)...:
//                             conversions the syntax marks as such); name is
//                             the identifier or selector called, else "*"
//   X path reason             the file does not parse
// Columns are 1-based bytes, as go/token reports them.
package main

import (
	"bufio"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
)

func callee(e ast.Expr) string {
	for {
		switch x := e.(type) {
		case *ast.ParenExpr:
			e = x.X
			continue
		case *ast.Ident:
			return x.Name
		case *ast.SelectorExpr:
			return x.Sel.Name
		case *ast.IndexExpr:
			e = x.X
			continue
		case *ast.IndexListExpr:
			e = x.X
			continue
		}
		return "*"
	}
}

func typeLiteral(e ast.Expr) bool {
	for {
		p, ok := e.(*ast.ParenExpr)
		if !ok {
			break
		}
		e = p.X
	}
	switch e.(type) {
	case *ast.ArrayType, *ast.MapType, *ast.ChanType, *ast.FuncType, *ast.InterfaceType, *ast.StructType:
		return true
	}
	return false
}

func main() {
	in := bufio.NewScanner(os.Stdin)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	for in.Scan() {
		path := in.Text()
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			fmt.Fprintf(out, "X\t%s\t%v\n", path, err)
			continue
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch x := n.(type) {
			case *ast.FuncDecl:
				p := fset.Position(x.Pos())
				fmt.Fprintf(out, "D\t%s\t%d\t%d\t%s\n", path, p.Line, p.Column, x.Name.Name)
			case *ast.TypeSpec:
				p := fset.Position(x.Name.Pos())
				fmt.Fprintf(out, "T\t%s\t%d\t%d\t%s\n", path, p.Line, p.Column, x.Name.Name)
			case *ast.CallExpr:
				if !typeLiteral(x.Fun) {
					p := fset.Position(x.Pos())
					fmt.Fprintf(out, "C\t%s\t%d\t%d\t%s\n", path, p.Line, p.Column, callee(x.Fun))
				}
			}
			return true
		})
	}
}
