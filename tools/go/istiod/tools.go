//go:build tools

// Package tools pins the Istio control plane (pilot-discovery, i.e. istiod's discovery server) the
// meshd test environment builds to check the registry against a real consumer.
package tools

import (
	_ "istio.io/istio/pilot/cmd/pilot-discovery"
)
