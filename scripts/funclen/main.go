// Command funclen lists the longest Go functions and methods under the given
// directories (default "."), test files excluded unless -tests is set. It is a
// measuring tool for refactors: `go run ./scripts/funclen -n 30 ./internal/provider`.
package main

import (
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

type fn struct {
	name  string
	pos   string
	lines int
}

func main() {
	n := flag.Int("n", 30, "how many functions to list")
	over := flag.Int("over", 0, "also count the functions longer than this many lines")
	tests := flag.Bool("tests", false, "include _test.go files")
	flag.Parse()
	roots := flag.Args()
	if len(roots) == 0 {
		roots = []string{"."}
	}
	var all []fn
	fset := token.NewFileSet()
	for _, root := range roots {
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				if name := d.Name(); name == "node_modules" || name == "vendor" || (strings.HasPrefix(name, ".") && path != root) {
					return filepath.SkipDir
				}
				return nil
			}
			if !strings.HasSuffix(path, ".go") || (!*tests && strings.HasSuffix(path, "_test.go")) {
				return nil
			}
			f, err := parser.ParseFile(fset, path, nil, 0)
			if err != nil {
				return err
			}
			for _, decl := range f.Decls {
				fd, ok := decl.(*ast.FuncDecl)
				if !ok || fd.Body == nil {
					continue
				}
				name := fd.Name.Name
				if fd.Recv != nil && len(fd.Recv.List) == 1 {
					name = recvName(fd.Recv.List[0].Type) + "." + name
				}
				start := fset.Position(fd.Pos())
				end := fset.Position(fd.End())
				all = append(all, fn{name: name, pos: fmt.Sprintf("%s:%d", path, start.Line), lines: end.Line - start.Line + 1})
			}
			return nil
		})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i].lines > all[j].lines })
	if *over > 0 {
		count := 0
		for _, f := range all {
			if f.lines > *over {
				count++
			}
		}
		fmt.Printf("%d of %d functions are longer than %d lines\n", count, len(all), *over)
	}
	for i, f := range all {
		if i >= *n {
			break
		}
		fmt.Printf("%5d  %-45s %s\n", f.lines, f.name, f.pos)
	}
}

func recvName(e ast.Expr) string {
	switch t := e.(type) {
	case *ast.StarExpr:
		return recvName(t.X)
	case *ast.IndexExpr:
		return recvName(t.X)
	case *ast.Ident:
		return t.Name
	}
	return "?"
}
