package artifact_test

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"errors"
	"io"
	"testing"

	"github.com/bedgov/terraform-provider-bedgov/internal/enforcer/artifact"
)

// The packages `make test` builds first are valid Lambda zips for provided.al2023: one
// executable "bootstrap" for the right machine, a fixed timestamp, within the size goal.
func TestArtifacts(t *testing.T) {
	t.Parallel()
	machines := map[string]elf.Machine{artifact.ArchARM64: elf.EM_AARCH64, artifact.ArchX8664: elf.EM_X86_64}
	for _, arch := range artifact.Architectures {
		a, err := artifact.Get(arch)
		if err != nil {
			t.Fatalf("%s: %v", arch, err)
		}
		z, err := a.Zip()
		if err != nil {
			t.Fatalf("%s: %v", arch, err)
		}
		if len(z) > 8<<20 {
			t.Errorf("%s: zip is %d bytes, over the 8 MB goal", arch, len(z))
		}
		if sum := sha256.Sum256(z); hex.EncodeToString(sum[:]) != a.SHA256 {
			t.Errorf("%s: the digest %s is not the zip's (%x)", arch, a.SHA256, sum)
		}
		zr, err := zip.NewReader(bytes.NewReader(z), int64(len(z)))
		if err != nil {
			t.Fatalf("%s: %v", arch, err)
		}
		if len(zr.File) != 1 || zr.File[0].Name != "bootstrap" || zr.File[0].Mode().Perm() != 0o755 || zr.File[0].Modified.Year() != 2020 {
			t.Fatalf("%s: zip holds %+v", arch, zr.File)
		}
		rc, err := zr.File[0].Open()
		if err != nil {
			t.Fatal(err)
		}
		bin, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		f, err := elf.NewFile(bytes.NewReader(bin))
		if err != nil {
			t.Fatalf("%s: bootstrap is not an ELF binary: %v", arch, err)
		}
		if f.Machine != machines[arch] || f.OSABI != elf.ELFOSABI_NONE && f.OSABI != elf.ELFOSABI_LINUX {
			t.Errorf("%s: bootstrap is for %v", arch, f.Machine)
		}
		if len(a.SHA256) != 64 || a.CodeSHA256 == "" {
			t.Errorf("%s: digests %q %q", arch, a.SHA256, a.CodeSHA256)
		}
	}
}

func TestUnknownArchitecture(t *testing.T) {
	t.Parallel()
	if _, err := artifact.Get("sparc"); err == nil || errors.Is(err, artifact.ErrMissing) {
		t.Fatalf("err = %v, want an unknown-architecture error", err)
	}
}
