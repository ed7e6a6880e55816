package clients

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// What one pip says about itself, for doctor URL's pip rules (rules_pip.go):
// its configuration (`pip config debug`) and the keyring its own Python can
// import, probed at once.

// pipSetting is one value of pip's configuration and where it comes from.
type pipSetting struct {
	value   string
	env     string // the PIP_* variable it came from, or ""
	file    string // else the file
	section string // and its section ([global] or [install])
}

// origin names where the value comes from.
func (s pipSetting) origin() string {
	if s.env != "" {
		return s.env
	}
	return s.file + " [" + s.section + "]"
}

// pipConfig is pip's configuration as `pip config debug` lists it.
type pipConfig struct {
	env   map[string]string // PIP_* variable → value
	files []pipConfigFile   // in pip's override order, lowest first
}

type pipConfigFile struct {
	path   string
	exists bool
	values map[string]string // "global.index-url" → value
}

// pipVariantRank is pip's override order (configuration.py OVERRIDE_ORDER):
// global (system) < user < site < env (PIP_CONFIG_FILE).
var pipVariantRank = map[string]int{"global": 0, "user": 1, "site": 2, "env": 3}

// parsePipConfigDebug reads `pip config debug`.
func parsePipConfigDebug(out string) pipConfig {
	c := pipConfig{env: map[string]string{}}
	variant := ""
	byRank := map[int][]pipConfigFile{}
	var cur *pipConfigFile
	for _, line := range strings.Split(out, "\n") {
		trimmed := strings.TrimSpace(line)
		if trimmed == "" {
			continue
		}
		indent := len(line) - len(strings.TrimLeft(line, " "))
		switch {
		case indent == 0 && strings.HasSuffix(trimmed, ":"):
			variant = strings.TrimSuffix(trimmed, ":")
			cur = nil
		case variant == "env_var" && indent > 0:
			k, v, ok := strings.Cut(trimmed, "=")
			if ok {
				c.env[k] = unquotePy(v)
			}
		case indent == 2:
			path, exists, _ := strings.Cut(trimmed, ", exists: ")
			rank, ok := pipVariantRank[variant]
			if !ok {
				continue
			}
			byRank[rank] = append(byRank[rank], pipConfigFile{path: path, exists: exists == "True", values: map[string]string{}})
			list := byRank[rank]
			cur = &list[len(list)-1]
		case indent > 2 && cur != nil:
			k, v, ok := strings.Cut(trimmed, ": ")
			if ok {
				cur.values[k] = v
			}
		}
	}
	for r := 0; r < 4; r++ {
		c.files = append(c.files, byRank[r]...)
	}
	return c
}

// unquotePy takes the quotes off a Python repr of a string.
func unquotePy(s string) string {
	if len(s) >= 2 && (s[0] == '\'' || s[0] == '"') && s[len(s)-1] == s[0] {
		return s[1 : len(s)-1]
	}
	return s
}

// sources names the files that exist and the PIP_* variables set.
func (c pipConfig) sources() string {
	var out []string
	for _, f := range c.files {
		if f.exists {
			out = append(out, f.path)
		}
	}
	for k := range c.env {
		out = append(out, k)
	}
	if len(out) == 0 {
		return "no configuration file, no PIP_* variable"
	}
	slices.Sort(out[len(out)-len(c.env):])
	return strings.Join(out, ", ")
}

// get is the value pip install uses for key: the PIP_* variable, else
// [install] in any file, else [global] (a later file overriding an
// earlier one), as pip's option parser orders them.
func (c pipConfig) get(key string) (pipSetting, bool) {
	if v, ok := c.env["PIP_"+strings.ToUpper(strings.ReplaceAll(key, "-", "_"))]; ok {
		return pipSetting{value: v, env: "PIP_" + strings.ToUpper(strings.ReplaceAll(key, "-", "_"))}, true
	}
	for _, section := range []string{"install", "global"} {
		for i := len(c.files) - 1; i >= 0; i-- {
			if v, ok := c.files[i].values[section+"."+key]; ok {
				return pipSetting{value: v, file: c.files[i].path, section: section}, true
			}
		}
	}
	return pipSetting{}, false
}

// boolValue reads a pip boolean option as pip's strtobool does.
func boolValue(v string) bool {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "1", "y", "yes", "t", "true", "on":
		return true
	}
	return false
}

// fixSetting is the fix that makes key's value want: the line to change
// in the file it comes from, or the variable to export.
func fixSetting(s pipSetting, key, want string) string {
	if s.env != "" {
		return "export " + s.env + "=" + want
	}
	lines, _, _ := readLines(s.file)
	if idx, _ := findKey(lines, s.section, key); idx >= 0 {
		return "change line " + strconv.Itoa(idx+1) + " of " + s.file + " to: " + key + " = " + want
	}
	return "in " + s.file + " under [" + s.section + "] set: " + key + " = " + want
}

// pipProbe is what one pip's own Python says about its keyring.
type pipProbe struct {
	config pipConfig
	py     pyKeyringState
	pyErr  error
}

// pipPython is the interpreter a pip runs in: argv[0] of `python -m pip`,
// the #! interpreter of a pip script, else what `pip debug` says.
func pipPython(e *Env, pi pipInstall) string {
	if len(pi.argv) > 1 {
		return pi.argv[0]
	}
	if f, err := os.Open(pi.argv[0]); err == nil {
		buf := make([]byte, 256)
		n, _ := f.Read(buf)
		f.Close()
		line, _, _ := strings.Cut(string(buf[:n]), "\n")
		if rest, ok := strings.CutPrefix(line, "#!"); ok && strings.Contains(rest, "python") {
			fields := strings.Fields(rest)
			if len(fields) >= 2 && filepath.Base(fields[0]) == "env" {
				return e.LookPath(fields[1])
			}
			if len(fields) >= 1 {
				return fields[0]
			}
		}
	}
	out, err := e.output(pi.argv[0], "debug")
	if err != nil {
		return ""
	}
	for _, l := range strings.Split(string(out), "\n") {
		if v, ok := strings.CutPrefix(l, "sys.executable: "); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// probePip reads a pip's configuration and its Python's keyring, at once.
func probePip(e *Env, pi pipInstall) pipProbe {
	var p pipProbe
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		out, _ := e.output(pi.argv[0], append(pi.argv[1:], "config", "debug")...)
		p.config = parsePipConfigDebug(string(out))
	}()
	go func() {
		defer wg.Done()
		py := pipPython(e, pi)
		if py == "" {
			return
		}
		out, err := e.output(py, "-c", pyKeyringProbe)
		if err != nil {
			p.pyErr = err
			return
		}
		p.pyErr = json.Unmarshal(out, &p.py)
	}()
	wg.Wait()
	return p
}
