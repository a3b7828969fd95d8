//go:build tools

// Package tools pins the etcd server the meshd test environment builds.
package tools

import (
	_ "go.etcd.io/etcd/server/v3"
)
