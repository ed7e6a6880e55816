package platform_test

import (
	"path/filepath"
	"testing"

	"github.com/posit-dev/git-credential-ppm/platform"
	"github.com/posit-dev/git-credential-ppm/platform/storetest"
)

func TestFileStoreConformance(t *testing.T) {
	dir := storetest.SharedDir(t, "PPM_TEST_FILE_STORE_DIR")
	storetest.Run(t, func(t *testing.T) platform.Store {
		return platform.NewFileStore(filepath.Join(dir, ".ppm", "tokens.toml"))
	})
}
