package action

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/gov-policy/gov/evidence"
	"github.com/gov-policy/gov/github/githubtest"
)

// event writes a webhook example payload adjusted to the fake's
// repository and pull request, as GITHUB_EVENT_PATH.
func event(t *testing.T, dir, example string, fx githubtest.Fixture, number int) string {
	t.Helper()
	var ev map[string]any
	if err := json.Unmarshal(readFile(t, filepath.Join(repoRoot(t), "testdata", "github", "webhooks", example)), &ev); err != nil {
		t.Fatal(err)
	}
	pr := ev["pull_request"].(map[string]any)
	for _, p := range fx.PRs {
		if p.Number == number {
			pr["head"].(map[string]any)["sha"] = p.Head
			pr["base"].(map[string]any)["ref"] = p.Base
		}
	}
	pr["number"] = number
	if _, ok := ev["number"]; ok {
		ev["number"] = number
	}
	ev["repository"].(map[string]any)["full_name"] = fx.Repo
	data, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, strings.TrimSuffix(example, ".json")+"-"+string(rune('0'+number))+".json")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// sarifSchema compiles the OASIS SARIF 2.1.0 schema kept beside the repository.
func sarifSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	path := filepath.Join(repoRoot(t), "..", "shared", "reference", "sarif-schema-2.1.0.json")
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(readFile(t, path)))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("sarif.json", doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("sarif.json")
	if err != nil {
		t.Fatal(err)
	}
	return sch
}

// TestActionEndToEnd runs action.yml's run steps (building gov from the
// repository, as the action does) against the fake GitHub API with
// pull_request and pull_request_review payloads, and checks the outputs,
// the job's outcome, the status and comment posted, the SARIF file and
// the signed evidence.
func TestActionEndToEnd(t *testing.T) {
	root := repoRoot(t)
	m, err := Load(filepath.Join(root, "action.yml"))
	if err != nil {
		t.Fatal(err)
	}
	fx, err := githubtest.Load(filepath.Join(root, "testdata", "github", "acme-app.json"))
	if err != nil {
		t.Fatal(err)
	}
	srv := githubtest.NewEnterprise(fx)
	defer srv.Close()
	const password = "e2e-password"
	privPEM, pubPEM, err := evidence.GenerateKeyPair([]byte(password))
	if err != nil {
		t.Fatal(err)
	}
	pub, err := evidence.ParsePublicKey("pub", pubPEM)
	if err != nil {
		t.Fatal(err)
	}
	temp, work, events := t.TempDir(), t.TempDir(), t.TempDir()
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "GITHUB_") && !strings.HasPrefix(kv, "GOV_") && !strings.HasPrefix(kv, "ACTIONS_") {
			env = append(env, kv)
		}
	}
	env = append(env, "RUNNER_TEMP="+temp, "GITHUB_WORKSPACE="+work, "GITHUB_ACTIONS=true",
		"GITHUB_REPOSITORY="+fx.Repo, "GITHUB_API_URL="+srv.URL, "GITHUB_SERVER_URL=https://github.example",
		"GITHUB_RUN_ID=77", "GITHUB_SHA=0123456789abcdef0123456789abcdef01234567", "COSIGN_PASSWORD="+password)
	gov := filepath.Join(temp, "gov-action", "gov")
	sch := sarifSchema(t)

	tests := []struct {
		name       string
		example    string
		pr         int
		inputs     map[string]string
		before     func()
		decision   string
		failedStep string // "" when the job succeeds
		exitCode   int
		status     string // the gov/policy state set; "" for none
		signed     bool
	}{
		{name: "pending approval passes the job, status pending", example: "pull_request_opened.json", pr: 3,
			inputs:   map[string]string{"sign": "key", "signing-key": string(privPEM)},
			decision: "require_approval", status: "pending", signed: true},
		{name: "an approval on review flips the status", example: "pull_request_review_submitted.json", pr: 3,
			inputs: map[string]string{"sign": "none"},
			before: func() {
				srv.Update(func(f *githubtest.Fixture) {
					p := &f.PRs[2]
					p.Reviews = append(p.Reviews, githubtest.Review{ID: 900, User: githubtest.User{Login: "bob", ID: 2},
						State: "APPROVED", CommitID: p.Head, SubmittedAt: time.Now().UTC()})
				})
			},
			decision: "allow", status: "success"},
		{name: "deny fails the job", example: "pull_request_synchronize.json", pr: 2,
			inputs:   map[string]string{"sign": "none"},
			decision: "deny", failedStep: `"Enforce the decision"`, exitCode: 1, status: "failure"},
		{name: "an error fails the job", example: "pull_request_opened.json", pr: 2,
			inputs:     map[string]string{"sign": "none", "bundle": filepath.Join(work, "missing")},
			failedStep: `"Enforce the decision"`, exitCode: 2},
		{name: "a bad input fails the gov step", example: "pull_request_opened.json", pr: 2,
			inputs:     map[string]string{"sign": "none", "sarif": "yes"},
			failedStep: "gov", exitCode: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.before != nil {
				tt.before()
			}
			statuses := len(srv.Statuses())
			var out bytes.Buffer
			r := &Runner{
				ActionPath: root, Workspace: work, Inputs: tt.inputs, Stdout: &out, Stderr: &out,
				Env:     append(env, "GITHUB_EVENT_PATH="+event(t, events, tt.example, fx, tt.pr)),
				Context: map[string]string{"github.token": fx.Token},
				Skip: func(s Step) bool {
					_, err := os.Stat(gov)
					return s.ID == "build" && err == nil // built by the first case
				},
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			defer cancel()
			res, err := r.Run(ctx, m)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("steps output:\n%s", out.String())
			switch {
			case tt.failedStep == "" && res.Failed != nil:
				t.Fatalf("step %s failed with exit status %d", res.Failed.Label, res.Failed.ExitCode)
			case tt.failedStep != "" && (res.Failed == nil || res.Failed.Label != tt.failedStep || res.Failed.ExitCode != tt.exitCode):
				t.Fatalf("failed step %+v, want %s with exit status %d", res.Failed, tt.failedStep, tt.exitCode)
			}
			uploads := 0
			for _, s := range res.Steps {
				if s.Label == `"Upload SARIF"` {
					uploads++
				}
				if s.Label == `"Set up Go"` || s.Label == `"Upload SARIF"` {
					if !s.Skipped {
						t.Errorf("uses step %s ran", s.Label)
					}
				}
				// The workflow checks out the base commit: SARIF must name
				// the PR's head commit that gov evaluated, and the PR's ref.
				if s.Label == `"Upload SARIF"` && tt.decision != "" {
					head := fx.PRs[tt.pr-1].Head
					if s.With["sha"] != head || s.With["ref"] != fmt.Sprintf("refs/pull/%d/head", tt.pr) || s.With["sarif_file"] != res.Outputs["sarif-file"] {
						t.Errorf("upload-sarif with %v, want sha %s and ref refs/pull/%d/head", s.With, head, tt.pr)
					}
					if res.Outputs["head-sha"] != head {
						t.Errorf("output head-sha = %q, want %s", res.Outputs["head-sha"], head)
					}
				}
			}
			if uploads != 1 && res.Failed == nil {
				t.Errorf("no step \"Upload SARIF\" among %+v", res.Steps)
			}
			if got := res.Outputs["decision"]; got != tt.decision {
				t.Errorf("output decision = %q, want %q", got, tt.decision)
			}
			if tt.decision != "" {
				if got, want := res.Outputs["allowed"], map[bool]string{true: "true", false: "false"}[tt.decision == "allow"]; got != want {
					t.Errorf("output allowed = %q, want %q", got, want)
				}
				checkSARIF(t, sch, res.Outputs["sarif-file"])
			}
			sts := srv.Statuses()[statuses:]
			switch {
			case tt.status == "" && len(sts) > 0:
				t.Errorf("statuses set: %+v", sts)
			case tt.status != "" && (len(sts) != 1 || sts[0].State != tt.status || sts[0].Context != "gov/policy: main" ||
				sts[0].TargetURL != "https://github.example/acme/app/actions/runs/77"):
				t.Errorf("statuses set: %+v, want one %s \"gov/policy: main\" linking to the run", sts, tt.status)
			}
			if tt.status != "" {
				// One decision comment, edited in place by later runs.
				var decisions []string
				for _, c := range srv.Comments(tt.pr) {
					if strings.Contains(c.Body, "<!-- gov:decision -->") {
						decisions = append(decisions, c.Body)
					}
				}
				if len(decisions) != 1 || !strings.Contains(decisions[0], "gov/policy: "+map[string]string{
					"pending": "⏳", "success": "✅", "failure": "❌"}[tt.status]) {
					t.Errorf("decision comments on #%d: %q, want one saying %s", tt.pr, decisions, tt.status)
				}
			}
			ev := res.Outputs["evidence-file"]
			if !tt.signed {
				if ev != "" {
					t.Errorf("evidence-file = %q without signing", ev)
				}
				return
			}
			data := readFile(t, ev)
			patch := readFile(t, filepath.Join(root, "testdata", "patches", "python-null-check.diff"))
			v, err := evidence.Verify(data, evidence.VerifyOptions{PublicKey: pub, Patch: patch})
			if err != nil {
				t.Fatalf("evidence %s: %v", ev, err)
			}
			if string(v.Statement.Predicate.Decision.Decision) != tt.decision {
				t.Errorf("signed decision %q, want %q", v.Statement.Predicate.Decision.Decision, tt.decision)
			}
			if _, err := os.Stat(filepath.Join(temp, "gov-action", "signing.key")); !os.IsNotExist(err) {
				t.Errorf("the signing key was left on disk (%v)", err)
			}
		})
	}
}

// checkSARIF validates the SARIF file against the 2.1.0 schema and checks
// it is gov's PR run.
func checkSARIF(t *testing.T, sch *jsonschema.Schema, path string) {
	t.Helper()
	if path == "" {
		t.Error("no sarif-file output")
		return
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(readFile(t, path)))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if err := sch.Validate(inst); err != nil {
		t.Fatalf("%s does not validate: %v", path, err)
	}
	var doc struct {
		Runs []struct {
			Tool struct {
				Driver struct{ Name string } `json:"driver"`
			} `json:"tool"`
			AutomationDetails struct{ ID string } `json:"automationDetails"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(readFile(t, path), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Runs) != 1 || doc.Runs[0].Tool.Driver.Name != "gov" || !strings.HasPrefix(doc.Runs[0].AutomationDetails.ID, "gov/pr/") {
		t.Errorf("%s: runs %+v, want one gov run with automation id gov/pr/...", path, doc.Runs)
	}
}
