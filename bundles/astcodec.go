package bundles

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"reflect"
	"slices"
	"strings"
	"sync"
	"unsafe"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/version"
)

// The embedded modules' parses, made at build time (go generate ./engine
// writes embedded_ast.bin from policies/ with TestEmbeddedASTCurrent) so
// that a gov process decodes them instead of running the Rego parser,
// which was the largest part of a short gov eval after compiling. The
// encoding is of the parser's own values, every field (unexported ones
// too) and pointer sharing kept: TestEmbeddedASTCurrent checks that each
// decoded module is reflect.DeepEqual to a fresh parse of its source.
//
// It is never trusted blindly: the blob is used only when its header names
// this OPA version and the same AST types (a fingerprint of their fields),
// and an entry only when its digest is of the embedded source and of its
// encoding as written (entrySum); otherwise,
// or on any decoding error, the source is parsed as before.

// astMagic starts an encoded blob.
const astMagic = "gov-ast-2"

// astTypes are the concrete types an interface in a parsed module may
// hold, by index in the encoding.
var astTypes = []reflect.Type{
	reflect.TypeFor[ast.Null](),
	reflect.TypeFor[ast.Boolean](),
	reflect.TypeFor[ast.Number](),
	reflect.TypeFor[ast.String](),
	reflect.TypeFor[ast.Var](),
	reflect.TypeFor[ast.Ref](),
	reflect.TypeFor[*ast.Array](),
	reflect.TypeOf(ast.NewSet()),
	reflect.TypeOf(ast.NewObject()),
	reflect.TypeFor[ast.Call](),
	reflect.TypeFor[*ast.ArrayComprehension](),
	reflect.TypeFor[*ast.SetComprehension](),
	reflect.TypeFor[*ast.ObjectComprehension](),
	reflect.TypeFor[*ast.Term](),
	reflect.TypeFor[[]*ast.Term](),
	reflect.TypeFor[*ast.SomeDecl](),
	reflect.TypeFor[*ast.Every](),
	reflect.TypeFor[*ast.Rule](),
	reflect.TypeFor[*ast.Package](),
	reflect.TypeFor[*ast.Module](),
	reflect.TypeFor[*ast.Import](),
	reflect.TypeFor[*ast.Expr](),
	reflect.TypeFor[*ast.Head](),
	reflect.TypeFor[*ast.With](),
	reflect.TypeFor[string](),
	reflect.TypeFor[bool](),
	reflect.TypeFor[int](),
	reflect.TypeFor[float64](),
	reflect.TypeFor[[]any](),
	reflect.TypeFor[map[string]any](),
}

var (
	arrayType  = reflect.TypeFor[ast.Array]()
	setType    = reflect.TypeOf(ast.NewSet()).Elem()
	objectType = reflect.TypeOf(ast.NewObject()).Elem()
	moduleType = reflect.TypeFor[*ast.Module]()
)

// astFingerprint digests the OPA version and the layout of every type a
// module reaches (with the collections, whose insides the encoding does not
// follow, left out): a blob made with other types is not decoded.
var astFingerprint = sync.OnceValue(func() string {
	var b strings.Builder
	b.WriteString(version.Version)
	seen := map[reflect.Type]bool{}
	var walk func(t reflect.Type)
	walk = func(t reflect.Type) {
		if seen[t] {
			return
		}
		seen[t] = true
		fmt.Fprintf(&b, "|%s:%s:%d", t.String(), t.Kind(), t.Size())
		switch t.Kind() {
		case reflect.Pointer, reflect.Slice:
			if t.Elem() != arrayType && t.Elem() != setType && t.Elem() != objectType {
				walk(t.Elem())
			}
		case reflect.Map:
			walk(t.Key())
			walk(t.Elem())
		case reflect.Struct:
			for i := range t.NumField() {
				f := t.Field(i)
				fmt.Fprintf(&b, ",%s@%d", f.Name, f.Offset)
				walk(f.Type)
			}
		}
	}
	walk(moduleType)
	for _, t := range astTypes {
		walk(t)
	}
	sum := sha256.Sum256([]byte(b.String()))
	return string(sum[:])
})

// astEncoder writes modules; pointers seen before are written as
// references to them.
type astEncoder struct {
	buf  []byte
	ptrs map[unsafe.Pointer]uint64
}

func (e *astEncoder) uvarint(n uint64) { e.buf = binary.AppendUvarint(e.buf, n) }
func (e *astEncoder) varint(n int64)   { e.buf = binary.AppendVarint(e.buf, n) }
func (e *astEncoder) bytes(s []byte)   { e.uvarint(uint64(len(s))); e.buf = append(e.buf, s...) }

// encodeModules makes a blob of mods (by file) with the SHA-256 of each
// one's source.
func encodeModules(mods map[string]*ast.Module, srcs map[string]string) ([]byte, error) {
	e := &astEncoder{buf: []byte(astMagic)}
	e.bytes([]byte(astFingerprint()))
	files := slices.Sorted(func(yield func(string) bool) {
		for f := range mods {
			if !yield(f) {
				return
			}
		}
	})
	e.uvarint(uint64(len(files)))
	for _, f := range files {
		// Each module on its own (no pointers shared across modules), so
		// that one decodes without the others.
		e.ptrs = map[unsafe.Pointer]uint64{}
		body := e.buf
		e.buf = nil
		m := mods[f]
		if err := e.value(reflect.ValueOf(&m).Elem()); err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		enc := e.buf
		e.buf = body
		sum := entrySum(srcs[f], enc)
		e.bytes([]byte(f))
		e.bytes(sum)
		e.bytes(enc)
	}
	return e.buf, nil
}

// value writes v (addressable).
func (e *astEncoder) value(v reflect.Value) error {
	t := v.Type()
	switch t.Kind() {
	case reflect.Bool:
		if v.Bool() {
			e.buf = append(e.buf, 1)
		} else {
			e.buf = append(e.buf, 0)
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		e.varint(v.Int())
	case reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		e.uvarint(v.Uint())
	case reflect.Float64:
		e.uvarint(uint64FromFloat(v.Float()))
	case reflect.String:
		e.bytes([]byte(v.String()))
	case reflect.Slice:
		if v.IsNil() {
			e.uvarint(0)
			return nil
		}
		e.uvarint(uint64(v.Len()) + 1) //nolint:gosec // lengths and widths of the encoder's own values
		if t.Elem().Kind() == reflect.Uint8 {
			e.buf = append(e.buf, v.Bytes()...)
			return nil
		}
		for i := range v.Len() {
			if err := e.value(v.Index(i)); err != nil {
				return err
			}
		}
	case reflect.Pointer:
		if v.IsNil() {
			e.uvarint(0)
			return nil
		}
		p := v.UnsafePointer()
		if id, ok := e.ptrs[p]; ok {
			e.uvarint(id + 2)
			return nil
		}
		e.ptrs[p] = uint64(len(e.ptrs))
		e.uvarint(1)
		return e.pointee(v)
	case reflect.Interface:
		if v.IsNil() {
			e.uvarint(0)
			return nil
		}
		c := v.Elem()
		i := slices.Index(astTypes, c.Type())
		if i < 0 {
			return fmt.Errorf("cannot encode a %s", c.Type())
		}
		e.uvarint(uint64(i) + 1)
		tmp := reflect.New(c.Type()).Elem()
		tmp.Set(c)
		return e.value(tmp)
	case reflect.Map:
		if t.Key().Kind() != reflect.String {
			return fmt.Errorf("cannot encode a %s", t)
		}
		if v.IsNil() {
			e.uvarint(0)
			return nil
		}
		e.uvarint(uint64(v.Len()) + 1) //nolint:gosec // lengths and widths of the encoder's own values
		for _, k := range slices.Sorted(func(yield func(string) bool) {
			for _, k := range v.MapKeys() {
				if !yield(k.String()) {
					return
				}
			}
		}) {
			e.bytes([]byte(k))
			x := reflect.New(t.Elem()).Elem()
			x.Set(v.MapIndex(reflect.ValueOf(k).Convert(t.Key())))
			if err := e.value(x); err != nil {
				return err
			}
		}
	case reflect.Struct:
		for i := range t.NumField() {
			f := v.Field(i)
			f = reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Elem() //nolint:gosec // the codec reads and writes fields by offset (see astPlans)
			if err := e.value(f); err != nil {
				return fmt.Errorf("%s.%s: %w", t, t.Field(i).Name, err)
			}
		}
	default:
		return fmt.Errorf("cannot encode a %s", t)
	}
	return nil
}

// pointee writes what the pointer v points to: arrays, sets and objects
// as their elements (they are rebuilt with ast.NewArray, NewSet and
// NewObject), anything else field by field.
func (e *astEncoder) pointee(v reflect.Value) error {
	switch v.Type().Elem() {
	case arrayType:
		terms := unexported(v.Elem().FieldByName("elems")).Interface().([]*ast.Term)
		return e.value(reflect.ValueOf(&terms).Elem())
	case setType:
		// The elements in the order they were inserted (the order NewSet
		// keeps), not sorted: sorting would change the parse.
		keys := unexported(v.Elem().FieldByName("keys"))
		terms := keys.Interface().([]*ast.Term)
		return e.value(reflect.ValueOf(&terms).Elem())
	case objectType:
		keys := unexported(v.Elem().FieldByName("keys"))
		var terms []*ast.Term
		for i := range keys.Len() {
			el := keys.Index(i).Elem()
			terms = append(terms, unexported(el.FieldByName("key")).Interface().(*ast.Term), unexported(el.FieldByName("value")).Interface().(*ast.Term))
		}
		return e.value(reflect.ValueOf(&terms).Elem())
	}
	return e.value(v.Elem())
}

// unexported is f (a field of an addressable struct) readable whatever its
// name.
func unexported(f reflect.Value) reflect.Value {
	return reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Elem() //nolint:gosec // the codec reads and writes fields by offset (see astPlans)
}

func uint64FromFloat(f float64) uint64 { return *(*uint64)(unsafe.Pointer(&f)) } //nolint:gosec // the codec reads and writes fields by offset (see astPlans)

// errAST is any malformed or foreign blob.
var errAST = errors.New("embedded parse: malformed")

// astDecoder reads one module; strings and byte slices point into the
// blob, which is never changed.
type astDecoder struct {
	buf  []byte
	pos  int
	ptrs []unsafe.Pointer
	// Terms and locations, most of a module's values, are taken from
	// chunks rather than allocated one by one.
	terms []ast.Term
	locs  []ast.Location
}

// chunk is how many terms or locations are allocated at once.
const chunk = 256

func (d *astDecoder) uvarint() uint64 {
	n, k := binary.Uvarint(d.buf[d.pos:])
	if k <= 0 {
		panic(errAST)
	}
	d.pos += k
	return n
}

func (d *astDecoder) varint() int64 {
	n, k := binary.Varint(d.buf[d.pos:])
	if k <= 0 {
		panic(errAST)
	}
	d.pos += k
	return n
}

func (d *astDecoder) bytes(n uint64) []byte {
	if n > uint64(len(d.buf)-d.pos) { //nolint:gosec // lengths and widths of the encoder's own values
		panic(errAST)
	}
	b := d.buf[d.pos : d.pos+int(n) : d.pos+int(n)] //nolint:gosec // lengths and widths of the encoder's own values
	d.pos += int(n)                                 //nolint:gosec // lengths and widths of the encoder's own values
	return b
}

func (d *astDecoder) str() string {
	b := d.bytes(d.uvarint())
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b)) //nolint:gosec // the codec reads and writes fields by offset (see astPlans)
}

// astBlob is an index of a blob: each module's SHA-256 and encoding.
type astBlob map[string]struct {
	sum  string
	body []byte
}

// indexAST reads a blob's header and entries; nil when it is not one this
// binary can decode.
func indexAST(blob []byte) (out astBlob) {
	if !bytes.HasPrefix(blob, []byte(astMagic)) {
		return nil
	}
	defer func() {
		if r := recover(); r != nil {
			out = nil
		}
	}()
	d := &astDecoder{buf: blob, pos: len(astMagic)}
	if d.str() != astFingerprint() {
		return nil
	}
	n := d.uvarint()
	out = astBlob{}
	for range n {
		f := d.str()
		sum := d.str()
		body := d.bytes(d.uvarint())
		out[f] = struct {
			sum  string
			body []byte
		}{sum, body}
	}
	if d.pos != len(blob) {
		return nil
	}
	return out
}

// entrySum is an entry's digest: SHA-256 over the SHA-256 of the source
// and the encoding, so that an entry is decoded only for its source and
// only as it was written (a changed byte of an encoding may still decode,
// to another module).
func entrySum(src string, body []byte) []byte {
	s := sha256.Sum256([]byte(src))
	h := sha256.New()
	h.Write(s[:])
	h.Write(body)
	return h.Sum(nil)
}

// decodeModule decodes file's module from idx if its entry is of src; nil
// otherwise.
func decodeModule(idx astBlob, file, src string) (m *ast.Module) {
	e, ok := idx[file]
	if !ok {
		return nil
	}
	if e.sum != string(entrySum(src, e.body)) {
		return nil
	}
	defer func() {
		if r := recover(); r != nil {
			m = nil
		}
	}()
	d := &astDecoder{buf: e.body}
	d.value(unsafe.Pointer(&m), astPlans()[moduleType]) //nolint:gosec // the codec reads and writes fields by offset (see astPlans)
	if d.pos != len(e.body) || m == nil {
		return nil
	}
	return m
}

// plan is how to decode one type, made once per type (reflection is slow
// per value).
type plan struct {
	t      reflect.Type
	kind   reflect.Kind
	size   uintptr
	elem   *plan       // slice, pointer, map value
	fields []fieldPlan // struct
	// special marks a pointer to an array, set or object (rebuilt with
	// ast.NewArray, NewSet, NewObject); iface which interface an
	// interface type is.
	special, iface int
	ptrElems       bool // a slice of pointers
}

type fieldPlan struct {
	offset uintptr
	p      *plan
}

const (
	ifaceValue = iota + 1
	ifaceNode
	ifaceAny
)

var (
	valueType = reflect.TypeFor[ast.Value]()
	nodeType  = reflect.TypeFor[ast.Node]()
	anyType   = reflect.TypeFor[any]()
)

// astPlans are the plans of every type a module reaches, and of astTypes.
var astPlans = sync.OnceValue(func() map[reflect.Type]*plan {
	plans := map[reflect.Type]*plan{}
	var make_ func(t reflect.Type) *plan
	make_ = func(t reflect.Type) *plan {
		if p := plans[t]; p != nil {
			return p
		}
		p := &plan{t: t, kind: t.Kind(), size: t.Size()}
		plans[t] = p
		switch t.Kind() {
		case reflect.Pointer:
			switch t.Elem() {
			case arrayType:
				p.special = 1
			case setType:
				p.special = 2
			case objectType:
				p.special = 3
			default:
				p.elem = make_(t.Elem())
			}
		case reflect.Slice:
			p.elem = make_(t.Elem())
			p.ptrElems = t.Elem().Kind() == reflect.Pointer
		case reflect.Map:
			p.elem = make_(t.Elem())
		case reflect.Interface:
			switch t {
			case valueType:
				p.iface = ifaceValue
			case nodeType:
				p.iface = ifaceNode
			case anyType:
				p.iface = ifaceAny
			}
		case reflect.Struct:
			for i := range t.NumField() {
				f := t.Field(i)
				p.fields = append(p.fields, fieldPlan{f.Offset, make_(f.Type)})
			}
		}
		return p
	}
	make_(moduleType)
	make_(reflect.TypeFor[[]*ast.Term]())
	for _, t := range astTypes {
		make_(t)
	}
	return plans
})

// astTypePlans are the plans of astTypes by index.
var astTypePlans = sync.OnceValue(func() []*plan {
	plans := astPlans()
	out := make([]*plan, len(astTypes))
	for i, t := range astTypes {
		out[i] = plans[t]
	}
	return out
})

type sliceHeader struct {
	data     unsafe.Pointer
	len, cap int
}

// value decodes a value of plan pl into p (zeroed memory). It panics
// (recovered by decodeModule) on a malformed encoding.
func (d *astDecoder) value(p unsafe.Pointer, pl *plan) {
	switch pl.kind {
	case reflect.Bool:
		b := d.bytes(1)[0]
		if b > 1 {
			panic(errAST)
		}
		*(*bool)(p) = b == 1
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n := d.varint()
		switch pl.size {
		case 8:
			*(*int64)(p) = n
		case 4:
			*(*int32)(p) = int32(n) //nolint:gosec // lengths and widths of the encoder's own values
		case 2:
			*(*int16)(p) = int16(n) //nolint:gosec // lengths and widths of the encoder's own values
		default:
			*(*int8)(p) = int8(n) //nolint:gosec // lengths and widths of the encoder's own values
		}
	case reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n := d.uvarint()
		switch pl.size {
		case 8:
			*(*uint64)(p) = n
		case 4:
			*(*uint32)(p) = uint32(n) //nolint:gosec // lengths and widths of the encoder's own values
		case 2:
			*(*uint16)(p) = uint16(n) //nolint:gosec // lengths and widths of the encoder's own values
		default:
			*(*uint8)(p) = uint8(n) //nolint:gosec // lengths and widths of the encoder's own values
		}
	case reflect.Float64:
		bits := d.uvarint()
		*(*float64)(p) = *(*float64)(unsafe.Pointer(&bits)) //nolint:gosec // the codec reads and writes fields by offset (see astPlans)
	case reflect.String:
		*(*string)(p) = d.str()
	case reflect.Slice:
		n := d.uvarint()
		if n == 0 {
			return
		}
		n--
		if pl.elem.kind == reflect.Uint8 {
			b := d.bytes(n)
			if n == 0 {
				b = []byte{}
			}
			*(*[]byte)(p) = b
			return
		}
		if n > uint64(len(d.buf)-d.pos) { //nolint:gosec // each element takes a byte at least
			panic(errAST)
		}
		var data unsafe.Pointer
		switch {
		case pl.ptrElems:
			s := make([]unsafe.Pointer, n)
			data = unsafe.Pointer(unsafe.SliceData(s)) //nolint:gosec // the codec reads and writes fields by offset (see astPlans)
		case pl.elem.kind == reflect.Int:
			s := make([]int, n)                        // Location.Tabs
			data = unsafe.Pointer(unsafe.SliceData(s)) //nolint:gosec // the codec reads and writes fields by offset (see astPlans)
		default:
			data = reflect.MakeSlice(pl.t, int(n), int(n)).UnsafePointer() //nolint:gosec // lengths and widths of the encoder's own values
		}
		for i := range uintptr(n) {
			d.value(unsafe.Add(data, i*pl.elem.size), pl.elem)
		}
		*(*sliceHeader)(p) = sliceHeader{data, int(n), int(n)} //nolint:gosec // lengths and widths of the encoder's own values
	case reflect.Pointer:
		tag := d.uvarint()
		switch {
		case tag == 0:
		case tag == 1:
			*(*unsafe.Pointer)(p) = d.pointee(pl)
		case tag-2 < uint64(len(d.ptrs)):
			ref := d.ptrs[tag-2]
			if ref == nil {
				panic(errAST) // an array, set or object is never shared
			}
			*(*unsafe.Pointer)(p) = ref
		default:
			panic(errAST)
		}
	case reflect.Interface:
		i := d.uvarint()
		if i == 0 {
			return
		}
		if i > uint64(len(astTypes)) || pl.iface == 0 {
			panic(errAST)
		}
		c := astTypePlans()[i-1]
		var x any
		switch c.t {
		case stringType:
			x = ast.String(d.str())
		case varType:
			x = ast.Var(d.str())
		case numberType:
			x = ast.Number(d.str())
		default:
			if c.kind == reflect.Pointer {
				var ptr unsafe.Pointer
				d.value(unsafe.Pointer(&ptr), c)                                //nolint:gosec // the codec reads and writes fields by offset (see astPlans)
				x = reflect.NewAt(c.t, unsafe.Pointer(&ptr)).Elem().Interface() //nolint:gosec // the codec reads and writes fields by offset (see astPlans)
			} else {
				v := reflect.New(c.t)
				d.value(v.UnsafePointer(), c)
				x = v.Elem().Interface()
			}
		}
		switch pl.iface {
		case ifaceValue:
			v, ok := x.(ast.Value)
			if !ok {
				panic(errAST)
			}
			*(*ast.Value)(p) = v
		case ifaceNode:
			v, ok := x.(ast.Node)
			if !ok {
				panic(errAST)
			}
			*(*ast.Node)(p) = v
		default:
			*(*any)(p) = x
		}
	case reflect.Map:
		n := d.uvarint()
		if n == 0 {
			return
		}
		n--
		if n > uint64(len(d.buf)-d.pos) || pl.t.Key().Kind() != reflect.String { //nolint:gosec // lengths and widths of the encoder's own values
			panic(errAST)
		}
		m := reflect.MakeMapWithSize(pl.t, int(n)) //nolint:gosec // lengths and widths of the encoder's own values
		for range n {
			k := reflect.ValueOf(d.str()).Convert(pl.t.Key())
			x := reflect.New(pl.t.Elem())
			d.value(x.UnsafePointer(), pl.elem)
			m.SetMapIndex(k, x.Elem())
		}
		reflect.NewAt(pl.t, p).Elem().Set(m)
	case reflect.Struct:
		for _, f := range pl.fields {
			d.value(unsafe.Add(p, f.offset), f.p)
		}
	default:
		panic(errAST)
	}
}

var (
	stringType   = reflect.TypeFor[ast.String]()
	termType     = reflect.TypeFor[ast.Term]()
	locationType = reflect.TypeFor[ast.Location]()
	varType      = reflect.TypeFor[ast.Var]()
	numberType   = reflect.TypeFor[ast.Number]()
	termsPlan    = sync.OnceValue(func() *plan { return astPlans()[reflect.TypeFor[[]*ast.Term]()] })
)

// pointee decodes a new value for a pointer of plan pl, registered before
// its fields are read (a rule points back to its module).
func (d *astDecoder) pointee(pl *plan) unsafe.Pointer {
	if pl.special != 0 {
		d.ptrs = append(d.ptrs, nil)
		var terms []*ast.Term
		d.value(unsafe.Pointer(&terms), termsPlan()) //nolint:gosec // the codec reads and writes fields by offset (see astPlans)
		var v any
		switch pl.special {
		case 1:
			v = ast.NewArray(terms...)
		case 2:
			v = ast.NewSet(terms...)
		default:
			if len(terms)%2 != 0 {
				panic(errAST)
			}
			pairs := make([][2]*ast.Term, len(terms)/2)
			for i := range pairs {
				pairs[i] = [2]*ast.Term{terms[2*i], terms[2*i+1]}
			}
			v = ast.NewObject(pairs...)
		}
		return reflect.ValueOf(v).UnsafePointer()
	}
	var x unsafe.Pointer
	switch pl.elem.t {
	case termType:
		if len(d.terms) == 0 {
			d.terms = make([]ast.Term, chunk)
		}
		x, d.terms = unsafe.Pointer(&d.terms[0]), d.terms[1:] //nolint:gosec // the codec reads and writes fields by offset (see astPlans)
	case locationType:
		if len(d.locs) == 0 {
			d.locs = make([]ast.Location, chunk)
		}
		x, d.locs = unsafe.Pointer(&d.locs[0]), d.locs[1:] //nolint:gosec // the codec reads and writes fields by offset (see astPlans)
	default:
		x = reflect.New(pl.elem.t).UnsafePointer()
	}
	d.ptrs = append(d.ptrs, x)
	d.value(x, pl.elem)
	return x
}

//go:generate go test -run TestEmbeddedASTCurrent -update-ast .

//go:embed embedded_ast.bin
var embeddedASTBlob []byte

// embeddedAST is embeddedASTBlob's index, nil when this binary cannot
// decode it or GOV_PARSE_EMBEDDED=1 (parse every embedded module, as
// tests do to compare).
var embeddedAST = sync.OnceValue(func() astBlob {
	if os.Getenv("GOV_PARSE_EMBEDDED") == "1" {
		return nil
	}
	return indexAST(embeddedASTBlob)
})
