// Package tomlfile reads and writes TOML documents as generic Go values,
// for tokens.toml, the file the file store shares with pak, posit-keyring
// and rspm. It decodes every document TOML 1.0 allows, and what TOML 1.1
// adds (newlines and a trailing comma in inline tables, \e and \xHH
// escapes, times without seconds), because the library the store used
// before accepted those too, and a file another tool wrote must never be
// refused or mangled.
//
// Values decode as:
//
//	string                            string
//	integer                           int64
//	float                             float64
//	boolean                           bool
//	offset date-time                  time.Time (time.UTC for a zero offset)
//	local date-time, date, time       LocalDateTime, LocalDate, LocalTime
//	array                             []any
//	inline table, [table]             map[string]any
//	[[array of tables]]               []map[string]any
//
// Encode writes such values back: keys sorted, a table's plain values
// before its sub-tables, arrays of tables as [[name]] sections.
//
// The package exists so that the binary links no reflection-driven
// decoder and no package that reads the local time zone at start: a git
// request answered from the file store decodes the file once, with a few
// allocations per entry, and never asks what time it is.
package tomlfile
