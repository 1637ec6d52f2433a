package bundles

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Environments are a closed set (DESIGN.md, Environments): gov.cue declares
// them; one that declares none gets these, with the first the default.
var implicitEnvironments = []string{"production", "staging"}

// EnvironmentError is a request's environment that the bundle does not
// declare, or a request without one in a bundle without default_environment.
type EnvironmentError struct {
	Name     string   // "" when the request named none
	Declared []string // sorted
}

func (e *EnvironmentError) Error() string {
	if e.Name == "" {
		return fmt.Sprintf("no environment given and gov.cue sets no default_environment (declared: %s)", strings.Join(e.Declared, ", "))
	}
	return fmt.Sprintf("unknown environment %q (declared: %s)", e.Name, strings.Join(e.Declared, ", "))
}

// withImplicitEnvironments fills in the environments of a config that
// declares none: production and staging, production the default unless
// default_environment names another.
func (c *Config) withImplicitEnvironments() {
	if len(c.Environments) > 0 {
		return
	}
	c.Environments = map[string]EnvironmentConfig{}
	for _, name := range implicitEnvironments {
		c.Environments[name] = EnvironmentConfig{}
	}
	if c.DefaultEnvironment == "" {
		c.DefaultEnvironment = implicitEnvironments[0]
	}
}

// DeclaredEnvironments lists the environment names, sorted.
func (c Config) DeclaredEnvironments() []string {
	if len(c.Environments) == 0 {
		return slices.Clone(implicitEnvironments)
	}
	return slices.Sorted(maps.Keys(c.Environments))
}

// Environment resolves a request's environment: a declared name as given
// (names are compared exactly: "Production" is not "production"), "" as
// default_environment; anything else is an *EnvironmentError. A config
// built by hand without environments resolves as a loaded gov.cue that
// declares none.
func (c Config) Environment(name string) (string, error) {
	c.withImplicitEnvironments()
	if name == "" {
		name = c.DefaultEnvironment
		if name == "" {
			return "", &EnvironmentError{Declared: c.DeclaredEnvironments()}
		}
	}
	if _, ok := c.Environments[name]; !ok {
		return "", &EnvironmentError{Name: name, Declared: c.DeclaredEnvironments()}
	}
	return name, nil
}
