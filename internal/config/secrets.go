package config

import (
	"errors"
	"os"
	"strings"

	"github.com/hostup/hostup-mcp/hostup"
	"github.com/hostup/hostup-mcp/internal/secret"
)

// LoadSecrets reads the API key and the HTTP transports' secrets, from the
// environment Parse read. Only the commands that talk to HostUp call it, so
// that tools, version and --help work before a key exists. Over http and sse
// without a key of its own and without HOSTUP_MCP_HTTP_TOKEN, the server takes
// each client's HostUp key per request.
func (cfg *Config) LoadSecrets() error {
	if err := cfg.loadTransportSecrets(); err != nil {
		return err
	}
	if cfg.Sandbox {
		return nil
	}
	if err := cfg.loadAPIKey(); err != nil {
		return err
	}
	if cfg.APIKey == "" && cfg.Transport != "stdio" {
		if cfg.HTTPToken != "" {
			return &Error{msg: "HOSTUP_MCP_HTTP_TOKEN is set, so the server calls HostUp with its own key: set HOSTUP_API_KEY or pass --api-key-file PATH, or unset HOSTUP_MCP_HTTP_TOKEN to let each client send its own HostUp key"}
		}
		return nil
	}
	if cfg.APIKey == "" {
		return &Error{msg: "no HostUp API key: set HOSTUP_API_KEY or pass --api-key-file PATH (create a key in HostUp's control panel), or try the simulated account with --sandbox (HOSTUP_SANDBOX=1); in Claude Desktop, enter the key in the extension's settings or turn on its sandbox"}
	}
	return nil
}

// loadTransportSecrets reads the bearer tokens and the signing secret, each
// refused when it is too weak to protect anything.
func (cfg *Config) loadTransportSecrets() error {
	cfg.HTTPToken = strings.TrimSpace(cfg.getenv("HOSTUP_MCP_HTTP_TOKEN"))
	cfg.MetricsToken = strings.TrimSpace(cfg.getenv("HOSTUP_MCP_METRICS_TOKEN"))
	for name, token := range map[string]string{"HOSTUP_MCP_HTTP_TOKEN": cfg.HTTPToken, "HOSTUP_MCP_METRICS_TOKEN": cfg.MetricsToken} {
		if why := secret.Weakness(token); token != "" && why != "" {
			return &Error{msg: name + " " + why + "; " + secret.How}
		}
	}
	if s := cfg.getenv("HOSTUP_MCP_TOKEN_SECRET"); s != "" {
		key, err := secret.SigningKey(s)
		if err != nil {
			// A weak secret would make tokens forgeable.
			return &Error{msg: "HOSTUP_MCP_TOKEN_SECRET " + err.Error() + "; " + secret.How + ", and set the same value on every replica"}
		}
		cfg.TokenSecret = key
	}
	return nil
}

// loadAPIKey reads the key from --api-key-file or HOSTUP_API_KEY and refuses
// one that cannot be a key; an absent key is LoadSecrets' to judge.
func (cfg *Config) loadAPIKey() error {
	cfg.APIKey = strings.TrimSpace(cfg.getenv("HOSTUP_API_KEY"))
	if isPlaceholder(cfg.APIKey) {
		cfg.APIKey = "" // the bundle's key setting left empty
	}
	if cfg.APIKeyFile != "" {
		b, err := os.ReadFile(cfg.APIKeyFile)
		if err != nil {
			return Errorf("--api-key-file: cannot read %s (%v); point it at a file that holds only the API key", cfg.APIKeyFile, errors.Unwrap(err))
		}
		cfg.APIKey = strings.TrimSpace(string(b))
		if cfg.APIKey == "" {
			return Errorf("--api-key-file: %s is empty; put the HostUp API key in it", cfg.APIKeyFile)
		}
	}
	if secret.Placeholder(cfg.APIKey) {
		return &Error{msg: cfg.keySource() + ": the API key is the example the docs print, not a key: put your HostUp API key there (create one in HostUp's control panel), or try the simulated account with --sandbox"}
	}
	if cfg.APIKey != "" && !hostup.ValidKey(cfg.APIKey) {
		// Checked here rather than in hostup.New so the line names where the key came from.
		return &Error{msg: cfg.keySource() + ": the API key contains spaces, line breaks or other characters no key has; it must hold only the key as HostUp's control panel shows it, on one line"}
	}
	return nil
}

// keySource names where the API key came from, for a line about it.
func (cfg *Config) keySource() string {
	if cfg.APIKeyFile != "" {
		return "--api-key-file: " + cfg.APIKeyFile
	}
	return "HOSTUP_API_KEY"
}
