package platform

// FileStore keeps tokens in tokens.toml (the [[connections]] schema that pak,
// posit-keyring and rspm share). Placeholder: the real implementation replaces
// this file.
type FileStore struct {
	path   string
	reason string // why auto fell back to this store, if it did
}

// NewFileStore returns the file store kept at path.
func NewFileStore(path string) *FileStore { return &FileStore{path: path} }

func (f *FileStore) Get(address string) (string, error) { return "", ErrNotFound }
func (f *FileStore) Set(address, token string) error    { return nil }
func (f *FileStore) Delete(address string) error        { return ErrNotFound }
func (f *FileStore) Name() string                       { return "file" }
func (f *FileStore) Describe() string                   { return "file (" + f.path + ")" }
