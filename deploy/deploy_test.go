// Package deploy holds deployment files; its tests check them.
package deploy

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/labels"
	k8syaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"

	"github.com/sohoa-vn/sohoa/config"
)

// kinds maps apiVersion/kind to the Go type the API server decodes it into.
var kinds = map[string]func() any{
	"v1/ConfigMap":                           func() any { return &corev1.ConfigMap{} },
	"v1/Secret":                              func() any { return &corev1.Secret{} },
	"v1/Service":                             func() any { return &corev1.Service{} },
	"apps/v1/Deployment":                     func() any { return &appsv1.Deployment{} },
	"policy/v1/PodDisruptionBudget":          func() any { return &policyv1.PodDisruptionBudget{} },
	"autoscaling/v2/HorizontalPodAutoscaler": func() any { return &autoscalingv2.HorizontalPodAutoscaler{} },
}

// loadManifests decodes every document of every k8s/*.yaml strictly: a
// field the API types do not have (a typo, a wrong nesting) is an error.
func loadManifests(t *testing.T) []any {
	t.Helper()
	files, err := filepath.Glob("k8s/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no manifests in k8s/: %v", err)
	}
	var objs []any
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		r := k8syaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(b)))
		for i := 1; ; i++ {
			doc, err := r.Read()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("%s document %d: %v", f, i, err)
			}
			if len(bytes.TrimSpace(stripComments(doc))) == 0 {
				continue
			}
			var meta struct{ APIVersion, Kind string }
			if err := yaml.Unmarshal(doc, &meta); err != nil {
				t.Fatalf("%s document %d: %v", f, i, err)
			}
			newObj, ok := kinds[meta.APIVersion+"/"+meta.Kind]
			if !ok {
				t.Errorf("%s document %d: unexpected %s %s (add it to kinds to check it)", f, i, meta.APIVersion, meta.Kind)
				continue
			}
			obj := newObj()
			if err := yaml.UnmarshalStrict(doc, obj); err != nil {
				t.Errorf("%s document %d (%s): %v", f, i, meta.Kind, err)
				continue
			}
			objs = append(objs, obj)
		}
	}
	return objs
}

func TestKubernetesManifests(t *testing.T) {
	objs := loadManifests(t)
	deployments := map[string]*appsv1.Deployment{}
	for _, o := range objs {
		if d, ok := o.(*appsv1.Deployment); ok {
			deployments[d.Name] = d
		}
	}
	if deployments["sohoa-api"] == nil || deployments["sohoa-worker"] == nil {
		t.Fatalf("want Deployments sohoa-api and sohoa-worker, have %v", keys(deployments))
	}
	matchesSome := func(sel map[string]string) bool {
		for _, d := range deployments {
			if labels.SelectorFromSet(sel).Matches(labels.Set(d.Spec.Template.Labels)) {
				return true
			}
		}
		return false
	}
	for _, o := range objs {
		switch o := o.(type) {
		case *appsv1.Deployment:
			checkDeployment(t, o)
		case *corev1.Service:
			if !matchesSome(o.Spec.Selector) {
				t.Errorf("Service %s selects no Deployment's pods: %v", o.Name, o.Spec.Selector)
			}
		case *policyv1.PodDisruptionBudget:
			if o.Spec.Selector == nil || !matchesSome(o.Spec.Selector.MatchLabels) {
				t.Errorf("PodDisruptionBudget %s selects no Deployment's pods", o.Name)
			}
		case *autoscalingv2.HorizontalPodAutoscaler:
			ref := o.Spec.ScaleTargetRef
			if ref.Kind != "Deployment" || deployments[ref.Name] == nil {
				t.Errorf("HorizontalPodAutoscaler %s scales %s %s, which is not here", o.Name, ref.Kind, ref.Name)
			}
		}
	}
}

func checkDeployment(t *testing.T, d *appsv1.Deployment) {
	t.Helper()
	sel, err := metaSelector(d)
	if err != nil || !sel.Matches(labels.Set(d.Spec.Template.Labels)) {
		t.Errorf("Deployment %s: selector does not match its pod template (%v)", d.Name, err)
	}
	for _, c := range d.Spec.Template.Spec.Containers {
		if c.Resources.Requests.Cpu().IsZero() || c.Resources.Requests.Memory().IsZero() {
			t.Errorf("Deployment %s container %s: no CPU or memory request", d.Name, c.Name)
		}
		ports := map[string]bool{}
		for _, p := range c.Ports {
			ports[p.Name] = true
		}
		for what, p := range map[string]*corev1.Probe{"readiness": c.ReadinessProbe, "liveness": c.LivenessProbe} {
			if p == nil || p.HTTPGet == nil {
				t.Errorf("Deployment %s container %s: no HTTP %s probe", d.Name, c.Name, what)
				continue
			}
			if name := p.HTTPGet.Port.StrVal; name != "" && !ports[name] {
				t.Errorf("Deployment %s container %s: %s probe on unknown port %q", d.Name, c.Name, what, name)
			}
		}
		if len(c.Args) == 0 || (c.Args[0] != "serve" && c.Args[0] != "worker") {
			t.Errorf("Deployment %s container %s: args %v do not start sohoa serve or worker", d.Name, c.Name, c.Args)
		}
	}
}

func metaSelector(d *appsv1.Deployment) (labels.Selector, error) {
	if d.Spec.Selector == nil {
		return nil, fmt.Errorf("no selector")
	}
	return labels.SelectorFromSet(d.Spec.Selector.MatchLabels), nil
}

func TestComposeFile(t *testing.T) {
	env := map[string]string{
		"SOHOA_IMAGE": "sohoa:test", "MINIO_ROOT_USER": "u", "MINIO_ROOT_PASSWORD": "p",
		"POSTGRES_PASSWORD": "p", "SOHOA_SIGN_PASSWORD": "p", "SOHOA_CERTIFIER_PASSWORD": "p", "SOHOA_WEBHOOK_KEY": "k",
		"SOHOA_PUBLIC_URL": "https://dichvucong.example.gov.vn",
	}
	abs, _ := filepath.Abs("compose.yaml")
	p, err := loader.LoadWithContext(context.Background(), types.ConfigDetails{
		WorkingDir:  filepath.Dir(abs),
		ConfigFiles: []types.ConfigFile{{Filename: abs}},
		Environment: env,
	}, func(o *loader.Options) { o.SetProjectName("sohoa", true) })
	if err != nil {
		t.Fatalf("compose.yaml does not load against the Compose schema: %v", err)
	}
	for _, name := range []string{"minio1", "minio2", "minio3", "minio4", "redis", "postgres", "api", "worker"} {
		s, ok := p.Services[name]
		if !ok {
			t.Errorf("compose.yaml has no service %s", name)
			continue
		}
		if s.HealthCheck == nil || len(s.HealthCheck.Test) == 0 {
			t.Errorf("service %s has no health check", name)
		}
	}
	if w := p.Services["worker"]; w.Environment["SOHOA_SIGN_P12"] == nil {
		t.Error("workers get no signing identity")
	}
	if a := p.Services["api"]; a.Environment["SOHOA_SIGN_P12"] == nil || a.Environment["SOHOA_CERTIFIER_P12"] == nil {
		t.Error("the API issues certified copies and needs the agency's and the certifier's keys")
	}
	for _, name := range []string{"redis", "postgres", "minio1"} {
		if p.Services[name].Environment["SOHOA_SIGN_P12"] != nil {
			t.Errorf("service %s is given a signing key", name)
		}
	}
	// Without the required settings the file must refuse to load.
	_, err = loader.LoadWithContext(context.Background(), types.ConfigDetails{
		WorkingDir: filepath.Dir(abs), ConfigFiles: []types.ConfigFile{{Filename: abs}}, Environment: map[string]string{},
	}, func(o *loader.Options) { o.SetProjectName("sohoa", true) })
	if err == nil || !strings.Contains(err.Error(), "set ") {
		t.Errorf("compose.yaml loads without its secrets set: %v", err)
	}
}

func TestGrafanaDashboard(t *testing.T) {
	b, err := os.ReadFile("grafana/sohoa.json")
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		Panels []struct {
			Title   string
			Targets []struct{ Expr string }
		}
	}
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatal(err)
	}
	// Every metric sohoa exports appears in some panel.
	var exprs strings.Builder
	for _, p := range d.Panels {
		for _, tg := range p.Targets {
			exprs.WriteString(tg.Expr + "\n")
		}
	}
	for _, m := range []string{"sohoa_pages_ingested_total", "sohoa_pages_ocred_total", "sohoa_pages_failed_total",
		"sohoa_ocr_seconds_bucket", "sohoa_queue_tasks", "sohoa_queue_latency_seconds", "sohoa_sign_seconds_bucket",
		"sohoa_documents_signed_total", "sohoa_storage_errors_total"} {
		if !strings.Contains(exprs.String(), m) {
			t.Errorf("no dashboard panel shows %s", m)
		}
	}
}

func keys[V any](m map[string]V) []string {
	var k []string
	for s := range m {
		k = append(k, s)
	}
	return k
}

func stripComments(b []byte) []byte {
	var out []byte
	for _, l := range bytes.Split(b, []byte("\n")) {
		if t := bytes.TrimSpace(l); len(t) > 0 && t[0] != '#' {
			out = append(out, l...)
			out = append(out, '\n')
		}
	}
	return out
}

// The unit is checked by systemd itself; the binary path is swapped for
// one that exists here, since sohoa is not installed on the test machine.
func TestSystemdUnit(t *testing.T) {
	b, err := os.ReadFile("systemd/sohoa.service")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte("ExecStart=/usr/local/bin/sohoa serve")) {
		t.Fatal("the unit does not start sohoa serve")
	}
	unit := filepath.Join(t.TempDir(), "sohoa.service")
	if err := os.WriteFile(unit, bytes.ReplaceAll(b, []byte("/usr/local/bin/sohoa"), []byte("/bin/true")), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("systemd-analyze", "verify", unit).CombinedOutput()
	if err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Errorf("systemd-analyze verify (install systemd): %v\n%s", err, out)
	}
}

// Every SOHOA_* variable the deployment files set or mention is one sohoa
// reads (package config): a misspelt or retired name would be ignored.
func TestDeployVariablesExist(t *testing.T) {
	known := map[string]bool{"SOHOA_IMAGE": true} // Compose's own: the image to run
	for _, f := range append(config.Fields(), config.ClientFields()...) {
		known[f.Var] = true
	}
	files := []string{"compose.yaml", "sohoa.env.example", "Dockerfile", "README.md"}
	for _, glob := range []string{"k8s/*.yaml", "systemd/*"} {
		m, _ := filepath.Glob(glob)
		files = append(files, m...)
	}
	name := regexp.MustCompile(`SOHOA_[A-Z0-9_]*[A-Z0-9]`)
	seen := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range name.FindAllString(string(b), -1) {
			seen++
			if !known[v] && !strings.HasSuffix(v, "_S3") && !strings.HasSuffix(v, "_PKCS11") {
				t.Errorf("%s names %s, which sohoa does not read", f, v)
			}
		}
	}
	if seen < 20 {
		t.Errorf("only %d variables found in the deployment files", seen)
	}
}
