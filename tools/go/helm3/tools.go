//go:build tools

// Package tools pins the Helm 3 client the meshd test environment builds.
package tools

import (
	_ "helm.sh/helm/v3/cmd/helm"
)
