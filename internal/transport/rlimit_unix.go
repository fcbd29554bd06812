//go:build unix

package transport

import "syscall"

// openFileLimit is the process's limit on open files (RLIMIT_NOFILE), 0 when
// it cannot be read or there is none. Go raises the soft limit to the hard one
// at start, so this is the limit the process runs with.
func openFileLimit() uint64 {
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
		return 0
	}
	// RLIM_INFINITY is all ones, whether Cur is signed or not.
	if n := uint64(l.Cur); n < 1<<31 {
		return n
	}
	return 0
}
