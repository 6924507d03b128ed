package audit

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// A Checkpoint is a signed statement of the audit chain's head: "entry Seq
// had hash Head at time At", signed with an Ed25519 key that lives outside
// the database, as certificate transparency logs sign their tree heads.
// Someone who can rewrite the database cannot forge a checkpoint without
// the key, so a checkpoint kept outside the database shows whether the
// chain was later truncated below Seq or rewritten up to Seq. It proves
// nothing about entries after Seq.
type Checkpoint struct {
	Seq       int64     `json:"seq"`
	Head      string    `json:"head"`
	At        time.Time `json:"at"`
	KeyID     string    `json:"key_id"`
	Signature string    `json:"signature"` // base64 Ed25519 over SignedBytes
}

// SignedBytes is the exact message a checkpoint's signature covers.
func (c Checkpoint) SignedBytes() []byte {
	return []byte("clinsafe audit checkpoint v1\n" + strconv.FormatInt(c.Seq, 10) + "\n" + c.Head + "\n" +
		c.At.UTC().Format(time.RFC3339Nano) + "\n" + c.KeyID + "\n")
}

// KeyID names a public key: the first 16 hex digits of its SHA-256.
func KeyID(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return hex.EncodeToString(sum[:8])
}

// Sign returns a checkpoint of the chain head (seq, head) at time at.
func Sign(key ed25519.PrivateKey, seq int64, head string, at time.Time) Checkpoint {
	c := Checkpoint{Seq: seq, Head: head, At: at.UTC(), KeyID: KeyID(key.Public().(ed25519.PublicKey))}
	c.Signature = base64.StdEncoding.EncodeToString(ed25519.Sign(key, c.SignedBytes()))
	return c
}

// Verify checks the checkpoint's signature with pub.
func (c Checkpoint) Verify(pub ed25519.PublicKey) error {
	if c.KeyID != KeyID(pub) {
		return fmt.Errorf("checkpoint was signed with key %s, not with this key (%s)", c.KeyID, KeyID(pub))
	}
	sig, err := base64.StdEncoding.DecodeString(c.Signature)
	if err != nil || !ed25519.Verify(pub, c.SignedBytes(), sig) {
		return errors.New("checkpoint signature is not valid (the checkpoint was altered or forged)")
	}
	return nil
}

// GenerateKey writes a new Ed25519 private key to path (PEM, PKCS #8, mode
// 0600) and its public key to path + ".pub". It refuses to replace an
// existing key: checkpoints signed with it could no longer be checked.
func GenerateKey(path string) (ed25519.PrivateKey, error) {
	if _, err := os.Stat(path); err == nil {
		return nil, fmt.Errorf("audit: key file %s already exists; remove it first if you really mean to replace it (its checkpoints will no longer verify)", path)
	}
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("audit: generate key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("audit: encode key: %w", err)
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("audit: key directory: %w", err)
		}
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("audit: write key: %w", err)
	}
	if err := pem.Encode(f, &pem.Block{Type: "PRIVATE KEY", Bytes: der}); err != nil {
		f.Close()
		return nil, fmt.Errorf("audit: write key: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("audit: write key: %w", err)
	}
	pubDER, err := x509.MarshalPKIXPublicKey(key.Public())
	if err != nil {
		return nil, fmt.Errorf("audit: encode public key: %w", err)
	}
	if err := os.WriteFile(path+".pub", pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER}), 0o644); err != nil {
		return nil, fmt.Errorf("audit: write public key: %w", err)
	}
	return key, nil
}

// LoadKey reads the private key at path, generating it first when create
// is true and there is no file yet. created reports a new key.
func LoadKey(path string, create bool) (key ed25519.PrivateKey, created bool, err error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) && create {
		key, err = GenerateKey(path)
		return key, err == nil, err
	}
	if err != nil {
		return nil, false, fmt.Errorf("audit: read key: %w", err)
	}
	blk, _ := pem.Decode(b)
	if blk == nil || blk.Type != "PRIVATE KEY" {
		return nil, false, fmt.Errorf("audit: %s is not a PEM private key (make one with 'clinsafe audit keygen')", path)
	}
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		return nil, false, fmt.Errorf("audit: %s: %w", path, err)
	}
	ek, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, false, fmt.Errorf("audit: %s is not an Ed25519 key", path)
	}
	return ek, false, nil
}

// LoadPublicKey reads a public key for checking checkpoints from path,
// which may hold the PEM public key (the .pub file) or the private key.
func LoadPublicKey(path string) (ed25519.PublicKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("audit: read key: %w", err)
	}
	blk, _ := pem.Decode(b)
	if blk != nil && blk.Type == "PUBLIC KEY" {
		k, err := x509.ParsePKIXPublicKey(blk.Bytes)
		if err != nil {
			return nil, fmt.Errorf("audit: %s: %w", path, err)
		}
		pub, ok := k.(ed25519.PublicKey)
		if !ok {
			return nil, fmt.Errorf("audit: %s is not an Ed25519 key", path)
		}
		return pub, nil
	}
	key, _, err := LoadKey(path, false)
	if err != nil {
		return nil, err
	}
	return key.Public().(ed25519.PublicKey), nil
}

// checkpointPrefix starts every checkpoint file name; the sequence number
// is zero-padded so names sort in chain order.
const checkpointPrefix = "checkpoint-"

// WriteCheckpoint stores c in dir as checkpoint-SEQ-TIME.json, atomically
// (a temporary file renamed into place), and returns the file's path.
func WriteCheckpoint(dir string, c Checkpoint) (string, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return "", fmt.Errorf("audit: checkpoint directory: %w", err)
	}
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return "", fmt.Errorf("audit: encode checkpoint: %w", err)
	}
	name := fmt.Sprintf("%s%012d-%s.json", checkpointPrefix, c.Seq, c.At.UTC().Format("20060102T150405.000000Z"))
	tmp, err := os.CreateTemp(dir, ".checkpoint-*")
	if err != nil {
		return "", fmt.Errorf("audit: write checkpoint: %w", err)
	}
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return "", fmt.Errorf("audit: write checkpoint: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return "", fmt.Errorf("audit: write checkpoint: %w", err)
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return "", fmt.Errorf("audit: write checkpoint: %w", err)
	}
	path := filepath.Join(dir, name)
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return "", fmt.Errorf("audit: write checkpoint: %w", err)
	}
	return path, nil
}

// ReadCheckpoint reads a checkpoint file, or the newest checkpoint in a
// directory of them. It does not check the signature.
func ReadCheckpoint(path string) (Checkpoint, string, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return Checkpoint{}, "", fmt.Errorf("audit: read checkpoint: %w", err)
	}
	if fi.IsDir() {
		names, err := Checkpoints(path)
		if err != nil {
			return Checkpoint{}, "", err
		}
		if len(names) == 0 {
			return Checkpoint{}, "", fmt.Errorf("audit: no checkpoints in %s", path)
		}
		path = names[len(names)-1]
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return Checkpoint{}, "", fmt.Errorf("audit: read checkpoint: %w", err)
	}
	var c Checkpoint
	if err := json.Unmarshal(b, &c); err != nil || c.Seq < 0 || len(c.Head) != len(Genesis) || c.Signature == "" {
		return Checkpoint{}, "", fmt.Errorf("audit: %s is not a checkpoint file", path)
	}
	return c, path, nil
}

// Checkpoints lists the checkpoint files in dir, oldest first.
func Checkpoints(dir string) ([]string, error) {
	es, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("audit: read checkpoint directory: %w", err)
	}
	var out []string
	for _, e := range es {
		if !e.IsDir() && strings.HasPrefix(e.Name(), checkpointPrefix) && strings.HasSuffix(e.Name(), ".json") {
			out = append(out, filepath.Join(dir, e.Name()))
		}
	}
	sort.Strings(out)
	return out, nil
}
