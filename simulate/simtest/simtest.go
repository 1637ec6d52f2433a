// Package simtest generates realistic audit records for simulation tests
// and benchmarks: small patches of several kinds (code fixes, config,
// Kubernetes, dependency bumps, CI edits, deleted tests, a masked secret)
// across services and environments.
package simtest

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gov-policy/gov/engine"
	"github.com/gov-policy/gov/evidence"
)

// Kind is one template of generated patch.
type Kind struct {
	Name     string
	Action   string // action_type
	Language string
	Decision engine.Outcome // the decision recorded with it
	diff     func(svc string, n int) string
	findings func(svc string) []engine.Finding
}

// Kinds are the templates Generate cycles through.
func Kinds() []Kind {
	return []Kind{
		{Name: "python-fix", Action: "code_fix", Language: "python", Decision: engine.Allow, diff: pythonFix},
		{Name: "go-fix", Action: "code_fix", Language: "go", Decision: engine.Allow, diff: goFix},
		{Name: "config", Action: "config_change", Language: "yaml", Decision: engine.Allow, diff: configChange},
		{Name: "k8s", Action: "config_change", Language: "yaml", Decision: engine.RequireApproval, diff: k8sChange},
		{Name: "dependency", Action: "dependency_update", Language: "javascript", Decision: engine.Allow, diff: depBump},
		{Name: "ci", Action: "config_change", Language: "yaml", Decision: engine.RequireApproval, diff: ciChange},
		{Name: "delete-test", Action: "code_fix", Language: "python", Decision: engine.Deny, diff: deleteTest},
		{Name: "secret", Action: "config_change", Language: "python", Decision: engine.Deny, diff: maskedSecret, findings: secretFindings},
	}
}

// Environments and services the records are spread over.
func environments() []string {
	return []string{"production", "staging", "staging", "production", "staging"}
}

func services() []string {
	return []string{"users", "billing", "search", "checkout", "gateway", "inventory", "reports"}
}

// Record returns the i-th generated record, made at start plus i minutes.
// Records repeat: about 2,000 of every 100,000 differ in what the library
// reads (kind, service, environment and the hunk's line numbers).
func Record(i int, start time.Time) evidence.Record { return record(i, start, false) }

// DistinctRecord is Record with every patch's hunks moved to lines no other
// record uses, so that no two records have the same input: an audit log
// in which every patch differs.
func DistinctRecord(i int, start time.Time) evidence.Record { return record(i, start, true) }

var hunkHeader = regexp.MustCompile(`(?m)^@@ -(\d+),(\d+) \+(\d+),(\d+) @@`)

// shiftHunks adds off to the first line of every hunk of diff.
func shiftHunks(diff string, off int) string {
	return hunkHeader.ReplaceAllStringFunc(diff, func(h string) string {
		m := hunkHeader.FindStringSubmatch(h)
		a, _ := strconv.Atoi(m[1])
		b, _ := strconv.Atoi(m[3])
		return fmt.Sprintf("@@ -%d,%s +%d,%s @@", a+off, m[2], b+off, m[4])
	})
}

func record(i int, start time.Time, distinct bool) evidence.Record {
	kinds, svcs, envs := Kinds(), services(), environments()
	k := kinds[i%len(kinds)]
	svc := svcs[(i/len(kinds))%len(svcs)]
	env := envs[(i/3)%len(envs)]
	diff := k.diff(svc, i)
	if distinct {
		diff = shiftHunks(diff, 1000*(i/len(kinds)+1))
	}
	var findings []engine.Finding
	if k.findings != nil {
		findings = k.findings(svc)
	}
	when := start.Add(time.Duration(i) * time.Minute).UTC()
	id := fmt.Sprintf("req-%05d-%s", i, k.Name)
	d := &engine.Decision{
		Decision: k.Decision,
		Reason:   "recorded by simtest", RiskLevel: "low", RequestID: id, Enforcement: engine.EnforcementStrict,
		Bundle:     engine.BundleInfo{Source: "embedded", Revision: "embedded:simtest"},
		Violations: []engine.Violation{}, EvaluatedAt: when.UTC().Truncate(time.Second),
	}
	return evidence.Record{
		Request: engine.Request{
			RequestID: id, ActionType: k.Action, Environment: env, ServiceName: svc, Language: k.Language,
			RequestedBy: "healer-bot", PatchContent: diff, ErrorContext: map[string]any{"error_type": "NullPointer", "count": i % 17},
		},
		PatchDigest: evidence.PatchDigest([]byte(diff)), Findings: findings, Decision: d,
		Bundle: d.Bundle, Time: when, GovVersion: "simtest",
	}
}

// Generate writes n records into s, made a minute apart from start, with
// a few concurrent writers (each record is synced to disk).
func Generate(s evidence.Store, n int, start time.Time) error {
	return generate(s, n, start, Record)
}

// GenerateDistinct is Generate with DistinctRecord.
func GenerateDistinct(s evidence.Store, n int, start time.Time) error {
	return generate(s, n, start, DistinctRecord)
}

func generate(s evidence.Store, n int, start time.Time, rec func(int, time.Time) evidence.Record) error {
	const writers = 8
	errs := make([]error, writers)
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := w; i < n && errs[w] == nil; i += writers {
				_, errs[w] = s.Write(rec(i, start))
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

func pythonFix(svc string, n int) string {
	return fmt.Sprintf(`diff --git a/src/%[1]s/handlers.py b/src/%[1]s/handlers.py
--- a/src/%[1]s/handlers.py
+++ b/src/%[1]s/handlers.py
@@ -%[2]d,5 +%[2]d,7 @@ def get_%[1]s(request, item_id):
     item = repository.find(item_id)
-    return render(item.to_dict())
+    if item is None:
+        return not_found("%[1]s %%s not found" %% item_id)
+    return render(item.to_dict())
 
 
 def list_%[1]s(request):
`, svc, 10+n%200)
}

func goFix(svc string, n int) string {
	return fmt.Sprintf(`diff --git a/internal/%[1]s/store.go b/internal/%[1]s/store.go
--- a/internal/%[1]s/store.go
+++ b/internal/%[1]s/store.go
@@ -%[2]d,5 +%[2]d,7 @@ func (s *Store) Load(ctx context.Context, id string) (*Item, error) {
 	row := s.db.QueryRowContext(ctx, query, id)
 	var it Item
-	row.Scan(&it.ID, &it.Name)
+	if err := row.Scan(&it.ID, &it.Name); err != nil {
+		return nil, fmt.Errorf("load %%s: %%w", id, err)
+	}
 	return &it, nil
 }
`, svc, 20+n%300)
}

func configChange(svc string, n int) string {
	return fmt.Sprintf(`diff --git a/config/%[1]s.yaml b/config/%[1]s.yaml
--- a/config/%[1]s.yaml
+++ b/config/%[1]s.yaml
@@ -3,3 +3,3 @@ server:
   port: 8080
-  timeout_seconds: 30
+  timeout_seconds: %[2]d
   max_connections: 100
`, svc, 31+n%60)
}

func k8sChange(svc string, n int) string {
	return fmt.Sprintf(`diff --git a/deploy/%[1]s/deployment.yaml b/deploy/%[1]s/deployment.yaml
--- a/deploy/%[1]s/deployment.yaml
+++ b/deploy/%[1]s/deployment.yaml
@@ -17,6 +17,6 @@ spec:
       containers:
         - name: %[1]s
-          image: ghcr.io/acme/%[1]s:1.4.%[2]d
+          image: ghcr.io/acme/%[1]s:1.4.%[3]d
           resources:
             limits:
               memory: 512Mi
`, svc, n%50, n%50+1)
}

func depBump(svc string, n int) string {
	return fmt.Sprintf(`diff --git a/services/%[1]s/package.json b/services/%[1]s/package.json
--- a/services/%[1]s/package.json
+++ b/services/%[1]s/package.json
@@ -8,6 +8,6 @@
   "dependencies": {
     "express": "^4.19.2",
-    "lodash": "^4.17.%[2]d",
+    "lodash": "^4.17.%[3]d",
     "pg": "^8.11.3"
   }
 }
`, svc, n%20, n%20+1)
}

func ciChange(svc string, n int) string {
	return fmt.Sprintf(`diff --git a/.github/workflows/%[1]s.yml b/.github/workflows/%[1]s.yml
--- a/.github/workflows/%[1]s.yml
+++ b/.github/workflows/%[1]s.yml
@@ -12,4 +12,4 @@ jobs:
     steps:
       - uses: actions/checkout@v4
-      - run: make test TIMEOUT=%[2]d
+      - run: make test TIMEOUT=%[3]d
       - run: make lint
`, svc, n%90, n%90+10)
}

func deleteTest(svc string, _ int) string {
	return fmt.Sprintf(`diff --git a/tests/test_%[1]s.py b/tests/test_%[1]s.py
deleted file mode 100644
--- a/tests/test_%[1]s.py
+++ /dev/null
@@ -1,4 +0,0 @@
-def test_%[1]s_not_found(client):
-    response = client.get("/%[1]s/missing")
-    assert response.status_code == 404
-
`, svc)
}

// maskedSecret is a patch whose AWS key the scanner found and the audit
// log masked (the first four characters kept, the rest starred).
func maskedSecret(svc string, _ int) string {
	return fmt.Sprintf(`diff --git a/src/%[1]s/settings.py b/src/%[1]s/settings.py
--- a/src/%[1]s/settings.py
+++ b/src/%[1]s/settings.py
@@ -1,3 +1,4 @@
 REGION = "eu-west-1"
+AWS_ACCESS_KEY_ID = "AKIA%[2]s"
 BUCKET = "acme-%[1]s"
 DEBUG = False
`, svc, strings.Repeat("*", 16))
}

func secretFindings(svc string) []engine.Finding {
	return []engine.Finding{{Rule: "aws-access-key-id", File: "src/" + svc + "/settings.py", Line: 2, Fingerprint: "fp-" + svc}}
}
