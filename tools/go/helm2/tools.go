//go:build tools

// Package tools pins the Helm 2 client and Tiller the meshd test environment builds.
package tools

import (
	_ "k8s.io/helm/cmd/helm"
	_ "k8s.io/helm/cmd/tiller"
)
