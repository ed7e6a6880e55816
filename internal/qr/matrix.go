package qr

// alignment lists the centres of the alignment patterns per version (both
// rows and columns); version 1 has none.
var alignment = [MaxVersion][]int{
	nil, {6, 18}, {6, 22}, {6, 26}, {6, 30}, {6, 34},
	{6, 22, 38}, {6, 24, 42}, {6, 26, 46}, {6, 28, 50},
}

// matrix is a symbol under construction: its modules and which of them
// belong to function patterns (finder, timing, alignment, format and
// version information), which data and masks never touch.
type matrix struct {
	size     int
	dark     []bool
	function []bool
}

func (m *matrix) set(x, y int, dark bool) {
	m.dark[y*m.size+x] = dark
	m.function[y*m.size+x] = true
}

func (m *matrix) get(x, y int) bool { return m.dark[y*m.size+x] }

// newMatrix lays out a symbol: function patterns, then the codewords, then
// the mask (the given one, or the one with the lowest penalty for -1) and
// the format information naming it.
func newMatrix(version int, level Level, words []byte, mask int) *Code {
	size := 17 + 4*version
	m := &matrix{size: size, dark: make([]bool, size*size), function: make([]bool, size*size)}
	m.drawFunctionPatterns(version)
	m.drawFormat(level, 0) // reserves the format area before the data goes in
	m.placeData(words)
	if mask < 0 {
		best := -1
		for k := 0; k < 8; k++ {
			m.applyMask(k)
			m.drawFormat(level, k)
			if p := m.penalty(); best < 0 || p < best {
				best, mask = p, k
			}
			m.applyMask(k) // masks are their own inverse
		}
	}
	m.applyMask(mask)
	m.drawFormat(level, mask)
	return &Code{Version: version, Level: level, Mask: mask, Size: size, dark: m.dark}
}

func (m *matrix) drawFunctionPatterns(version int) {
	for i := 0; i < m.size; i++ {
		m.set(6, i, i%2 == 0)
		m.set(i, 6, i%2 == 0)
	}
	m.drawFinder(3, 3)
	m.drawFinder(m.size-4, 3)
	m.drawFinder(3, m.size-4)
	pos := alignment[version-1]
	for i, cx := range pos {
		for j, cy := range pos {
			corner := (i == 0 && j == 0) || (i == 0 && j == len(pos)-1) || (i == len(pos)-1 && j == 0)
			if !corner {
				m.drawAlignment(cx, cy)
			}
		}
	}
	if version >= 7 {
		rem := version
		for i := 0; i < 12; i++ {
			rem = rem<<1 ^ (rem>>11)*0x1F25
		}
		bits := version<<12 | rem
		for i := 0; i < 18; i++ {
			dark := bits>>uint(i)&1 == 1
			a, b := m.size-11+i%3, i/3
			m.set(a, b, dark)
			m.set(b, a, dark)
		}
	}
}

// drawFinder draws a finder pattern centred on (cx, cy) with its light
// separator, clipped at the symbol's edges.
func (m *matrix) drawFinder(cx, cy int) {
	for dy := -4; dy <= 4; dy++ {
		for dx := -4; dx <= 4; dx++ {
			x, y := cx+dx, cy+dy
			if x < 0 || y < 0 || x >= m.size || y >= m.size {
				continue
			}
			d := max(abs(dx), abs(dy))
			m.set(x, y, d != 2 && d != 4)
		}
	}
}

func (m *matrix) drawAlignment(cx, cy int) {
	for dy := -2; dy <= 2; dy++ {
		for dx := -2; dx <= 2; dx++ {
			m.set(cx+dx, cy+dy, max(abs(dx), abs(dy)) != 1)
		}
	}
}

// drawFormat writes the 15 format bits (level and mask, BCH-protected) in
// both of their places, and the module that is always dark.
func (m *matrix) drawFormat(level Level, mask int) {
	levelBits := map[Level]int{L: 1, M: 0}[level]
	data := levelBits<<3 | mask
	rem := data
	for i := 0; i < 10; i++ {
		rem = rem<<1 ^ (rem>>9)*0x537
	}
	bits := (data<<10 | rem) ^ 0x5412
	bit := func(i int) bool { return bits>>uint(i)&1 == 1 }
	for i := 0; i <= 5; i++ {
		m.set(8, i, bit(i))
	}
	m.set(8, 7, bit(6))
	m.set(8, 8, bit(7))
	m.set(7, 8, bit(8))
	for i := 9; i < 15; i++ {
		m.set(14-i, 8, bit(i))
	}
	for i := 0; i < 8; i++ {
		m.set(m.size-1-i, 8, bit(i))
	}
	for i := 8; i < 15; i++ {
		m.set(8, m.size-15+i, bit(i))
	}
	m.set(8, m.size-8, true)
}

// placeData fills the non-function modules with the codewords' bits, most
// significant first, in two-column strips zigzagging up and down from the
// bottom right, skipping the vertical timing pattern. Leftover modules
// (remainder bits) stay light.
func (m *matrix) placeData(words []byte) {
	i := 0
	for right := m.size - 1; right >= 1; right -= 2 {
		if right == 6 {
			right = 5
		}
		upward := (right+1)&2 == 0
		for vert := 0; vert < m.size; vert++ {
			y := vert
			if upward {
				y = m.size - 1 - vert
			}
			for j := 0; j < 2; j++ {
				x := right - j
				if m.function[y*m.size+x] || i >= len(words)*8 {
					continue
				}
				m.dark[y*m.size+x] = words[i/8]>>uint(7-i%8)&1 == 1
				i++
			}
		}
	}
}

// masked reports whether mask pattern k inverts the module at column x, row y.
func masked(k, x, y int) bool {
	switch k {
	case 0:
		return (x+y)%2 == 0
	case 1:
		return y%2 == 0
	case 2:
		return x%3 == 0
	case 3:
		return (x+y)%3 == 0
	case 4:
		return (x/3+y/2)%2 == 0
	case 5:
		return x*y%2+x*y%3 == 0
	case 6:
		return (x*y%2+x*y%3)%2 == 0
	default:
		return ((x+y)%2+x*y%3)%2 == 0
	}
}

func (m *matrix) applyMask(k int) {
	for y := 0; y < m.size; y++ {
		for x := 0; x < m.size; x++ {
			if !m.function[y*m.size+x] && masked(k, x, y) {
				m.dark[y*m.size+x] = !m.dark[y*m.size+x]
			}
		}
	}
}

// penalty scores the symbol by the standard's four rules: runs of five or
// more same-coloured modules in a row or column (3 + run−5 each), 2×2
// same-coloured blocks (3 each), finder-like 1:1:3:1:1 patterns with four
// light modules on one side, the area beyond the symbol counting as light
// (40 each), and the share of dark modules far from half (10 per 5%).
func (m *matrix) penalty() int {
	p := 0
	for i := 0; i < m.size; i++ {
		p += m.linePenalty(func(j int) bool { return m.get(j, i) })
		p += m.linePenalty(func(j int) bool { return m.get(i, j) })
	}
	dark := 0
	for y := 0; y < m.size; y++ {
		for x := 0; x < m.size; x++ {
			c := m.get(x, y)
			if c {
				dark++
			}
			if x+1 < m.size && y+1 < m.size && c == m.get(x+1, y) && c == m.get(x, y+1) && c == m.get(x+1, y+1) {
				p += 3
			}
		}
	}
	total := m.size * m.size
	return p + 10*(abs(20*dark-10*total)/total)
}

// linePenalty scores one row or column (at(j) is its j-th module) for
// runs and finder-like patterns.
func (m *matrix) linePenalty(at func(int) bool) int {
	p := 0
	run := 0
	for j := 0; j < m.size; j++ {
		if j > 0 && at(j) == at(j-1) {
			run++
		} else {
			run = 1
		}
		if run == 5 {
			p += 3
		} else if run > 5 {
			p++
		}
	}
	lit := func(j int) bool { return j >= 0 && j < m.size && at(j) }
	finder := [7]bool{true, false, true, true, true, false, true}
	for j := 0; j+7 <= m.size; j++ {
		match := true
		for k, want := range finder {
			if lit(j+k) != want {
				match = false
				break
			}
		}
		if !match {
			continue
		}
		before, after := true, true
		for k := 1; k <= 4; k++ {
			before = before && !lit(j-k)
			after = after && !lit(j+6+k)
		}
		if before || after {
			p += 40
		}
	}
	return p
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}
