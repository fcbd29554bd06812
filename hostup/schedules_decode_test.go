package hostup

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// schedulesSeeds are schedules answers as HostUp documents them, as a PHP
// encoder writes them (escaped slashes and non-ASCII), and the edges where
// encoding/json's reading is easy to get wrong.
func schedulesSeeds(t testing.TB) []string {
	documented, err := os.ReadFile(filepath.Join("testdata", "backup_schedules.json"))
	if err != nil {
		t.Fatal(err)
	}
	return []string{
		string(documented),
		`{"schedules":[{"id":"bks_1","name":"S\u00e4kerhetskopia \/ natt","frequency":"daily","time":"02:00","daySpecifier":null,"retentionCount":7,"enabled":true,"lastRun":null,"nextRun":"2026-12-06T02:00:00.000Z","status":"completed"}],` +
			`"settings":null,"history":[{"backupType":"scheduled","status":"failed","createdAt":"2026-12-04T19:05:21.596Z","updatedAt":null,"note":"\ud83d\udcbe \"quoted\"\n"}],` +
			`"limits":{"maxSchedules":1,"totalBackups":3,"maxRetention":null},"actions":{"canCreate":{"allowed":false,"reason":"exists","code":"SCHEDULE_EXISTS"},"canUpdateSettings":null}}`,
		`{"schedules":[],"history":[],"limits":{},"actions":{}}`,
		`{"schedules":null,"history":null,"limits":null,"settings":{},"actions":null}`,
		`{"SCHEDULES":[{"ID":"bks_2","Enabled":false,"RetentionCount":-0}],"Limits":{"MAXSCHEDULES":2}}`,
		`{"limits":{"maxSchedules":1},"limits":{"totalBackups":2}}`,
		`{"history":[{"status":"a","Status":"b"}]}`,
		`{"extra":{"nested":[1,-2.5e+3,true,false,null,"x\\y",{"a":[]}]},"schedules":[{"id":"bks_3","unknown":{}}]}`,
		`{"schedules":[{"retentionCount":3.0}]}`,
		`{"schedules":[{"retentionCount":9223372036854775807}]}`,
		`{"schedules":[{"retentionCount":9223372036854775808}]}`,
		`{"schedules":[{"retentionCount":"7"}]}`,
		`{"schedules":[{"enabled":"true"}]}`,
		`{"schedules":[{"name":"bad \ud800 half"}]}`,
		`{"schedules":[{"name":"raw ` + "\xff" + ` byte"}]}`,
		`{"ſchedules":[]}`,
		`{"history":[null]}`,
		`{"history":[{"status":null,"note":null}]}`,
		`{"schedules":[01]}`,
		`{"schedules":[],}`,
		`{"schedules":[]} trailing`,
		` {"actions":{"canDelete":{"allowed":true,"reason":null}}} `,
		`null`,
		`[]`,
		`{"a":` + strings.Repeat("[", 80) + strings.Repeat("]", 80) + `}`,
		``,
	}
}

// TestSchedulesDecodeReadsAsEncodingJSON holds the fast reading to
// encoding/json's on every seed: where it reads an answer, it reads exactly
// what encoding/json does; elsewhere it says so.
func TestSchedulesDecodeReadsAsEncodingJSON(t *testing.T) {
	for _, body := range schedulesSeeds(t) {
		checkSchedulesDecode(t, []byte(body))
	}
}

// TestSchedulesDecodeTakesTheFastPath: the answers HostUp writes, plain or
// with a PHP encoder's escapes, are read without encoding/json; a fast path
// that always gave up would pass the differential test and help nobody.
func TestSchedulesDecodeTakesTheFastPath(t *testing.T) {
	for i, body := range schedulesSeeds(t)[:4] {
		var w backupSchedulesWire
		if !w.decodeFast([]byte(body)) {
			t.Errorf("seed %d: the fast reading gave up on %.120s", i, body)
		}
	}
}

func FuzzSchedulesDecode(f *testing.F) {
	for _, body := range schedulesSeeds(f) {
		f.Add([]byte(body))
	}
	f.Fuzz(func(t *testing.T, body []byte) { checkSchedulesDecode(t, body) })
}

func checkSchedulesDecode(t *testing.T, body []byte) {
	t.Helper()
	var fast, std backupSchedulesWire
	ok := fast.decodeFast(body)
	err := json.Unmarshal(body, &std)
	if !ok {
		// encoding/json reads it, in getJSON, into w as it is: anything
		// left in it would be mixed into that reading.
		if !reflect.DeepEqual(fast, backupSchedulesWire{}) {
			t.Fatalf("%q: the fast reading gave up and left\n%#v", body, fast)
		}
		return
	}
	if err != nil {
		t.Fatalf("%q: the fast reading accepted an answer encoding/json refuses (%v)", body, err)
	}
	if !reflect.DeepEqual(fast, std) {
		t.Fatalf("%q: the fast reading gives\n%#v\nencoding/json gives\n%#v", body, fast, std)
	}
}

// BenchmarkSchedulesDecode reads a schedules answer with 20 runs in its
// history, as .ci/bench's detail VPS has, the fast way and with encoding/json.
func BenchmarkSchedulesDecode(b *testing.B) {
	run := `{"backupType":"scheduled","status":"completed","createdAt":"2026-12-04T19:05:21.596Z","updatedAt":null,"note":"Nightly backup"}`
	body := []byte(`{"schedules":[{"id":"bks_sim000001","name":"Nightly backup","frequency":"daily","time":"02:00","daySpecifier":null,"retentionCount":7,"enabled":true,"lastRun":"2026-12-04T19:05:21.596Z","nextRun":"2026-12-06T02:00:00.000Z","status":"completed"}],` +
		`"settings":{"totalBackupLimit":7,"manualBackupsActive":0,"scheduledBackupsActive":0,"availableScheduledSlots":7,"autoDeleteOldest":true},` +
		`"history":[` + strings.TrimSuffix(strings.Repeat(run+",", 20), ",") + `],` +
		`"limits":{"maxSchedules":1,"totalBackups":7,"maxRetention":7,"currentSchedules":1,"manualBackupsActive":0,"scheduledBackupsActive":7,"availableScheduledSlots":0},` +
		`"actions":{"canCreate":{"allowed":false,"reason":"A backup schedule already exists.","code":"SCHEDULE_EXISTS"},"canUpdateSettings":{"allowed":true,"reason":null},"canDelete":{"allowed":true,"reason":null}}}`)
	b.Run("fast", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var w backupSchedulesWire
			if !w.decodeFast(body) {
				b.Fatal("the fast reading gave up")
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var w backupSchedulesWire
			if err := json.Unmarshal(body, &w); err != nil {
				b.Fatal(err)
			}
		}
	})
}
