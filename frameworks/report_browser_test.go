//go:build browser

package frameworks

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// TestBrowserRender renders HTML reports in headless Chromium
// (scripts/browser-test.sh installs it) and checks each screenshot is a
// real, non-blank PNG. GOV_BROWSER_OUT names a directory to keep them in.
func TestBrowserRender(t *testing.T) {
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatalf("chromium not installed (run scripts/browser-test.sh): %v", err)
	}
	out := os.Getenv("GOV_BROWSER_OUT")
	if out == "" {
		out = t.TempDir()
	}
	tests := []struct {
		name  string
		build func(t *testing.T) *Report
	}{
		{"fixture", fixtureReport},
		{"empty", func(t *testing.T) *Report {
			r, _ := buildFixture(t, filepath.Join(t.TempDir(), "none"), time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC))
			return r
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			page := filepath.Join(out, "report-"+tt.name+".html")
			var b bytes.Buffer
			if err := WriteHTML(&b, tt.build(t)); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(page, b.Bytes(), 0o600); err != nil {
				t.Fatal(err)
			}
			shot := filepath.Join(out, "report-"+tt.name+".png")
			screenshot(t, chromium, page, shot)
			checkPNG(t, shot)
		})
	}
}

func screenshot(t *testing.T, chromium, page, shot string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	abs, err := filepath.Abs(page)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(ctx, chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
		"--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir="+t.TempDir(), "--screenshot="+shot, "--window-size=1200,1600", "file://"+abs)
	if outb, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("chromium: %v\n%s", err, outb)
	}
}

// checkPNG checks the screenshot exists, is not tiny, decodes, and is not
// one colour (a blank page).
func checkPNG(t *testing.T, shot string) {
	t.Helper()
	data, err := os.ReadFile(shot)
	if err != nil {
		t.Fatalf("no screenshot: %v", err)
	}
	if len(data) < 20_000 {
		t.Errorf("screenshot is %d bytes, too small for a rendered report", len(data))
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("screenshot does not decode: %v", err)
	}
	if b := img.Bounds(); b.Dx() != 1200 || b.Dy() != 1600 {
		t.Errorf("screenshot is %v, want 1200x1600", b)
	}
	if colours := distinctColours(img, 64); colours < 16 {
		t.Errorf("screenshot has %d distinct colours: blank or unstyled", colours)
	}
}

// distinctColours counts distinct colours over a grid of samples.
func distinctColours(img image.Image, step int) int {
	seen := map[[4]uint32]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += step / 4 {
		for x := b.Min.X; x < b.Max.X; x += step / 4 {
			r, g, bl, a := img.At(x, y).RGBA()
			seen[[4]uint32{r, g, bl, a}] = true
		}
	}
	return len(seen)
}
