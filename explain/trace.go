package explain

import (
	"context"
	"sort"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/topdown"

	"github.com/gov-policy/gov/engine"
)

// firing is one body of a violation rule that succeeded, as the trace saw
// it when it exited: the element it produced and what it read.
type firing struct {
	ref engine.RuleRef
	// id is the rule id as the engine derives it (METADATA, else the
	// element's id, else <package>.<action>).
	id       string
	message  string
	workflow string
	reads    []Read
	bindings []Read
	used     bool
}

// tracer condenses OPA's trace to the exits of violation rule bodies: a
// rule exits once per element its body produced, with the body's
// bindings in scope, so plugging them into the body's input references
// gives the input values that element was made from.
type tracer struct {
	eng   *engine.Engine
	fired []*firing
}

func (t *tracer) Enabled() bool { return true }

func (t *tracer) Config() topdown.TraceConfig { return topdown.TraceConfig{PlugLocalVars: true} }

func (t *tracer) TraceEvent(evt topdown.Event) {
	if evt.Op != topdown.ExitOp {
		return
	}
	r, ok := evt.Node.(*ast.Rule)
	if !ok {
		return
	}
	ref, ok := t.eng.RuleOf(r)
	if !ok {
		return
	}
	f := &firing{ref: ref, id: ref.ID}
	if r.Head.Key != nil {
		elem := evt.Plug(r.Head.Key)
		if v, err := ast.JSON(elem.Value); err == nil {
			switch x := v.(type) {
			case string:
				f.message = x
			case map[string]any:
				f.message, _ = x["msg"].(string)
				f.workflow, _ = x["workflow"].(string)
				if id, _ := x["id"].(string); id != "" && ref.ID == ref.Package+"."+ref.Action {
					f.id = id
				}
			}
		}
	}
	f.reads = inputReads(evt, r.Body)
	f.bindings = bindings(evt, r.Body)
	t.fired = append(t.fired, f)
}

// inputReads are the input references of body, with the bindings of the
// body plugged in, that name one value, each with that value.
func inputReads(evt topdown.Event, body ast.Body) []Read {
	input := evt.Input()
	if input == nil {
		return nil
	}
	seen := map[string]bool{}
	var out []Read
	ast.WalkRefs(body, func(ref ast.Ref) bool {
		if !ref.HasPrefix(ast.InputRootRef) {
			return false
		}
		plugged, ok := evt.Plug(ast.NewTerm(ref)).Value.(ast.Ref)
		if !ok || !plugged.IsGround() {
			return false
		}
		key := plugged.String()
		if seen[key] {
			return false
		}
		seen[key] = true
		v, err := input.Value.Find(plugged[1:])
		if err != nil {
			return false // undefined: the body read nothing there
		}
		if j, err := ast.JSON(v); err == nil {
			out = append(out, Read{Path: key, Value: j})
		}
		return false
	})
	return out
}

// bindings are the values of the body's named variables (the names the
// author wrote; gov's and the compiler's generated ones left out).
func bindings(evt topdown.Event, body ast.Body) []Read {
	seen := map[string]bool{}
	var out []Read
	ast.WalkVars(body, func(v ast.Var) bool {
		name := string(v)

		if md, ok := evt.LocalMetadata[v]; ok {
			name = string(md.Name)
		}
		if name == "" || strings.HasPrefix(name, "_") || strings.HasPrefix(name, "$") || seen[name] {
			return false
		}
		if _, ok := evt.LocalMetadata[v]; !ok && strings.HasPrefix(string(v), "__") {
			return false
		}
		plugged := evt.Plug(ast.VarTerm(string(v)))
		if !plugged.IsGround() {
			return false
		}
		if _, isVar := plugged.Value.(ast.Var); isVar {
			return false
		}
		if j, err := ast.JSON(plugged.Value); err == nil {
			seen[name] = true
			out = append(out, Read{Path: name, Value: j})
		}
		return false
	})
	sort.SliceStable(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

// trace runs the engine once more with the tracer.
func trace(ctx context.Context, eng *engine.Engine, in engine.Input) ([]*firing, error) {
	t := &tracer{eng: eng}
	if err := eng.Trace(ctx, in, t); err != nil {
		return nil, err
	}
	return t.fired, nil
}
