package governance

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"regexp"
	"strings"
)

var teamNameRE = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$`)

// ValidateTeamName checks a team name: 1 to 32 lowercase letters, digits and hyphens,
// starting and ending with a letter or digit. Every name bedgov derives from it
// (bedgov-<team>-degraded profiles, bedgov-<team>-invoke policies, budget and alarm
// names, DynamoDB keys) then fits AWS's limits.
func ValidateTeamName(name string) error {
	if !teamNameRE.MatchString(name) {
		return fmt.Errorf("invalid team name %q: use 1 to 32 lowercase letters, digits and hyphens, starting and ending with a letter or digit", name)
	}
	return nil
}

// PrincipalKey normalises an IAM principal ARN to the form the cap record's identity
// index uses, so that the role ARN Terraform knows and the caller ARN a function URL
// reports meet:
//
//	arn:aws:iam::111122223333:role/path/Name          -> arn:aws:iam::111122223333:role/Name
//	arn:aws:sts::111122223333:assumed-role/Name/sess  -> arn:aws:iam::111122223333:role/Name
//	arn:aws:iam::111122223333:user/path/Name          -> arn:aws:iam::111122223333:user/Name
//	arn:aws:iam::111122223333:root                    -> unchanged
//
// Role and user names are unique per account regardless of path, so dropping the path
// is safe. Group ARNs are not callers (a request is made by a role or a user) and are
// refused: list the roles and users of a team in the cap record.
func PrincipalKey(arn string) (string, error) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[1] == "" || parts[3] != "" || len(parts[4]) != 12 {
		return "", fmt.Errorf("invalid IAM principal ARN %q", arn)
	}
	partition, service, account, res := parts[1], parts[2], parts[4], parts[5]
	base := "arn:" + partition + ":iam::" + account + ":"
	switch service {
	case "iam":
		if res == "root" {
			return base + "root", nil
		}
		kind, rest, ok := strings.Cut(res, "/")
		if !ok || rest == "" || (kind != "role" && kind != "user") {
			return "", fmt.Errorf("unsupported IAM principal %q: want a role or user ARN", arn)
		}
		name := rest[strings.LastIndexByte(rest, '/')+1:]
		if name == "" {
			return "", fmt.Errorf("invalid IAM principal ARN %q", arn)
		}
		return base + kind + "/" + name, nil
	case "sts":
		kind, rest, ok := strings.Cut(res, "/")
		if !ok || kind != "assumed-role" {
			return "", fmt.Errorf("unsupported STS principal %q: want an assumed-role ARN", arn)
		}
		name, _, _ := strings.Cut(rest, "/")
		if name == "" {
			return "", fmt.Errorf("invalid assumed-role ARN %q", arn)
		}
		return base + "role/" + name, nil
	}
	return "", fmt.Errorf("invalid IAM principal ARN %q", arn)
}

// HashAPIKey is the only form in which an API key is stored: lowercase hex SHA-256 of
// the key's bytes.
func HashAPIKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

// GenerateAPIKey returns a new random API key for a team: 256 bits, URL-safe, behind
// the prefix "bgk_" that makes a leaked key easy to recognise (and to scan for).
func GenerateAPIKey() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return "bgk_" + base64.RawURLEncoding.EncodeToString(b), nil
}
