// Package metrics exports what hostup-mcp does as Prometheus metrics, for the
// HTTP transports' /metrics (off unless --metrics). It is the only package that
// knows Prometheus: tools, hostup and transport report through small hooks
// (tools.Observer, hostup.Options.OnAttempt, transport.Observer), and the
// transport serves Handler.
//
// No label carries a key, a VPS id or name, a tool name a client made up, or
// any other value without bound: tools are the registered ones, HostUp routes
// are path templates, outcomes, reasons and states are fixed words, statuses
// are HTTP's, and refusal codes are kept only while they look like codes and
// are few.
package metrics

import (
	"net/http"
	"regexp"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/hostup/hostup-mcp/hostup"
)

// maxCodes bounds the refusal codes that get a series of their own; later
// ones count as "other".
const maxCodes = 64

// codeShape is what a refusal code looks like (pending_order,
// stale_confirm_token); anything else counts as "other".
var codeShape = regexp.MustCompile(`^[a-z][a-z0-9_]{0,47}$`)

// Metrics holds the registry and every series. It implements tools.Observer and
// hostup's OnAttempt hook (HostUpAttempt).
type Metrics struct {
	registry *prometheus.Registry

	toolCalls     *prometheus.CounterVec
	toolDuration  *prometheus.HistogramVec
	confirmations *prometheus.CounterVec

	hostupRequests    *prometheus.CounterVec
	hostupDuration    *prometheus.HistogramVec
	hostupRetries     *prometheus.CounterVec
	hostupRateLimited *prometheus.CounterVec

	callsRejected *prometheus.CounterVec
	unknownTools  prometheus.Counter
	httpRefusals  *prometheus.CounterVec
	closedForRoom *prometheus.CounterVec

	mu        sync.Mutex
	codes     map[string]bool // refusal codes of tool calls with a series
	httpCodes map[string]bool // codes of HTTP refusals with a series
}

// New registers every series, with the Go runtime's and the process's.
func New() *Metrics {
	m := &Metrics{registry: prometheus.NewRegistry(), codes: map[string]bool{}, httpCodes: map[string]bool{}}
	m.toolCalls = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "hostup_mcp_tool_calls_total",
		Help: "Tool calls by tool and outcome (ok, applied, accepted_not_visible, dry_run, no_change, confirmation_required, declined, outcome_unknown, refused, invalid_input, error); code is a failure's code, as its result carries it.",
	}, []string{"tool", "outcome", "code"})
	m.toolDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "hostup_mcp_tool_call_duration_seconds",
		Help:    "Time from a tool call's start to its result, by tool and outcome.",
		Buckets: []float64{.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 300, 600},
	}, []string{"tool", "outcome"})
	m.confirmations = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "hostup_mcp_confirmations_total",
		Help: "Confirmations of destructive changes: asked, accepted (the confirmed change went ahead), declined, stale (the state changed since the plan).",
	}, []string{"event"})
	m.hostupRequests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "hostup_mcp_hostup_requests_total",
		Help: "Requests sent to HostUp, each attempt, by route template, method and status (none: no response).",
	}, []string{"route", "method", "status"})
	m.hostupDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "hostup_mcp_hostup_request_duration_seconds",
		Help:    "Time of one request to HostUp, by route template and method.",
		Buckets: prometheus.DefBuckets,
	}, []string{"route", "method"})
	m.hostupRetries = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "hostup_mcp_hostup_retries_total",
		Help: "Requests to HostUp that repeated a failed attempt (after a 429, or a GET after a 502/503/504 or a network error).",
	}, []string{"route", "method"})
	m.hostupRateLimited = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "hostup_mcp_hostup_rate_limited_total",
		Help: "Requests HostUp answered with 429 Too Many Requests.",
	}, []string{"route", "method"})
	m.callsRejected = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "hostup_mcp_tool_calls_rejected_total",
		Help: "Tool calls turned away before they ran, by reason: busy (every slot taken), key_busy (the caller's HostUp key runs its share), shutting_down.",
	}, []string{"reason"})
	for _, reason := range []string{"busy", "key_busy", "shutting_down"} {
		m.callsRejected.WithLabelValues(reason)
	}
	m.unknownTools = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "hostup_mcp_unknown_tool_calls_total",
		Help: "Calls of a tool this server does not offer (answered with a protocol error).",
	})
	m.httpRefusals = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "hostup_mcp_http_refusals_total",
		Help: "HTTP requests, and connections there was no room for, that the server refused, by status and code (the answer's error: too_many_connections, too_many_bodies, unreadable_body, body_too_large, missing_token, forbidden_origin, batch_not_supported, …).",
	}, []string{"status", "code"})
	m.closedForRoom = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "hostup_mcp_http_connections_closed_for_room_total",
		Help: "Connections closed to make room for a new one at a connection limit, by state: idle (between requests or before the first) or reading (still sending a request).",
	}, []string{"state"})
	for _, state := range []string{"idle", "reading"} {
		m.closedForRoom.WithLabelValues(state)
	}
	m.registry.MustRegister(m.toolCalls, m.toolDuration, m.confirmations,
		m.hostupRequests, m.hostupDuration, m.hostupRetries, m.hostupRateLimited,
		m.callsRejected, m.unknownTools, m.httpRefusals, m.closedForRoom,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the metrics in Prometheus's text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
}

// Transport is what a served transport reports about itself.
type Transport interface {
	InFlightCalls() int64
	OpenStreams() int64
	OpenConnections() int64
	BodiesReading() int64
}

// WatchTransport adds the gauges read from t at every scrape.
func (m *Metrics) WatchTransport(t Transport) {
	m.registry.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "hostup_mcp_tool_calls_in_flight",
			Help: "Tool calls running now.",
		}, func() float64 { return float64(t.InFlightCalls()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "hostup_mcp_sse_streams_open",
			Help: "Legacy SSE streams open now (0 on Streamable HTTP).",
		}, func() float64 { return float64(t.OpenStreams()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "hostup_mcp_http_connections_open",
			Help: "HTTP connections open now.",
		}, func() float64 { return float64(t.OpenConnections()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "hostup_mcp_http_bodies_reading",
			Help: "Request bodies being received now.",
		}, func() float64 { return float64(t.BodiesReading()) }),
	)
}

// ToolCall counts one tool call (tools.Observer).
func (m *Metrics) ToolCall(tool, outcome, code string, d time.Duration) {
	code = m.boundedCode(m.codes, code)
	m.toolCalls.WithLabelValues(tool, outcome, code).Inc()
	m.toolDuration.WithLabelValues(tool, outcome).Observe(d.Seconds())
}

// Confirmation counts one confirmation event (tools.Observer).
func (m *Metrics) Confirmation(event string) {
	m.confirmations.WithLabelValues(event).Inc()
}

// UnknownTool counts a call of a tool the server does not offer (tools.Observer).
func (m *Metrics) UnknownTool() { m.unknownTools.Inc() }

// CallRejected counts a tool call turned away before it ran (transport.Observer).
func (m *Metrics) CallRejected(reason string) { m.callsRejected.WithLabelValues(reason).Inc() }

// Refused counts an HTTP refusal (transport.Observer).
func (m *Metrics) Refused(status int, code string) {
	m.httpRefusals.WithLabelValues(strconv.Itoa(status), m.boundedCode(m.httpCodes, code)).Inc()
}

// ConnectionClosedForRoom counts a connection closed at a connection limit
// (transport.Observer).
func (m *Metrics) ConnectionClosedForRoom(state string) { m.closedForRoom.WithLabelValues(state).Inc() }

// HostUpAttempt counts one request to HostUp (hostup.Options.OnAttempt).
func (m *Metrics) HostUpAttempt(a hostup.Attempt) {
	status := "none"
	if a.Status > 0 {
		status = strconv.Itoa(a.Status)
	}
	m.hostupRequests.WithLabelValues(a.Route, a.Method, status).Inc()
	m.hostupDuration.WithLabelValues(a.Route, a.Method).Observe(a.Duration.Seconds())
	if a.Retry {
		m.hostupRetries.WithLabelValues(a.Route, a.Method).Inc()
	}
	if a.Status == http.StatusTooManyRequests {
		m.hostupRateLimited.WithLabelValues(a.Route, a.Method).Inc()
	}
}

// boundedCode keeps code as a label value only while it looks like a code and
// fewer than maxCodes have been seen in seen: HostUp's gate codes come from
// outside.
func (m *Metrics) boundedCode(seen map[string]bool, code string) string {
	if code == "" {
		return ""
	}
	if !codeShape.MatchString(code) {
		return "other"
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if !seen[code] {
		if len(seen) >= maxCodes {
			return "other"
		}
		seen[code] = true
	}
	return code
}
