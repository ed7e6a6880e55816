package tomlfile

import (
	"strings"
)

// This file builds the document: tables, arrays of tables and the rules
// for defining each key once.

// kind is how a table came to be, which decides what may still add to it.
type kind uint8

const (
	kindImplicit kind = iota // a parent named by a [header] or [[header]]: may be defined once later
	kindDefined              // [header], an element of [[header]], or the root
	kindDotted               // created by a dotted key: further dotted keys may add to it
	kindArray                // an array of tables: [[header]] appends to it
)

// table is a table while the document is read. Its values live in m,
// the map Decode returns; kids holds the tables below it that headers or
// dotted keys may still reach. A key in m without a kid is a value
// (inline tables and arrays included): nothing may add to it.
type table struct {
	m     map[string]any
	kids  map[string]*table
	kind  kind
	elems []*table         // kindArray: the elements
	list  []map[string]any // kindArray: their maps, as m holds them
	depth int              // tables between it and the root, itself included
}

func newTable(k kind, depth int) *table { return &table{m: map[string]any{}, kind: k, depth: depth} }

// maxTableDepth bounds how deep tables nest (headers, dotted keys and
// inline tables together): Encode writes a header with the whole path for
// each level, so a 16 MiB chain of dotted keys would be written out as
// gigabytes.
const maxTableDepth = 100

// checkDepth refuses a table depth levels below the root.
func (p *parser) checkDepth(at, depth int) {
	if depth > maxTableDepth {
		p.fail(at, errLimit, "tables are nested over %d deep", maxTableDepth)
	}
}

func (t *table) addKid(name string, k *table) {
	if t.kids == nil {
		t.kids = map[string]*table{}
	}
	t.kids[name] = k
	if k.kind == kindArray {
		t.m[name] = k.list
	} else {
		t.m[name] = k.m
	}
}

// Decode parses data, a whole TOML document. A UTF-8 byte order mark is
// skipped (a UTF-16 one too, as the decoder the file store used before
// did; what follows must still be UTF-8). Errors are *ParseError.
func Decode(data []byte) (doc map[string]any, err error) {
	src := string(data)
	for _, bom := range []string{"\xef\xbb\xbf", "\xff\xfe", "\xfe\xff"} {
		if strings.HasPrefix(src, bom) {
			src = src[len(bom):]
			break
		}
	}
	p := &parser{src: src}
	defer func() {
		if r := recover(); r != nil {
			perr, ok := r.(*ParseError)
			if !ok {
				panic(r)
			}
			doc, err = nil, perr
		}
	}()
	return p.document(), nil
}

func (p *parser) document() map[string]any {
	root := newTable(kindDefined, 0)
	cur := root
	var parts []string
	for {
		p.skipSpace()
		switch c := p.peek(); {
		case p.eof():
			return root.m
		case c == '#':
			p.comment()
			p.lineEnd()
		case c == '\n' || c == '\r':
			p.lineEnd()
		case c == '[':
			cur = p.header(root, &parts)
			p.lineEnd()
		default:
			p.keyValue(cur, &parts)
			p.lineEnd()
		}
	}
}

// header reads [a.b] or [[a.b]] and returns the table that the
// following keys go into.
func (p *parser) header(root *table, parts *[]string) *table {
	at := p.pos
	array := strings.HasPrefix(p.src[p.pos:], "[[")
	p.pos++
	if array {
		p.pos++
	}
	*parts = p.key(*parts)
	names := *parts
	closing := "]"
	if array {
		closing = "]]"
	}
	if !strings.HasPrefix(p.src[p.pos:], closing) {
		p.fail(p.pos, errSyntax, "expected %s to end the table header, found %s", closing, p.what())
	}
	p.pos += len(closing)
	p.checkDepth(at, len(names))

	t := root
	for i, name := range names[:len(names)-1] {
		kid := t.kids[name]
		switch {
		case kid == nil && t.m[name] != nil:
			p.fail(at, errRedefine, "Key '%s' is a value, not a table, so the header cannot add to it", join(names[:i+1]))
		case kid == nil:
			kid = newTable(kindImplicit, i+1)
			t.addKid(name, kid)
		case kid.kind == kindArray:
			kid = kid.elems[len(kid.elems)-1]
		}
		t = kid
	}
	last := names[len(names)-1]
	kid, value := t.kids[last], t.m[last]
	if array {
		switch {
		case kid == nil && value == nil:
			kid = &table{kind: kindArray}
			t.addKid(last, kid)
		case kid == nil || kid.kind != kindArray:
			p.fail(at, errRedefine, "Key '%s' has already been defined, so it cannot be an array of tables", join(names))
		}
		e := newTable(kindDefined, len(names))
		kid.elems = append(kid.elems, e)
		kid.list = append(kid.list, e.m)
		t.m[last] = kid.list
		return e
	}
	switch {
	case kid == nil && value == nil:
		kid = newTable(kindDefined, len(names))
		t.addKid(last, kid)
	case kid != nil && kid.kind == kindImplicit:
		kid.kind = kindDefined
	default:
		p.fail(at, errRedefine, "Key '%s' has already been defined.", join(names))
	}
	return kid
}

func join(names []string) string { return strings.Join(names, ".") }

// keyValue reads key = value into t.
func (p *parser) keyValue(t *table, parts *[]string) {
	at := p.pos
	*parts = p.key(*parts)
	names := *parts
	if p.peek() != '=' {
		p.fail(p.pos, errSyntax, "expected '=' after the key, found %s", p.what())
	}
	p.pos++
	p.skipSpace()
	p.checkDepth(at, t.depth+len(names))
	for i, name := range names[:len(names)-1] {
		kid := t.kids[name]
		switch {
		case kid == nil && t.m[name] != nil:
			p.fail(at, errRedefine, "Key '%s' is a value, not a table, so a dotted key cannot add to it", join(names[:i+1]))
		case kid == nil:
			kid = newTable(kindDotted, t.depth+1)
			t.addKid(name, kid)
		case kid.kind != kindDotted:
			p.fail(at, errRedefine, "Key '%s' has already been defined as a table, so a dotted key cannot add to it", join(names[:i+1]))
		}
		t = kid
	}
	last := names[len(names)-1]
	if _, ok := t.m[last]; ok {
		p.fail(at, errRedefine, "Key '%s' has already been defined.", join(names))
	}
	t.m[last] = p.value(t.depth + 1) // inline tables in it read their keys into parts of their own
}

// value reads any value; a table in it would be depth levels below the
// root.
func (p *parser) value(depth int) any {
	switch c := p.peek(); {
	case c == '"':
		if strings.HasPrefix(p.src[p.pos:], `"""`) {
			return p.multiline('"', true)
		}
		return p.basicString()
	case c == '\'':
		if strings.HasPrefix(p.src[p.pos:], `'''`) {
			return p.multiline('\'', false)
		}
		return p.literalString()
	case c == '[':
		return p.array(depth)
	case c == '{':
		return p.inlineTable(depth)
	case strings.HasPrefix(p.src[p.pos:], "true"):
		p.pos += 4
		return true
	case strings.HasPrefix(p.src[p.pos:], "false"):
		p.pos += 5
		return false
	case c >= '0' && c <= '9' || c == '+' || c == '-' || c == 'i' || c == 'n':
		return p.numberOrDate()
	}
	p.fail(p.pos, errSyntax, "expected a value, found %s (a string needs quotes)", p.what())
	return nil
}

func (p *parser) array(depth int) []any {
	p.enter()
	defer p.leave()
	p.pos++
	list := make([]any, 0, 2)
	for {
		p.skipBlank()
		if p.peek() == ']' {
			p.pos++
			return list
		}
		list = append(list, p.value(depth))
		p.skipBlank()
		switch p.peek() {
		case ',':
			p.pos++
		case ']':
			p.pos++
			return list
		default:
			p.fail(p.pos, errSyntax, "expected ',' or ']' in the array, found %s", p.what())
		}
	}
}

func (p *parser) inlineTable(depth int) map[string]any {
	p.enter()
	defer p.leave()
	p.pos++
	t := newTable(kindDefined, depth)
	var parts []string
	for {
		p.skipBlank()
		if p.peek() == '}' {
			p.pos++
			return t.m
		}
		p.keyValue(t, &parts)
		p.skipBlank()
		switch p.peek() {
		case ',':
			p.pos++
		case '}':
			p.pos++
			return t.m
		default:
			p.fail(p.pos, errSyntax, "expected ',' or '}' in the inline table, found %s", p.what())
		}
	}
}
