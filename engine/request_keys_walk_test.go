package engine

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// decoderCheckKeys is checkRequestKeys as it was before keyWalker: the same
// checks by walking json.Decoder.Token. It is the reference keyWalker must
// agree with.
func decoderCheckKeys(js []byte) error {
	return decoderWalkKeys(json.NewDecoder(bytes.NewReader(js)), js, true)
}

func decoderWalkKeys(dec *json.Decoder, js []byte, top bool) error {
	tok, err := dec.Token()
	if err != nil {
		return nil
	}
	delim, ok := tok.(json.Delim)
	if !ok {
		return nil
	}
	switch delim {
	case '[':
		for dec.More() {
			if err := decoderWalkKeys(dec, js, false); err != nil {
				return err
			}
		}
	case '{':
		seen := map[string]bool{}
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return nil
			}
			key, _ := kt.(string)
			line := reqLineAt(js, dec.InputOffset())
			if seen[key] {
				return fmt.Errorf("line %d: key %s appears twice in one object", line, describeKey(key))
			}
			seen[key] = true
			if top && !requestFields[key] {
				for f := range requestFields {
					if strings.EqualFold(f, key) {
						return fmt.Errorf("line %d: a key differs from field %q only by case", line, f)
					}
				}
				return fmt.Errorf("line %d: unknown field %s", line, describeKey(key))
			}
			if err := decoderWalkKeys(dec, js, false); err != nil {
				return err
			}
		}
	}
	_, _ = dec.Token()
	return nil
}

// keyWalkerCases are requests an attacker may send to slip a second value
// for a key past the check: the same key spelled with escapes, nested in
// arrays and objects, after white space and numbers of every form.
var keyWalkerCases = []string{
	`{"environment":"production","environment":"staging"}`,
	`{"environment":"production","\u0065nvironment":"staging"}`,
	`{"environment":"production","ENVIRONMENT":"staging"}`,
	`{"\u0045NVIRONMENT":"staging"}`,
	`{"metadata":{"a":1,"a":2}}`,
	`{"metadata":{"a":1,"\u0061":2}}`,
	`{"metadata":{"\ud800":1,"\udfff":2}}`,
	"{\"metadata\":{\"\xc3\xa9\":1,\"\\u00e9\":2}}",
	`{"metadata":{"x":[{"a":1},{"a":2,"a":3}]}}`,
	`{"metadata":{"x":[[[{"k":-1.5e+3,"k":true}]]]}}`,
	`{"metadata":{"x":[1,-0.5e-7,true,false,null,"s\"}",{"q\\":"\\"}]},"metadata":{}}`,
	" \n\t{ \"environment\" \r\n : \"staging\" ,\n \"requested_by\" : \"bot\" , \"requested_by\":\"x\" } \n",
	`{"environment":"staging","requested_by":"bot","patch_content":"--- a/x\n+++ b/x\n"}`,
	`{"environment":"staging","extra":1}`,
	`{"ghp_R4nd0mS3cr3tT0k3nV4lu3F0rT3st1ngAbCd":1}`,
	`[{"a":1,"a":2}]`,
	`[]`, `{}`, `"x"`, `1`, `null`, `{"metadata":[]}`, `{"metadata":{}}`,
	`{"environment":"a",}`, `{"environment":"a","environment":`, `{"a" 1}`, `{`, ``,
}

// TestCheckRequestKeysMatchesDecoder holds keyWalker to the Token walk it
// replaced: the same refusal, with the same message and line, for every
// valid JSON case (and every request file in testdata). Invalid JSON is
// refused by the decode as a syntax error (the Token walk named a key
// problem first when it met one before the syntax error).
func TestCheckRequestKeysMatchesDecoder(t *testing.T) {
	cases := append([]string(nil), keyWalkerCases...)
	cases = appendRequestFiles(t, cases)
	refused := 0
	for i, c := range cases {
		if !json.Valid([]byte(c)) {
			if _, err := DecodeRequest("r.json", []byte(c)); err == nil {
				t.Errorf("case %d %.80q: invalid JSON decoded", i, c)
			}
			continue
		}
		got, want := fmt.Sprint(checkRequestKeys([]byte(c))), fmt.Sprint(decoderCheckKeys([]byte(c)))
		if got != want {
			t.Errorf("case %d %.80q: keyWalker says %s, the decoder walk %s", i, c, got, want)
		}
		if want != "<nil>" {
			refused++
		}
	}
	if refused < 12 {
		t.Errorf("only %d cases refused: the cases no longer exercise the check", refused)
	}
}

func FuzzCheckRequestKeys(f *testing.F) {
	for _, c := range keyWalkerCases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, js []byte) {
		if !json.Valid(js) {
			if _, err := DecodeRequest("r.json", js); err == nil {
				t.Errorf("%q: invalid JSON decoded", js)
			}
			return
		}
		got, want := fmt.Sprint(checkRequestKeys(js)), fmt.Sprint(decoderCheckKeys(js))
		if got != want {
			t.Errorf("%q: keyWalker says %s, the decoder walk %s", js, got, want)
		}
	})
}

// decoderDecodeRequest is DecodeRequest's JSON path as it was before
// json.Unmarshal: the key check, then json.Decoder with unknown fields
// disallowed and nothing after the object.
func decoderDecodeRequest(js []byte) (Request, error) {
	var req Request
	if err := checkRequestKeys(js); err != nil {
		return req, err
	}
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return req, fmt.Errorf("%s", reqDescribeJSONError(js, err))
	}
	if _, err := dec.Token(); err == nil || err.Error() != "EOF" {
		return req, fmt.Errorf("unexpected data after the request object")
	}
	return req, nil
}

// TestDecodeRequestUnmarshalMatchesDecoder: a valid JSON request decodes
// with json.Unmarshal to what json.Decoder gave, and is refused with the
// same message (type errors on later lines included).
func TestDecodeRequestUnmarshalMatchesDecoder(t *testing.T) {
	cases := append([]string{
		`{"environment":1}`,
		"\n\n  {\n\"environment\":\"staging\",\n\"metadata\":{\"a\":[1,{\"b\":null}]},\n\"error_context\":7}",
		"\n{\"request_id\":\"r\",\n\n\"requested_by\":[\"x\"]}\n",
		`{"metadata":{"Environment":1},"error_context":{"x":"\u2028"}}`,
		`[{"environment":"staging"}]`, `"x"`, `1`, `true`,
		`{"environment":"staging","patch_content":"--- a/x\n+++ b/x\n"}`,
	}, keyWalkerCases...)
	cases = appendRequestFiles(t, cases)
	typeErrors := 0
	for i, c := range cases {
		js := []byte(c)
		if !json.Valid(js) || len(bytes.TrimSpace(js)) == 0 || string(bytes.TrimSpace(js)) == "null" {
			continue
		}
		got, gerr := DecodeRequest("r.json", js)
		want, werr := decoderDecodeRequest(js)
		if werr != nil {
			werr = fmt.Errorf("r.json: %w", werr)
		}
		if fmt.Sprint(gerr) != fmt.Sprint(werr) {
			t.Errorf("case %d %.80q: error %v, the decoder's %v", i, c, gerr, werr)
		}
		if gj, wj := fmt.Sprintf("%#v", got), fmt.Sprintf("%#v", want); werr == nil && gj != wj {
			t.Errorf("case %d %.80q: decoded %s, the decoder %s", i, c, gj, wj)
		}
		if werr != nil && strings.Contains(werr.Error(), "expected") {
			typeErrors++
		}
	}
	if typeErrors < 3 {
		t.Errorf("only %d type errors: the cases no longer exercise them", typeErrors)
	}
}

// fastDecodeCases are requests whose top-level values take each branch of
// keyWalker.request: plain and escaped strings (a quote, a backslash, a
// surrogate pair, a lone surrogate, U+2028), non-ASCII text, nulls, maps,
// and values of the wrong type that must come back as json.Unmarshal's
// error.
var fastDecodeCases = []string{
	`{"environment":"st\u0061ging","patch_content":"a\nb\\\"c\/d\t"}`,
	`{"request_id":"\ud83d\ude00","action_type":"\ud800","language":"\u2028x"}`,
	`{"request_id":"\uD83D\uDE00\u00E9\u00e9","action_type":"\ud800\u0041\ud800\ud800\udc00x\ud800","language":"\b\f\r\u0000"}`,
	`{"service_name":"\ud83dxxde00","environment":"\ud83d","requested_by":"\udbff\udfff\ud800\\u0041","patch_content":"\\\\\""}`,
	"{\"service_name\":\"caf\xc3\xa9 \xe2\x80\xa8\",\"requested_by\":\"\\\\\"}",
	`{"environment":null,"metadata":null,"error_context":null,"patch_content":""}`,
	`{"error_context":{"a":[1,2.5e3,"x\"y",{"b":null}],"c":true},"metadata":{"":{}}}`,
	`{"environment":"staging","error_context":[1]}`,
	`{"environment":{"a":1}}`, `{"metadata":"x"}`, `{"environment":true}`, `{"environment":1e400}`,
	`{"metadata":{"n":1e400}}`, `{"request_id":"r","environment":["staging"]}`,
	" { \"environment\" : \"staging\" \n , \"metadata\" : { \"a\" : 1 } \t } ",
	`{}`, `[]`, `[{"environment":"staging"}]`, `"x"`, `1`, `true`,
}

// TestDecodeRequestFastMatchesDecoder: every case, and every request file,
// decodes to what the decoder gives and is refused with its message.
func TestDecodeRequestFastMatchesDecoder(t *testing.T) {
	cases := append(append([]string(nil), fastDecodeCases...), keyWalkerCases...)
	cases = appendRequestFiles(t, cases)
	decoded := 0
	for i, c := range cases {
		if !decodeMatchesDecoder(t, fmt.Sprintf("case %d", i), []byte(c)) {
			continue
		}
		decoded++
	}
	if decoded < 20 {
		t.Errorf("only %d cases decoded: the cases no longer exercise the fast path", decoded)
	}
}

// FuzzDecodeRequestMatchesDecoder: DecodeRequest (its key walk and the
// fields it reads from it) and the decoder agree on every valid document.
func FuzzDecodeRequestMatchesDecoder(f *testing.F) {
	for _, c := range append(append([]string(nil), fastDecodeCases...), keyWalkerCases...) {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, js []byte) { decodeMatchesDecoder(t, "", js) })
}

// decodeMatchesDecoder compares DecodeRequest with decoderDecodeRequest on
// one valid UTF-8 JSON document; it reports whether it decoded.
func decodeMatchesDecoder(t *testing.T, label string, js []byte) bool {
	t.Helper()
	if !utf8.Valid(js) || !json.Valid(js) || len(bytes.TrimSpace(js)) == 0 || string(bytes.TrimSpace(js)) == "null" {
		return false
	}
	got, gerr := DecodeRequest("r.json", js)
	want, werr := decoderDecodeRequest(js)
	if werr != nil {
		werr = fmt.Errorf("r.json: %w", werr)
	}
	if fmt.Sprint(gerr) != fmt.Sprint(werr) {
		t.Errorf("%s %.80q: error %v, the decoder's %v", label, js, gerr, werr)
	}
	if gj, wj := fmt.Sprintf("%#v", got), fmt.Sprintf("%#v", want); werr == nil && gj != wj {
		t.Errorf("%s %.80q: decoded %s, the decoder %s", label, js, gj, wj)
	}
	return werr == nil
}

// appendRequestFiles appends the example requests of testdata/requests.
func appendRequestFiles(t *testing.T, cases []string) []string {
	t.Helper()
	files, _ := filepath.Glob("../testdata/requests/*.json")
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		cases = append(cases, string(data))
	}
	return cases
}
