package main

import (
	"fmt"
	"slices"
	"time"
)

const (
	kib = 1024
	mib = 1024 * 1024
	day = 24 * time.Hour

	// referencePackage is the Node server row 1 compares with; its version is pinned
	// in .ci/bench/package.json and package-lock.json.
	referencePackage = "@modelcontextprotocol/server-everything"
)

// The goals the figures are judged against, as the README's Benchmarks states
// them: a start-up and a per-call cost no client notices, a small memory
// footprint, results a model reads cheaply, and fleet calls as fast as
// HostUp's latency and rate limit allow.
const (
	goalStartupRatio  = 0.1
	goalOverhead      = 500 * time.Microsecond
	goalPeakRSS       = 25 * mib
	goalScheduleText  = 2 * kib
	goalAuditText     = 6 * kib
	goalFleetOverBand = 1.2
)

// ---------------------------------------------------------------- stats

func median(d []time.Duration) time.Duration { return percentile(d, 50) }

// percentile is the nearest-rank percentile.
func percentile(d []time.Duration, p float64) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	if p == 50 && len(s)%2 == 0 {
		return (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	rank := int(float64(len(s))*p/100+0.999999) - 1
	return s[min(max(rank, 0), len(s)-1)]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.3f ms", float64(d)/float64(time.Millisecond)) }

func secs(d time.Duration) string { return fmt.Sprintf("%.2f s", d.Seconds()) }
