package explain

import (
	"context"
	"fmt"
	"slices"
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
	// helpers are the exits of the other rules (helpers such as
	// _changed), by the document they define, so that the input a rule
	// read through them is found too.
	helpers map[string][]*helperExit
}

// helperExit is one successful body of a helper rule: the element (partial
// set) or value it produced, what it read, and the values and data
// references of its body (to follow its own helpers).
type helperExit struct {
	name  string
	multi bool
	elem  ast.Value
	reads []Read
	vals  []ast.Value
	refs  []string
}

// maxVia bounds the input values one rule is shown to have read through
// its helpers.
const maxVia = 20

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
		t.helper(evt, r)
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
	seen := map[*helperExit]bool{}
	f.reads = t.via(f.reads, dataRefs(r.Body), values(evt, r.Body), seen, 0)
	t.fired = append(t.fired, f)
}

// helper records the exit of a rule that is not a violation rule (a
// function's exits are not: their arguments are not in the trace's terms).
func (t *tracer) helper(evt topdown.Event, r *ast.Rule) {
	if r.Module == nil || r.Location == nil || len(r.Head.Args) > 0 || strings.HasPrefix(r.Location.File, "gov:") {
		return
	}
	path := r.Ref().GroundPrefix().String()
	h := &helperExit{name: fmt.Sprintf("%s (%s:%d)", path, r.Location.File, r.Location.Row)}
	switch {
	case r.Head.Key != nil:
		h.multi = true
		h.elem = evt.Plug(r.Head.Key).Value
	case r.Head.Value != nil:
		h.elem = evt.Plug(r.Head.Value).Value
	}
	h.reads = inputReads(evt, r.Body)
	h.vals = values(evt, r.Body)
	h.refs = dataRefs(r.Body)
	if t.helpers == nil {
		t.helpers = map[string][]*helperExit{}
	}
	t.helpers[path] = append(t.helpers[path], h)
}

// via adds to reads what the helpers named by refs read for a body whose
// variables held vals: every exit of a helper that produced one value, and
// of a partial set only the exits that produced an element the body bound.
// Helpers of helpers are followed three levels deep.
func (t *tracer) via(reads []Read, refs []string, vals []ast.Value, seen map[*helperExit]bool, depth int) []Read {
	if depth >= 3 {
		return reads
	}
	for _, ref := range refs {
		for _, h := range t.helpers[ref] {
			if seen[h] || len(reads) >= maxVia || (h.multi && !containsValue(vals, h.elem)) {
				continue
			}
			seen[h] = true
			for _, rd := range h.reads {
				if len(reads) < maxVia {
					rd.Via = h.name
					reads = append(reads, rd)
				}
			}
			reads = t.via(reads, h.refs, h.vals, seen, depth+1)
		}
	}
	return reads
}

func containsValue(vals []ast.Value, v ast.Value) bool {
	if v == nil {
		return false
	}
	for _, x := range vals {
		if x.Compare(v) == 0 {
			return true
		}
	}
	return false
}

// dataRefs are the documents under data a body refers to.
func dataRefs(body ast.Body) []string {
	var out []string
	ast.WalkRefs(body, func(ref ast.Ref) bool {
		if ref.HasPrefix(ast.DefaultRootRef) {
			if p := ref.GroundPrefix(); len(p) > 2 && !slices.Contains(out, p.String()) {
				out = append(out, p.String())
			}
		}
		return false
	})
	return out
}

// values are the ground values of a body's variables at the event.
func values(evt topdown.Event, body ast.Body) []ast.Value {
	var out []ast.Value
	ast.WalkVars(body, func(v ast.Var) bool {
		if p := evt.Plug(ast.VarTerm(string(v))); p.IsGround() {
			if _, isVar := p.Value.(ast.Var); !isVar {
				out = append(out, p.Value)
			}
		}
		return false
	})
	return out
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
			out = append(out, Read{Path: key, Value: j, ref: plugged})
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
