package frameworks

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// TestPopulationStreamed: Build does not hold the population; the JSON
// writer streams every decision of it (the same rows EachRow reads), and a
// JSON report read back holds it.
func TestPopulationStreamed(t *testing.T) {
	s, _ := writeAudit(t)
	r := buildAudit(t, "soc2", Options{Store: s})
	want := r.Population
	again := buildOnly(t, "soc2", Options{Store: s})
	if again.Population != nil {
		t.Fatalf("Build held %d rows of the population", len(again.Population))
	}
	var b bytes.Buffer
	if err := WriteJSON(&b, again); err != nil {
		t.Fatal(err)
	}
	var back Report
	if err := json.Unmarshal(b.Bytes(), &back); err != nil {
		t.Fatalf("%v\n%s", err, b.String())
	}
	if len(want) != 6 || !reflect.DeepEqual(back.Population, want) {
		t.Errorf("population read back = %+v, want %+v", back.Population, want)
	}
	if back.Totals != r.Totals {
		t.Errorf("totals = %+v, want %+v", back.Totals, r.Totals)
	}
	// Indented as the encoder indents the rest of the report.
	if !strings.Contains(b.String(), "\n  \"population\": [\n    {\n      \"request_id\": \"a1\",") {
		t.Errorf("population not indented as the report:\n%s", b.String())
	}
}

// TestHTMLPopulationOverLimit: above the limit the HTML lists no decision
// (it would hold them all) and says where the population is; at the limit
// it lists every one.
func TestHTMLPopulationOverLimit(t *testing.T) {
	s, _ := writeAudit(t)
	r := buildAudit(t, "soc2", Options{Store: s})
	for _, tc := range []struct {
		limit int
		rows  int
		note  bool
	}{{6, 6, false}, {5, 0, true}} {
		var b bytes.Buffer
		if err := writeHTML(&b, r, tc.limit); err != nil {
			t.Fatal(err)
		}
		page := b.String()
		pop := page[strings.Index(page, `id="population"`):]
		if got := strings.Count(pop[:strings.Index(pop, "<h2>Gaps")], "<tr><td"); got != tc.rows {
			t.Errorf("limit %d: %d rows listed, want %d", tc.limit, got, tc.rows)
		}
		if got := strings.Contains(page, `id="population-elsewhere"`); got != tc.note {
			t.Errorf("limit %d: note where the population is = %v, want %v", tc.limit, got, tc.note)
		}
	}
}
