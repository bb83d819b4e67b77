package product

import (
	"errors"
	"fmt"
	"sort"

	"gopkg.in/yaml.v3"
)

// templateResourceTypes parses a CloudFormation template body. YAML is a
// superset of JSON, and yaml.Node keeps short-form tags such as !Ref without
// needing to understand them, so one parser serves both formats.
func templateResourceTypes(body []byte) ([]string, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(body, &doc); err != nil {
		return nil, fmt.Errorf("not JSON or YAML: %w", err)
	}
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, errors.New("not a template: the document is not a mapping")
	}
	resources := mapValue(doc.Content[0], "Resources")
	if resources == nil || resources.Kind != yaml.MappingNode || len(resources.Content) == 0 {
		return nil, errors.New("the template has no Resources")
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(resources.Content); i += 2 {
		id, body := resources.Content[i].Value, resources.Content[i+1]
		t := mapValue(body, "Type")
		if t == nil || t.Kind != yaml.ScalarNode || t.Value == "" {
			return nil, fmt.Errorf("resource %q has no Type", id)
		}
		seen[t.Value] = true
	}
	out := make([]string, 0, len(seen))
	for k := range seen {
		out = append(out, k)
	}
	sort.Strings(out)
	return out, nil
}

func mapValue(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}
