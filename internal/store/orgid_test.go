package store_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// Organisation ids have a type of their own (OrgID), so that one passed in
// another id's place does not compile. This keeps it so: no function of the
// package takes an organisation id as a plain string, every function that
// takes an OrgID takes it first after its context (and the Querier or
// transaction it runs in), and every struct field named OrgID is an OrgID.
func TestOrgIDTyped(t *testing.T) {
	// The kernel and the wings' db packages, which take the same ids.
	var files []string
	for _, pattern := range []string{"*.go", "../risk/riskdb/*.go", "../devices/devicesdb/*.go"} {
		fs, err := filepath.Glob(pattern)
		if err != nil || len(fs) == 0 {
			t.Fatalf("no files for %s: %v", pattern, err)
		}
		files = append(files, fs...)
	}
	// Finding is a report row built by the content check, which reads
	// org_id from every table as text; it is never passed to a store call.
	plainFields := map[string]bool{"Finding": true}
	// contentKey builds a map key from text the content check read; the org
	// of System.Info is the organisation's name.
	plainParams := map[string]bool{"contentKey": true, "Info": true}
	fset := token.NewFileSet()
	funcs, typed := 0, 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(file, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.FuncDecl:
				funcs++
				if checkOrgParams(t, fset, n, plainParams[n.Name.Name]) {
					typed++
				}
			case *ast.TypeSpec:
				st, ok := n.Type.(*ast.StructType)
				if !ok || plainFields[n.Name.Name] {
					return true
				}
				for _, fl := range st.Fields.List {
					for _, name := range fl.Names {
						if name.Name == "OrgID" && strings.TrimPrefix(typeName(fl.Type), "store.") != "OrgID" {
							t.Errorf("%s: %s.OrgID is %s, want OrgID", fset.Position(fl.Pos()), n.Name.Name, typeName(fl.Type))
						}
					}
				}
			}
			return true
		})
	}
	if funcs < 100 || typed < 50 {
		t.Fatalf("checked %d functions, %d taking an OrgID: want the whole package", funcs, typed)
	}
}

// checkOrgParams reports parameters that look like organisation ids but
// are strings, and an OrgID that is not first after the context, Querier
// or transaction. It says whether fn takes an OrgID.
func checkOrgParams(t *testing.T, fset *token.FileSet, fn *ast.FuncDecl, plainOK bool) bool {
	t.Helper()
	i, lead, found := 0, true, false
	for _, fl := range fn.Type.Params.List {
		ty := strings.TrimPrefix(strings.Replace(typeName(fl.Type), "*store.", "*", 1), "store.")
		names := fl.Names
		if len(names) == 0 {
			names = []*ast.Ident{{Name: "_"}}
		}
		for _, name := range names {
			switch ty {
			case "context.Context", "*DB", "Querier", "*Tx", "*sql.Tx":
			default:
				if ty == "OrgID" {
					found = true
					if !lead {
						t.Errorf("%s: %s takes its OrgID %s at position %d, want it first after the context", fset.Position(fl.Pos()), fn.Name.Name, name.Name, i+1)
					}
				}
				lead = false
			}
			low := strings.ToLower(name.Name)
			if ty == "string" && !plainOK && (low == "org" || strings.HasSuffix(low, "orgid") || strings.HasPrefix(low, "orgid") || low == "preferorg") {
				t.Errorf("%s: %s takes organisation id %s as a string, want OrgID", fset.Position(fl.Pos()), fn.Name.Name, name.Name)
			}
			i++
		}
	}
	return found
}

func typeName(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.Ident:
		return e.Name
	case *ast.StarExpr:
		return "*" + typeName(e.X)
	case *ast.SelectorExpr:
		return typeName(e.X) + "." + e.Sel.Name
	}
	return "?"
}
