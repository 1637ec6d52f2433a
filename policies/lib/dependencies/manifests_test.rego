package gov.lib.dependencies.manifests_test

import data.gov.lib.dependencies.manifests

_file(path, added, removed) := {
	"path": path, "status": "modified",
	"added": [{"line": n, "text": t} | some [n, t] in added],
	"removed": [{"line": n, "text": t} | some [n, t] in removed],
}

_deps(files) := {[d.eco, d.side, d.name, d.version] | some d in ds} if {
	ds := manifests.deps with input.patch.files as files
}

test_ecosystems if {
	manifests.ecosystem("web/package.json") == "npm"
	manifests.ecosystem("go.mod") == "go"
	manifests.ecosystem("requirements-dev.txt") == "pypi"
	manifests.ecosystem("svc/requirements/base.txt") == "pypi"
	manifests.ecosystem("pyproject.toml") == "pypi"
	manifests.ecosystem("pom.xml") == "maven"
	manifests.ecosystem("crates/x/Cargo.toml") == "cargo"
	not manifests.ecosystem("web/package-lock.json")
	not manifests.ecosystem("docs/requirements.md")
}

test_npm if {
	f := _file("web/package.json", [
		[3, "  \"version\": \"2.3.2\","], [8, "    \"express\": \"^4.19.2\","], [9, "    \"@types/node\": \"20.1.0\","],
		[10, "    \"test\": \"jest --ci\","], [11, "    \"left-pad\": \"github:user/left-pad\""],
	], [[8, "    \"express\": \"4.18.2\","]])
	_deps([f]) == {
		["npm", "added", "express", "^4.19.2"], ["npm", "added", "@types/node", "20.1.0"],
		["npm", "added", "left-pad", "github:user/left-pad"], ["npm", "removed", "express", "4.18.2"],
	}
}

test_npm_declared_in_parsed_content if {
	f := object.union(_file("package.json", [[3, "  \"react\": \"18.2.0\","], [4, "  \"jest\": \"29.0.0\""]], []), {"parsed": {"devDependencies": {"jest": "29.0.0"}, "overrides": {"react": "18.2.0"}}})
	_deps([f]) == {["npm", "added", "jest", "29.0.0"]}
}

test_go if {
	f := _file("go.mod", [[5, "\tgithub.com/sirupsen/logrus v1.9.3"], [6, "require golang.org/x/net v0.20.0 // indirect"], [1, "module example.com/app"], [3, "go 1.22"]], [])
	_deps([f]) == {["go", "added", "github.com/sirupsen/logrus", "v1.9.3"], ["go", "added", "golang.org/x/net", "v0.20.0"]}
}

test_python if {
	req := _file("requirements.txt", [
		[1, "Django==4.2.11"], [2, "requests[socks]>=2.31  # http"], [3, "-r base.txt"], [4, "colorama"],
		[5, "git+https://github.com/x/y.git#egg=y"], [6, "# pinned"], [7, "Flask_Login @ https://x.io/f.whl"],
	], [])
	_deps([req]) == {
		["pypi", "added", "django", "4.2.11"], ["pypi", "added", "requests", "2.31"], ["pypi", "added", "colorama", ""],
		["pypi", "added", "flask-login", "https://x.io/f.whl"],
	}
	toml := _file("pyproject.toml", [
		[3, "name = \"app\""], [4, "  \"httpx>=0.27\","], [5, "  \"Programming Language :: Python :: 3\","],
		[9, "pydantic = \"^2.6\""], [10, "uvicorn = { version = \"0.29.0\", extras = [\"standard\"] }"], [11, "mylib = { git = \"https://github.com/x/mylib\" }"],
	], [])
	_deps([toml]) == {
		["pypi", "added", "httpx", "0.27"], ["pypi", "added", "pydantic", "^2.6"],
		["pypi", "added", "uvicorn", "0.29.0"], ["pypi", "added", "mylib", ""],
	}
}

test_maven_and_cargo if {
	pom := _file("pom.xml", [[20, "      <artifactId>jackson-databind</artifactId>"], [21, "      <jackson.version>2.15.0</jackson.version>"]], [])
	_deps([pom]) == {["maven", "added", "jackson-databind", ""], ["maven", "added", "jackson", "2.15.0"]}
	cargo := _file("Cargo.toml", [[2, "edition = \"2021\""], [8, "serde = { version = \"1.0.197\", features = [\"derive\"] }"], [9, "tokio = \"1.36\""]], [])
	_deps([cargo]) == {["cargo", "added", "serde", "1.0.197"], ["cargo", "added", "tokio", "1.36"]}
}
