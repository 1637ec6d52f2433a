package scantest

// Label locates one planted value of a labelled corpus: lines
// Line..EndLine of File (bench/scancorpus writes them, bench/scancompare
// scores scanners against them).
type Label struct {
	File    string `json:"file"`
	Line    int    `json:"line"`
	EndLine int    `json:"end_line"`
	Rule    string `json:"rule,omitempty"`
	Why     string `json:"why,omitempty"`
}

// Labels is a corpus's labels.json: the planted secrets, the look-alikes
// that must not be reported, and the corpus size.
type Labels struct {
	Secrets    []Label `json:"secrets"`
	LookAlikes []Label `json:"lookalikes"`
	Files      int     `json:"files"`
	Bytes      int64   `json:"bytes"`
}
