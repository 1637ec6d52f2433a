package policytest

import (
	"fmt"
	"path"
	"reflect"
	"slices"
	"sort"
	"strings"

	yaml "go.yaml.in/yaml/v3"

	"github.com/gov-policy/gov/bundles"
)

// CheckCases validates every case file of b (cases/**/*.yaml|yml|json) as
// gov test would read it, without running it: unknown keys (with their
// line and column), a missing or unknown expected decision, a patch_file
// that is not in the bundle. gov bundle check runs it.
func CheckCases(b *bundles.Bundle) error {
	var files []string
	for name := range b.Files {
		if strings.HasPrefix(name, "cases/") && isCaseFile(name) {
			files = append(files, name)
		}
	}
	sort.Strings(files)
	for _, file := range files {
		c, err := decodeCase(file, b.Files[file])
		if err != nil {
			return err
		}
		if c.PatchFile != "" {
			if _, ok := b.Files[path.Join(path.Dir(file), c.PatchFile)]; !ok {
				return fmt.Errorf("%s: patch_file %s not found in the bundle", file, c.PatchFile)
			}
		}
	}
	return nil
}

// checkKeys reports the first key of the YAML (or JSON) document data that
// the type t does not have, by its json tags, as "file:line:col: path:
// unknown key": the JSON decoder that follows would name the key but not
// where it is.
func checkKeys(file string, data []byte, t reflect.Type) error {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return fmt.Errorf("%s: %s", file, strings.TrimPrefix(oneLine(err.Error()), "yaml: "))
	}
	if len(doc.Content) == 0 {
		return nil
	}
	return walkKeys(file, doc.Content[0], t, nil)
}

func walkKeys(file string, n *yaml.Node, t reflect.Type, at []string) error {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
		if t.Kind() == reflect.Slice && n.Kind == yaml.SequenceNode {
			for _, item := range n.Content {
				if err := walkKeys(file, item, t.Elem(), at); err != nil {
					return err
				}
			}
			return nil
		}
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct || n.Kind != yaml.MappingNode {
		return nil // a map (error_context, metadata) or a scalar: any keys
	}
	fields := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name != "" && name != "-" {
			fields[name] = f.Type
		}
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		ft, ok := fields[k.Value]
		if !ok {
			where := ""
			if len(at) > 0 {
				where = strings.Join(at, ".") + ": "
			}
			known := make([]string, 0, len(fields))
			for name := range fields {
				known = append(known, name)
			}
			slices.Sort(known)
			return fmt.Errorf("%s:%d:%d: %sunknown key %q (keys: %s)", file, k.Line, k.Column, where, k.Value, strings.Join(known, ", "))
		}
		if err := walkKeys(file, v, ft, append(at, k.Value)); err != nil {
			return err
		}
	}
	return nil
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
