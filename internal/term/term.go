// Package term tells whether a file is a terminal a person is at: what decides
// whether hostup-mcp prints a hint, asks for typed input or colours its logs.
package term

import "os"

// Is reports whether f is a terminal: a character device other than the null
// device, which is one too, and which a program started with no input (stdin
// from /dev/null, as CI and service managers start it) reads.
func Is(f any) bool {
	file, ok := f.(*os.File)
	if !ok {
		return false
	}
	st, err := file.Stat()
	if err != nil || st.Mode()&os.ModeCharDevice == 0 {
		return false
	}
	null, err := os.Stat(os.DevNull)
	return err != nil || !os.SameFile(st, null)
}
