package e2e

// The exit statuses every command documents (README, "Exit status"): the
// black box checks the contract, not the CLI's constants.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

// statusJSON is the part of `status --json` the tests read, as a script
// would: the documented field names, decoded from the binary's output.
type statusJSON struct {
	Configured    bool   `json:"configured"`
	AddressSource string `json:"address_source"`
	ConfigFile    string `json:"config_file"`
	Addresses     []struct {
		Address     string `json:"address"`
		Store       string `json:"store"`
		Source      string `json:"source"`
		Subject     string `json:"subject"`
		Valid       bool   `json:"valid"`
		RenewDue    bool   `json:"renew_due"`
		SecondsLeft *int64 `json:"seconds_left"`
	} `json:"addresses"`
}
