package releasetest

import (
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

const downloadPrefix = "https://github.com/posit-dev/git-credential-ppm/releases/download/"

// checkDownload wants url to be the GitHub release download of an archive
// listed in checksums.txt with exactly sum, for goos/goarch.
func checkDownload(t *testing.T, r *release, what, url, sum, goos, goarch string) {
	t.Helper()
	if !strings.HasPrefix(url, downloadPrefix) {
		t.Errorf("%s: url %q is not a download from %s", what, url, downloadPrefix)
	}
	file := path.Base(url)
	if want := r.archive(goos, goarch); file != want {
		t.Errorf("%s: url names %s, want %s", what, file, want)
	}
	if got, ok := r.checksums[file]; !ok || !strings.EqualFold(got, sum) {
		t.Errorf("%s: sha256 of %s is %q, checksums.txt says %q", what, file, sum, got)
	}
}

// TestHomebrewFormula: the formula for the tap offers the four macOS and
// Linux archives of this release with their checksums, installs the binary
// and tests `version`.
func TestHomebrewFormula(t *testing.T) {
	r := load(t)
	data, err := os.ReadFile(filepath.Join(r.dist, "homebrew", "Formula", name+".rb"))
	if err != nil {
		t.Fatal(err)
	}
	f := string(data)
	for _, want := range []string{
		"class GitCredentialPpm < Formula",
		`version "` + r.version + `"`,
		`license "MIT"`,
		`bin.install "git-credential-ppm"`,
		`shell_output("#{bin}/git-credential-ppm version")`,
	} {
		if !strings.Contains(f, want) {
			t.Errorf("formula lacks %q:\n%s", want, f)
		}
	}
	// Each `url` is followed by its `sha256`, inside on_macos/on_linux and
	// Hardware::CPU.intel?/arm? blocks.
	pair := regexp.MustCompile(`url "([^"]+)"\s+sha256 "([0-9a-f]{64})"`)
	seen := map[string]bool{}
	for _, m := range pair.FindAllStringSubmatch(f, -1) {
		for _, tg := range targets {
			if tg.goos != "windows" && strings.HasSuffix(m[1], "_"+tg.goos+"_"+tg.goarch+".tar.gz") {
				checkDownload(t, r, "formula", m[1], m[2], tg.goos, tg.goarch)
				seen[tg.goos+"/"+tg.goarch] = true
			}
		}
	}
	if len(seen) != 4 {
		t.Errorf("formula offers %v, want darwin and linux on amd64 and arm64:\n%s", seen, f)
	}
	for _, block := range []string{"on_macos do", "on_linux do", "Hardware::CPU.intel?", "Hardware::CPU.arm?"} {
		if !strings.Contains(f, block) {
			t.Errorf("formula lacks %q", block)
		}
	}
}

// TestScoopManifest: the Scoop manifest is JSON naming the Windows zips
// for 64bit and arm64 with their hashes, and the binary in them.
func TestScoopManifest(t *testing.T) {
	r := load(t)
	var m struct {
		Version      string `json:"version"`
		Homepage     string `json:"homepage"`
		License      string `json:"license"`
		Description  string `json:"description"`
		Architecture map[string]struct {
			URL  string   `json:"url"`
			Bin  []string `json:"bin"`
			Hash string   `json:"hash"`
		} `json:"architecture"`
	}
	readJSON(t, filepath.Join(r.dist, "scoop", name+".json"), &m)
	if m.Version != r.version || m.License != "MIT" || m.Homepage == "" || m.Description == "" {
		t.Errorf("scoop manifest: version %q license %q homepage %q description %q", m.Version, m.License, m.Homepage, m.Description)
	}
	for arch, goarch := range map[string]string{"64bit": "amd64", "arm64": "arm64"} {
		a, ok := m.Architecture[arch]
		if !ok {
			t.Errorf("scoop manifest has no %s architecture", arch)
			continue
		}
		checkDownload(t, r, "scoop "+arch, a.URL, a.Hash, "windows", goarch)
		if len(a.Bin) != 1 || a.Bin[0] != name+".exe" {
			t.Errorf("scoop %s: bin %q, want [%s.exe]", arch, a.Bin, name)
		}
	}
}

// TestWingetManifests: the three winget manifests (version, default locale,
// installer) agree on the identifier and version; the installer one names
// both Windows zips with their sha256 and the exe nested in them.
func TestWingetManifests(t *testing.T) {
	r := load(t)
	dir := filepath.Join(r.dist, "winget", "manifests", "p", "Posit", "GitCredentialPPM", r.version)
	const id = "Posit.GitCredentialPPM"
	docs := map[string]map[string]any{}
	for _, kind := range []string{"", ".locale.en-US", ".installer"} {
		data, err := os.ReadFile(filepath.Join(dir, id+kind+".yaml"))
		if err != nil {
			t.Fatal(err)
		}
		var doc map[string]any
		if err := yaml.Unmarshal(data, &doc); err != nil {
			t.Fatalf("%s%s.yaml: %v", id, kind, err)
		}
		if doc["PackageIdentifier"] != id || doc["PackageVersion"] != r.version || doc["ManifestVersion"] == nil {
			t.Errorf("%s%s.yaml: identifier %v version %v manifest version %v", id, kind, doc["PackageIdentifier"], doc["PackageVersion"], doc["ManifestVersion"])
		}
		docs[kind] = doc
	}
	if docs[""]["ManifestType"] != "version" || docs[".locale.en-US"]["ManifestType"] != "defaultLocale" || docs[".installer"]["ManifestType"] != "installer" {
		t.Errorf("manifest types: %v, %v, %v", docs[""]["ManifestType"], docs[".locale.en-US"]["ManifestType"], docs[".installer"]["ManifestType"])
	}
	if loc := docs[".locale.en-US"]; loc["License"] != "MIT" || loc["Publisher"] != "Posit Software, PBC" || loc["ShortDescription"] == nil {
		t.Errorf("locale manifest: License %v Publisher %v ShortDescription %v", loc["License"], loc["Publisher"], loc["ShortDescription"])
	}
	inst := docs[".installer"]
	installers, _ := inst["Installers"].([]any)
	seen := map[string]bool{}
	for _, x := range installers {
		in, _ := x.(map[string]any)
		goarch := map[any]string{"x64": "amd64", "arm64": "arm64"}[in["Architecture"]]
		if goarch == "" {
			t.Errorf("winget installer for architecture %v", in["Architecture"])
			continue
		}
		seen[goarch] = true
		url, _ := in["InstallerUrl"].(string)
		sum, _ := in["InstallerSha256"].(string)
		checkDownload(t, r, "winget "+goarch, url, sum, "windows", goarch)
		nestedType := in["NestedInstallerType"]
		if nestedType == nil {
			nestedType = inst["NestedInstallerType"]
		}
		nested := in["NestedInstallerFiles"]
		if nested == nil {
			nested = inst["NestedInstallerFiles"]
		}
		files, _ := nested.([]any)
		if nestedType != "portable" || len(files) != 1 || files[0].(map[string]any)["RelativeFilePath"] != name+".exe" {
			t.Errorf("winget %s: nested installer %v %v, want one portable %s.exe", goarch, nestedType, nested, name)
		}
	}
	if !seen["amd64"] || !seen["arm64"] {
		t.Errorf("winget installers cover %v, want amd64 and arm64", seen)
	}
	if it := inst["InstallerType"]; it != "zip" {
		t.Errorf("winget InstallerType %v, want zip", it)
	}
}

// TestReadmeInstallLines: the README's install commands name the tap,
// bucket and winget identifier the release publishes to (GoReleaser's
// effective configuration, dist/config.yaml), so the two cannot drift.
func TestReadmeInstallLines(t *testing.T) {
	r := load(t)
	data, err := os.ReadFile(filepath.Join(r.dist, "config.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	type repo struct{ Owner, Name string }
	var cfg struct {
		Brews []struct {
			Name       string
			Repository repo
		}
		Scoops []struct {
			Name       string
			Repository repo
		}
		Winget []struct {
			PackageIdentifier string `yaml:"package_identifier"`
		}
	}
	if err := yaml.Unmarshal(data, &cfg); err != nil {
		t.Fatalf("dist/config.yaml: %v", err)
	}
	if len(cfg.Brews) != 1 || len(cfg.Scoops) != 1 || len(cfg.Winget) != 1 {
		t.Fatalf("config.yaml has %d brews, %d scoops, %d winget entries; want one each", len(cfg.Brews), len(cfg.Scoops), len(cfg.Winget))
	}
	readme, err := os.ReadFile(filepath.Join(r.root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	b, s := cfg.Brews[0], cfg.Scoops[0]
	for _, want := range []string{
		// brew's owner/tap/formula names the repository owner/homebrew-tap.
		"brew install " + b.Repository.Owner + "/" + strings.TrimPrefix(b.Repository.Name, "homebrew-") + "/" + b.Name,
		"scoop bucket add posit https://github.com/" + s.Repository.Owner + "/" + s.Repository.Name + "; scoop install " + s.Name,
		"winget install " + cfg.Winget[0].PackageIdentifier,
		"releases/latest/download/install.sh",
		"releases/latest/download/install.ps1",
		"go install github.com/posit-dev/git-credential-ppm@latest",
	} {
		if !strings.Contains(string(readme), want) {
			t.Errorf("README.md does not say %q", want)
		}
	}
	if !strings.HasPrefix(b.Repository.Name, "homebrew-") {
		t.Errorf("the tap repository %q does not start with homebrew-, so `brew install owner/tap/…` cannot find it", b.Repository.Name)
	}
}
