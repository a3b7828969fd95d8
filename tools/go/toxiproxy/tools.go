//go:build tools

// Package tools pins the Toxiproxy server the meshd test environment builds (the fault proxy between
// meshd and each test API server).
package tools

import (
	_ "github.com/Shopify/toxiproxy/v2/cmd/server"
)
