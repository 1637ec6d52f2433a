package patch

import "testing"

func TestLanguage(t *testing.T) {
	tests := []struct{ path, want string }{
		{"services/user_service/handlers.py", "python"},
		{"services/inventory/store.go", "go"},
		{"web/src/App.TSX", "typescript"},
		{"web/src/index.mjs", "javascript"},
		{"src/main/java/App.java", "java"},
		{"Gemfile", "ruby"},
		{"scripts/deploy.sh", "shell"},
		{"deploy/k8s/api.yml", "yaml"},
		{"package.json", "json"},
		{"pyproject.toml", "toml"},
		{"infra/main.tf", "terraform"},
		{"docker/Dockerfile", "dockerfile"},
		{"Dockerfile.prod", "dockerfile"},
		{"api.dockerfile", "dockerfile"},
		{"README.md", "markdown"},
		{"policies/x.rego", "rego"},
		{"Makefile", "makefile"},
		{"assets/logo.png", ""},
		{"LICENSE", ""},
		{".gitignore", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := Language(tt.path); got != tt.want {
			t.Errorf("Language(%q) = %q, want %q", tt.path, got, tt.want)
		}
	}
}
