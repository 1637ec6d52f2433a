package notices

import (
	"bytes"
	"flag"
	"os"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite THIRD_PARTY_NOTICES.md")

const path = "../../THIRD_PARTY_NOTICES.md"

// TestNoticesCurrent fails when a dependency was added, removed or
// upgraded without regenerating the notices, or when a linked module's
// licence is not one gov knows how to pass on.
func TestNoticesCurrent(t *testing.T) {
	mods, err := Modules("../..")
	if err != nil {
		t.Fatal(err)
	}
	if len(mods) < 20 {
		t.Fatalf("only %d modules listed: go list did not see the dependency graph", len(mods))
	}
	for _, m := range mods {
		if m.License == "unknown" {
			t.Errorf("%s %s: no recognised licence file in %s", m.Path, m.Version, m.Dir)
		}
	}
	got := Render(mods)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run: go test ./internal/notices -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("THIRD_PARTY_NOTICES.md is not current: run go test ./internal/notices -update")
	}
}

func TestClassify(t *testing.T) {
	for text, want := range map[string]string{
		"Apache License\nVersion 2.0, January 2004":                                 "Apache-2.0",
		"Permission is hereby granted, free of charge, to any person":               "MIT",
		"Redistribution and use in source and binary forms ... Neither the name of": "BSD-3-Clause",
		"Redistribution and use in source and binary forms, with or without":        "BSD-2-Clause",
		"Mozilla Public License Version 2.0":                                        "MPL-2.0",
		"This is free and unencumbered software released into the public domain.":   "Unlicense",
		"All rights reserved.": "",
	} {
		if got := classify(text); got != want {
			t.Errorf("classify(%q) = %q, want %q", strings.Split(text, "\n")[0], got, want)
		}
	}
}
