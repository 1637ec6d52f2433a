package policies

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
)

// familyOfPackage maps a library package segment to its family in gov.cue.
var familyOfPackage = map[string]string{
	"secrets": "secrets", "data": "data", "protected_paths": "protected-paths",
	"patch_risk": "patch-risk", "code": "code", "kubernetes": "kubernetes",
	"cicd": "cicd", "dependencies": "dependencies",
}

var (
	ruleID  = regexp.MustCompile(`^([a-z-]+)/[a-z0-9]+(-[a-z0-9]+)*$`)
	control = regexp.MustCompile(`^(SOC2|HIPAA|PCI-DSS|ISO27001|GDPR|SOX):\S+$`)
)

// TestLibraryMetadata checks that every deny/require_approval/warn rule of
// the library has its own METADATA: title, description, a custom.id of its
// package's family, a severity and framework controls; and that the heads
// sharing an id agree on severity.
func TestLibraryMetadata(t *testing.T) {
	modules := map[string]*ast.Module{}
	parseAll(t, Library(), modules)
	severities := map[string]string{}
	ids := 0
	for name, m := range modules {
		pkg := strings.TrimPrefix(m.Package.Path.String(), "data.")
		parts := strings.Split(pkg, ".")
		if len(parts) < 3 || parts[0] != "gov" || parts[1] != "lib" {
			t.Errorf("%s: package %s is not under gov.lib", name, pkg)
			continue
		}
		as, errs := ast.BuildAnnotationSet([]*ast.Module{m})
		if len(errs) > 0 {
			t.Fatalf("%s: %v", name, errs)
		}
		for _, r := range m.Rules {
			head := r.Head.Name.String()
			if len(r.Head.Reference) > 0 {
				head = r.Head.Reference[0].String()
			}
			if head != "deny" && head != "require_approval" && head != "warn" {
				continue
			}
			where := fmt.Sprintf("%s:%d", name, r.Location.Row)
			a := ruleAnnotation(as, r)
			if a == nil {
				t.Errorf("%s: %s rule without rule-scoped METADATA", where, head)
				continue
			}
			id, _ := a.Custom["id"].(string)
			sev, _ := a.Custom["severity"].(string)
			ctl, _ := a.Custom["controls"].([]any)
			m := ruleID.FindStringSubmatch(id)
			switch {
			case a.Title == "" || a.Description == "":
				t.Errorf("%s: METADATA lacks title or description", where)
			case m == nil || m[1] != familyOfPackage[parts[2]]:
				t.Errorf("%s: custom.id %q is not <%s>/<rule>", where, id, familyOfPackage[parts[2]])
			case !strings.Contains(" critical high medium low ", " "+sev+" "):
				t.Errorf("%s: custom.severity %q", where, sev)
			case len(ctl) == 0:
				t.Errorf("%s: custom.controls is empty", where)
			}
			for _, c := range ctl {
				if s, _ := c.(string); !control.MatchString(s) {
					t.Errorf("%s: control %v is not FRAMEWORK:ID", where, c)
				}
			}
			if prev, ok := severities[id]; ok && prev != sev {
				t.Errorf("%s: %s has severity %s here and %s elsewhere", where, id, sev, prev)
			}
			if _, ok := severities[id]; !ok {
				ids++
			}
			severities[id] = sev
		}
	}
	t.Logf("%d rule ids", ids)
	if ids < 40 {
		t.Errorf("library defines %d rule ids, want at least 40", ids)
	}
}

func ruleAnnotation(as *ast.AnnotationSet, r *ast.Rule) *ast.Annotations {
	for _, a := range as.GetRuleScope(r) {
		return a
	}
	return nil
}
